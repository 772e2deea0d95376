/* SPDX-License-Identifier: ISC */
/* test_api.c -- API replies: odd bodies, error statuses, request bodies */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "job.h"
#include "log.h"
#include "utf8.h"
#include "vars.h"
#include "xmalloc.h"

#define S(x)	(x), strlen(x)

/* A JSON document with one string member `name` of n copies of c. */
static char *
huge_member(const char *before, const char *name, size_t n)
{
	char *s = xmalloc(strlen(before) + strlen(name) + n + 16), *p;

	p = s + sprintf(s, "%s\"%s\":\"", before, name);
	memset(p, 'x', n);
	strcpy(p + n, "\"}");
	return s;
}

static int
parse_dep(struct api_deployment *d, const char *body, struct error *err)
{
	error_clear(err);
	return api_parse_deployment(d, S(body), err);
}

static void
test_deployment_full(void **state)
{
	struct api_deployment d;
	struct error err;

	(void)state;
	assert_int_equal(parse_dep(&d, "{\"id\":\"dep_9x2k4m\",\"status\":"
	    "\"queued\",\"url\":\"https://api.git.dev/v1/deployments/"
	    "dep_9x2k4m\",\"started_at\":\"2025-10-04T09:12:33Z\","
	    "\"branch\":\"main\",\"environment\":\"production\","
	    "\"commit_hash\":\"abc\",\"extra\":[1,2]}", &err), 0);
	assert_string_equal(d.id, "dep_9x2k4m");
	assert_string_equal(d.status, "queued");
	assert_string_equal(d.url,
	    "https://api.git.dev/v1/deployments/dep_9x2k4m");
	assert_string_equal(d.started_at, "2025-10-04T09:12:33Z");
	assert_string_equal(d.branch, "main");
	assert_string_equal(d.environment, "production");
	assert_string_equal(d.commit_hash, "abc");
	api_deployment_release(&d);
	assert_null(d.id);
}

static void
test_deployment_optional_fields(void **state)
{
	struct api_deployment d;
	struct error err;

	(void)state;
	assert_int_equal(parse_dep(&d, "{\"id\":\"dep_1\",\"status\":"
	    "\"building\",\"url\":null}", &err), 0);
	assert_string_equal(d.id, "dep_1");
	assert_null(d.url);
	assert_null(d.started_at);
	assert_null(d.branch);
	api_deployment_release(&d);
}

static void
test_deployment_missing_fields(void **state)
{
	struct api_deployment d;
	struct error err;

	(void)state;
	assert_int_equal(parse_dep(&d, "{\"status\":\"queued\"}", &err), -1);
	assert_string_equal(err.msg, "unexpected reply from the API: no 'id'");
	assert_false(err.temporary);
	assert_null(d.id);
	assert_int_equal(parse_dep(&d, "{\"id\":\"dep_1\"}", &err), -1);
	assert_string_equal(err.msg,
	    "unexpected reply from the API: no 'status'");
	assert_null(d.id);
	assert_int_equal(parse_dep(&d, "{\"id\":\"\",\"status\":\"ready\"}",
	    &err), -1);
	assert_string_equal(err.msg,
	    "unexpected reply from the API: 'id' is empty");
	assert_int_equal(parse_dep(&d, "{}", &err), -1);
	assert_int_equal(err.exit, EXIT_FAIL);
}

static void
test_deployment_wrong_types(void **state)
{
	struct api_deployment d;
	struct error err;

	(void)state;
	assert_int_equal(parse_dep(&d, "{\"id\":42,\"status\":\"queued\"}",
	    &err), -1);
	assert_string_equal(err.msg,
	    "unexpected reply from the API: 'id' is not a string");
	assert_false(err.temporary);
	assert_int_equal(parse_dep(&d, "{\"id\":\"d\",\"status\":[\"x\"]}",
	    &err), -1);
	assert_string_equal(err.msg,
	    "unexpected reply from the API: 'status' is not a string");
	assert_int_equal(parse_dep(&d, "{\"id\":\"d\",\"status\":\"ready\","
	    "\"url\":{\"href\":\"x\"}}", &err), -1);
	assert_string_equal(err.msg,
	    "unexpected reply from the API: 'url' is not a string");
	assert_null(d.id);
	assert_int_equal(parse_dep(&d, "[{\"id\":\"d\",\"status\":\"q\"}]",
	    &err), -1);
	assert_string_equal(err.msg,
	    "unexpected reply from the API: not a JSON object");
	assert_int_equal(parse_dep(&d, "\"dep_1\"", &err), -1);
	assert_string_equal(err.msg,
	    "unexpected reply from the API: not a JSON object");
	assert_int_equal(parse_dep(&d, "{\"id\":true,\"status\":false}",
	    &err), -1);
	assert_int_equal(parse_dep(&d, "{\"id\":\"d\",\"id\":\"e\","
	    "\"status\":\"q\"}", &err), -1);
}

static void
test_deployment_huge_strings(void **state)
{
	struct api_deployment d;
	struct error err;
	char *body;

	(void)state;
	body = huge_member("{\"id\":\"dep_1\",\"status\":\"queued\",", "url",
	    1 << 20);
	assert_int_equal(parse_dep(&d, body, &err), -1);
	assert_string_equal(err.msg, "unexpected reply from the API: 'url' "
	    "is too long (1048576 bytes)");
	assert_null(d.id);
	free(body);
	body = huge_member("{\"status\":\"queued\",", "id", 1 << 20);
	assert_int_equal(parse_dep(&d, body, &err), -1);
	assert_string_equal(err.msg, "unexpected reply from the API: 'id' "
	    "is too long (1048576 bytes)");
	free(body);
	/* An unknown member may be as big as it likes. */
	body = huge_member("{\"id\":\"dep_1\",\"status\":\"queued\",",
	    "logs", 1 << 20);
	assert_int_equal(parse_dep(&d, body, &err), 0);
	assert_string_equal(d.id, "dep_1");
	api_deployment_release(&d);
	free(body);
}

static void
test_deployment_not_json(void **state)
{
	static const char *const bodies[] = {
		"{\"id\":\"dep_1\",\"status\":\"que",
		"{\"id\":\"dep_1\",",
		"<html><body><h1>502 Bad Gateway</h1></body></html>",
		"\xff\xfe garbage \x01",
		"{\"id\":\"dep\\u0000x\",\"status\":\"queued\"}",
		"{\"id\":\"dep_1\",\"status\":\"queued\"} trailing",
		NULL
	};
	struct api_deployment d;
	struct error err;
	size_t i;

	(void)state;
	for (i = 0; bodies[i] != NULL; i++) {
		assert_int_equal(parse_dep(&d, bodies[i], &err), -1);
		assert_true(err.temporary);
		assert_non_null(strstr(err.msg,
		    "unexpected reply from the API: not JSON (line 1"));
		assert_null(d.id);
	}
	error_clear(&err);
	assert_int_equal(api_parse_deployment(&d, "", 0, &err), -1);
	assert_string_equal(err.msg,
	    "unexpected reply from the API: empty body");
	assert_true(err.temporary);
	error_clear(&err);
	assert_int_equal(api_parse_deployment(&d, NULL, 0, &err), -1);
	assert_true(err.temporary);
	/* Only the given length counts. */
	error_clear(&err);
	assert_int_equal(api_parse_deployment(&d,
	    "{\"id\":\"a\",\"status\":\"q\"}GARBAGE", 23, &err), 0);
	api_deployment_release(&d);
}

static int
parse_list(struct api_project **p, size_t *n, long *total,
    const char *body, struct error *err)
{
	error_clear(err);
	return api_parse_projects(p, n, total, S(body), err);
}

static void
test_projects_page(void **state)
{
	struct api_project *p;
	struct error err;
	size_t n;
	long total;

	(void)state;
	assert_int_equal(parse_list(&p, &n, &total, "{\"data\":[{\"id\":"
	    "\"proj_8f2a9c\",\"name\":\"main-app\",\"framework\":\"nextjs\","
	    "\"created_at\":\"2025-09-12T14:20:00Z\"},{\"id\":\"proj_2\","
	    "\"name\":\"api\",\"framework\":null}],\"meta\":{\"total\":42,"
	    "\"page\":1}}", &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(total, 42);
	assert_string_equal(p[0].id, "proj_8f2a9c");
	assert_string_equal(p[0].name, "main-app");
	assert_string_equal(p[0].framework, "nextjs");
	assert_string_equal(p[0].created_at, "2025-09-12T14:20:00Z");
	assert_string_equal(p[1].name, "api");
	assert_null(p[1].framework);
	assert_null(p[1].created_at);
	api_projects_free(p, n);

	assert_int_equal(parse_list(&p, &n, &total, "{\"data\":[]}", &err),
	    0);
	assert_int_equal(n, 0);
	assert_int_equal(total, -1);
	api_projects_free(p, n);
	api_projects_free(NULL, 0);
}

static void
test_projects_bad(void **state)
{
	static const struct {
		const char	*body;
		const char	*msg;
	} cases[] = {
		{ "{\"meta\":{\"total\":1}}", "'data' is missing" },
		{ "{\"data\":{\"id\":\"p\"}}", "'data' is not a list" },
		{ "{\"data\":[\"proj_1\"]}", "project 1: not an object" },
		{ "{\"data\":[{\"id\":\"a\",\"name\":\"x\"},{\"id\":\"b\"}]}",
		    "project 2: no 'name'" },
		{ "{\"data\":[{\"id\":7,\"name\":\"x\"}]}",
		    "project 1: 'id' is not a string" },
		{ "{\"data\":[{\"id\":\"a\",\"name\":\"x\",\"framework\":1}]}",
		    "project 1: 'framework' is not a string" },
		{ "{\"data\":[],\"meta\":{\"total\":\"45\"}}",
		    "'meta.total' is not a count" },
		{ "{\"data\":[],\"meta\":{\"total\":-1}}",
		    "'meta.total' is not a count" },
		{ "{\"data\":[],\"meta\":[]}", "'meta' is not an object" },
		{ NULL, NULL }
	};
	struct api_project *p;
	struct error err;
	char want[256];
	size_t n, i;
	long total;

	(void)state;
	for (i = 0; cases[i].body != NULL; i++) {
		assert_int_equal(parse_list(&p, &n, &total, cases[i].body,
		    &err), -1);
		snprintf(want, sizeof(want), "unexpected reply from the API: "
		    "%s", cases[i].msg);
		assert_string_equal(err.msg, want);
		assert_false(err.temporary);
		assert_null(p);
		assert_int_equal(n, 0);
	}
	assert_int_equal(parse_list(&p, &n, &total, "<!doctype html>",
	    &err), -1);
	assert_true(err.temporary);
	assert_int_equal(parse_list(&p, &n, &total, "{\"data\":[{\"id\":",
	    &err), -1);
	assert_true(err.temporary);
}

static void
test_projects_huge_name(void **state)
{
	struct api_project *p;
	struct error err;
	size_t n;
	long total;
	char *body = huge_member("{\"data\":[{\"id\":\"p\",", "name",
	    1 << 20);

	(void)state;
	/* huge_member closes one object: close the list and the root. */
	body = xreallocarray(body, strlen(body) + 3, 1);
	strcat(body, "]}");
	assert_int_equal(parse_list(&p, &n, &total, body, &err), -1);
	assert_string_equal(err.msg, "unexpected reply from the API: "
	    "project 1: 'name' is too long (1048576 bytes)");
	free(body);
}

static void
check_error(long status, const char *body, const char *msg,
    const char *hint, int temporary)
{
	struct error err;

	error_clear(&err);
	api_parse_error(&err, status, body, body ? strlen(body) : 0);
	assert_string_equal(err.msg, msg);
	if (hint != NULL)
		assert_string_equal(err.hint, hint);
	assert_int_equal(err.temporary, temporary);
	assert_int_equal(err.exit, EXIT_FAIL);
}

static void
test_error_statuses(void **state)
{
	(void)state;
	check_error(400, "{\"error\":{\"code\":400,\"message\":\"branch is "
	    "required\"}}", "bad request: branch is required", "", 0);
	check_error(400, NULL, "bad request (HTTP 400)", "", 0);
	check_error(401, "{\"error\":{\"code\":401,\"message\":\"Invalid "
	    "API key\"}}", "the API refused the key (401)",
	    "check DOTGIT_API_KEY or [api] key_file", 0);
	check_error(401, "<html>Unauthorized</html>",
	    "the API refused the key (401)", NULL, 0);
	check_error(403, "", "the key lacks permission for this project "
	    "(403)", NULL, 0);
	check_error(404, "{\"error\":{\"code\":404,\"message\":\"Project not "
	    "found\"}}", "not found (404): Project not found", "", 0);
	check_error(404, "", "not found (404)", "", 0);
	check_error(429, "{\"error\":{\"code\":429,\"message\":\"Rate limit "
	    "exceeded\"}}", "rate limit exceeded (429): Rate limit exceeded",
	    "", 1);
	check_error(500, "<html><h1>Internal Server Error</h1></html>",
	    "the API failed (HTTP 500)", "", 1);
	check_error(503, NULL, "the API failed (HTTP 503)", "", 1);
	check_error(502, "{\"error\":{\"code\":502,\"message\":\"upstream\"}}",
	    "the API failed (HTTP 502): upstream", "", 1);
	check_error(418, "{\"error\":\"teapot\"}",
	    "the API answered HTTP 418: teapot", "", 0);
	check_error(409, "not json", "the API answered HTTP 409", "", 0);
	check_error(301, "", "the API answered HTTP 301, a redirect, which is "
	    "not followed", "check [api] url", 0);
}

static void
test_error_validation(void **state)
{
	(void)state;
	check_error(422, "{\"error\":{\"code\":422,\"message\":\"Validation "
	    "failed\",\"details\":[{\"field\":\"environment\",\"message\":"
	    "\"Must be one of: production, staging, preview\"},{\"field\":"
	    "\"branch\",\"message\":\"is required\"}]}}",
	    "validation failed: environment: Must be one of: production, "
	    "staging, preview; branch: is required", "", 0);
	check_error(422, "{\"error\":{\"code\":422,\"message\":\"Validation "
	    "failed\"}}", "validation failed (422): Validation failed", "",
	    0);
	check_error(422, "{\"error\":{\"code\":422,\"details\":[]}}",
	    "validation failed (HTTP 422)", "", 0);
	check_error(422, "", "validation failed (HTTP 422)", "", 0);
	/* Members of the wrong type are left out, never crash. */
	check_error(422, "{\"error\":{\"message\":\"bad\",\"details\":["
	    "{\"field\":3,\"message\":\"no field\"},"
	    "{\"field\":\"x\",\"message\":{\"a\":1}},"
	    "\"just a string\", 17, null, [],"
	    "{\"field\":null,\"message\":\"null field\"},"
	    "{\"field\":\"env_vars.A\",\"message\":\"too long\"}]}}",
	    "validation failed: no field; null field; env_vars.A: too long",
	    "", 0);
	check_error(422, "{\"error\":{\"details\":{\"field\":\"x\"}}}",
	    "validation failed (HTTP 422)", "", 0);
	check_error(400, "{\"error\":{\"message\":\"invalid\",\"details\":"
	    "[{\"field\":\"branch\",\"message\":\"empty\"}]}}",
	    "bad request: invalid: branch: empty", "", 0);
	check_error(422, "{\"error\":{\"message\":5,\"details\":[{\"message\":"
	    "\"only\"}]}}", "validation failed: only", "", 0);
}

static void
test_error_hostile_text(void **state)
{
	struct error err;
	char *body;

	(void)state;
	check_error(400, "{\"error\":{\"message\":\"line\\nbreak \\u001b[31m"
	    "red\"}}", "bad request: line\\x0abreak \\x1b[31mred", "", 0);
	body = huge_member("{\"error\":{\"code\":400,", "message", 1 << 20);
	body = xreallocarray(body, strlen(body) + 2, 1);
	strcat(body, "}");
	error_clear(&err);
	api_parse_error(&err, 400, S(body));
	assert_int_equal(strncmp(err.msg, "bad request: xxxx", 17), 0);
	assert_non_null(strstr(err.msg, "x..."));
	assert_true(strlen(err.msg) < 300);
	free(body);
}

/*
 * Found by tests/fuzz/fuzz_api: validation details are cut to fit, and
 * a cut inside a character left invalid UTF-8 in the message, which a
 * job's last_error then carried: a job file (JSON) cannot hold it.
 * Every cut now falls between characters.
 */
static void
test_error_cut_between_characters(void **state)
{
	struct error err;
	struct job job;
	char body[32768], *p = body, *json;
	size_t i, j, pad;

	(void)state;
	for (pad = 0; pad < 3; pad++) {
		/* 20 details of 50 two-byte characters and a euro sign */
		p = body + sprintf(body, "{\"error\":{\"details\":[");
		for (i = 0; i < 20; i++) {
			p += sprintf(p, "%s{\"field\":\"f%.*s\",\"message\":"
			    "\"", i ? "," : "", (int)pad, "xxx");
			for (j = 0; j < 50; j++)
				p += sprintf(p, "\\u01cc");
			p += sprintf(p, "\\u20ac\"}");
		}
		sprintf(p, "]}}");
		error_clear(&err);
		api_parse_error(&err, 422, S(body));
		assert_true(utf8_valid(err.msg));
		assert_int_equal(strncmp(err.msg, "validation failed: f", 20),
		    0);
		memset(&job, 0, sizeof(job));
		job.last_error = err.msg;
		assert_non_null(json = job_to_json(&job));
		free(json);
	}
}

/* The API echoes the key: redacted before the 200-byte cut. */
static void
test_error_echoes_key(void **state)
{
	static const char key[] = "gl_api_echoed_0123456789";
	struct error err;
	char body[1024], pad[256];
	size_t at;

	(void)state;
	log_set_secret(key);
	for (at = 170; at < 200; at += 3) {
		memset(pad, 'x', at);
		pad[at] = '\0';
		snprintf(body, sizeof(body), "{\"error\":{\"message\":\"%s%s "
		    "end\",\"details\":[{\"field\":\"%s\",\"message\":"
		    "\"%s%s\"}]}}", pad, key, key, pad, key);
		error_clear(&err);
		api_parse_error(&err, 500, S(body));
		assert_null(strstr(err.msg, "gl_api_"));
		assert_non_null(strstr(err.msg, "x["));
		error_clear(&err);
		api_parse_error(&err, 422, S(body));
		assert_null(strstr(err.msg, "gl_api_"));
		assert_non_null(strstr(err.msg, "validation failed: "
		    "[REDACTED]: xxx"));
	}
	log_set_secret(NULL);
}

/* Every field is safe on a terminal once parsed; a bad id is refused. */
static void
test_reply_terminal_safe(void **state)
{
	static const char *const bad_ids[] = {
		"dep_\\u001b[31m", "dep x", "dep_\\u00e9", "dep_\\u0085", "",
		"dep\\t", NULL
	};
	struct api_deployment d;
	struct api_project *p;
	struct error err;
	char body[256];
	size_t i, n;
	long total;

	(void)state;
	assert_int_equal(parse_dep(&d, "{\"id\":\"dep_1\",\"status\":"
	    "\"\\u001b[31mready\\u001b[0m\",\"url\":\"https://x/\\u001b]0;"
	    "pwned\\u0007\\u009b2J\",\"branch\":\"caf\u00e9\\tx\\u007f\"}",
	    &err), 0);
	assert_string_equal(d.id, "dep_1");
	assert_string_equal(d.status,
	    "\xef\xbf\xbd[31mready\xef\xbf\xbd[0m");
	assert_string_equal(d.url, "https://x/\xef\xbf\xbd]0;pwned"
	    "\xef\xbf\xbd\xef\xbf\xbd" "2J");
	assert_string_equal(d.branch, "caf\xc3\xa9\xef\xbf\xbd" "x"
	    "\xef\xbf\xbd");
	api_deployment_release(&d);
	for (i = 0; bad_ids[i] != NULL; i++) {
		snprintf(body, sizeof(body), "{\"id\":\"%s\",\"status\":"
		    "\"ready\"}", bad_ids[i]);
		assert_int_equal(parse_dep(&d, body, &err), -1);
		assert_null(d.id);
		assert_false(err.temporary);
		assert_int_equal(strncmp(err.msg, "unexpected reply from the "
		    "API: 'id' ", 34), 0);
		assert_null(strchr(err.msg, 0x1b));
	}
	error_clear(&err);
	assert_int_equal(api_parse_projects(&p, &n, &total, S("{\"data\":[{"
	    "\"id\":\"p\\u001b\",\"name\":\"a\\u001b[2Jb\",\"framework\":"
	    "\"\\u009b\"}]}"), &err), 0);
	assert_string_equal(p[0].id, "p\xef\xbf\xbd");
	assert_string_equal(p[0].name, "a\xef\xbf\xbd[2Jb");
	assert_string_equal(p[0].framework, "\xef\xbf\xbd");
	api_projects_free(p, n);
	/* jansson's own message quotes the body: escaped */
	assert_int_equal(parse_dep(&d, "{\"id\":\x1b[31m}", &err), -1);
	assert_null(strchr(err.msg, 0x1b));
}

static void
check_wait(long retry_after, long long reset, long long now, int use_reset,
    long secs, long long asked, const char *source)
{
	struct api_ratelimit rl = { -1, -1, reset, retry_after };
	struct api_wait w;

	api_wait_of(&w, &rl, now, use_reset);
	assert_int_equal(w.secs, secs);
	assert_int_equal(w.asked, asked);
	if (source == NULL)
		assert_null(w.source);
	else
		assert_string_equal(w.source, source);
}

#define NOW	1767225600LL

static void
test_wait_clamped(void **state)
{
	struct api_wait w;
	char *s;

	(void)state;
	check_wait(-1, -1, NOW, 1, -1, -1, NULL);
	check_wait(30, NOW + 5, NOW, 1, 30, 30, "Retry-After");
	check_wait(0, -1, NOW, 0, 0, 0, "Retry-After");
	check_wait(900, -1, NOW, 0, 900, 900, "Retry-After");
	check_wait(901, -1, NOW, 0, 900, 901, "Retry-After");
	check_wait(999999999, -1, NOW, 0, 900, 999999999, "Retry-After");
	check_wait(LONG_MAX, -1, NOW, 0, 900, LONG_MAX, "Retry-After");
	/* X-RateLimit-Reset only when asked to, at least 1 s */
	check_wait(-1, NOW + 42, NOW, 0, -1, -1, NULL);
	check_wait(-1, NOW + 42, NOW, 1, 42, 42, "X-RateLimit-Reset");
	check_wait(-1, NOW - 42, NOW, 1, 1, 0, "X-RateLimit-Reset");
	check_wait(-1, LLONG_MAX, NOW, 1, 900, LLONG_MAX - NOW,
	    "X-RateLimit-Reset");
	/* any clock: no overflow */
	check_wait(-1, LLONG_MAX, LLONG_MIN, 1, 900, LLONG_MAX,
	    "X-RateLimit-Reset");
	check_wait(-1, LLONG_MAX, -1, 1, 900, LLONG_MAX, "X-RateLimit-Reset");
	check_wait(-1, 1, LLONG_MAX, 1, 1, 0, "X-RateLimit-Reset");
	w.secs = 900;
	w.asked = 999999999;
	w.source = "Retry-After";
	s = api_wait_text(&w);
	assert_string_equal(s, "the API asked to wait 999999999 s "
	    "(Retry-After), clamped to 900 s");
	free(s);
	w.secs = w.asked = 120;
	w.source = "X-RateLimit-Reset";
	s = api_wait_text(&w);
	assert_string_equal(s, "the API asked to wait 120 s "
	    "(X-RateLimit-Reset)");
	free(s);
}

static void
make_job(struct job *job)
{
	memset(job, 0, sizeof(*job));
	job->project = xstrdup("proj_8f2a9c");
	job->branch = xstrdup("main");
	job->environment = xstrdup("production");
	strcpy(job->commit, "0123456789abcdef0123456789abcdef01234567");
}

static void
test_deploy_body(void **state)
{
	struct job job;
	char *s;

	(void)state;
	make_job(&job);
	s = api_deploy_body(&job, 0);
	assert_string_equal(s, "{\"branch\":\"main\",\"environment\":"
	    "\"production\",\"commit_hash\":\"0123456789abcdef0123456789abcdef"
	    "01234567\",\"env_vars\":{}}");
	free(s);
	vars_set(&job.env_vars, "NEXT_PUBLIC_API_URL",
	    "https://api.example.com");
	vars_set(&job.env_vars, "A", "quote\" back\\slash \xff");
	s = api_deploy_body(&job, 0);
	assert_string_equal(s, "{\"branch\":\"main\",\"environment\":"
	    "\"production\",\"commit_hash\":\"0123456789abcdef0123456789abcdef"
	    "01234567\",\"env_vars\":{\"NEXT_PUBLIC_API_URL\":"
	    "\"https://api.example.com\",\"A\":\"quote\\\" back\\\\slash "
	    "\xef\xbf\xbd\"}}");
	free(s);
	s = api_deploy_body(&job, 1);
	assert_non_null(strstr(s, "{\n  \"branch\": \"main\",\n"));
	free(s);
	job_release(&job);
}

/* The URL deploy --dry-run shows (its first line: "POST <url>"). */
static char *
shown_url(const struct config *cfg, const char *project)
{
	struct job job;
	char *text = NULL, *nl, *url;
	size_t len = 0;
	FILE *f;

	memset(&job, 0, sizeof(job));
	job.project = (char *)project;
	job.branch = (char *)"main";
	job.environment = (char *)"production";
	f = open_memstream(&text, &len);
	assert_non_null(f);
	api_show_deploy(f, cfg, &job, 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strncmp(text, "POST ", 5), 0);
	nl = strchr(text, '\n');
	assert_non_null(nl);
	url = xstrndup(text + 5, (size_t)(nl - text - 5));
	free(text);
	return url;
}

static void
test_deploy_url(void **state)
{
	struct config cfg;
	char *s;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.api_url = (char *)"https://api.git.dev/v1";
	s = shown_url(&cfg, "proj_8f2a9c");
	assert_string_equal(s,
	    "https://api.git.dev/v1/projects/proj_8f2a9c/deployments");
	free(s);
	s = shown_url(&cfg, "a b/../c?d#e");
	assert_string_equal(s, "https://api.git.dev/v1/projects/"
	    "a%20b%2F..%2Fc%3Fd%23e/deployments");
	free(s);
	cfg.api_url = (char *)"https://h/v1/";
	s = shown_url(&cfg, "p");
	assert_string_equal(s, "https://h/v1/projects/p/deployments");
	free(s);
}

static void
test_output_json(void **state)
{
	struct api_project p[2] = {
		{ (char *)"proj_1", (char *)"web", (char *)"nextjs",
		    (char *)"2025-01-01T00:00:00Z" },
		{ (char *)"proj_2", (char *)"api", NULL, NULL },
	};
	struct api_deployment d = { 0 };
	char *s;

	(void)state;
	s = api_projects_json(p, 2, 45, 3);
	assert_string_equal(s, "{\n  \"projects\": [\n    {\n      \"id\": "
	    "\"proj_1\",\n      \"name\": \"web\",\n      \"framework\": "
	    "\"nextjs\",\n      \"created_at\": \"2025-01-01T00:00:00Z\"\n"
	    "    },\n    {\n      \"id\": \"proj_2\",\n      \"name\": "
	    "\"api\",\n      \"framework\": null,\n      \"created_at\": "
	    "null\n    }\n  ],\n  \"meta\": {\n    \"total\": 45,\n    "
	    "\"page\": 3\n  }\n}");
	free(s);
	s = api_projects_json(NULL, 0, 0, 0);
	assert_string_equal(s, "{\n  \"projects\": [],\n  \"meta\": {\n    "
	    "\"total\": 0\n  }\n}");
	free(s);
	d.id = (char *)"dep_1";
	d.status = (char *)"ready";
	s = api_deployment_json(&d);
	assert_string_equal(s, "{\n  \"id\": \"dep_1\",\n  \"status\": "
	    "\"ready\",\n  \"url\": null,\n  \"started_at\": null,\n  "
	    "\"branch\": null,\n  \"environment\": null,\n  \"commit_hash\": "
	    "null\n}");
	free(s);
	assert_true(api_status_final("ready"));
	assert_true(api_status_final("error"));
	assert_true(api_status_final("canceled"));
	assert_false(api_status_final("building"));
	assert_false(api_status_final("queued"));
}

static int
open_with(const char *url, const char *key, struct error *err)
{
	struct config cfg;
	struct api *api;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.api_url = (char *)url;
	cfg.api_timeout = 5;
	error_clear(err);
	rc = api_open(&api, &cfg, key, 0, err);
	if (rc == 0)
		api_free(api);
	else
		assert_null(api);
	return rc;
}

static void
test_open_refuses(void **state)
{
	struct error err;

	(void)state;
	assert_int_equal(open_with("http://127.0.0.1:8080/v1", "k", &err),
	    -1);
	assert_int_equal(err.exit, EXIT_USAGE);
	assert_string_equal(err.msg, "refusing 'http://127.0.0.1:8080/v1': "
	    "the API is HTTPS only");
	assert_int_equal(open_with("ftp://x/v1", "k", &err), -1);
	assert_int_equal(err.exit, EXIT_USAGE);
	assert_int_equal(open_with("https:///v1", "k", &err), -1);
	assert_int_equal(open_with("", "k", &err), -1);
	assert_string_equal(err.msg, "no API url configured");
	assert_int_equal(open_with(NULL, "k", &err), -1);
	assert_int_equal(open_with("https://h/v1", "", &err), -1);
	assert_string_equal(err.msg, "no API key");
	assert_int_equal(err.exit, EXIT_USAGE);
	assert_int_equal(open_with("https://h/v1", NULL, &err), -1);
	assert_int_equal(open_with("https://h/v1", "gl_api_x\r\nX-Evil: 1",
	    &err), -1);
	assert_null(strstr(err.msg, "gl_api_x"));
	assert_int_equal(open_with("HTTPS://h/v1", "gl_api_x", &err), 0);
}

static void
test_unreachable(void **state)
{
	struct api_deployment d;
	struct config cfg;
	struct api *api;
	struct error err;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.api_url = (char *)"https://127.0.0.1:1/v1";
	cfg.api_timeout = 5;
	error_clear(&err);
	assert_int_equal(api_open(&api, &cfg, "gl_api_secret", 0, &err), 0);
	api_set_retries(api, 0);
	assert_int_equal(api_get_deployment(api, &d, "dep_1", &err), -1);
	assert_string_equal(err.msg,
	    "cannot reach https://127.0.0.1:1/v1: Connection refused");
	assert_true(err.temporary);
	assert_int_equal(api_last_reply(api)->status, 0);
	assert_null(d.id);
	assert_int_equal(api_last_ratelimit(api)->limit, -1);
	api_free(api);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deployment_full),
		cmocka_unit_test(test_deployment_optional_fields),
		cmocka_unit_test(test_deployment_missing_fields),
		cmocka_unit_test(test_deployment_wrong_types),
		cmocka_unit_test(test_deployment_huge_strings),
		cmocka_unit_test(test_deployment_not_json),
		cmocka_unit_test(test_projects_page),
		cmocka_unit_test(test_projects_bad),
		cmocka_unit_test(test_projects_huge_name),
		cmocka_unit_test(test_error_statuses),
		cmocka_unit_test(test_error_validation),
		cmocka_unit_test(test_error_hostile_text),
		cmocka_unit_test(test_error_cut_between_characters),
		cmocka_unit_test(test_error_echoes_key),
		cmocka_unit_test(test_wait_clamped),
		cmocka_unit_test(test_reply_terminal_safe),
		cmocka_unit_test(test_deploy_body),
		cmocka_unit_test(test_deploy_url),
		cmocka_unit_test(test_output_json),
		cmocka_unit_test(test_open_refuses),
		cmocka_unit_test(test_unreachable),
	};

	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
