/*
 * fuzz_job.c -- the queue's job files: job_from_json / job_to_json.
 *
 * Input, first byte even: a job file. What job_from_json accepts,
 * job_to_json must write (non-NULL), and that must read back equal and
 * be written the same again. First byte odd: the rest makes a job
 * field by field (strings cut at 0x01, as the hook and worker could
 * make them); job_to_json may refuse it only for a string that is not
 * valid UTF-8, and what it writes reads back equal.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "job.h"
#include "xmalloc.h"

#define NSTR	16

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
same_strv(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

static int
same_vars(const struct vars *a, const struct vars *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (!same_str(b->v[i].value, vars_get(a, b->v[i].name)))
			return 0;
	return 1;
}

static void
same_job(const struct job *a, const struct job *b)
{
	if (a->source != b->source || strcmp(a->request, b->request) ||
	    !same_str(a->repo, b->repo) || !same_str(a->ref, b->ref) ||
	    strcmp(a->old, b->old) || strcmp(a->new, b->new) ||
	    !same_strv(a->options, a->noptions, b->options, b->noptions) ||
	    a->planned_at != b->planned_at)
		fuzz_fail("the claim changed when written and read back");
	if (!same_str(a->project, b->project) ||
	    a->project_is_name != b->project_is_name ||
	    !same_str(a->branch, b->branch) ||
	    !same_str(a->environment, b->environment) ||
	    strcmp(a->commit, b->commit) ||
	    !same_vars(&a->env_vars, &b->env_vars) ||
	    !same_strv(a->paths, a->npaths, b->paths, b->npaths) ||
	    strcmp(a->idem_key, b->idem_key))
		fuzz_fail("the plan changed when written and read back");
	if (a->attempts != b->attempts || a->next_attempt != b->next_attempt ||
	    !same_str(a->last_error, b->last_error) ||
	    !same_str(a->deployment_id, b->deployment_id))
		fuzz_fail("the worker state changed when written and read "
		    "back");
}

/* Write, read back, compare, write again: the same bytes. */
static void
round_trip(const struct job *job, const char *json)
{
	struct error err;
	struct job back;
	char *again;

	error_clear(&err);
	if (job_from_json(&back, json, &err) < 0)
		fuzz_fail("a job written does not read back: %s\n%s",
		    err.msg, json);
	same_job(job, &back);
	if ((again = job_to_json(&back)) == NULL ||
	    strcmp(again, json) != 0)
		fuzz_fail("a job is not written the same twice");
	free(again);
	job_release(&back);
}

static void
from_file(const char *text)
{
	struct error err;
	struct job job;
	char *json;

	error_clear(&err);
	if (job_from_json(&job, text, &err) < 0)
		return;
	if ((json = job_to_json(&job)) == NULL)
		fuzz_fail("a job read cannot be written");
	round_trip(&job, json);
	free(json);
	job_release(&job);
}

/* Hex digits from the bytes of s, n of them. */
static void
hex(char *out, const char *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i, len = strlen(s);

	for (i = 0; i < n; i++)
		out[i] = digits[(unsigned char)(i < len ? s[i] : i) & 15];
	out[n] = '\0';
}

static long long
number(const char *s)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; s[i] != '\0' && i < 8; i++)
		v = v << 8 | (unsigned char)s[i];
	return (long long)v;
}

/* A name of [A-Za-z_][A-Za-z0-9_]* from s. */
static char *
var_name(const char *s)
{
	static const char first[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
	    "abcdefghijklmnopqrstuvwxyz";
	size_t i, n = strlen(s) % 40 + 1;
	char *out = xmalloc(n + 1);

	for (i = 0; i < n; i++)
		out[i] = first[(unsigned char)(i < strlen(s) ? s[i] : 0) %
		    (sizeof(first) - 1)];
	out[n] = '\0';
	return out;
}

static char *
cut(const char *s)
{
	return xstrndup(s, JOB_STRING_MAX);
}

static int
strv_utf8(char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!fuzz_utf8(v[i]))
			return 0;
	return 1;
}

/* 1 if every string of the job is valid UTF-8 (JSON can hold it). */
static int
all_utf8(const struct job *job)
{
	const char *s[] = { job->repo, job->ref, job->project, job->branch,
	    job->environment, job->last_error, job->deployment_id };
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (s[i] != NULL && !fuzz_utf8(s[i]))
			return 0;
	for (i = 0; i < job->env_vars.n; i++)
		if (!fuzz_utf8(job->env_vars.v[i].value))
			return 0;
	return strv_utf8(job->options, job->noptions) &&
	    strv_utf8(job->paths, job->npaths);
}

static void
made(char **f, size_t n)
{
	struct job job;
	char *json, *name, *value;
	size_t i;

	memset(&job, 0, sizeof(job));
	job.source = (enum job_source)(number(f[0]) & 0xff) % 3;
	hex(job.request, f[1], JOB_REQUEST_HEXSZ);
	job.repo = cut(f[2]);
	job.ref = cut(f[3]);
	hex(job.old, f[4], OID_HEXSZ);
	hex(job.new, f[5], OID_HEXSZ);
	job.planned_at = number(f[6]);
	job.project = cut(f[7]);
	job.project_is_name = f[7][0] & 1;
	job.branch = cut(f[8]);
	job.environment = cut(f[9]);
	hex(job.commit, f[10], OID_HEXSZ);
	if (f[11][0] & 1)
		hex(job.idem_key, f[11], IDEM_KEY_HEXSZ);
	job.attempts = (int)((unsigned long long)number(f[12]) %
	    (JOB_ATTEMPTS_MAX + 1));
	job.next_attempt = number(f[13]);
	job.last_error = f[14][0] ? cut(f[14]) : NULL;
	job.deployment_id = f[15][0] ? cut(f[15]) : NULL;
	for (i = NSTR; i < n && i < NSTR + JOB_OPTIONS_MAX; i++) {
		switch (f[i][0] % 3) {
		case 0:
			job.options = xreallocarray(job.options,
			    job.noptions + 1, sizeof(char *));
			job.options[job.noptions++] = cut(f[i]);
			break;
		case 1:
			job.paths = xreallocarray(job.paths, job.npaths + 1,
			    sizeof(char *));
			job.paths[job.npaths++] = cut(f[i]);
			break;
		default:
			name = var_name(f[i]);
			value = cut(f[i]);
			vars_set(&job.env_vars, name, value);
			free(value);
			free(name);
		}
	}
	json = job_to_json(&job);
	if (json != NULL)
		round_trip(&job, json);
	else if (all_utf8(&job))
		fuzz_fail("job_to_json refused a job of valid UTF-8");
	free(json);
	job_release(&job);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *f[NSTR + JOB_OPTIONS_MAX];
	size_t n, i;

	if (size == 0)
		return 0;
	buf = fuzz_str(data + 1, size - 1);
	if ((data[0] & 1) == 0)
		from_file(buf);
	else {
		n = fuzz_split(buf, size - 1, '\001', f,
		    NSTR + JOB_OPTIONS_MAX);
		for (i = n; i < NSTR; i++)
			f[i] = (char *)"";
		made(f, n > NSTR ? n : NSTR);
	}
	free(buf);
	return 0;
}
