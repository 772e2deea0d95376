/* fuzz.h -- what the libFuzzer targets share (tests/fuzz/README.md) */
#ifndef DD_FUZZ_H
#define DD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/* A NUL-terminated copy of data[0..size); free it. */
char	*fuzz_str(const uint8_t *data, size_t size);
/* Cut s[0..len) (NUL-terminated at len, as fuzz_str makes it) at each
 * `sep`, which may be NUL, into at most max parts: each is terminated
 * where its `sep` was, the last keeps the rest. Returns how many parts
 * (at least 1). */
size_t	 fuzz_split(char *s, size_t len, char sep, char **parts, size_t max);
/*
 * 1 if s is valid UTF-8 by RFC 3629 (no overlong form, no surrogate,
 * nothing past U+10FFFF) and holds no control character (C0, DEL, C1)
 * but those in `allow` (e.g. "\n"). An oracle written apart from
 * src/utf8.c on purpose.
 */
int	 fuzz_printable(const char *s, size_t len, const char *allow);
/* 1 if s is valid UTF-8 by RFC 3629, control characters or not. */
int	 fuzz_utf8(const char *s);
/* Report a broken property and abort (libFuzzer keeps the input). */
void	 fuzz_fail(const char *, ...) PRINTFLIKE(1, 2)
	    __attribute__((noreturn));
/* What a target sets up once, if it needs to (fuzz.c's
 * LLVMFuzzerInitialize, after quieting the log, calls it). */
void	 fuzz_setup(void) __attribute__((weak));

#endif
