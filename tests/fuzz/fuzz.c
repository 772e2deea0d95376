/* fuzz.c -- helpers for the libFuzzer targets */
#include <sanitizer/common_interface_defs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "log.h"
#include "xmalloc.h"

char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

size_t
fuzz_split(char *s, size_t len, char sep, char **parts, size_t max)
{
	char *end = s + len, *p;
	size_t n = 0;

	parts[n++] = s;
	while (n < max && (p = memchr(parts[n - 1], sep,
	    (size_t)(end - parts[n - 1]))) != NULL) {
		*p = '\0';
		parts[n++] = p + 1;
	}
	return n;
}

/*
 * Length of the well-formed sequence at s[0..left), or 0 (RFC 3629).
 * Decoded to its code point first, then judged by the code point: too
 * small for its length (overlong), a surrogate, past U+10FFFF. That is
 * another reading of the rule than src/utf8.c's table of byte ranges,
 * on purpose: an oracle that repeated it would agree with its bugs.
 */
static size_t
seq_len(const unsigned char *s, size_t left)
{
	static const unsigned long least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned long cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
fuzz_printable(const char *str, size_t len, const char *allow)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	while (i < len) {
		if ((n = seq_len(s + i, len - i)) == 0)
			return 0;
		if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f) &&
		    (s[i] == '\0' || strchr(allow, s[i]) == NULL))
			return 0;
		if (n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)
			return 0;
		i += n;
	}
	return 1;
}

int
fuzz_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str), i = 0, n;

	for (; i < len; i += n)
		if ((n = seq_len(s + i, len - i)) == 0)
			return 0;
	return 1;
}

/* Said through the sanitizer's report: it reaches the log even when
 * libFuzzer closes the target's stderr (-close_fd_mask=2). */
void
fuzz_fail(const char *fmt, ...)
{
	char msg[2048];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "property broken: ");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	__sanitizer_report_error_summary(msg);
	abort();
}

/* Quiet logging (the targets' own messages are not the output), then
 * the target's own set-up. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_LEVEL_QUIET, 0);
	if (fuzz_setup != NULL)
		fuzz_setup();
	return 0;
}
