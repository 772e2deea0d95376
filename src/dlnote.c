/* SPDX-License-Identifier: ISC */
/* dlnote.c -- the libraries loaded on first use, named in the binary */
#include <stddef.h>
#include <stdint.h>

#include "sonames.h"

/*
 * dlopen() hides these dependencies from the dynamic section, where
 * packaging tools look (dpkg-shlibdeps). The ELF note ".note.dlopen"
 * (https://systemd.io/ELF_DLOPEN_METADATA/) names them instead, for a
 * reader such as `dlopen-notes` or `readelf -p .note.dlopen`: owner
 * "FDO", type 0x407c0c0a, a NUL-terminated JSON array padded to 4 bytes.
 */
#define DLNOTE_OWNER	"FDO"
#define DLNOTE_TYPE	0x407c0c0aU
#define DLNOTE_LIB(feature, what, priority, soname)			\
	"{\"feature\":\"" feature "\",\"description\":\"" what "\","	\
	"\"priority\":\"" priority "\",\"soname\":[\"" soname "\"]}"
#define DLNOTE_JSON "["							\
	DLNOTE_LIB("git", "read the pushed commits and refs",		\
	    "required", DL_GIT2_SONAME) ","				\
	DLNOTE_LIB("https", "call the deployment API",			\
	    "required", DL_CURL_SONAME) ","				\
	DLNOTE_LIB("notify", "tell systemd the daemon is ready",	\
	    "recommended", DL_SYSTEMD_SONAME) "]"
#define DLNOTE_ALIGN(n)	(((n) + 3) & ~(size_t)3)

struct dlnote {
	uint32_t	namesz;
	uint32_t	descsz;
	uint32_t	type;
	char		name[DLNOTE_ALIGN(sizeof(DLNOTE_OWNER))];
	char		desc[DLNOTE_ALIGN(sizeof(DLNOTE_JSON))];
};

/* Not referenced: `used` keeps it, the section makes it a note. */
__attribute__((used, section(".note.dlopen"), aligned(4)))
static const struct dlnote dlnote = {
	sizeof(DLNOTE_OWNER),
	sizeof(DLNOTE_JSON),
	DLNOTE_TYPE,
	DLNOTE_OWNER,
	DLNOTE_JSON
};
