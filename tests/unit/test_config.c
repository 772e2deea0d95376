/* SPDX-License-Identifier: ISC */
/* test_config.c -- reading and validating the INI file, finding it, the key */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "log.h"
#include "rules.h"
#include "xmalloc.h"
#include "unit_util.h"

#define BASE \
	"[project]\n" \
	"id = proj_1\n" \
	"[branch \"main\"]\n" \
	"environment = production\n"

static char tmpdir[] = "/tmp/dd-test-config-XXXXXX";

static void
dump(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nproblems; i++)
		print_message("  problem: %s:%d: %s: %s\n",
		    cfg->problems[i].file, cfg->problems[i].line,
		    cfg->problems[i].warning ? "warning" : "error",
		    cfg->problems[i].msg);
}

static const struct config_problem *
find(const struct config *cfg, int line, int warning, const char *msg)
{
	size_t i;

	for (i = 0; i < cfg->nproblems; i++) {
		const struct config_problem *pb = &cfg->problems[i];

		if (pb->line == line && pb->warning == warning &&
		    strcmp(pb->msg, msg) == 0)
			return pb;
	}
	print_message("no %s at line %d: %s\n", warning ? "warning" : "error",
	    line, msg);
	dump(cfg);
	return NULL;
}

#define assert_error(cfg, line, msg) \
	assert_non_null(find((cfg), (line), 0, (msg)))
#define assert_warning(cfg, line, msg) \
	assert_non_null(find((cfg), (line), 1, (msg)))

static size_t
count(const struct config *cfg, int warning)
{
	size_t i, n = 0;

	for (i = 0; i < cfg->nproblems; i++)
		n += cfg->problems[i].warning == warning;
	return n;
}

/* Load text that must fail with `nerrors` errors. */
static void
load_bad(struct config *cfg, const char *text, size_t nerrors)
{
	struct error err;

	error_clear(&err);
	assert_int_equal(config_load_string(cfg, text, "t.ini", &err), -1);
	assert_int_equal(err.exit, EXIT_USAGE);
	if (count(cfg, 0) != nerrors)
		dump(cfg);
	assert_int_equal(count(cfg, 0), nerrors);
}

static void
load_ok(struct config *cfg, const char *text)
{
	struct error err;

	error_clear(&err);
	if (config_load_string(cfg, text, "t.ini", &err) < 0) {
		dump(cfg);
		fail_msg("config did not load: %s", err.msg);
	}
}

static const char sample[] =
	"[api]\n"
	"url = https://api.git.dev/v1      ; https only; http:// is refused\n"
	"key_file = /nonexistent/key ; or env DOTGIT_API_KEY (env wins)\n"
	"ca_file = /path/ca.pem            ; optional\n"
	"timeout = 15                      ; seconds per request\n"
	"plan = pro\n"
	"\n"
	"[project]\n"
	"id = proj_8f2a9c                  ; or: name = main-app\n"
	"\n"
	"[branch \"main\"]\n"				/* 11 */
	"environment = production\n"
	"\n"
	"[branch \"release/*\"]\n"			/* 14 */
	"environment = staging\n"
	"\n"
	"[branch \"feature/**\"]\n"			/* 17 */
	"environment = preview\n"
	"paths = web/ shared/              ; optional\n"
	"\n"
	"[tag \"v*\"]\n"				/* 21 */
	"environment = production          ; tags deploy too\n"
	"\n"
	"[environment \"production\"]\n"
	"NEXT_PUBLIC_API_URL = https://api.example.com\n"
	"\n"
	"[environment \"preview\"]\n"
	"NEXT_PUBLIC_API_URL = https://staging-api.example.com\n"
	"DEBUG = 1\n"
	"\n"
	"[hook]\n"
	"mode = queue                      ; queue or direct\n"
	"timeout = 5\n"
	"remote = upstream\n"
	"\n"
	"[daemon]\n"
	"queue = /var/spool/dotgit-deploy\n"
	"repos = /srv/git/*.git /srv/other/*.git\n"
	"poll_interval = 45\n"
	"give_up_after = 2h\n"
	"coalesce = no\n";

static void
test_full_config(void **state)
{
	struct config cfg;
	const struct rule *r;

	(void)state;
	load_ok(&cfg, sample);
	assert_string_equal(cfg.file, "t.ini");
	assert_string_equal(cfg.api_url, "https://api.git.dev/v1");
	assert_string_equal(cfg.key_file, "/nonexistent/key");
	assert_string_equal(cfg.ca_file, "/path/ca.pem");
	assert_int_equal(cfg.api_timeout, 15);
	assert_int_equal(cfg.plan_rpm, 600);
	assert_string_equal(cfg.project_id, "proj_8f2a9c");
	assert_null(cfg.project_name);
	assert_int_equal(cfg.nrules, 4);
	r = &cfg.rules[0];
	assert_int_equal(r->kind, RULE_BRANCH);
	assert_string_equal(r->pattern, "main");
	assert_true(r->exact);
	assert_string_equal(r->environment, "production");
	assert_int_equal(r->line, 11);
	assert_string_equal(r->file, "t.ini");
	assert_int_equal(r->npaths, 0);
	r = &cfg.rules[1];
	assert_string_equal(r->pattern, "release/*");
	assert_false(r->exact);
	assert_int_equal(r->line, 14);
	r = &cfg.rules[2];
	assert_string_equal(r->pattern, "feature/**");
	assert_int_equal(r->npaths, 2);
	assert_string_equal(r->paths[0], "web/");
	assert_string_equal(r->paths[1], "shared/");
	r = &cfg.rules[3];
	assert_int_equal(r->kind, RULE_TAG);
	assert_string_equal(r->pattern, "v*");
	assert_int_equal(r->line, 21);
	assert_string_equal(vars_get(&cfg.env_vars[0],
	    "NEXT_PUBLIC_API_URL"), "https://api.example.com");
	assert_int_equal(cfg.env_vars[1].n, 0);
	assert_int_equal(cfg.env_vars[2].n, 2);
	assert_string_equal(cfg.env_vars[2].v[1].name, "DEBUG");
	assert_int_equal(cfg.hook_mode, HOOK_MODE_QUEUE);
	assert_int_equal(cfg.hook_timeout, 5);
	assert_string_equal(cfg.hook_remote, "upstream");
	assert_string_equal(cfg.queue_dir, "/var/spool/dotgit-deploy");
	assert_int_equal(cfg.nrepos, 2);
	assert_string_equal(cfg.repos[1], "/srv/other/*.git");
	assert_int_equal(cfg.poll_interval, 45);
	assert_int_equal(cfg.give_up_after, 7200);
	assert_int_equal(cfg.coalesce, 0);
	/* the missing key file is only a warning */
	assert_int_equal(cfg.nproblems, 1);
	assert_warning(&cfg, 3, "key file '/nonexistent/key' does not exist "
	    "(create it, or set DOTGIT_API_KEY)");
	config_release(&cfg);
}

static void
test_defaults(void **state)
{
	struct config cfg;

	(void)state;
	load_ok(&cfg, BASE);
	assert_int_equal(cfg.nproblems, 0);
	assert_string_equal(cfg.api_url, "https://api.git.dev/v1");
	assert_null(cfg.key_file);
	assert_null(cfg.ca_file);
	assert_int_equal(cfg.api_timeout, 10);
	assert_int_equal(cfg.plan_rpm, 60);
	assert_int_equal(cfg.hook_mode, HOOK_MODE_AUTO);
	assert_int_equal(cfg.hook_timeout, 10);
	assert_string_equal(cfg.hook_remote, "origin");
	assert_null(cfg.queue_dir);
	assert_int_equal(cfg.nrepos, 0);
	assert_int_equal(cfg.poll_interval, 30);
	assert_int_equal(cfg.give_up_after, 86400);
	assert_int_equal(cfg.coalesce, 1);
	config_release(&cfg);
}

static void
test_values(void **state)
{
	struct config cfg;

	(void)state;
	load_ok(&cfg, BASE
	    "[api]\nurl = https://api.example.com:8443/v1//\nplan = 120\n"
	    "timeout = 2m\n"
	    "[hook]\nmode = direct\ntimeout = 1\n"
	    "[daemon]\ngive_up_after = 3d\ncoalesce = YES\n"
	    "poll_interval = 1h\n"
	    "[project]\n");
	assert_string_equal(cfg.api_url, "https://api.example.com:8443/v1");
	assert_int_equal(cfg.plan_rpm, 120);
	assert_int_equal(cfg.api_timeout, 120);
	assert_int_equal(cfg.hook_mode, HOOK_MODE_DIRECT);
	assert_int_equal(cfg.hook_timeout, 1);
	assert_int_equal(cfg.give_up_after, 3 * 86400);
	assert_int_equal(cfg.coalesce, 1);
	assert_int_equal(cfg.poll_interval, 3600);
	config_release(&cfg);

	load_ok(&cfg, BASE "[api]\nurl = https://[::1]:9/\nplan = free\n"
	    "[project]\n");
	assert_string_equal(cfg.api_url, "https://[::1]:9");
	assert_int_equal(cfg.plan_rpm, 60);
	config_release(&cfg);
}

static void
test_missing_project(void **state)
{
	struct config cfg;
	struct error err;

	(void)state;
	error_clear(&err);
	assert_int_equal(config_load_string(&cfg, "", "empty.ini", &err), -1);
	assert_string_equal(err.msg, "empty.ini: missing [project]: add one "
	    "with 'id = ...' (see 'dotgit-deploy projects') or "
	    "'name = ...'");
	assert_int_equal(err.exit, EXIT_USAGE);
	assert_int_equal(cfg.nproblems, 2);
	assert_warning(&cfg, 0, "no [branch] or [tag] rules: nothing will "
	    "be deployed");
	config_release(&cfg);

	load_bad(&cfg, "[project]\n\n[branch \"main\"]\n"
	    "environment = production\n", 1);
	assert_error(&cfg, 1, "[project] needs 'id' or 'name'");
	config_release(&cfg);

	load_bad(&cfg, "[project]\nname = app\n[branch \"main\"]\n"
	    "environment = production\n[project]\nid = p\n", 1);
	assert_error(&cfg, 6, "both 'id' and 'name' in [project]: keep one");
	assert_warning(&cfg, 5, "duplicate [project], first at t.ini:1; the "
	    "sections are merged");
	config_release(&cfg);

	load_ok(&cfg, "[project]\nname = My App\n[branch \"main\"]\n"
	    "environment = production\n");
	assert_string_equal(cfg.project_name, "My App");
	assert_null(cfg.project_id);
	config_release(&cfg);
}

static void
test_unknown_names(void **state)
{
	struct config cfg;

	(void)state;
	load_bad(&cfg, BASE
	    "[bogus]\n"				/* 5 */
	    "x = 1\n"
	    "[api]\n"				/* 7 */
	    "tiemout = 5\n"
	    "URL = https://x\n"
	    "colour = red\n"			/* 10 */
	    "[Hook]\n"
	    "[branches \"x\"]\n"		/* 12 */
	    "stray = 1\n"
	    "[hook]\n"
	    "environment = production\n"	/* 15 */
	    "[project \"x\"]\n"
	    "[tag]\n"
	    "[environment production]\n",	/* 18 */
	    11);
	assert_error(&cfg, 5, "unknown section [bogus]");
	assert_error(&cfg, 8, "unknown key 'tiemout' in [api]; did you mean "
	    "'timeout'?");
	assert_error(&cfg, 9, "unknown key 'URL' in [api]; did you mean "
	    "'url'?");
	assert_error(&cfg, 10, "unknown key 'colour' in [api]");
	assert_error(&cfg, 11, "unknown section [Hook]; did you mean "
	    "'hook'?");
	assert_error(&cfg, 12, "unknown section [branches \"x\"]; did you "
	    "mean 'branch'?");
	assert_error(&cfg, 15, "unknown key 'environment' in [hook]");
	/* a named project beside [project]: a monorepo's must all be */
	assert_error(&cfg, 1, "[project] and [project \"NAME\"] sections "
	    "cannot be mixed: name this one too, or keep it alone");
	assert_error(&cfg, 16, "[project \"x\"] needs 'id' or 'name'");
	assert_error(&cfg, 17, "[tag] needs a name: write [tag \"PATTERN\"]");
	assert_error(&cfg, 18, "expected [environment \"NAME\"], with the "
	    "name in double quotes");
	config_release(&cfg);

	load_bad(&cfg, "stray = 1\n" BASE, 1);
	assert_error(&cfg, 1, "'stray' is outside any section; put it under "
	    "one, like [api]");
	config_release(&cfg);
}

static void
test_api_url(void **state)
{
	static const struct {
		const char	*url;
		const char	*msg;
	} bad[] = {
		{ "http://api.git.dev/v1", "api url 'http://api.git.dev/v1' "
		    "is http://; only https:// is allowed, so the API key "
		    "never travels in clear text" },
		{ "HTTP://x", "api url 'HTTP://x' is http://; only https:// "
		    "is allowed, so the API key never travels in clear text" },
		{ "ftp://x", "invalid value 'ftp://x' for 'url': expected "
		    "https://HOST[:PORT][/PATH]" },
		{ "api.git.dev", "invalid value 'api.git.dev' for 'url': "
		    "expected https://HOST[:PORT][/PATH]" },
		{ "https://", "invalid value 'https://' for 'url': missing "
		    "host name" },
		{ "https:///v1", "invalid value 'https:///v1' for 'url': "
		    "missing host name" },
		{ "https://x:99999", "invalid value 'https://x:99999' for "
		    "'url': invalid port (1 to 65535)" },
		{ "https://x:", "invalid value 'https://x:' for 'url': "
		    "invalid port (1 to 65535)" },
		{ "https://u:p@x/v1", "invalid value 'https://***@x/v1' for "
		    "'url': a user name or password does not belong in the "
		    "URL" },
		{ "https://x/v1?a=b", "invalid value 'https://x/v1?***' for "
		    "'url': a query or fragment is not allowed" },
		{ "https://x_y/", "invalid value 'https://x_y/' for 'url': "
		    "invalid character in the host name" },
	};
	struct config cfg;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = xasprintf("%s[api]\nurl = %s\n", BASE, bad[i].url);
		load_bad(&cfg, text, 1);
		assert_error(&cfg, 6, bad[i].msg);
		/* the default stays */
		assert_string_equal(cfg.api_url, "https://api.git.dev/v1");
		config_release(&cfg);
		free(text);
	}
}

static void
test_inline_key(void **state)
{
	static const char *const names[] = {
		"key", "api_key", "token", "secret", "password", "API_KEY",
		"api-key", "keyfile", "Bearer_Token", NULL
	};
	struct config cfg;
	struct error err;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; names[i] != NULL; i++) {
		text = xasprintf("%s[api]\n%s = gl_api_s3cr3t\n", BASE,
		    names[i]);
		error_clear(&err);
		assert_int_equal(config_load_string(&cfg, text, "t.ini", &err),
		    -1);
		assert_string_equal(err.msg, "t.ini:6: never put the API key "
		    "in the config; use key_file or DOTGIT_API_KEY");
		assert_null(strstr(cfg.problems[0].msg, "s3cr3t"));
		config_release(&cfg);
		free(text);
	}
	/* nor as the key file's name */
	load_bad(&cfg, BASE "[api]\nkey_file = gl_api_s3cr3t\n", 1);
	assert_error(&cfg, 6, "key_file holds what looks like an API key: "
	    "never put the API key in the config; use key_file or "
	    "DOTGIT_API_KEY");
	config_release(&cfg);
}

static void
test_bad_numbers(void **state)
{
	struct config cfg;

	(void)state;
	load_bad(&cfg, BASE
	    "[api]\n"
	    "timeout = 0\n"			/* 6 */
	    "plan = enterprise\n"
	    "[hook]\n"
	    "timeout = 10x\n"			/* 9 */
	    "mode = sometimes\n"
	    "[daemon]\n"
	    "poll_interval = -1\n"		/* 12 */
	    "give_up_after = 99999999999999999999\n"
	    "coalesce = maybe\n"
	    "[api]\n"
	    "plan = 0\n",			/* 16 */
	    8);
	assert_error(&cfg, 6, "invalid value '0' for 'timeout': expected "
	    "seconds from 1 to 600, or with a unit (30s, 5m, 2h, 1d)");
	assert_error(&cfg, 7, "invalid value 'enterprise' for 'plan': "
	    "expected free (60 requests a minute), pro (600) or a number "
	    "of requests a minute");
	assert_error(&cfg, 9, "invalid value '10x' for 'timeout': expected "
	    "seconds from 1 to 600, or with a unit (30s, 5m, 2h, 1d)");
	assert_error(&cfg, 10, "invalid value 'sometimes' for 'mode': "
	    "expected queue or direct");
	assert_error(&cfg, 12, "invalid value '-1' for 'poll_interval': "
	    "expected seconds from 1 to 3600, or with a unit (30s, 5m, 2h, "
	    "1d)");
	assert_error(&cfg, 13, "invalid value '99999999999999999999' for "
	    "'give_up_after': expected seconds from 1 to 31536000, or with "
	    "a unit (30s, 5m, 2h, 1d)");
	assert_error(&cfg, 14, "invalid value 'maybe' for 'coalesce': "
	    "expected true or false");
	assert_error(&cfg, 16, "invalid value '0' for 'plan': expected free "
	    "(60 requests a minute), pro (600) or a number of requests a "
	    "minute");
	/* defaults stay when a value is refused */
	assert_int_equal(cfg.api_timeout, 10);
	assert_int_equal(cfg.poll_interval, 30);
	config_release(&cfg);

	load_bad(&cfg, BASE "[api]\nca_file =\n", 1);
	assert_error(&cfg, 6, "empty value for 'ca_file'");
	config_release(&cfg);
}

static void
test_rules_errors(void **state)
{
	struct config cfg;

	(void)state;
	load_bad(&cfg, BASE
	    "[branch \"release/*\"]\n"		/* 5 */
	    "[branch \"a**\"]\n"
	    "environment = preview\n"
	    "[branch \"main\"]\n"		/* 8 */
	    "environment = staging\n"
	    "[tag \"v1\"]\n"			/* 10 */
	    "environment = prod\n"
	    "[tag \"v1\"]\n"			/* 12 */
	    "environment = production\n"
	    "[branch \"/x\"]\n"			/* 14 */
	    "environment = preview\n"
	    "[branch \"\"]\n"			/* 16 */
	    "environment = preview\n"
	    "[branch \"x\"]\n"			/* 18 */
	    "environment = preview\n"
	    "paths = /web ../x ok/\n"		/* 20 */
	    "extra = 1\n",
	    10);
	assert_error(&cfg, 5, "[branch \"release/*\"] has no 'environment'");
	assert_error(&cfg, 6, "invalid pattern in [branch \"a**\"]: '**' "
	    "must be a whole path segment (like 'a/**' or 'a/**/b')");
	assert_error(&cfg, 8, "duplicate [branch \"main\"], first at t.ini:3");
	assert_error(&cfg, 11, "invalid value 'prod' for 'environment': "
	    "expected production, staging or preview");
	assert_error(&cfg, 12, "duplicate [tag \"v1\"], first at t.ini:10");
	assert_error(&cfg, 14, "invalid pattern in [branch \"/x\"]: starts "
	    "with '/'");
	assert_error(&cfg, 16, "invalid pattern in [branch \"\"]: empty "
	    "pattern");
	assert_error(&cfg, 20, "invalid value '/web' for 'paths': paths are "
	    "relative to the top of the repository, like 'web/' (no leading "
	    "'/', no '.' or '..')");
	assert_error(&cfg, 20, "invalid value '../x' for 'paths': paths are "
	    "relative to the top of the repository, like 'web/' (no leading "
	    "'/', no '.' or '..')");
	assert_error(&cfg, 21, "unknown key 'extra' in [branch \"x\"]");
	config_release(&cfg);
}

/* Many rules: a duplicate far apart is still found and names the first
 * (the rules are found by a hash, not a scan), a branch and a tag of the
 * same pattern are two rules, a duplicate key in rule N names its line,
 * and the last rule still matches. */
static void
test_many_rules(void **state)
{
	struct config cfg;
	char *text = xstrdup(BASE), *t;
	int i;

	(void)state;
	for (i = 0; i < 600; i++) {		/* rule i at line 5 + 2i */
		t = xasprintf("%s[branch \"t%03d/*\"]\nenvironment = "
		    "preview\n", text, i);
		free(text);
		text = t;
	}
	t = xasprintf("%s"
	    "[tag \"t003/*\"]\n"			/* 1205 */
	    "environment = production\n"
	    "[branch \"t003/*\"]\n"		/* 1207 */
	    "environment = staging\n"
	    "environment = preview\n"		/* 1209 */
	    "[branch \"main\"]\n"			/* 1210 */
	    "environment = staging\n", text);
	free(text);
	load_bad(&cfg, t, 1);
	assert_error(&cfg, 1210, "duplicate [branch \"main\"], first at "
	    "t.ini:3");
	assert_warning(&cfg, 1207, "duplicate [branch \"t003/*\"], first "
	    "at t.ini:11; only the first can match");
	assert_warning(&cfg, 1209, "duplicate 'environment' in [branch "
	    "\"t003/*\"], first at t.ini:1208; the later value wins");
	assert_int_equal(count(&cfg, 1), 2);
	assert_int_equal(cfg.nrules, 604);
	assert_string_equal(rules_match(&cfg, RULE_BRANCH, "t599/x")->pattern,
	    "t599/*");
	assert_string_equal(rules_match(&cfg, RULE_TAG, "t003/x")->environment,
	    "production");
	config_release(&cfg);
	free(t);
}

static void
test_environment_sections(void **state)
{
	struct config cfg;

	(void)state;
	load_bad(&cfg, BASE
	    "[environment \"qa\"]\n"		/* 5 */
	    "FOO = 1\n"
	    "BAD-NAME = 1\n"
	    "[environment \"production\"]\n"	/* 8 */
	    "1ABC = x\n"
	    "A = 1\n"
	    "B = \n"
	    "_ok_9 = yes\n",
	    3);
	assert_error(&cfg, 5, "unknown environment 'qa': use production, "
	    "staging or preview");
	assert_error(&cfg, 7, "invalid environment variable name "
	    "'BAD-NAME': use letters, digits and '_', not starting with a "
	    "digit");
	assert_error(&cfg, 9, "invalid environment variable name '1ABC': "
	    "use letters, digits and '_', not starting with a digit");
	assert_int_equal(cfg.env_vars[0].n, 3);
	assert_string_equal(vars_get(&cfg.env_vars[0], "B"), "");
	config_release(&cfg);
}

static void
test_env_merge(void **state)
{
	struct config cfg;
	struct vars final = { 0 }, set = { 0 };
	struct error err;

	(void)state;
	load_ok(&cfg, BASE
	    "[environment \"production\"]\n"	/* 5 */
	    "A = 1\n"
	    "B = 2\n"
	    "[environment \"staging\"]\n"
	    "A = staging\n"
	    "[environment \"production\"]\n"	/* 10 */
	    "C = 3\n"
	    "A = 4\n");
	assert_int_equal(count(&cfg, 1), 2);
	assert_warning(&cfg, 10, "duplicate [environment \"production\"], "
	    "first at t.ini:5; the sections are merged");
	assert_warning(&cfg, 12, "duplicate 'A' in [environment "
	    "\"production\"], first at t.ini:6; the later value wins");
	assert_int_equal(cfg.env_vars[0].n, 3);
	assert_string_equal(vars_get(&cfg.env_vars[0], "A"), "4");
	assert_string_equal(vars_get(&cfg.env_vars[0], "C"), "3");
	assert_string_equal(vars_get(&cfg.env_vars[1], "A"), "staging");
	/* --set wins over the section, as config explain and plan merge */
	error_clear(&err);
	assert_int_equal(vars_set_assignment(&set, "B=over", &err), 0);
	vars_merge(&final, &cfg.env_vars[0]);
	vars_merge(&final, &set);
	assert_string_equal(vars_get(&final, "B"), "over");
	assert_string_equal(vars_get(&final, "A"), "4");
	vars_release(&final);
	vars_release(&set);
	config_release(&cfg);
}

static void
test_warnings(void **state)
{
	struct config cfg;

	(void)state;
	load_ok(&cfg, BASE
	    "[api]\n"				/* 5 */
	    "timeout = 5\n"
	    "timeout = 7\n"
	    "[branch \"f/*\"]\n"		/* 8 */
	    "environment = preview\n"
	    "[branch \"f/*\"]\n"		/* 10 */
	    "environment = staging\n"
	    "[environment \"preview\"]\n"
	    "Q = \"a ;b\"\n"			/* 13 */
	    "CSP = default-src 'self' ; script-src x\n"
	    "OK = a;b\n"
	    "[api]\n"				/* 16 */
	    "[branch \"refs/heads/x\"]\n"
	    "environment = preview\n");
	assert_warning(&cfg, 7, "duplicate 'timeout' in [api], first at "
	    "t.ini:6; the later value wins");
	assert_int_equal(cfg.api_timeout, 7);
	assert_warning(&cfg, 10, "duplicate [branch \"f/*\"], first at "
	    "t.ini:8; only the first can match");
	assert_warning(&cfg, 13, "the value of 'Q' was cut at ' ;': inih "
	    "reads ' ;' as a comment, even inside quotes");
	assert_warning(&cfg, 14, "the value of 'CSP' ends at ' ;' (the rest "
	    "of the line is a comment); put comments on their own line");
	assert_warning(&cfg, 16, "duplicate [api], first at t.ini:5; the "
	    "sections are merged");
	assert_warning(&cfg, 17, "[branch \"refs/heads/x\"] is matched "
	    "against short names like 'main' or 'v1.0', not 'refs/...'");
	assert_int_equal(cfg.nproblems, 6);
	assert_string_equal(vars_get(&cfg.env_vars[2], "Q"), "\"a");
	assert_string_equal(vars_get(&cfg.env_vars[2], "OK"), "a;b");
	assert_string_equal(rules_match(&cfg, RULE_BRANCH, "f/x")->environment,
	    "preview");
	config_release(&cfg);
}

static void
test_hook_queue_needs_daemon(void **state)
{
	struct config cfg;

	(void)state;
	load_bad(&cfg, BASE "[hook]\ntimeout = 3\nmode = queue\n", 1);
	assert_error(&cfg, 7, "[hook] mode = queue needs [daemon] queue (the "
	    "directory the daemon reads)");
	config_release(&cfg);
	load_ok(&cfg, BASE "[hook]\nmode = queue\n[daemon]\nqueue = /q\n");
	assert_int_equal(cfg.hook_mode, HOOK_MODE_QUEUE);
	config_release(&cfg);
}

static char *
line_of(char c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
test_overlong_line(void **state)
{
	struct config cfg;
	char *value, *text;

	(void)state;
	/* "LONG = " is 7 bytes: 196 in all is the most */
	value = line_of('v', 189);
	text = xasprintf(BASE "[environment \"production\"]\nLONG = %s\n",
	    value);
	load_ok(&cfg, text);
	assert_string_equal(vars_get(&cfg.env_vars[0], "LONG"), value);
	config_release(&cfg);
	free(text);
	free(value);

	value = line_of('v', 190);
	text = xasprintf(BASE "[environment \"production\"]\nLONG = %s\n"
	    "[api]\nbad = 1\n", value);
	load_bad(&cfg, text, 2);
	assert_error(&cfg, 6, "line is 197 bytes long, the most is 196: "
	    "inih would silently cut it and read the rest as another line");
	/* the lines after it keep their numbers */
	assert_error(&cfg, 8, "unknown key 'bad' in [api]");
	assert_null(vars_get(&cfg.env_vars[0], "LONG"));
	config_release(&cfg);
	free(text);
	free(value);

	/* an overlong header: its keys are not put in the section before */
	value = line_of('x', 300);
	text = xasprintf(BASE "[branch \"%s\"]\nenvironment = production\n"
	    "paths = a\n", value);
	load_bad(&cfg, text, 1);
	assert_error(&cfg, 5, "line is 311 bytes long, the most is 196: inih "
	    "would silently cut it and read the rest as another line");
	assert_int_equal(cfg.nrules, 1);
	assert_int_equal(cfg.rules[0].npaths, 0);
	config_release(&cfg);
	free(text);
	free(value);

	value = line_of('m', 1 << 20);
	text = xasprintf(BASE "# %s\n", value);
	load_bad(&cfg, text, 1);
	assert_error(&cfg, 5, "line is 1048578 bytes long, the most is 196: "
	    "inih would silently cut it and read the rest as another line");
	config_release(&cfg);
	free(text);
	free(value);
}

static void
test_long_section_name(void **state)
{
	struct config cfg;
	const char *pat = "team-with-a-rather-long-name/feature/more/**";

	(void)state;
	/* inih keeps only 49 bytes of a section name: we do not need it */
	load_ok(&cfg, BASE "[branch \"team-with-a-rather-long-name/feature/"
	    "more/**\"]\nenvironment = preview\n"
	    "[branch \"team-with-a-rather-long-name/feature/more/*\"]\n"
	    "environment = staging\n");
	assert_int_equal(cfg.nrules, 3);
	assert_string_equal(cfg.rules[1].pattern, pat);
	assert_string_equal(cfg.rules[1].environment, "preview");
	assert_string_equal(cfg.rules[2].environment, "staging");
	config_release(&cfg);
}

static void
test_garbage_bytes(void **state)
{
	struct config cfg;

	(void)state;
	load_bad(&cfg, BASE
	    "[api\xff]\n"			/* 5 */
	    "url = x\n"
	    "[environment \"production\"]\n"
	    "A\xc3 = 1\n"			/* 8 */
	    "B = \xfe\xfe\n"
	    "C = bell\x07\n"			/* 10 */
	    "D = tab\there\n"
	    "E = caf\xc3\xa9\n"
	    "[branch \"\x1b[31m\"]\n"		/* 13 */
	    "[branch \"a\xc2\x9b" "31m\"]\n"		/* 14: CSI, C1 */
	    "[branch \"ok\"]\n"
	    "environment = preview\n"
	    "paths = web/\xc2\x85\n",			/* 17: NEL, C1 */
	    7);
	assert_error(&cfg, 5, "invalid bytes in section name [api\\xff] "
	    "(control characters or invalid UTF-8)");
	assert_error(&cfg, 8, "invalid bytes in a key name (control "
	    "characters or invalid UTF-8)");
	assert_error(&cfg, 9, "invalid bytes in the value (control "
	    "characters or invalid UTF-8)");
	assert_error(&cfg, 10, "invalid bytes in the value (control "
	    "characters or invalid UTF-8)");
	assert_error(&cfg, 13, "invalid bytes in section name [branch "
	    "\"\\x1b[31m\"] (control characters or invalid UTF-8)");
	/* found by tests/fuzz/fuzz_config: `config explain` printed these
	 * as they were, and a terminal obeys an 8-bit CSI */
	assert_error(&cfg, 14, "invalid bytes in section name [branch "
	    "\"a\\xc2\\x9b31m\"] (control characters or invalid UTF-8)");
	assert_error(&cfg, 17, "invalid bytes in the value (control "
	    "characters or invalid UTF-8)");
	assert_string_equal(vars_get(&cfg.env_vars[0], "D"), "tab\there");
	assert_string_equal(vars_get(&cfg.env_vars[0], "E"), "caf\xc3\xa9");
	config_release(&cfg);
}

static void
test_syntax_errors(void **state)
{
	struct config cfg;
	struct error err;

	(void)state;
	error_clear(&err);
	assert_int_equal(config_load_string(&cfg, BASE
	    "just words\n"			/* 5 */
	    "[broken\n"
	    "url = http://x\n"
	    "[branch \"a ;b\"]\n"		/* 8 */
	    "environment = preview\n"
	    "[api]\n"
	    "x ; = 1\n"				/* 11 */
	    "timeout = 3\n",
	    "t.ini", &err), -1);
	assert_int_equal(count(&cfg, 0), 4);
	assert_error(&cfg, 5, "expected '[section]' or 'key = value'");
	assert_error(&cfg, 6, "section header without ']'");
	assert_error(&cfg, 8, "section header without ']' (' ;' starts a "
	    "comment, even inside quotes)");
	assert_error(&cfg, 11, "expected 'key = value' (' ;' starts a "
	    "comment, even before '=')");
	assert_string_equal(err.msg, "t.ini:5: expected '[section]' or "
	    "'key = value'");
	assert_string_equal(err.hint, "3 more errors; 'dotgit-deploy config "
	    "check' shows them all");
	/* keys under a broken header are ignored, not put elsewhere */
	assert_int_equal(cfg.nrules, 1);
	assert_int_equal(cfg.api_timeout, 3);
	config_release(&cfg);

	load_bad(&cfg, BASE "[branch \"x\"] environment = preview\n", 1);
	assert_error(&cfg, 5, "unexpected text after ']' (inih ignores it)");
	config_release(&cfg);
}

static void
test_continuation(void **state)
{
	struct config cfg;

	(void)state;
	load_bad(&cfg, BASE
	    "[branch \"f/*\"]\n"		/* 5 */
	    "environment = preview\n"
	    "paths = web/\n"
	    "  shared/ docs/\n"			/* 8 */
	    "[daemon]\n"
	    "repos = /a/*.git\n"
	    "\t/b/*.git\n"			/* 11 */
	    "queue = /q\n"
	    "  poll_interval = 5\n"		/* 13 */
	    "  more\n"
	    "[environment \"preview\"]\n"
	    "  A = 1\n"				/* 16 */
	    "B = 2\n"
	    "  C = 3\n",			/* 18 */
	    2);
	assert_int_equal(cfg.rules[1].npaths, 3);
	assert_string_equal(cfg.rules[1].paths[2], "docs/");
	assert_int_equal(cfg.nrepos, 2);
	assert_string_equal(cfg.repos[1], "/b/*.git");
	assert_error(&cfg, 13, "indented line continues the value of 'queue' "
	    "(inih joins it to the previous key); remove the indentation");
	assert_error(&cfg, 18, "indented line continues the value of 'B' "
	    "(inih joins it to the previous key); remove the indentation");
	/* indented right after a header: an ordinary key */
	assert_string_equal(vars_get(&cfg.env_vars[2], "A"), "1");
	config_release(&cfg);
}

static void
test_line_ends(void **state)
{
	struct config cfg;

	(void)state;
	load_ok(&cfg, "\xef\xbb\xbf[project]\r\nid = p\r\n[branch \"main\"]\r\n"
	    "environment = production\r\n; comment\r\n# comment\r\n"
	    "[hook]\r\nremote=origin2");
	assert_string_equal(cfg.project_id, "p");
	assert_string_equal(cfg.hook_remote, "origin2");
	assert_int_equal(cfg.nproblems, 0);
	config_release(&cfg);
}

static void
test_release_and_reuse(void **state)
{
	struct config cfg;
	struct error err;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	config_release(&cfg);
	config_release(NULL);
	load_ok(&cfg, sample);
	config_release(&cfg);
	assert_null(cfg.rules);
	assert_int_equal(cfg.nproblems, 0);
	error_clear(&err);
	assert_int_equal(config_load_string(&cfg, "[x]\n", "t.ini", &err),
	    -1);
	config_release(&cfg);
	load_ok(&cfg, BASE);
	assert_string_equal(cfg.project_id, "proj_1");
	config_release(&cfg);
}

static void
test_too_many_problems(void **state)
{
	struct config cfg;
	struct error err;
	char *text = xstrdup(BASE), *next;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		next = xasprintf("%s[x%d]\nno equals\n", text, i);
		free(text);
		text = next;
	}
	error_clear(&err);
	assert_int_equal(config_load_string(&cfg, text, "t.ini", &err), -1);
	assert_true(cfg.nproblems <= 200);
	assert_error(&cfg, 5, "unknown section [x0]");
	config_release(&cfg);
	free(text);
}

/* Files on disk: relative paths, the key file, finding the config. */

static char *
write_file(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static int
setup_dir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	(void)state;
	return unit_rm_rf(tmpdir);
}

static void
test_relative_paths(void **state)
{
	struct config cfg;
	struct error err;
	char *path, *want;

	(void)state;
	setenv("HOME", "/home/tester", 1);
	path = write_file("rel.ini", BASE "[api]\nca_file = certs/ca.pem\n"
	    "key_file = ~/.dd-missing-key\n[daemon]\nqueue = spool\n"
	    "repos = /abs/*.git rel/*.git\n", 0644);
	error_clear(&err);
	assert_int_equal(config_load(&cfg, path, &err), 0);
	want = xasprintf("%s/certs/ca.pem", tmpdir);
	assert_string_equal(cfg.ca_file, want);
	free(want);
	assert_string_equal(cfg.key_file, "/home/tester/.dd-missing-key");
	want = xasprintf("%s/spool", tmpdir);
	assert_string_equal(cfg.queue_dir, want);
	free(want);
	assert_string_equal(cfg.repos[0], "/abs/*.git");
	want = xasprintf("%s/rel/*.git", tmpdir);
	assert_string_equal(cfg.repos[1], want);
	free(want);
	config_release(&cfg);
	free(path);
}

static void
test_nul_byte_in_file(void **state)
{
	struct config cfg;
	struct error err;
	char *path = xasprintf("%s/nul.ini", tmpdir);
	static const char text[] = BASE "[api]\nurl = https://a\0b\n"
	    "timeout = x\n";
	FILE *f = fopen(path, "w");

	(void)state;
	fwrite(text, 1, sizeof(text) - 1, f);
	fclose(f);
	error_clear(&err);
	assert_int_equal(config_load(&cfg, path, &err), -1);
	assert_int_equal(count(&cfg, 0), 2);
	assert_error(&cfg, 6, "NUL byte in the line: this does not look like "
	    "a text file");
	assert_error(&cfg, 7, "invalid value 'x' for 'timeout': expected "
	    "seconds from 1 to 600, or with a unit (30s, 5m, 2h, 1d)");
	config_release(&cfg);

	error_clear(&err);
	assert_int_equal(config_load(&cfg, tmpdir, &err), -1);
	assert_string_equal(strstr(err.msg, "': "), "': Is a directory");
	config_release(&cfg);
	free(path);
}

static void
test_key_file_mode(void **state)
{
	struct config cfg;
	struct error err;
	char *key, *text, *want;

	(void)state;
	key = write_file("key", "gl_api_abc123\n", 0644);
	text = xasprintf(BASE "[api]\nkey_file = %s\n", key);
	load_bad(&cfg, text, 1);
	want = xasprintf("key file '%s' is open to group or others (mode "
	    "0644); run 'chmod 600 %s'", key, key);
	assert_error(&cfg, 6, want);
	free(want);
	config_release(&cfg);

	assert_int_equal(chmod(key, 0600), 0);
	load_ok(&cfg, text);
	assert_int_equal(cfg.nproblems, 0);
	unsetenv("DOTGIT_API_KEY");
	{
		char *got;

		error_clear(&err);
		assert_int_equal(config_read_key(&got, &cfg, &err), 0);
		assert_string_equal(got, "gl_api_abc123");
		free(got);
	}
	/* read time: the mode is checked again, the key never shown */
	assert_int_equal(chmod(key, 0640), 0);
	{
		char *got = (char *)1;

		error_clear(&err);
		assert_int_equal(config_read_key(&got, &cfg, &err), -1);
		assert_null(got);
		want = xasprintf("key file '%s' is open to group or others "
		    "(mode 0640)", key);
		assert_string_equal(err.msg, want);
		free(want);
		want = xasprintf("chmod 600 %s", key);
		assert_string_equal(err.hint, want);
		free(want);
		assert_null(strstr(err.msg, "abc123"));
	}
	config_release(&cfg);
	free(text);
	free(key);
	log_set_secret(NULL);
}

static void
read_key_fails(const char *content, mode_t mode, const char *suffix)
{
	struct config cfg;
	struct error err;
	char *key, *got = NULL, *text, *want;

	key = write_file("key2", content, mode);
	text = xasprintf(BASE "[api]\nkey_file = %s\n", key);
	load_ok(&cfg, text);
	error_clear(&err);
	assert_int_equal(config_read_key(&got, &cfg, &err), -1);
	assert_null(got);
	want = xasprintf("key file '%s'%s", key, suffix);
	assert_string_equal(err.msg, want);
	assert_null(strstr(err.msg, "secret"));
	free(want);
	config_release(&cfg);
	free(text);
	unlink(key);
	free(key);
}

static void
test_read_key(void **state)
{
	struct config cfg;
	struct error err;
	char *key, *got, *text;

	(void)state;
	unsetenv("DOTGIT_API_KEY");
	key = write_file("key3", "  gl_api_fromfile \r\nsecond line\n", 0600);
	text = xasprintf(BASE "[api]\nkey_file = %s\n", key);
	load_ok(&cfg, text);
	error_clear(&err);
	assert_int_equal(config_read_key(&got, &cfg, &err), 0);
	assert_string_equal(got, "gl_api_fromfile");
	free(got);
	/* the environment wins when set and not empty */
	setenv("DOTGIT_API_KEY", "gl_api_fromenv", 1);
	assert_int_equal(config_read_key(&got, &cfg, &err), 0);
	assert_string_equal(got, "gl_api_fromenv");
	free(got);
	setenv("DOTGIT_API_KEY", "", 1);
	assert_int_equal(config_read_key(&got, &cfg, &err), 0);
	assert_string_equal(got, "gl_api_fromfile");
	free(got);
	setenv("DOTGIT_API_KEY", "gl_api with space", 1);
	assert_int_equal(config_read_key(&got, &cfg, &err), -1);
	assert_string_equal(err.msg, "DOTGIT_API_KEY holds blanks or control "
	    "characters");
	unsetenv("DOTGIT_API_KEY");
	config_release(&cfg);
	free(text);
	free(key);

	read_key_fails("\n\n", 0600, " is empty");
	read_key_fails("", 0600, " is empty");
	read_key_fails("gl secret\n", 0600, ": the key holds blanks or "
	    "control characters");

	load_ok(&cfg, BASE);
	error_clear(&err);
	assert_int_equal(config_read_key(&got, &cfg, &err), -1);
	assert_string_equal(err.msg, "no API key: set DOTGIT_API_KEY or "
	    "[api] key_file");
	config_release(&cfg);

	text = xasprintf(BASE "[api]\nkey_file = %s\n", tmpdir);
	load_bad(&cfg, text, 1);
	config_release(&cfg);
	free(text);
	log_set_secret(NULL);
}

static void
test_key_is_redacted(void **state)
{
	struct config cfg;
	struct error err;
	char *got, *path = xasprintf("%s/stderr", tmpdir), buf[256];
	int saved, fd;
	ssize_t n;

	(void)state;
	load_ok(&cfg, BASE);
	setenv("DOTGIT_API_KEY", "gl_api_redactme", 1);
	error_clear(&err);
	assert_int_equal(config_read_key(&got, &cfg, &err), 0);
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	log_error("sending %s now", got);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "dotgit-deploy: sending [REDACTED] now\n");
	unsetenv("DOTGIT_API_KEY");
	log_set_secret(NULL);
	free(got);
	free(path);
	config_release(&cfg);
}

/* Layers given as text: no files, every layer trusted but the work
 * tree's. */
static int
load_layers(struct config *cfg, const char *user, const char *repo,
    const char *worktree)
{
	struct config_source src[3];
	struct error err;
	size_t n = 0;

	memset(src, 0, sizeof(src));
	if (user != NULL) {
		src[n].path = "/u/config.ini";
		src[n].layer = CONFIG_USER;
		src[n++].text = user;
	}
	if (repo != NULL) {
		src[n].path = "/r/.git/dotgit-deploy.ini";
		src[n].layer = CONFIG_REPO;
		src[n++].text = repo;
	}
	if (worktree != NULL) {
		src[n].path = "/r/.dotgit-deploy.ini";
		src[n].layer = CONFIG_WORKTREE;
		src[n++].text = worktree;
	}
	error_clear(&err);
	return config_load_layers(cfg, src, n, &err);
}

static void
layers_ok(struct config *cfg, const char *user, const char *repo,
    const char *worktree)
{
	if (load_layers(cfg, user, repo, worktree) < 0) {
		dump(cfg);
		fail_msg("layers did not load");
	}
}

/* A problem of `file` at `line`. */
static const struct config_problem *
find_in(const struct config *cfg, const char *file, int line,
    const char *msg)
{
	size_t i;

	for (i = 0; i < cfg->nproblems; i++)
		if (strcmp(cfg->problems[i].file, file) == 0 &&
		    cfg->problems[i].line == line &&
		    strcmp(cfg->problems[i].msg, msg) == 0)
			return &cfg->problems[i];
	print_message("no problem %s:%d: %s\n", file, line, msg);
	dump(cfg);
	return NULL;
}

static void
test_merge_scalars(void **state)
{
	struct config cfg;

	(void)state;
	layers_ok(&cfg, BASE "[api]\ntimeout = 5\nplan = pro\n"
	    "url = https://user.example/v1\n",
	    "[api]\ntimeout = 7\n[hook]\nremote = up\n", NULL);
	assert_int_equal(cfg.api_timeout, 7);
	assert_int_equal(cfg.plan_rpm, 600);
	assert_string_equal(cfg.api_url, "https://user.example/v1");
	assert_string_equal(cfg.hook_remote, "up");
	assert_string_equal(config_origin(&cfg, "api", "timeout"),
	    "/r/.git/dotgit-deploy.ini:2");
	assert_string_equal(config_origin(&cfg, "api", "plan"),
	    "/u/config.ini:7");
	assert_string_equal(config_origin(&cfg, "project", "id"),
	    "/u/config.ini:2");
	assert_null(config_origin(&cfg, "api", "ca_file"));
	assert_null(config_origin(&cfg, "nope", "timeout"));
	assert_int_equal(cfg.nfiles, 2);
	assert_int_equal(cfg.files[0].layer, CONFIG_USER);
	assert_int_equal(cfg.files[1].layer, CONFIG_REPO);
	assert_int_equal(cfg.files[1].trust, CONFIG_TRUSTED);
	/* the file a setting would go in: the last trusted one */
	assert_string_equal(cfg.file, "/r/.git/dotgit-deploy.ini");
	assert_int_equal(cfg.nproblems, 0);
	config_release(&cfg);
}

static void
test_merge_env_vars(void **state)
{
	struct config cfg;
	const struct vars *v;

	(void)state;
	layers_ok(&cfg, BASE "[environment \"production\"]\nA = user\n"
	    "B = user\n",
	    NULL, "[environment \"production\"]\nB = tree\nC = tree\n");
	v = &cfg.env_vars[config_env_index("production")];
	assert_int_equal(v->n, 3);
	assert_string_equal(vars_get(v, "A"), "user");
	assert_string_equal(vars_get(v, "B"), "tree");
	assert_string_equal(vars_get(v, "C"), "tree");
	assert_string_equal(config_origin(&cfg, "environment \"production\"",
	    "B"), "/r/.dotgit-deploy.ini:2");
	assert_string_equal(config_origin(&cfg, "environment \"production\"",
	    "A"), "/u/config.ini:6");
	/* no duplicate warning across files */
	assert_int_equal(cfg.nproblems, 0);
	config_release(&cfg);
}

static void
test_merge_rules_replace(void **state)
{
	struct config cfg;

	(void)state;
	/* the work tree's rules replace the user's: all of them */
	layers_ok(&cfg, BASE "[tag \"v*\"]\nenvironment = production\n",
	    NULL, "[branch \"release/*\"]\nenvironment = staging\n"
	    "[branch \"main\"]\nenvironment = preview\n");
	assert_int_equal(cfg.nrules, 2);
	assert_string_equal(cfg.rules[0].pattern, "release/*");
	assert_string_equal(cfg.rules[0].file, "/r/.dotgit-deploy.ini");
	assert_string_equal(cfg.rules[1].environment, "preview");
	assert_null(rules_match(&cfg, RULE_TAG, "v1"));
	/* the same exact pattern in two files is no duplicate */
	assert_int_equal(cfg.nproblems, 0);
	config_release(&cfg);

	/* a file without rules keeps the earlier ones */
	layers_ok(&cfg, BASE, "[environment \"preview\"]\nA = 1\n",
	    "[project]\nid = other\n");
	assert_int_equal(cfg.nrules, 1);
	assert_string_equal(cfg.rules[0].file, "/u/config.ini");
	assert_string_equal(cfg.project_id, "other");
	config_release(&cfg);

	/* checked once, on the result: a rule without environment in the
	 * file that wins */
	assert_int_equal(load_layers(&cfg, BASE, NULL,
	    "[branch \"dev\"]\npaths = web/\n"), -1);
	assert_non_null(find_in(&cfg, "/r/.dotgit-deploy.ini", 1,
	    "[branch \"dev\"] has no 'environment'"));
	assert_int_equal(count(&cfg, 0), 1);
	config_release(&cfg);
}

static void
test_merge_lists_and_project(void **state)
{
	struct config cfg;

	(void)state;
	layers_ok(&cfg, BASE "[daemon]\nrepos = /a/*.git /b/*.git\n",
	    "[daemon]\nrepos = /c/*.git\n", NULL);
	assert_int_equal(cfg.nrepos, 1);
	assert_string_equal(cfg.repos[0], "/c/*.git");
	config_release(&cfg);

	/* id and name are one setting: the later file's wins */
	layers_ok(&cfg, BASE, NULL, "[project]\nname = app\n");
	assert_null(cfg.project_id);
	assert_string_equal(cfg.project_name, "app");
	assert_null(config_origin(&cfg, "project", "id"));
	assert_int_equal(cfg.nproblems, 0);
	config_release(&cfg);

	/* the whole-configuration checks see every file */
	layers_ok(&cfg, "[project]\nid = p\n[hook]\nmode = queue\n",
	    "[daemon]\nqueue = /q\n",
	    "[branch \"main\"]\nenvironment = production\n");
	assert_int_equal(cfg.nproblems, 0);
	config_release(&cfg);
	assert_int_equal(load_layers(&cfg, "[hook]\nmode = queue\n", NULL,
	    "[branch \"main\"]\nenvironment = production\n"), -1);
	assert_non_null(find_in(&cfg, "/u/config.ini", 2, "[hook] mode = "
	    "queue needs [daemon] queue (the directory the daemon reads)"));
	assert_non_null(find_in(&cfg, "/u/config.ini", 0, "missing "
	    "[project]: add one with 'id = ...' (see 'dotgit-deploy "
	    "projects') or 'name = ...'"));
	assert_int_equal(count(&cfg, 0), 2);
	/* file by file, in the order read */
	assert_string_equal(cfg.problems[0].msg, "[hook] mode = queue needs "
	    "[daemon] queue (the directory the daemon reads)");
	config_release(&cfg);
}

#define TRACKED_WHY "a tracked file may only set [project], [branch], " \
	"[tag] and [environment]"

static void
test_tracked_file_limits(void **state)
{
	struct config cfg;
	size_t i;

	(void)state;
	layers_ok(&cfg, BASE "[api]\nurl = https://good.example\n", NULL,
	    "[api]\nurl = https://evil.example\n"
	    "ca_file = evil.pem\nkey_file = ~/.git-credentials\n"
	    "  continued\n"
	    "token = gl_api_leak\n"
	    "[hook]\nmode = direct\n[daemon]\nqueue = /tmp/q\n"
	    "[policy]\ntracked_config = true\n"
	    "[environment \"preview\"]\nX = 1\n");
	assert_string_equal(cfg.api_url, "https://good.example");
	assert_null(cfg.ca_file);
	assert_null(cfg.key_file);
	assert_null(cfg.queue_dir);
	assert_int_equal(cfg.hook_mode, HOOK_MODE_AUTO);
	assert_string_equal(vars_get(&cfg.env_vars[2], "X"), "1");
	assert_non_null(find_in(&cfg, "/r/.dotgit-deploy.ini", 2,
	    "[api] url is ignored in '/r/.dotgit-deploy.ini': " TRACKED_WHY));
	assert_non_null(find_in(&cfg, "/r/.dotgit-deploy.ini", 4,
	    "[api] key_file is ignored in '/r/.dotgit-deploy.ini': "
	    TRACKED_WHY));
	assert_non_null(find_in(&cfg, "/r/.dotgit-deploy.ini", 6,
	    "[api] token is ignored in '/r/.dotgit-deploy.ini': "
	    TRACKED_WHY));
	assert_non_null(find_in(&cfg, "/r/.dotgit-deploy.ini", 12,
	    "[policy] tracked_config is ignored in "
	    "'/r/.dotgit-deploy.ini': " TRACKED_WHY));
	/* warnings only, one per key (not for the continuation), and no
	 * value shown */
	assert_int_equal(count(&cfg, 0), 0);
	assert_int_equal(count(&cfg, 1), 7);
	for (i = 0; i < cfg.nproblems; i++) {
		assert_null(strstr(cfg.problems[i].msg, "evil"));
		assert_null(strstr(cfg.problems[i].msg, "credentials"));
		assert_null(strstr(cfg.problems[i].msg, "leak"));
	}
	assert_int_equal(cfg.files[1].trust, CONFIG_TRACKED);
	assert_null(cfg.files[1].why);
	/* where a missing setting goes: the trusted file */
	assert_string_equal(cfg.file, "/u/config.ini");
	config_release(&cfg);

	/* a tracked file alone still names the project and the rules */
	layers_ok(&cfg, NULL, NULL, BASE);
	assert_string_equal(cfg.project_id, "proj_1");
	assert_string_equal(cfg.file, "/r/.dotgit-deploy.ini");
	config_release(&cfg);

	/* unknown sections stay errors there */
	assert_int_equal(load_layers(&cfg, BASE, NULL, "[bogus]\n"), -1);
	assert_non_null(find_in(&cfg, "/r/.dotgit-deploy.ini", 1,
	    "unknown section [bogus]"));
	config_release(&cfg);
}

static void
test_tracked_config_false(void **state)
{
	struct config cfg;

	(void)state;
	layers_ok(&cfg, BASE "[policy]\ntracked_config = false\n", NULL,
	    "[project]\nid = tracked\n[branch \"x\"]\n"
	    "environment = production\n");
	assert_int_equal(cfg.tracked_config, 0);
	assert_string_equal(cfg.project_id, "proj_1");
	assert_int_equal(cfg.nrules, 1);
	assert_string_equal(cfg.rules[0].pattern, "main");
	assert_int_equal(cfg.nfiles, 2);
	assert_int_equal(cfg.files[1].trust, CONFIG_IGNORED);
	assert_string_equal(cfg.files[1].why, "[policy] tracked_config = "
	    "false at /u/config.ini:6");
	assert_int_equal(cfg.nproblems, 0);
	config_release(&cfg);

	/* a trusted repository file may allow it again */
	layers_ok(&cfg, BASE "[policy]\ntracked_config = false\n",
	    "[policy]\ntracked_config = yes\n", "[project]\nid = tracked\n");
	assert_string_equal(cfg.project_id, "tracked");
	assert_int_equal(cfg.files[2].trust, CONFIG_TRACKED);
	config_release(&cfg);
}

static void
test_allow_options(void **state)
{
	static const struct {
		const char	*value;
		unsigned	 mask;
	} ok[] = {
		{ "none", 0 },
		{ "skip", CONFIG_OPT_SKIP },
		{ "skip  verbose\tenv", CONFIG_OPT_SKIP | CONFIG_OPT_VERBOSE |
		    CONFIG_OPT_ENV },
		{ "Environment production", CONFIG_OPT_ENVIRONMENT |
		    CONFIG_OPT_PRODUCTION },
	};
	struct config cfg;
	char *text;
	size_t i;

	(void)state;
	load_ok(&cfg, BASE);
	assert_int_equal(cfg.allow_options, CONFIG_OPT_SKIP |
	    CONFIG_OPT_VERBOSE | CONFIG_OPT_ENV | CONFIG_OPT_ENVIRONMENT |
	    CONFIG_OPT_PROJECT);
	assert_int_equal(cfg.tracked_config, 1);
	assert_null(cfg.state_dir);
	config_release(&cfg);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		text = xasprintf(BASE "[policy]\nallow_options = %s\n",
		    ok[i].value);
		load_ok(&cfg, text);
		assert_int_equal(cfg.allow_options, ok[i].mask);
		assert_int_equal(cfg.nproblems, 0);
		config_release(&cfg);
		free(text);
	}
	load_bad(&cfg, BASE "[policy]\nallow_options = skip deploy.env\n", 1);
	assert_error(&cfg, 6, "invalid value 'deploy.env' for "
	    "'allow_options': expected skip, verbose, env, environment, "
	    "production, project or none");
	assert_int_equal(cfg.allow_options, CONFIG_OPT_DEFAULT);
	config_release(&cfg);
	load_bad(&cfg, BASE "[policy]\nallow_options = none skip\n", 1);
	assert_error(&cfg, 6, "'none' in allow_options cannot be combined "
	    "with other words");
	config_release(&cfg);
	load_ok(&cfg, BASE "[policy]\nallow_options = skip production\n"
	    "tracked_config = off\n[daemon]\nstate = /var/lib/dd\n");
	assert_warning(&cfg, 6, "'production' in allow_options does nothing "
	    "without 'environment'");
	assert_int_equal(cfg.tracked_config, 0);
	assert_string_equal(cfg.state_dir, "/var/lib/dd");
	config_release(&cfg);
	load_bad(&cfg, BASE "[policy]\ntracked_config = maybe\nbogus = 1\n",
	    2);
	assert_error(&cfg, 7, "unknown key 'bogus' in [policy]");
	config_release(&cfg);
}

/* No message shows a URL's password or query, nor a key. */
static void
test_secrets_never_shown(void **state)
{
	static const struct {
		const char	*line;
		const char	*msg;
	} bad[] = {
		{ "url = https://user:s3cr3t@api.example/v1", "invalid value "
		    "'https://***@api.example/v1' for 'url': a user name or "
		    "password does not belong in the URL" },
		{ "url = https://api.example/v1?api_key=s3cr3t", "invalid "
		    "value 'https://api.example/v1?***' for 'url': a query or "
		    "fragment is not allowed" },
		{ "url = http://u:s3cr3t@api.example/v1#s3cr3t", "api url "
		    "'http://***@api.example/v1?***' is http://; only https:// "
		    "is allowed, so the API key never travels in clear text" },
		{ "url = https://u:s3/cr3t@api.example", "invalid value "
		    "'https://***@api.example' for 'url': invalid port (1 to "
		    "65535)" },
		{ "url = https://api.example/gl_api_s3cr3t x", "invalid value "
		    "'***' for 'url': blanks are not allowed" },
		{ "key_file = \"gl_api_s3cr3t\"", "key_file holds what looks "
		    "like an API key: never put the API key in the config; use "
		    "key_file or DOTGIT_API_KEY" },
		{ "key_file = 'GL_API_s3cr3t'", "key_file holds what looks "
		    "like an API key: never put the API key in the config; use "
		    "key_file or DOTGIT_API_KEY" },
		{ "key_file = s3cr3tAbCdEf0123456789xyz", "key_file holds what "
		    "looks like an API key: never put the API key in the "
		    "config; use key_file or DOTGIT_API_KEY" },
		{ "plan = gl_api_s3cr3t", "invalid value for 'plan' (not "
		    "shown: it looks like an API key): expected free (60 "
		    "requests a minute), pro (600) or a number of requests a "
		    "minute" },
	};
	struct config cfg;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = xasprintf(BASE "[api]\n%s\n", bad[i].line);
		load_bad(&cfg, text, 1);
		assert_error(&cfg, 6, bad[i].msg);
		assert_null(strstr(cfg.problems[0].msg, "s3cr3t"));
		config_release(&cfg);
		free(text);
	}
	/* plausible file names pass (and may be shown) */
	load_ok(&cfg, BASE "[api]\nkey_file = /nonexistent/gl-key\n");
	assert_warning(&cfg, 6, "key file '/nonexistent/gl-key' does not "
	    "exist (create it, or set DOTGIT_API_KEY)");
	config_release(&cfg);
}

static char *
make_dirs(const char *rel)
{
	char *path = xasprintf("%s/%s", tmpdir, rel), *p;

	for (p = path + strlen(tmpdir) + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
	return path;
}

static void
test_lookup(void **state)
{
	struct config cfg;
	struct error err;
	char *gitdir, *work, *xdg, *home, *want, *repo_ini;

	(void)state;
	gitdir = make_dirs("find/repo/.git/");
	work = make_dirs("find/repo");
	xdg = make_dirs("find/xdg");
	home = make_dirs("find/home");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	setenv("HOME", home, 1);

	error_clear(&err);
	if (access("/etc/dotgit-deploy/config.ini", F_OK) != 0) {
		assert_int_equal(config_load_at(&cfg, NULL, gitdir, work,
		    &err), -1);
		want = xasprintf("no configuration found; looked for "
		    "'/etc/dotgit-deploy/config.ini', "
		    "'%s/dotgit-deploy/config.ini', '%sdotgit-deploy.ini', "
		    "'%s/.dotgit-deploy.ini'", xdg, gitdir, work);
		assert_string_equal(err.msg, want);
		assert_int_equal(err.exit, EXIT_USAGE);
		assert_int_equal(cfg.nfiles, 0);
		free(want);
		config_release(&cfg);
	}
	/* without XDG_CONFIG_HOME: ~/.config; every file found is read */
	unsetenv("XDG_CONFIG_HOME");
	free(make_dirs("find/home/.config/dotgit-deploy"));
	free(write_file("find/home/.config/dotgit-deploy/config.ini",
	    BASE "[api]\ntimeout = 3\n", 0644));
	free(write_file("find/repo/.dotgit-deploy.ini",
	    "[branch \"dev\"]\nenvironment = preview\n", 0644));
	repo_ini = write_file("find/repo/.git/dotgit-deploy.ini",
	    "[api]\nplan = pro\n", 0644);
	error_clear(&err);
	assert_int_equal(config_load_at(&cfg, NULL, gitdir, work, &err), 0);
	assert_int_equal(cfg.nfiles, 3);
	want = xasprintf("%s/.config/dotgit-deploy/config.ini", home);
	assert_string_equal(cfg.files[0].path, want);
	free(want);
	assert_int_equal(cfg.files[0].layer, CONFIG_USER);
	assert_string_equal(cfg.files[1].path, repo_ini);
	assert_int_equal(cfg.files[1].trust, CONFIG_TRUSTED);
	assert_int_equal(cfg.files[2].layer, CONFIG_WORKTREE);
	assert_int_equal(cfg.files[2].trust, CONFIG_TRACKED);
	assert_int_equal(cfg.api_timeout, 3);
	assert_int_equal(cfg.plan_rpm, 600);
	assert_string_equal(cfg.rules[0].pattern, "dev");
	config_release(&cfg);

	/* a repository file others may write is read as tracked */
	assert_int_equal(chmod(repo_ini, 0664), 0);
	assert_int_equal(config_load_at(&cfg, NULL, gitdir, work, &err), 0);
	assert_int_equal(cfg.files[1].trust, CONFIG_TRACKED);
	assert_string_equal(cfg.files[1].why, "writable by group or others "
	    "(mode 0664)");
	assert_int_equal(cfg.plan_rpm, 60);
	want = xasprintf("[api] plan is ignored in '%s': it is writable by "
	    "group or others (mode 0664), so it may only set [project], "
	    "[branch], [tag] and [environment]", repo_ini);
	assert_non_null(find_in(&cfg, repo_ini, 2, want));
	free(want);
	config_release(&cfg);
	/* ... and so is one owned by someone else */
	assert_int_equal(chmod(repo_ini, 0644), 0);
	if (geteuid() == 0 && chown(repo_ini, 65534, 65534) == 0) {
		assert_int_equal(config_load_at(&cfg, NULL, gitdir, work,
		    &err), 0);
		assert_int_equal(cfg.files[1].trust, CONFIG_TRACKED);
		assert_string_equal(cfg.files[1].why, "owned by uid 65534, "
		    "not by you (uid 0) or root");
		config_release(&cfg);
		assert_int_equal(chown(repo_ini, 0, 0), 0);
	}

	/* -c: that file alone, and it must exist */
	assert_int_equal(config_load_at(&cfg, "/nonexistent/x.ini", gitdir,
	    work, &err), -1);
	assert_string_equal(err.msg, "cannot open config '/nonexistent/x.ini'"
	    ": No such file or directory");
	assert_int_equal(err.exit, EXIT_USAGE);
	config_release(&cfg);
	want = xasprintf("%s/.dotgit-deploy.ini", work);
	assert_int_equal(config_load_at(&cfg, want, gitdir, work, &err), -1);
	assert_int_equal(cfg.nfiles, 1);
	assert_int_equal(cfg.files[0].layer, CONFIG_COMMAND);
	assert_int_equal(cfg.files[0].trust, CONFIG_TRUSTED);
	config_release(&cfg);
	free(want);
	free(repo_ini);
	free(gitdir);
	free(work);
	free(xdg);
	free(home);
}

static void
test_load_for_repo(void **state)
{
	struct config cfg, daemon;
	struct error err;
	char *base, *gitdir, *ini, *want;

	(void)state;
	base = write_file("daemon.ini", "[api]\nurl = https://good.example\n"
	    "[daemon]\nqueue = /q\n[policy]\ntracked_config = false\n",
	    0644);
	gitdir = make_dirs("served.git/");
	ini = write_file("served.git/dotgit-deploy.ini", BASE
	    "[api]\nurl = https://evil.example\n[daemon]\nqueue = /evil\n"
	    "[hook]\ntimeout = 3\n", 0644);
	error_clear(&err);
	assert_int_equal(config_load_daemon(&daemon, base, &err), 0);
	/* what is in force, not what is on disk now: a bad edit waits for
	 * a reload */
	free(write_file("daemon.ini", "[bogus]\n", 0644));
	assert_int_equal(config_load_for_repo(&cfg, &daemon, gitdir, NULL,
	    &err), 0);
	assert_string_equal(cfg.api_url, "https://good.example");
	assert_string_equal(cfg.queue_dir, "/q");
	assert_int_equal(cfg.hook_timeout, 3);
	assert_string_equal(cfg.project_id, "proj_1");
	want = xasprintf("[api] url is ignored in '%s': the daemon's [api], "
	    "[daemon] and [notify] come from its own configuration", ini);
	assert_non_null(find_in(&cfg, ini, 6, want));
	free(want);
	assert_int_equal(count(&cfg, 1), 2);
	config_release(&cfg);

	/* others may write it: refused, an error */
	assert_int_equal(chmod(ini, 0666), 0);
	assert_int_equal(config_load_for_repo(&cfg, &daemon, gitdir, NULL, &err),
	    -1);
	assert_int_equal(cfg.files[1].trust, CONFIG_IGNORED);
	want = xasprintf("'%s' is writable by group or others (mode 0666): "
	    "refused, as jobs from this repository could not be trusted; run "
	    "'chmod go-w %s'", ini, ini);
	assert_non_null(find_in(&cfg, ini, 0, want));
	free(want);
	config_release(&cfg);
	/* its owner is not checked: the daemon serves other users */
	assert_int_equal(chmod(ini, 0644), 0);
	if (geteuid() == 0 && chown(ini, 65534, 65534) == 0) {
		assert_int_equal(config_load_for_repo(&cfg, &daemon, gitdir,
		    NULL, &err), 0);
		assert_int_equal(cfg.files[1].trust, CONFIG_TRUSTED);
		config_release(&cfg);
	}
	config_release(&daemon);
	free(ini);
	free(gitdir);
	free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_missing_project),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_api_url),
		cmocka_unit_test(test_inline_key),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_rules_errors),
		cmocka_unit_test(test_many_rules),
		cmocka_unit_test(test_environment_sections),
		cmocka_unit_test(test_env_merge),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_hook_queue_needs_daemon),
		cmocka_unit_test(test_overlong_line),
		cmocka_unit_test(test_long_section_name),
		cmocka_unit_test(test_garbage_bytes),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_release_and_reuse),
		cmocka_unit_test(test_too_many_problems),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_nul_byte_in_file),
		cmocka_unit_test(test_key_file_mode),
		cmocka_unit_test(test_read_key),
		cmocka_unit_test(test_key_is_redacted),
		cmocka_unit_test(test_merge_scalars),
		cmocka_unit_test(test_merge_env_vars),
		cmocka_unit_test(test_merge_rules_replace),
		cmocka_unit_test(test_merge_lists_and_project),
		cmocka_unit_test(test_tracked_file_limits),
		cmocka_unit_test(test_tracked_config_false),
		cmocka_unit_test(test_allow_options),
		cmocka_unit_test(test_secrets_never_shown),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_load_for_repo),
	};

	return cmocka_run_group_tests_name("config", tests, setup_dir,
	    teardown_dir);
}
