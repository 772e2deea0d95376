/* SPDX-License-Identifier: ISC */
/* test_job.c -- job identity, the queue-file JSON form, and the JSON a
 * person reads (queue, queue show, config explain) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "job.h"
#include "xmalloc.h"

#define C1 "0123456789abcdef0123456789abcdef01234567"
#define C0 "fedcba9876543210fedcba9876543210fedcba98"
#define RQ "00112233445566778899aabbccddeeff"

static void
sample(struct job *job)
{
	memset(job, 0, sizeof(*job));
	job->source = JOB_PUSH;
	memcpy(job->request, RQ, sizeof(job->request));
	job->repo = xstrdup("/srv/git/app.git/");
	memcpy(job->old, C0, sizeof(job->old));
	memcpy(job->new, C1, sizeof(job->new));
	job->options = xcalloc(1, sizeof(*job->options));
	job->options[0] = xstrdup("deploy.env.A=1");
	job->noptions = 1;
	job->project = xstrdup("proj_8f2a9c");
	job->ref = xstrdup("refs/tags/v1.0");
	job->branch = xstrdup("v1.0");
	job->environment = xstrdup("production");
	memcpy(job->commit, C1, sizeof(job->commit));
	vars_set(&job->env_vars, "A", "1");
	vars_set(&job->env_vars, "B", "caf\xc3\xa9");
	job->paths = xcalloc(2, sizeof(*job->paths));
	job->paths[0] = xstrdup("web/");
	job->paths[1] = xstrdup("shared/");
	job->npaths = 2;
	job->planned_at = 1767225600;
	job->attempts = 3;
	job->next_attempt = 1767225660;
	job->last_error = xstrdup("HTTP 503");
	job_set_idem_key(job);
}

static void
test_idem_key(void **state)
{
	struct job job;
	char hex[HASH_SHA256_HEXSZ + 1];
	const char *in = "dotgit-deploy request\n" RQ "\nproj_8f2a9c\n"
	    "production\n" C1 "\nA=1\nB=caf\xc3\xa9";
	char before[IDEM_KEY_HEXSZ + 1];

	(void)state;
	sample(&job);
	hash_sha256_hex(hex, in, strlen(in));
	assert_string_equal(job.idem_key, hex);
	/* the order env vars were set in does not matter */
	vars_release(&job.env_vars);
	vars_set(&job.env_vars, "B", "caf\xc3\xa9");
	vars_set(&job.env_vars, "A", "1");
	job_set_idem_key(&job);
	assert_string_equal(job.idem_key, hex);
	/* another request for the very same deploy: another key */
	memcpy(before, job.idem_key, sizeof(before));
	job_request_random(job.request);
	assert_true(job_request_valid(job.request));
	job_set_idem_key(&job);
	assert_string_not_equal(job.idem_key, before);
	hash_sha256_hex(hex, "abc", 3);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	job_release(&job);
}

static void
test_round_trip(void **state)
{
	struct job job, back;
	struct error err;
	char *text;

	(void)state;
	error_clear(&err);
	sample(&job);
	text = job_to_json(&job);
	assert_non_null(text);
	assert_int_equal(job_from_json(&back, text, &err), 0);
	assert_string_equal(back.project, job.project);
	assert_int_equal(back.source, JOB_PUSH);
	assert_string_equal(back.request, RQ);
	assert_string_equal(back.repo, "/srv/git/app.git/");
	assert_string_equal(back.old, C0);
	assert_string_equal(back.new, C1);
	assert_int_equal(back.noptions, 1);
	assert_string_equal(back.options[0], "deploy.env.A=1");
	assert_string_equal(back.ref, job.ref);
	assert_string_equal(back.commit, C1);
	assert_string_equal(back.idem_key, job.idem_key);
	assert_string_equal(vars_get(&back.env_vars, "B"), "caf\xc3\xa9");
	assert_int_equal(back.npaths, 2);
	assert_string_equal(back.paths[1], "shared/");
	assert_int_equal(back.attempts, 3);
	assert_int_equal(back.next_attempt, 1767225660);
	assert_string_equal(back.last_error, "HTTP 503");
	assert_null(back.deployment_id);
	job_release(&back);
	free(text);
	job_release(&job);
}

static void
test_invalid_utf8_is_refused(void **state)
{
	struct job job;

	(void)state;
	sample(&job);
	vars_set(&job.env_vars, "C", "\xff");
	assert_null(job_to_json(&job));
	job_release(&job);
	sample(&job);
	free(job.paths[0]);
	job.paths[0] = xstrdup("we\xc3");
	assert_null(job_to_json(&job));
	job_release(&job);
	sample(&job);
	free(job.branch);
	job.branch = xstrdup("\xc0\xaf");
	assert_null(job_to_json(&job));
	job_release(&job);
}

/* Replace the first `from` in s by `to`; allocated. */
static char *
edit(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);

	assert_non_null(p);
	return xasprintf("%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
}

static void
test_strict_parsing(void **state)
{
	struct job job, out;
	struct error err;
	char *text, *bad;

	(void)state;
	error_clear(&err);
	sample(&job);
	text = job_to_json(&job);
	bad = edit(text, "{", "{\"version\":2,");
	assert_int_equal(job_from_json(&out, bad, &err), -1);
	assert_non_null(strstr(err.msg, "not JSON"));
	free(bad);
	bad = edit(text, job.idem_key, "ABCDEF");
	assert_int_equal(job_from_json(&out, bad, &err), -1);
	free(bad);
	bad = edit(text, "\"attempts\":3", "\"attempts\":-1");
	assert_int_equal(job_from_json(&out, bad, &err), -1);
	free(bad);
	bad = edit(text, "\"attempts\":3", "\"attempts\":3,\"key\":\"x\"");
	assert_int_equal(job_from_json(&out, bad, &err), -1);
	assert_non_null(strstr(err.msg, "not a job"));
	free(bad);
	bad = edit(text, "\"A\":\"1\"", "\"A-B\":\"1\"");
	assert_int_equal(job_from_json(&out, bad, &err), -1);
	free(bad);
	bad = edit(text, C1, "0123");
	assert_int_equal(job_from_json(&out, bad, &err), -1);
	free(bad);
	bad = edit(text, RQ, "not-a-request");
	assert_int_equal(job_from_json(&out, bad, &err), -1);
	free(bad);
	bad = edit(text, "\"push\"", "\"telepathy\"");
	assert_int_equal(job_from_json(&out, bad, &err), -1);
	free(bad);
	bad = edit(text, "\"version\":2", "\"version\":3");
	assert_int_equal(job_from_json(&out, bad, &err), -1);
	assert_non_null(strstr(err.msg, "unknown version"));
	free(bad);
	free(text);
	job_release(&job);
}

/* A version 1 file (written before claims) is read as a claim: its
 * pushed id is its commit, its request is named by its old key. */
static void
test_version_1(void **state)
{
	static const char old[] = "{\"attempts\":0,\"branch\":\"main\","
	    "\"commit\":\"" C1 "\",\"deployment_id\":null,\"env_vars\":{},"
	    "\"environment\":\"production\",\"idempotency_key\":\""
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	    "\",\"last_error\":null,\"next_attempt\":0,\"paths\":[],"
	    "\"planned_at\":1767225600,\"project\":\"p\","
	    "\"project_is_name\":false,\"ref\":\"refs/heads/main\","
	    "\"repo\":\"/srv/app.git/\",\"verify\":true,\"version\":1}";
	struct job back;
	struct error err;

	(void)state;
	error_clear(&err);
	assert_int_equal(job_from_json(&back, old, &err), 0);
	assert_string_equal(back.repo, "/srv/app.git/");
	assert_string_equal(back.new, C1);
	assert_string_equal(back.old, "0000000000000000000000000000000000000000");
	assert_string_equal(back.request, "ba7816bf8f01cfea414140de5dae2223");
	assert_int_equal(back.noptions, 0);
	assert_string_equal(back.idem_key, "");
	job_release(&back);
}

/* Whoever wrote the file, its times and tries are bounded on read. */
static void
test_bounds(void **state)
{
	const long long now = 1767225600;
	struct job job;

	(void)state;
	sample(&job);
	job.planned_at = now - 10;
	job.next_attempt = now + 60;
	assert_int_equal(job_bound(&job, now), 0);
	job.next_attempt = 9223372036854775807LL;	/* parked forever */
	job.planned_at = 9223372036854775807LL;
	job.attempts = 2147483647;
	assert_int_equal(job_bound(&job, now), 1);
	assert_int_equal(job.next_attempt, 0);		/* due now */
	assert_int_equal(job.planned_at, now);
	assert_int_equal(job.attempts, JOB_ATTEMPTS_MAX);
	job.next_attempt = -9223372036854775807LL - 1;
	assert_int_equal(job_bound(&job, now), 1);
	assert_int_equal(job.next_attempt, 0);
	job_release(&job);
}

/* Request ids: random ones differ; a derived one is the same for the
 * same change. */
static void
test_requests(void **state)
{
	char a[JOB_REQUEST_HEXSZ + 1], b[JOB_REQUEST_HEXSZ + 1];

	(void)state;
	job_request_random(a);
	job_request_random(b);
	assert_true(job_request_valid(a));
	assert_string_not_equal(a, b);
	job_request_derive(a, "watch\n/srv/a.git/\nrefs/heads/main\n1");
	job_request_derive(b, "watch\n/srv/a.git/\nrefs/heads/main\n1");
	assert_string_equal(a, b);
	job_request_derive(b, "watch\n/srv/a.git/\nrefs/heads/main\n2");
	assert_string_not_equal(a, b);
	assert_false(job_request_valid("0011"));
	assert_false(job_request_valid(RQ "00"));
}

/* What a person reads (--json) keeps a string that is not UTF-8,
 * escaped, where the queue file refuses it. */
static void
test_show_json_escapes(void **state)
{
	struct job job;
	struct job_view v = { .job = &job, .state = "failed",
	    .outcome = "failed", .reason = "http 500", .age = 7 };
	char *out;

	(void)state;
	sample(&job);
	free(job.branch);
	job.branch = xstrdup("feat\xff");
	assert_null(job_to_json(&job));
	out = job_show_json(&v);
	assert_non_null(out);
	assert_non_null(strstr(out, "\"branch\": \"feat\\\\xff\""));
	assert_non_null(strstr(out, "\"state\": \"failed\""));
	assert_non_null(strstr(out, "\"reason\": \"http 500\""));
	assert_non_null(strstr(out, "\"superseded_by\": null"));
	free(out);
	job_release(&job);
}

static void
test_queue_json_envelope(void **state)
{
	struct job job;
	struct job_view v = { .job = &job, .state = "pending", .age = 42 };
	struct job_junk junk = { "x.1.1", "not JSON" };
	struct job_count counts[2] = { { "pending", 1 }, { "done", 30 } };
	struct job_listing l = { "/q", &v, 1, &junk, 1, counts, 2, 10 };
	char *out;

	(void)state;
	sample(&job);
	out = job_queue_json(&l);
	assert_non_null(out);
	assert_non_null(strstr(out, "\"age_seconds\": 42,"));
	assert_non_null(strstr(out, "\"bad_files\": [\n    {\n      "
	    "\"name\": \"x.1.1\",\n      \"reason\": \"not JSON\""));
	assert_non_null(strstr(out, "\"counts\": {\n      \"pending\": 1,"
	    "\n      \"done\": 30\n    },\n    \"done_shown_max\": 10"));
	free(out);
	job_release(&job);
}

static void
test_explain_json_unmatched(void **state)
{
	struct job_rule_view tried = { "main", 1, "a.ini", 3 };
	struct job_explain e = { .ref = "refs/heads/a\xff" "b",
	    .kind = "branch", .name = "a\xff" "b",
	    .reason = "no [branch] rule matches", .tried = &tried,
	    .ntried = 1 };
	char *out = job_explain_json(&e);

	(void)state;
	assert_non_null(out);
	assert_non_null(strstr(out, "\"name\": \"a\\\\xffb\""));
	assert_non_null(strstr(out, "\"deployed\": false"));
	assert_non_null(strstr(out, "\"environment\": null"));
	assert_non_null(strstr(out, "\"pattern\": \"main\",\n      "
	    "\"match\": \"exact\""));
	assert_non_null(strstr(out, "\"settings\": null"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idem_key),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_invalid_utf8_is_refused),
		cmocka_unit_test(test_strict_parsing),
		cmocka_unit_test(test_version_1),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_show_json_escapes),
		cmocka_unit_test(test_queue_json_envelope),
		cmocka_unit_test(test_explain_json_unmatched),
	};

	return cmocka_run_group_tests_name("job", tests, NULL, NULL);
}
