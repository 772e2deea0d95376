/* test_utf8.c -- UTF-8 validity: RFC 3629 exactly, and what is printable */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "utf8.h"

static size_t
len_of(const char *s)
{
	return utf8_len((const unsigned char *)s);
}

static void
test_len_valid(void **state)
{
	(void)state;
	assert_int_equal(len_of("a"), 1);
	assert_int_equal(len_of("\xc2\xa0"), 2);		/* U+00A0 */
	assert_int_equal(len_of("\xdf\xbf"), 2);		/* U+07FF */
	assert_int_equal(len_of("\xe0\xa0\x80"), 3);	/* U+0800 */
	assert_int_equal(len_of("\xed\x9f\xbf"), 3);	/* U+D7FF */
	assert_int_equal(len_of("\xee\x80\x80"), 3);	/* U+E000 */
	assert_int_equal(len_of("\xef\xbf\xbd"), 3);	/* U+FFFD */
	assert_int_equal(len_of("\xf0\x90\x80\x80"), 4);	/* U+10000 */
	assert_int_equal(len_of("\xf4\x8f\xbf\xbf"), 4);	/* U+10FFFF */
}

/* Found by tests/fuzz/fuzz_log: F0 89 89 89 (U+9249 in four bytes)
 * passed log_escape as it was. */
static void
test_len_invalid(void **state)
{
	(void)state;
	assert_int_equal(len_of("\xc0\xaf"), 0);		/* overlong '/' */
	assert_int_equal(len_of("\xc1\xbf"), 0);
	assert_int_equal(len_of("\xe0\x80\xaf"), 0);	/* overlong '/' */
	assert_int_equal(len_of("\xe0\x9f\xbf"), 0);	/* overlong U+07FF */
	assert_int_equal(len_of("\xed\xa0\x80"), 0);	/* U+D800 */
	assert_int_equal(len_of("\xed\xbf\xbf"), 0);	/* U+DFFF */
	assert_int_equal(len_of("\xf0\x80\x80\xaf"), 0);	/* overlong '/' */
	assert_int_equal(len_of("\xf0\x89\x89\x89"), 0);	/* overlong */
	assert_int_equal(len_of("\xf4\x90\x80\x80"), 0);	/* U+110000 */
	assert_int_equal(len_of("\xf5\x80\x80\x80"), 0);
	assert_int_equal(len_of("\x80"), 0);
	assert_int_equal(len_of("\xe2\x82"), 0);		/* cut short */
}

static void
check_escape(const char *in, const char *want)
{
	char *out = log_escape(in, 0);

	assert_string_equal(out, want);
	free(out);
}

static void
test_escape_invalid(void **state)
{
	(void)state;
	check_escape("\xf0\x89\x89\x89", "\\xf0\\x89\\x89\\x89");
	check_escape("a\xed\xa0\x80z", "a\\xed\\xa0\\x80z");
	check_escape("\xe0\x82\x9b[31m", "\\xe0\\x82\\x9b[31m");
	check_escape("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	check_escape("ok \xe2\x82\xac", "ok \xe2\x82\xac");	/* the euro */
}

static void
test_printable(void **state)
{
	(void)state;
	assert_true(utf8_printable("main", 0));
	assert_true(utf8_printable("caf\xc3\xa9", 0));
	assert_false(utf8_printable("a\tb", 0));
	assert_true(utf8_printable("a\tb", 1));
	assert_false(utf8_printable("a\x7f", 1));
	assert_false(utf8_printable("\xed\xa0\x80", 1));	/* surrogate */
	assert_false(utf8_printable("\xe0\x80\x80", 1));	/* overlong */
	assert_false(utf8_printable("a\xc2\x9b[31m", 1));	/* C1: CSI */
	assert_false(utf8_printable("\xc2\x80", 1));
	assert_false(utf8_printable("\xc2\x9f", 1));
	assert_true(utf8_printable("\xc2\xa0", 0));	/* no-break space */
}

static void
test_prefix(void **state)
{
	(void)state;
	assert_int_equal(utf8_prefix("abc", 5), 3);
	assert_int_equal(utf8_prefix("abc", 2), 2);
	assert_int_equal(utf8_prefix("ab\xe2\x82\xac", 5), 5);
	assert_int_equal(utf8_prefix("ab\xe2\x82\xac", 4), 2);
	assert_int_equal(utf8_prefix("ab\xe2\x82\xac", 3), 2);
	assert_int_equal(utf8_prefix("ab\xe2\x82\xacz", 5), 5);
	assert_int_equal(utf8_prefix("\xf0\x9f\x98\x80", 3), 0);
	assert_int_equal(utf8_prefix("\xc3\xa9", 0), 0);
	/* not UTF-8 to begin with: cut where asked */
	assert_int_equal(utf8_prefix("a\x80\x80\x80\x80\x80", 5), 5);
}

/* A message cut to its buffer never ends in half a character. */
static void
test_error_cut(void **state)
{
	struct error err;
	char text[2048];
	size_t pad, i;

	(void)state;
	for (pad = 0; pad < 4; pad++) {
		memset(text, 'x', pad);
		for (i = pad; i + 3 < sizeof(text); i += 3)
			memcpy(text + i, "\xe2\x82\xac", 3);
		text[i] = '\0';
		error_clear(&err);
		error_set(&err, EXIT_FAIL, "%s", text);
		error_hint(&err, "%s", text);
		assert_true(utf8_valid(err.msg));
		assert_true(strlen(err.msg) >= sizeof(err.msg) - 4);
		assert_true(utf8_valid(err.hint));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_len_valid),
		cmocka_unit_test(test_len_invalid),
		cmocka_unit_test(test_escape_invalid),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_error_cut),
	};

	return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
