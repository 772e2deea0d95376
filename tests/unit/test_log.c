/* SPDX-License-Identifier: ISC */
/* test_log.c -- the key redacted in log lines and errors, before any cut */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "unit_util.h"
#include "xmalloc.h"

#define KEY	"gl_api_s3cr3t_0123456789"
/* The key less its last two bytes: what a cut after redaction used to
 * leave behind. */
#define KEY_PART	"gl_api_s3cr3t_01234567"

static int
teardown(void **state)
{
	(void)state;
	log_set_secret(NULL);
	return 0;
}

/* n bytes of 'x', then s, then "!". */
static char *
padded(size_t n, const char *s)
{
	char *p = xmalloc(n + strlen(s) + 2);

	memset(p, 'x', n);
	strcpy(p + n, s);
	strcat(p, "!");
	return p;
}

static void
check_redact(const char *in, const char *want)
{
	char *out = log_redact(in);

	assert_string_equal(out, want);
	free(out);
}

static void
test_redact(void **state)
{
	(void)state;
	check_redact("a " KEY " b", "a " KEY " b");	/* no secret yet */
	log_set_secret(KEY);
	check_redact("", "");
	check_redact("nothing here", "nothing here");
	check_redact(KEY, "[REDACTED]");
	check_redact("a " KEY " b " KEY, "a [REDACTED] b [REDACTED]");
	check_redact(KEY KEY "x", "[REDACTED][REDACTED]x");
	check_redact(KEY_PART, KEY_PART);
	/* a key shorter than the mark makes the text grow */
	log_set_secret("k");
	check_redact("kkk", "[REDACTED][REDACTED][REDACTED]");
	/* replaced: the old key is no longer known */
	log_set_secret("other");
	check_redact("k other", "k [REDACTED]");
	log_set_secret("");
	check_redact("k other", "k other");
	log_set_secret(KEY);
	log_set_secret(NULL);
	check_redact(KEY, KEY);
}

static void
test_error_redacted_before_cut(void **state)
{
	struct error err;
	char *text;

	(void)state;
	log_set_secret(KEY);
	error_clear(&err);
	error_set(&err, EXIT_FAIL, "refused %s", KEY);
	assert_string_equal(err.msg, "refused [REDACTED]");
	/* the key straddles the end of err.msg */
	text = padded(sizeof(err.msg) - 12, KEY);
	error_temp(&err, "%s", text);
	assert_true(err.temporary);
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	assert_null(strstr(err.msg, "gl_api"));
	assert_non_null(strstr(err.msg, "x[REDACTED]"));
	free(text);
	/* wrapping: the prefix and the old message, then the cut */
	error_set(&err, EXIT_USAGE, "echo %s", KEY);
	error_wrap(&err, "sending to %s", KEY);
	assert_string_equal(err.msg, "sending to [REDACTED]: echo [REDACTED]");
	assert_int_equal(err.exit, EXIT_USAGE);
	text = padded(sizeof(err.msg) - 20, "");
	error_set(&err, EXIT_FAIL, "%s", KEY);
	error_wrap(&err, "%s", text);
	assert_null(strstr(err.msg, "gl_api"));
	free(text);
	text = padded(sizeof(err.hint) - 8, KEY);
	error_hint(&err, "%s", text);
	assert_null(strstr(err.hint, "gl_"));
	free(text);
	error_hint(&err, "the key is %s", KEY);
	assert_string_equal(err.hint, "the key is [REDACTED]");
}

static void
test_error_message_may_be_an_argument(void **state)
{
	struct error err;

	(void)state;
	error_clear(&err);
	error_set(&err, EXIT_FAIL, "first");
	error_set(&err, EXIT_FAIL, "again: %s", err.msg);
	assert_string_equal(err.msg, "again: first");
}

/* What the log functions write, as one string. */
static char *
logged(void (*fn)(const char *, ...), const char *text)
{
	char *dir = unit_tmpdir(), *out;

	unit_stderr_begin(dir);
	fn("%s", text);
	out = unit_stderr_end();
	unit_rmtree(dir);
	return out;
}

static void
log_warn_errno(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	errno = ENOENT;
	log_warn("%s", s);
	free(s);
}

static void
test_log_lines_redacted_before_cut(void **state)
{
	char *text, *out;
	size_t at;

	(void)state;
	log_init(LOG_LEVEL_NORMAL, 0);
	log_set_secret(KEY);
	out = logged(log_info, "key " KEY " done");
	assert_string_equal(out, "dotgit-deploy: key [REDACTED] done\n");
	free(out);
	/* around the longest line shown, and the old log_warn buffer */
	for (at = 2030; at < 2060; at += 7) {
		text = padded(at, KEY);
		out = logged(log_warn_errno, text);
		assert_null(strstr(out, "gl_api"));
		assert_non_null(strstr(out, "[REDACTED]!: No such file"));
		free(out);
		free(text);
	}
	for (at = 4070; at < 4100; at += 5) {
		text = padded(at, KEY);
		out = logged(log_error, text);
		assert_null(strstr(out, "gl_api"));
		free(out);
		free(text);
	}
}

static void
check_escape(const char *in, size_t max, const char *want)
{
	char *out = log_escape(in, max);

	assert_string_equal(out, want);
	free(out);
}

static void
test_escape(void **state)
{
	(void)state;
	check_escape("caf\xc3\xa9 ok", 0, "caf\xc3\xa9 ok");
	check_escape("\x1b[31m\x07\\", 0, "\\x1b[31m\\x07\\x5c");
	/* C1 controls: an 8-bit CSI is a terminal escape too */
	check_escape("a\xc2\x9b" "2J\xc2\x85\xc2\xa0", 0,
	    "a\\xc2\\x9b" "2J\\xc2\\x85\xc2\xa0");
	check_escape("\xff", 0, "\\xff");
	check_escape("abcdef", 3, "abc...");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test_teardown(test_redact, teardown),
		cmocka_unit_test_teardown(test_error_redacted_before_cut,
		    teardown),
		cmocka_unit_test_teardown(
		    test_error_message_may_be_an_argument, teardown),
		cmocka_unit_test_teardown(test_log_lines_redacted_before_cut,
		    teardown),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
