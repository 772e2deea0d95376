/*
 * fuzz_api.c -- what the API sends back: bodies and rate-limit headers.
 *
 * Input: one byte choosing the parser, two bytes of HTTP status, then
 * the body. Properties: every parsed field is printable UTF-8 (a
 * deployment id a plain token); an error message and hint are printable
 * UTF-8 and only 408, 429 and 5xx are temporary; the --json output of
 * what was parsed is JSON. With the headers' numbers instead of a body:
 * api_wait_of asks for no wait past API_WAIT_MAX, Retry-After wins, and
 * the token bucket never asks for a delay past RATELIMIT_BLOCK_MAX.
 */
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "fuzz.h"
#include "ratelimit.h"

static void
printable(const char *s, const char *what)
{
	if (s != NULL && !fuzz_printable(s, strlen(s), ""))
		fuzz_fail("%s: not printable UTF-8", what);
}

static void
is_json(char *s, const char *what)
{
	json_error_t jerr;
	json_t *j = json_loads(s, 0, &jerr);

	if (j == NULL)
		fuzz_fail("%s: not JSON: %s", what, jerr.text);
	json_decref(j);
	free(s);
}

static void
deployment(const char *body, size_t len)
{
	struct api_deployment d;
	struct error err;
	const char *p;

	error_clear(&err);
	if (api_parse_deployment(&d, body, len, &err) < 0) {
		printable(err.msg, "a deployment reply's error");
		return;
	}
	if (d.id == NULL || d.status == NULL || strlen(d.id) > 256)
		fuzz_fail("a deployment without id or status");
	for (p = d.id; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			fuzz_fail("a deployment id that is not a token");
	printable(d.status, "status");
	printable(d.url, "url");
	printable(d.started_at, "started_at");
	printable(d.branch, "branch");
	printable(d.environment, "environment");
	printable(d.commit_hash, "commit_hash");
	is_json(api_deployment_json(&d), "api_deployment_json");
	api_deployment_release(&d);
}

static void
projects(const char *body, size_t len)
{
	struct api_project *p;
	struct error err;
	size_t n, i;
	long total;

	error_clear(&err);
	if (api_parse_projects(&p, &n, &total, body, len, &err) < 0) {
		printable(err.msg, "a project list's error");
		if (total != -1)
			fuzz_fail("a total from a list refused");
		return;
	}
	if (total < -1)
		fuzz_fail("a negative total");
	for (i = 0; i < n; i++) {
		if (p[i].id == NULL || p[i].name == NULL)
			fuzz_fail("a project without id or name");
		printable(p[i].id, "project id");
		printable(p[i].name, "project name");
		printable(p[i].framework, "framework");
		printable(p[i].created_at, "created_at");
	}
	is_json(api_projects_json(p, n, total, 1), "api_projects_json");
	api_projects_free(p, n);
}

static void
error_reply(long status, const char *body, size_t len)
{
	struct error err;
	int temp = status == 408 || status == 429 ||
	    (status >= 500 && status < 600);

	error_clear(&err);
	api_parse_error(&err, status, body, len);
	if (err.msg[0] == '\0')
		fuzz_fail("an error reply without a message");
	printable(err.msg, "error message");
	printable(err.hint, "error hint");
	if (err.temporary != temp)
		fuzz_fail("HTTP %ld taken as %s", status, err.temporary ?
		    "temporary" : "permanent");
}

static long long
number(const uint8_t *p)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (long long)v;
}

/* 8 bytes each: limit, remaining, reset, retry_after, now. */
static void
headers(const uint8_t *p, size_t len, int use_reset)
{
	struct api_ratelimit rl;
	struct api_wait w;
	struct ratelimit bucket;
	long long now;
	double d, t;
	char *text;

	if (len < 40)
		return;
	rl.limit = (long)number(p);
	rl.remaining = (long)number(p + 8);
	rl.reset = number(p + 16);
	rl.retry_after = (long)number(p + 24);
	now = number(p + 32);
	api_wait_of(&w, &rl, now, use_reset);
	if (w.secs < -1 || w.secs > API_WAIT_MAX)
		fuzz_fail("api_wait_of: %ld s", w.secs);
	if ((w.secs >= 0) != (w.source != NULL))
		fuzz_fail("api_wait_of: a wait without a source");
	if (rl.retry_after >= 0 && w.secs != (rl.retry_after > API_WAIT_MAX ?
	    API_WAIT_MAX : rl.retry_after))
		fuzz_fail("api_wait_of: Retry-After not obeyed");
	if (w.source != NULL) {
		/* a window already over: 1 s, not 0 */
		if (w.asked < w.secs && w.secs != 1)
			fuzz_fail("api_wait_of: waits more than asked");
		text = api_wait_text(&w);
		printable(text, "api_wait_text");
		free(text);
	}
	/* as read_ratelimit gives them: -1 for a header missing */
	t = (double)(now % 4000000000LL);
	ratelimit_init(&bucket, (int)(rl.limit % 100000));
	ratelimit_observe(&bucket, rl.limit < 0 ? -1 : rl.limit,
	    rl.remaining < 0 ? -1 : rl.remaining, rl.reset < 0 ? -1 :
	    rl.reset, t);
	ratelimit_retry_after(&bucket, (double)rl.retry_after, t);
	ratelimit_take(&bucket, t);
	d = ratelimit_delay(&bucket, t - (double)(p[0] % 8));
	if (isnan(d) || d < 0 || d > RATELIMIT_BLOCK_MAX)
		fuzz_fail("ratelimit_delay: %f s", d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long status;

	if (size < 3)
		return 0;
	status = data[1] << 8 | data[2];
	switch (data[0] % 5) {
	case 0:
		deployment((const char *)data + 3, size - 3);
		break;
	case 1:
		projects((const char *)data + 3, size - 3);
		break;
	case 2:
		error_reply(status, (const char *)data + 3, size - 3);
		break;
	default:
		headers(data + 3, size - 3, data[0] % 5 == 3);
	}
	return 0;
}
