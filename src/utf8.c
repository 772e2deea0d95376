/* SPDX-License-Identifier: ISC */
/* utf8.c -- UTF-8 validity */
#include <string.h>

#include "utf8.h"

/*
 * The second byte's range depends on the first (RFC 3629): E0 and F0
 * start overlong forms below A0 and 90, ED the surrogates from A0, F4
 * code points past U+10FFFF from 90.
 */
size_t
utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

size_t
utf8_prefix(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strnlen(s, max + 1), i;

	if (n <= max)
		return n;
	/* u[max] is the first byte left out: back to its sequence's start
	 * when it continues one (at most 3 bytes: else it is no valid
	 * UTF-8 anyway) */
	for (i = max; i > 0 && max - i < 3 && (u[i] & 0xc0) == 0x80; i--)
		;
	return (u[i] & 0xc0) == 0x80 ? max : i;
}

int
utf8_valid(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;

	for (; *u != '\0'; u += n)
		if ((n = utf8_len(u)) == 0)
			return 0;
	return 1;
}

int
utf8_printable(const char *s, int tab)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;

	while (*u != '\0') {
		if ((n = utf8_len(u)) == 0)
			return 0;
		if (n == 1 && (*u == 0x7f || (*u < 0x20 && !(tab &&
		    *u == '\t'))))
			return 0;
		if (n == 2 && u[0] == 0xc2 && u[1] < 0xa0)	/* C1 */
			return 0;
		u += n;
	}
	return 1;
}
