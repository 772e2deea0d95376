/* SPDX-License-Identifier: ISC */
/* utf8.h -- the few UTF-8 checks the program needs */
#ifndef DD_UTF8_H
#define DD_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 if there is
 * none (overlong forms, surrogates and code points past U+10FFFF are
 * not valid). */
size_t	utf8_len(const unsigned char *s);
/* The length of the longest prefix of s of at most max bytes that does
 * not end inside a UTF-8 sequence: where to cut s to max bytes without
 * leaving half a character (invalid UTF-8). */
size_t	utf8_prefix(const char *s, size_t max);
/* 1 if s is valid UTF-8, control characters or not. */
int	utf8_valid(const char *s);
/* 1 if s is valid UTF-8 without control characters (C0, DEL and C1,
 * U+0080..U+009F); a tab is allowed when `tab` is set. */
int	utf8_printable(const char *s, int tab);

#endif
