/* SPDX-License-Identifier: ISC */
/* test_vars.c -- env var lists: set, replace, merge, names */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vars.h"

static void
test_set_replaces_in_place(void **state)
{
	struct vars vs = { 0 };

	(void)state;
	vars_set(&vs, "A", "1");
	vars_set(&vs, "B", "2");
	vars_set(&vs, "A", "3");
	assert_int_equal(vs.n, 2);
	assert_string_equal(vs.v[0].name, "A");
	assert_string_equal(vs.v[0].value, "3");
	assert_string_equal(vars_get(&vs, "B"), "2");
	assert_null(vars_get(&vs, "C"));
	vars_release(&vs);
}

static void
test_merge_later_wins(void **state)
{
	struct vars base = { 0 }, over = { 0 };

	(void)state;
	vars_set(&base, "URL", "https://a");
	vars_set(&base, "KEEP", "k");
	vars_set(&over, "URL", "https://b");
	vars_set(&over, "NEW", "n");
	vars_merge(&base, &over);
	assert_int_equal(base.n, 3);
	assert_string_equal(vars_get(&base, "URL"), "https://b");
	assert_string_equal(vars_get(&base, "KEEP"), "k");
	assert_string_equal(vars_get(&base, "NEW"), "n");
	vars_release(&base);
	vars_release(&over);
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(vars_name_valid("NEXT_PUBLIC_API_URL"));
	assert_true(vars_name_valid("_x1"));
	assert_false(vars_name_valid(""));
	assert_false(vars_name_valid("1ABC"));
	assert_false(vars_name_valid("A-B"));
	assert_false(vars_name_valid("A B"));
	assert_false(vars_name_valid("\xc3\xa9t\xc3\xa9"));
}

static void
test_assignment(void **state)
{
	struct vars vs = { 0 };
	struct error err;

	(void)state;
	error_clear(&err);
	assert_int_equal(vars_set_assignment(&vs, "X=a=b", &err), 0);
	assert_string_equal(vars_get(&vs, "X"), "a=b");
	assert_int_equal(vars_set_assignment(&vs, "EMPTY=", &err), 0);
	assert_string_equal(vars_get(&vs, "EMPTY"), "");
	assert_int_equal(vars_set_assignment(&vs, "NOEQUALS", &err), -1);
	assert_int_equal(err.exit, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "NAME=VALUE"));
	assert_int_equal(vars_set_assignment(&vs, "9X=1", &err), -1);
	assert_non_null(strstr(err.msg, "invalid environment variable name"));
	assert_int_equal(vs.n, 2);
	vars_release(&vs);
}

static void
test_escape(void **state)
{
	char *s;

	(void)state;
	s = log_escape("feat/\x1b[31mred\n", 0);
	assert_string_equal(s, "feat/\\x1b[31mred\\x0a");
	free(s);
	s = log_escape("caf\xc3\xa9 \xff", 0);
	assert_string_equal(s, "caf\xc3\xa9 \\xff");
	free(s);
	s = log_escape("abcdef", 3);
	assert_string_equal(s, "abc...");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_replaces_in_place),
		cmocka_unit_test(test_merge_later_wins),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_assignment),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests_name("vars", tests, NULL, NULL);
}
