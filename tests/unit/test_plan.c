/* SPDX-License-Identifier: ISC */
/* test_plan.c -- hook stdin lines and push options */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "repo.h"
#include "unit_util.h"
#include "xmalloc.h"

#define A40 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B40 "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define Z40 "0000000000000000000000000000000000000000"

static int
parse(struct ref_update *up, const char *line, struct error *err)
{
	return plan_parse_line(up, line, strlen(line), err);
}

static void
test_parse_good_line(void **state)
{
	struct ref_update up;
	struct error err;

	(void)state;
	error_clear(&err);
	assert_int_equal(parse(&up, Z40 " " B40 " refs/heads/feature/x",
	    &err), 0);
	assert_string_equal(up.old, Z40);
	/* ids are normalised to lower case */
	assert_string_equal(up.new, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	assert_string_equal(up.ref, "refs/heads/feature/x");
	plan_update_release(&up);
	/* a ref name may hold spaces; CRLF is tolerated */
	assert_int_equal(parse(&up, A40 " " A40 " refs/heads/a b\r", &err), 0);
	assert_string_equal(up.ref, "refs/heads/a b");
	plan_update_release(&up);
}

static void
test_parse_garbage(void **state)
{
	static const char *const bad[] = {
		"", "garbage", A40 " " A40, A40 " " A40 " ",
		"zzzz " A40 " refs/heads/main",
		A40 "0 " A40 " refs/heads/main",
		A40 "  " A40 " refs/heads/main",
		NULL
	};
	struct ref_update up;
	struct error err;
	size_t i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		error_clear(&err);
		assert_int_equal(parse(&up, bad[i], &err), -1);
		assert_null(up.ref);
		assert_true(err.msg[0] != '\0');
	}
}

static void
test_parse_nul_and_sha256(void **state)
{
	static const char nul[] = A40 " " A40 " refs/heads/m\0x";
	char sha256[200], *longref;
	struct ref_update up;
	struct error err;

	(void)state;
	error_clear(&err);
	assert_int_equal(plan_parse_line(&up, nul, sizeof(nul) - 1, &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
	snprintf(sha256, sizeof(sha256), "%s%s %s%s refs/heads/main", A40,
	    "aaaaaaaaaaaaaaaaaaaaaaaa", A40, "aaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(parse(&up, sha256, &err), -1);
	assert_non_null(strstr(err.msg, "sha256"));
	longref = malloc(5000);
	memset(longref, 'r', 4999);
	longref[4999] = '\0';
	memcpy(longref, A40 " " A40 " ", 82);
	assert_int_equal(parse(&up, longref, &err), -1);
	assert_non_null(strstr(err.msg, "longer than"));
	free(longref);
}

static void
test_push_options(void **state)
{
	struct push_options o = { 0 };

	(void)state;
	plan_push_option(&o, "ci.skip");
	plan_push_option(&o, "deploy.env.API_URL=https://x?a=b");
	plan_push_option(&o, "deploy.environment=staging");
	plan_push_option(&o, "deploy.skip=feature/x");
	assert_null(o.invalid);
	assert_false(o.skip_all);
	assert_string_equal(vars_get(&o.env, "API_URL"), "https://x?a=b");
	assert_string_equal(o.environment, "staging");
	assert_int_equal(o.nskip, 1);
	assert_string_equal(o.skip[0], "feature/x");
	plan_push_option(&o, "deploy.skip");
	assert_true(o.skip_all);
	plan_push_options_release(&o);
}

static void
test_push_options_invalid(void **state)
{
	static const char *const bad[] = {
		"deploy.environment=prod", "deploy.env.1X=2",
		"deploy.env.NOVALUE", "deploy.frobnicate", "deploy.skip=",
		NULL
	};
	struct push_options o;
	size_t i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		memset(&o, 0, sizeof(o));
		plan_push_option(&o, bad[i]);
		assert_non_null(o.invalid);
		assert_non_null(strstr(o.invalid, "invalid push option"));
		plan_push_options_release(&o);
	}
}

static void
test_push_options_from_env(void **state)
{
	struct push_options o = { 0 };

	(void)state;
	setenv("GIT_PUSH_OPTION_COUNT", "2", 1);
	setenv("GIT_PUSH_OPTION_0", "deploy.env.X=1", 1);
	setenv("GIT_PUSH_OPTION_1", "deploy.skip", 1);
	plan_push_options_from_env(&o);
	assert_string_equal(vars_get(&o.env, "X"), "1");
	assert_true(o.skip_all);
	plan_push_options_release(&o);
	setenv("GIT_PUSH_OPTION_COUNT", "999999", 1);
	plan_push_options_from_env(&o);
	assert_non_null(o.invalid);
	plan_push_options_release(&o);
	unsetenv("GIT_PUSH_OPTION_COUNT");
}

static void
plan_with(struct plan *p, const char *policy, const char *ref,
    const char *const *options)
{
	struct push_options o;
	struct ref_update up = { Z40, A40, (char *)ref };
	struct config cfg;
	struct error err;
	char *text;

	text = malloc(1024);
	snprintf(text, 1024, "[project]\nid = p\n[branch \"main\"]\n"
	    "environment = production\n[branch \"feature/**\"]\n"
	    "environment = preview\n%s", policy);
	error_clear(&err);
	assert_int_equal(config_load_string(&cfg, text, "t.ini", &err), 0);
	plan_push_options_init(&o, JOB_PUSH);
	for (; *options != NULL; options++)
		plan_push_option(&o, *options);
	plan_update_deferred(p, &cfg, "/srv/a.git/", &up, &o, 0);
	plan_push_options_release(&o);
	config_release(&cfg);
	free(text);
}

/* Push options count as far as [policy] allow_options allows; never
 * into production unless it says so. */
static void
test_policy(void **state)
{
	static const char *const to_prod[] = {
		"deploy.environment=production", NULL
	};
	static const char *const env[] = { "deploy.env.X=1", NULL };
	static const char *const to_staging[] = {
		"deploy.environment=staging", "deploy.env.X=1", NULL
	};
	struct plan p;

	(void)state;
	plan_with(&p, "", "refs/heads/feature/x", to_prod);
	assert_int_equal(p.verdict, PLAN_ERROR);
	assert_string_equal(p.reason, "push option deploy.environment="
	    "production is not allowed: the rule says preview, and [policy] "
	    "allow_options does not include 'production'");
	plan_release(&p);
	plan_with(&p, "", "refs/heads/main", to_prod);	/* already there */
	assert_int_equal(p.verdict, PLAN_DEPLOY);
	plan_release(&p);
	plan_with(&p, "[policy]\nallow_options = environment production\n",
	    "refs/heads/feature/x", to_prod);
	assert_int_equal(p.verdict, PLAN_DEPLOY);
	assert_string_equal(p.job.environment, "production");
	plan_release(&p);
	plan_with(&p, "", "refs/heads/feature/x", to_staging);
	assert_int_equal(p.verdict, PLAN_DEPLOY);
	assert_string_equal(p.job.environment, "staging");
	/* the claim carries the options as given */
	assert_int_equal(p.job.noptions, 2);
	assert_string_equal(p.job.options[1], "deploy.env.X=1");
	plan_release(&p);
	plan_with(&p, "[policy]\nallow_options = skip\n", "refs/heads/main",
	    env);
	assert_int_equal(p.verdict, PLAN_ERROR);
	assert_string_equal(p.reason, "push option deploy.env.* is not "
	    "allowed here ([policy] allow_options)");
	plan_release(&p);
	plan_with(&p, "[policy]\nallow_options = none\n", "refs/heads/main",
	    env);
	assert_int_equal(p.verdict, PLAN_ERROR);
	plan_release(&p);
}

/*
 * Found by tests/fuzz/fuzz_hook: an option that is not UTF-8 was kept
 * in the job, which then could not be written (JSON cannot hold it): in
 * queue mode every ref failed with "cannot queue the job". It is an
 * invalid option now, said as such, and a job the plan makes is one
 * the queue can write.
 */
static void
test_option_not_utf8(void **state)
{
	static const char *const bad[] = { "deploy.env.X=\xff", NULL };
	static const char *const good[] = { "deploy.env.X=caf\xc3\xa9",
		NULL };
	struct plan p;
	char *json;

	(void)state;
	plan_with(&p, "", "refs/heads/main", bad);
	assert_int_equal(p.verdict, PLAN_ERROR);
	assert_string_equal(p.reason, "invalid push option "
	    "'deploy.env.X=\\xff': not valid UTF-8");
	plan_release(&p);
	plan_with(&p, "", "refs/heads/main", good);
	assert_int_equal(p.verdict, PLAN_DEPLOY);
	assert_non_null(json = job_to_json(&p.job));
	free(json);
	plan_release(&p);
}

/* The verdict table: {ref, push options, head commit message} ->
 * {verdict, environment, reason}, planned in a real repository. */
static const char TABLE_CONFIG[] =
    "[project]\nid = p\n"
    "[branch \"main\"]\nenvironment = production\n"
    "[branch \"release/*\"]\nenvironment = staging\n"
    "[branch \"feature/**\"]\nenvironment = preview\n"
    "[tag \"v*\"]\nenvironment = production\n"
    "[environment \"production\"]\nA = 1\n"
    "[policy]\nallow_options = skip env environment\n";

static const struct row {
	const char	*ref;
	const char	*opts;		/* blank-separated */
	const char	*message;	/* of the pushed commit */
	enum plan_verdict verdict;
	const char	*env;		/* for PLAN_DEPLOY */
	const char	*reason;	/* start of it, else */
} table[] = {
	{ "refs/heads/main", "", "fix", PLAN_DEPLOY, "production", NULL },
	{ "refs/heads/release/2", "", "rc", PLAN_DEPLOY, "staging", NULL },
	{ "refs/heads/release/2/x", "", "rc", PLAN_SKIP, NULL,
	    "not deployed: no [branch] rule matches" },
	{ "refs/heads/feature/a/b", "", "wip", PLAN_DEPLOY, "preview", NULL },
	{ "refs/tags/v1.0", "", "r", PLAN_DEPLOY, "production", NULL },
	{ "refs/tags/other", "", "r", PLAN_SKIP, NULL, "not deployed: no "
	    "[tag] rule matches" },
	{ "refs/notes/x", "", "n", PLAN_SKIP, NULL, "not a branch or tag" },
	{ "refs/heads/main", "", "docs [skip deploy]", PLAN_SKIP, NULL,
	    "skipped: the commit message says [skip deploy]" },
	{ "refs/heads/main", "", "DOCS [Deploy Skip]", PLAN_SKIP, NULL,
	    "skipped: the commit message says" },
	{ "refs/heads/main", "deploy.skip", "x", PLAN_SKIP, NULL,
	    "skipped by push option deploy.skip" },
	{ "refs/heads/main", "deploy.skip=main", "x", PLAN_SKIP, NULL,
	    "skipped by push option" },
	{ "refs/heads/main", "deploy.skip=other", "x", PLAN_DEPLOY,
	    "production", NULL },
	{ "refs/heads/feature/x", "deploy.environment=staging", "x",
	    PLAN_DEPLOY, "staging", NULL },
	{ "refs/heads/feature/x", "deploy.environment=production", "x",
	    PLAN_ERROR, NULL, "push option deploy.environment=production is "
	    "not allowed" },
	{ "refs/heads/main", "deploy.verbose", "x", PLAN_ERROR, NULL,
	    "push option deploy.verbose is not allowed here" },
	{ "refs/heads/main", "deploy.bogus", "x", PLAN_ERROR, NULL,
	    "invalid push option 'deploy.bogus'" },
	{ "refs/heads/main", "ci.skip", "x", PLAN_DEPLOY, "production",
	    NULL },
	{ "refs/heads/ma\033in", "", "x", PLAN_ERROR, NULL, "the ref name "
	    "is not printable UTF-8" },
};

static void
test_verdict_table(void **state)
{
	char *dir = unit_tmpdir(), *repo_dir, head[64], *o, *opts, *w;
	struct ref_update up;
	struct push_options po;
	struct repo *repo;
	struct config cfg;
	struct error err;
	struct plan p;
	size_t i;

	(void)state;
	unit_git_identity();
	repo_dir = xasprintf("%s/r", dir);
	GIT(dir, "init", "-q", "-b", "main", repo_dir);
	error_clear(&err);
	assert_int_equal(config_load_string(&cfg, TABLE_CONFIG, "t.ini",
	    &err), 0);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		GIT(repo_dir, "commit", "-q", "--allow-empty", "-m",
		    table[i].message);
		GITOUT(head, repo_dir, "rev-parse", "HEAD");
		assert_int_equal(repo_open(&repo, repo_dir, &err), 0);
		memset(&up, 0, sizeof(up));
		memset(up.old, '0', OID_HEXSZ);
		memcpy(up.new, head, OID_HEXSZ);
		up.ref = (char *)table[i].ref;
		plan_push_options_init(&po, JOB_PUSH);
		opts = xstrdup(table[i].opts);
		for (o = opts; (w = strsep(&o, " ")) != NULL;)
			if (*w != '\0')
				plan_push_option(&po, w);
		plan_update(&p, &cfg, repo, &up, &po, 0, 0);
		print_message("row %zu: %s -> %d %s\n", i, table[i].ref,
		    p.verdict, p.reason ? p.reason : p.job.environment);
		assert_int_equal(p.verdict, table[i].verdict);
		if (table[i].verdict == PLAN_DEPLOY) {
			assert_string_equal(p.job.environment, table[i].env);
			assert_string_equal(p.job.commit, head);
			assert_string_equal(p.job.request, po.request);
		} else
			assert_int_equal(strncmp(p.reason, table[i].reason,
			    strlen(table[i].reason)), 0);
		plan_release(&p);
		plan_push_options_release(&po);
		free(opts);
		repo_free(repo);
	}
	config_release(&cfg);
	free(repo_dir);
	unit_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good_line),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_nul_and_sha256),
		cmocka_unit_test(test_push_options),
		cmocka_unit_test(test_push_options_invalid),
		cmocka_unit_test(test_option_not_utf8),
		cmocka_unit_test(test_push_options_from_env),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_verdict_table),
	};

	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
