/* SPDX-License-Identifier: ISC */
/* test_rules.c -- branch/tag patterns: checks, globs, exact beats glob */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "rules.h"
#include "xmalloc.h"

/* Reason for a bad pattern, "" for a good one. */
static const char *
reason(const char *pattern)
{
	static char why[160];

	why[0] = '\0';
	if (rules_pattern_check(pattern, why, sizeof(why)) == 0)
		assert_string_equal(why, "");
	else
		assert_true(why[0] != '\0');
	return why;
}

static void
test_is_glob(void **state)
{
	(void)state;
	assert_false(rules_is_glob("main"));
	assert_false(rules_is_glob("release/1.0"));
	assert_true(rules_is_glob("release/*"));
	assert_true(rules_is_glob("v?"));
	assert_true(rules_is_glob("v[0-9]"));
	assert_true(rules_is_glob("feature/**"));
}

static void
test_pattern_check_good(void **state)
{
	static const char *const good[] = {
		"main", "release/*", "feature/**", "**/fix", "a/**/b", "**",
		"v[0-9]*", "v[!x]", "[]]x", "caf\xc3\xa9/*", "with space",
		"a.b-c_d", "[[:alpha:]]*", "v[[:digit:]-]", "[[:x]", NULL
	};
	size_t i;

	(void)state;
	for (i = 0; good[i] != NULL; i++)
		assert_string_equal(reason(good[i]), "");
}

static void
test_pattern_check_bad(void **state)
{
	(void)state;
	assert_string_equal(reason(""), "empty pattern");
	assert_string_equal(reason("/main"), "starts with '/'");
	assert_string_equal(reason("release/"), "ends with '/'");
	assert_string_equal(reason("a//b"), "contains '//'");
	assert_string_equal(reason("v[0-9"), "unclosed '[' (a bracket "
	    "expression cannot contain '/')");
	assert_string_equal(reason("[a/b]"), "unclosed '[' (a bracket "
	    "expression cannot contain '/')");
	/* found by tests/fuzz/fuzz_glob: fnmatch reads a class's ']' as
	 * part of it, so these brackets run on past the '/' */
	assert_string_equal(reason("[[:alpha:]/x]"), "unclosed '[' (a "
	    "bracket expression cannot contain '/')");
	assert_string_equal(reason("a/[[:alpha:]/**"), "unclosed '[' (a "
	    "bracket expression cannot contain '/')");
	assert_string_equal(reason("[[./.]]"), "unclosed '[' (a bracket "
	    "expression cannot contain '/')");
	assert_string_equal(reason("[[=/=]]"), "unclosed '[' (a bracket "
	    "expression cannot contain '/')");
	assert_string_equal(reason("***"), "'***' is not a glob; use '*' "
	    "or '**'");
	assert_string_equal(reason("a/***/b"), "'***' is not a glob; use "
	    "'*' or '**'");
	assert_string_equal(reason("a**"), "'**' must be a whole path "
	    "segment (like 'a/**' or 'a/**/b')");
	assert_string_equal(reason("**a/b"), "'**' must be a whole path "
	    "segment (like 'a/**' or 'a/**/b')");
	assert_string_equal(reason("a\tb"), "control character");
	assert_string_equal(reason("a\x7f"), "control character");
	assert_string_equal(reason("a\\*"), "backslash (not allowed in git "
	    "names)");
}

static void
test_pattern_check_short_buffer(void **state)
{
	char why[8];

	(void)state;
	assert_int_equal(rules_pattern_check("", why, sizeof(why)), -1);
	assert_string_equal(why, "empty p");
	assert_int_equal(rules_pattern_check("", NULL, 0), -1);
}

static void
test_star_stays_in_segment(void **state)
{
	(void)state;
	assert_true(rules_glob_match("release/*", "release/1.0"));
	assert_false(rules_glob_match("release/*", "release/1/2"));
	assert_false(rules_glob_match("release/*", "release"));
	assert_true(rules_glob_match("*", "main"));
	assert_false(rules_glob_match("*", "a/b"));
	assert_true(rules_glob_match("*/fix", "team/fix"));
	assert_false(rules_glob_match("*/fix", "a/team/fix"));
	assert_true(rules_glob_match("a?c", "abc"));
	assert_false(rules_glob_match("a?c", "a/c"));
	assert_true(rules_glob_match("v[0-9]*", "v1.0"));
	assert_false(rules_glob_match("v[0-9]*", "vx"));
	assert_true(rules_glob_match("v[!0-9]", "vx"));
	assert_true(rules_glob_match("main", "main"));
	assert_false(rules_glob_match("main", "main2"));
}

static void
test_double_star(void **state)
{
	(void)state;
	assert_true(rules_glob_match("feature/**", "feature/a"));
	assert_true(rules_glob_match("feature/**", "feature/a/b"));
	assert_true(rules_glob_match("feature/**", "feature/a/b/c/d"));
	/* gitignore: a trailing "/" "**" matches inside only */
	assert_false(rules_glob_match("feature/**", "feature"));
	assert_false(rules_glob_match("feature/**", "featurex/a"));
	assert_true(rules_glob_match("**/fix", "fix"));
	assert_true(rules_glob_match("**/fix", "a/fix"));
	assert_true(rules_glob_match("**/fix", "a/b/fix"));
	assert_false(rules_glob_match("**/fix", "a/fixed"));
	assert_true(rules_glob_match("a/**/b", "a/b"));
	assert_true(rules_glob_match("a/**/b", "a/x/b"));
	assert_true(rules_glob_match("a/**/b", "a/x/y/b"));
	assert_false(rules_glob_match("a/**/b", "a/b/c"));
	assert_true(rules_glob_match("**", "x"));
	assert_true(rules_glob_match("**", "x/y/z"));
	assert_true(rules_glob_match("team/**/v*", "team/a/b/v2"));
	assert_false(rules_glob_match("team/**/v*", "team/a/b/x2"));
	assert_true(rules_glob_match("**/a/**/b/**", "x/a/y/b/z"));
	assert_false(rules_glob_match("**/a/**/b/**", "x/a/y/b"));
}

static void
test_odd_names(void **state)
{
	char *name300, *name4096, *deep;
	size_t i;

	(void)state;
	assert_true(rules_glob_match("feature/*", "feature/caf\xc3\xa9"));
	assert_true(rules_glob_match("\xc3\xbc*/**", "\xc3\xbcml/a/b"));
	/* C locale: '?' is one byte, so a 2-byte character needs "??" */
	assert_true(rules_glob_match("feature/??", "feature/\xc3\xa9"));
	assert_true(rules_glob_match("feature/*", "feature/with space"));
	assert_true(rules_glob_match("with space", "with space"));

	name300 = xmalloc(301);
	memcpy(name300, "feature/", 8);
	memset(name300 + 8, 'a', 292);
	name300[300] = '\0';
	assert_true(rules_glob_match("feature/*", name300));
	assert_true(rules_glob_match("feature/**", name300));
	assert_true(rules_glob_match("*/a*a", name300));

	name4096 = xmalloc(4097);
	memcpy(name4096, "feature/", 8);
	memset(name4096 + 8, 'b', 4088);
	name4096[4096] = '\0';
	assert_true(rules_glob_match("feature/*", name4096));
	assert_true(rules_glob_match("**", name4096));
	assert_false(rules_glob_match("release/*", name4096));

	/* 2048 segments against several '**': must stay fast (memoized) */
	deep = xmalloc(4097);
	for (i = 0; i < 4096; i += 2) {
		deep[i] = 'a';
		deep[i + 1] = '/';
	}
	deep[4095] = '\0';
	assert_false(rules_glob_match("**/b/**/c/**/d/**/x", deep));
	assert_true(rules_glob_match("a/**/a/**/a", deep));
	free(deep);
	free(name4096);
	free(name300);
}

static void
load(struct config *cfg, const char *text)
{
	struct error err;

	error_clear(&err);
	if (config_load_string(cfg, text, "r.ini", &err) < 0)
		fail_msg("config did not load: %s", err.msg);
}

static const char rules_ini[] =
	"[project]\n"
	"id = p\n"
	"[branch \"release/*\"]\n"		/* 3 */
	"environment = staging\n"
	"[branch \"**\"]\n"			/* 5 */
	"environment = preview\n"
	"[branch \"release/1.0\"]\n"		/* 7 */
	"environment = production\n"
	"[branch \"main\"]\n"			/* 9 */
	"environment = production\n"
	"[tag \"v*\"]\n"			/* 11 */
	"environment = production\n"
	"[tag \"main\"]\n"			/* 13 */
	"environment = staging\n";

static void
test_match_order(void **state)
{
	struct config cfg;
	const struct rule *r;

	(void)state;
	load(&cfg, rules_ini);
	/* exact beats a glob that comes earlier in the file */
	r = rules_match(&cfg, RULE_BRANCH, "release/1.0");
	assert_non_null(r);
	assert_int_equal(r->line, 7);
	assert_true(r->exact);
	/* among globs, the first in the file wins */
	r = rules_match(&cfg, RULE_BRANCH, "release/2.0");
	assert_int_equal(r->line, 3);
	assert_false(r->exact);
	r = rules_match(&cfg, RULE_BRANCH, "feature/x");
	assert_int_equal(r->line, 5);
	assert_string_equal(r->environment, "preview");
	r = rules_match(&cfg, RULE_BRANCH, "main");
	assert_int_equal(r->line, 9);
	/* tags and branches are separate */
	r = rules_match(&cfg, RULE_TAG, "main");
	assert_int_equal(r->line, 13);
	assert_string_equal(r->environment, "staging");
	r = rules_match(&cfg, RULE_TAG, "v1.0");
	assert_int_equal(r->line, 11);
	assert_null(rules_match(&cfg, RULE_TAG, "release/1.0"));
	assert_string_equal(r->file, "r.ini");
	config_release(&cfg);
}

static void
test_unmapped(void **state)
{
	struct config cfg;

	(void)state;
	load(&cfg, "[project]\nid = p\n[branch \"main\"]\n"
	    "environment = production\n[branch \"feature/*\"]\n"
	    "environment = preview\n");
	assert_null(rules_match(&cfg, RULE_BRANCH, "develop"));
	assert_null(rules_match(&cfg, RULE_BRANCH, "feature/a/b"));
	assert_null(rules_match(&cfg, RULE_BRANCH, "feature"));
	assert_null(rules_match(&cfg, RULE_BRANCH, ""));
	assert_null(rules_match(&cfg, RULE_TAG, "main"));
	assert_non_null(rules_match(&cfg, RULE_BRANCH, "feature/a"));
	config_release(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_glob),
		cmocka_unit_test(test_pattern_check_good),
		cmocka_unit_test(test_pattern_check_bad),
		cmocka_unit_test(test_pattern_check_short_buffer),
		cmocka_unit_test(test_star_stays_in_segment),
		cmocka_unit_test(test_double_star),
		cmocka_unit_test(test_odd_names),
		cmocka_unit_test(test_match_order),
		cmocka_unit_test(test_unmapped),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
