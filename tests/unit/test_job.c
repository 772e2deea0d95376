/* test_job.c -- job identity and the queue-file JSON form */
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

static void
sample(struct job *job)
{
	memset(job, 0, sizeof(*job));
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
	const char *in = "proj_8f2a9c\nproduction\n" C1 "\nA=1\nB=caf\xc3\xa9";

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
	assert_null(back.repo);
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
	bad = edit(text, "{", "{\"version\":1,");
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
	free(text);
	job_release(&job);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idem_key),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_invalid_utf8_is_refused),
		cmocka_unit_test(test_strict_parsing),
	};

	return cmocka_run_group_tests_name("job", tests, NULL, NULL);
}
