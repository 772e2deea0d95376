/*
 * fuzz_log.c -- log_escape and log_redact.
 *
 * Input: one byte (the `max` of log_escape, 0: all), then the secret, a
 * NUL, the text (no NUL: no secret). Properties: the escaped text is
 * printable UTF-8 and decodes (\xNN) back to the bytes shown, which are
 * the first `max`; a key (as api.c accepts one: no blank, no control)
 * never survives redaction, in log_redact nor in a struct error.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "log.h"
#include "xmalloc.h"

static int
hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : c - 'a' + 10;
}

/* Undo log_escape: \xNN is the only escape it makes. */
static size_t
unescape(char *out, const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] != '\\') {
			out[n++] = s[i];
			continue;
		}
		if (i + 3 >= len)
			fuzz_fail("log_escape: a lone backslash");
		if (s[i + 1] != 'x' || !isxdigit((unsigned char)s[i + 2]) ||
		    !isxdigit((unsigned char)s[i + 3]) ||
		    isupper((unsigned char)s[i + 2]) ||
		    isupper((unsigned char)s[i + 3]))
			fuzz_fail("log_escape: a backslash not in \\xnn");
		out[n++] = (char)(hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
		i += 3;
	}
	return n;
}

static void
check_escape(const char *text, size_t max)
{
	size_t len = strlen(text), shown = max && len > max ? max : len;
	char *out = log_escape(text, max), *back;
	size_t olen = strlen(out), blen;

	if (!fuzz_printable(out, olen, ""))
		fuzz_fail("log_escape: output not printable UTF-8");
	if (shown < len) {
		if (olen < 3 || strcmp(out + olen - 3, "...") != 0)
			fuzz_fail("log_escape: a cut without '...'");
		olen -= 3;
	}
	back = xmalloc(olen + 1);
	blen = unescape(back, out, olen);
	if (blen != shown || memcmp(back, text, shown) != 0)
		fuzz_fail("log_escape: does not decode to the input shown");
	free(back);
	free(out);
}

/* A key as check_key() in api.c takes it. */
static int
key_like(const char *s)
{
	const unsigned char *p;

	if (*s == '\0')
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* The secret must not be in s once each LOG_REDACTED is taken out, and
 * the start of one that a cut left at the end (the mark's own letters
 * could spell a short secret). */
static void
check_gone(const char *s, const char *secret, const char *what)
{
	static const char mark[] = LOG_REDACTED;
	char *copy = xstrdup(s), *p;
	size_t n, len;

	while ((p = strstr(copy, mark)) != NULL) {
		*p = '\001';
		memmove(p + 1, p + strlen(mark), strlen(p + strlen(mark)) + 1);
	}
	len = strlen(copy);
	for (n = sizeof(mark) - 2; n > 0; n--)
		if (len >= n && memcmp(copy + len - n, mark, n) == 0) {
			copy[len - n] = '\0';
			break;
		}
	if (strstr(copy, secret) != NULL)
		fuzz_fail("%s: the secret survived", what);
	free(copy);
}

static void
check_redact(const char *text, const char *secret)
{
	struct error err;
	char *out;

	log_set_secret(secret);
	out = log_redact(text);
	check_gone(out, secret, "log_redact");
	free(out);
	error_clear(&err);
	error_set(&err, EXIT_FAIL, "x %s", text);
	error_hint(&err, "%s y", text);
	check_gone(err.msg, secret, "error_set");
	check_gone(err.hint, secret, "error_hint");
	log_set_secret(NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *parts[2];
	size_t max;

	if (size == 0)
		return 0;
	max = data[0];
	buf = fuzz_str(data + 1, size - 1);
	if (fuzz_split(buf, size - 1, '\0', parts, 2) == 1)
		check_escape(buf, max);
	else {
		check_escape(parts[1], max);
		if (key_like(parts[0]))
			check_redact(parts[1], parts[0]);
	}
	free(buf);
	return 0;
}
