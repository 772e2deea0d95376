/* SPDX-License-Identifier: ISC */
/*
 * lazylib.c -- a shared library loaded on first use.
 *
 * libgit2, libcurl and libsystemd pull in some 40 libraries that cost the
 * dynamic loader milliseconds at every start, and git runs our hooks on
 * every push and every local ref update. Most runs never touch a git
 * object or the network: those never load them (see dl-git2.h, dl-curl.h).
 */
#include <dlfcn.h>
#include <string.h>

#include "lazylib.h"

/* POSIX: a function pointer can hold what dlsym returns. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
    "function pointers are as wide as data pointers");

int
lazylib_open(void **handle, const char *soname,
    const struct lazylib_sym *syms, size_t n, struct error *err)
{
	const char *why;
	void *h, *fn;
	size_t i, len;

	if (*handle != NULL)
		return 0;
	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		if ((why = dlerror()) == NULL)
			why = "unknown error";
		len = strlen(soname);	/* glibc says "libx.so.1: why" */
		if (strncmp(why, soname, len) == 0 && why[len] == ':')
			why += len + 1 + (why[len + 1] == ' ');
		error_set(err, EXIT_FAIL, "cannot load %s: %s", soname, why);
		error_hint(err, "install the package that provides %s",
		    soname);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((fn = dlsym(h, syms[i].name)) == NULL) {
			dlclose(h);
			return error_set(err, EXIT_FAIL, "cannot load %s: "
			    "no function '%s' in it", soname, syms[i].name);
		}
		memcpy(syms[i].slot, &fn, sizeof(fn));
	}
	*handle = h;
	return 0;
}
