/*
 * fuzz_hook.c -- post-receive stdin, push options and the plan without a
 * repository (queue mode: plan_update_deferred).
 *
 * Input: one byte choosing the configuration (its low bits: which
 * [policy]), the hook's stdin, a NUL, push options one per line.
 * Properties: hook_read_input reads the stdin whole (from a memfd);
 * every parsed update has 40-digit lowercase ids and a ref
 * without NUL or newline; a reason shown to the pusher is printable
 * UTF-8; a job the plan makes can be queued (job_to_json) and reads back
 * as the same claim.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "hook.h"
#include "job.h"
#include "plan.h"
#include "xmalloc.h"

#define GIT_DIR		"/srv/git/app.git/"
#define MAX_OPTIONS	200

static const char base_config[] =
    "[project]\nid = proj_1\n"
    "[branch \"main\"]\nenvironment = production\n"
    "[branch \"release/*\"]\nenvironment = staging\n"
    "[branch \"feature/**\"]\nenvironment = preview\npaths = web/ a/b\n"
    "[branch \"**/hot\"]\nenvironment = staging\n"
    "[tag \"v*\"]\nenvironment = production\n"
    "[environment \"production\"]\nURL = https://example.com\n"
    "[environment \"preview\"]\nMODE = \"x y\"\n";

static const char *const policies[] = {
	"",
	"[policy]\nallow_options = skip verbose\n",
	"[policy]\nallow_options = skip env environment production\n",
	"[policy]\nallow_options = none\n",
};

static struct config cfgs[4];
static int input_fd = -1;	/* the hook's stdin */

void
fuzz_setup(void)
{
	struct error err;
	char *text;
	size_t i;

	if ((input_fd = memfd_create("stdin", 0)) < 0)
		fuzz_fail("memfd_create");
	for (i = 0; i < 4; i++) {
		text = xasprintf("%s%s", base_config, policies[i]);
		error_clear(&err);
		if (config_load_string(&cfgs[i], text, "fuzz.ini", &err) < 0)
			fuzz_fail("the fuzz config does not load: %s",
			    err.msg);
		free(text);
	}
}

static int
lower_hex40(const char *s)
{
	return strlen(s) == OID_HEXSZ &&
	    strspn(s, "0123456789abcdef") == OID_HEXSZ;
}

static void
check_update(const struct ref_update *up)
{
	if (!lower_hex40(up->old) || !lower_hex40(up->new))
		fuzz_fail("an update with a bad id");
	if (up->ref == NULL || strchr(up->ref, '\n') != NULL ||
	    strlen(up->ref) > 4096)
		fuzz_fail("an update with a bad ref");
}

/* The claim half of a job, as the daemon reads it back. */
static void
same_claim(const struct job *a, const struct job *b)
{
	size_t i;

	if (a->source != b->source || strcmp(a->request, b->request) != 0 ||
	    strcmp(a->repo, b->repo) != 0 || strcmp(a->ref, b->ref) != 0 ||
	    strcmp(a->old, b->old) != 0 || strcmp(a->new, b->new) != 0 ||
	    a->noptions != b->noptions || strcmp(a->environment,
	    b->environment) != 0 || strcmp(a->idem_key, b->idem_key) != 0 ||
	    a->env_vars.n != b->env_vars.n)
		fuzz_fail("a queued job reads back as another claim");
	for (i = 0; i < a->noptions; i++)
		if (strcmp(a->options[i], b->options[i]) != 0)
			fuzz_fail("a queued job's option %zu changed", i);
}

static void
check_plan(const struct plan *p, const struct ref_update *up)
{
	struct error err;
	struct job back;
	char *json;

	if (p->verdict != PLAN_DEPLOY) {
		if (p->reason == NULL ||
		    !fuzz_printable(p->reason, strlen(p->reason), ""))
			fuzz_fail("a reason not fit for the pusher's terminal");
		return;
	}
	if (p->rule == NULL || strcmp(p->job.ref, up->ref) != 0 ||
	    strcmp(p->job.commit, up->new) != 0 ||
	    config_env_index(p->job.environment) < 0)
		fuzz_fail("a job that is not the update");
	if ((json = job_to_json(&p->job)) == NULL)
		fuzz_fail("a planned job cannot be queued (job_to_json)");
	error_clear(&err);
	if (job_from_json(&back, json, &err) < 0)
		fuzz_fail("a queued job does not read back: %s", err.msg);
	same_claim(&p->job, &back);
	job_release(&back);
	free(json);
}

/* The stdin as hook_read_input reads it: all of it, NUL-terminated. */
static char *
read_stdin(const char *text, size_t len, size_t *n)
{
	struct error err;
	char *in;

	if (ftruncate(input_fd, 0) < 0 || pwrite(input_fd, text, len, 0) !=
	    (ssize_t)len || lseek(input_fd, 0, SEEK_SET) < 0)
		fuzz_fail("cannot write the hook's stdin");
	error_clear(&err);
	if (hook_read_input(&in, n, input_fd, &err) < 0 || *n != len ||
	    memcmp(in, text, len) != 0 || in[len] != '\0')
		fuzz_fail("hook_read_input did not read what was written");
	return in;
}

static void
add_options(struct push_options *opts, char *text, size_t len)
{
	char *lines[MAX_OPTIONS];
	size_t n, i;

	n = fuzz_split(text, len, '\n', lines, MAX_OPTIONS);
	for (i = 0; i < n; i++)
		plan_push_option(opts, lines[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct push_options opts;
	struct ref_update *ups;
	const struct config *cfg;
	char *buf, *parts[2], *in;
	struct plan p;
	size_t n, i, k, nparts, inlen;

	if (size == 0)
		return 0;
	cfg = &cfgs[data[0] & 3];
	buf = fuzz_str(data + 1, size - 1);
	nparts = fuzz_split(buf, size - 1, '\0', parts, 2);
	inlen = nparts == 2 ? (size_t)(parts[1] - 1 - buf) : size - 1;
	in = read_stdin(buf, inlen, &inlen);
	hook_parse_updates(&ups, &n, in, inlen);
	plan_push_options_init(&opts, JOB_PUSH);
	memset(opts.request, 'a', JOB_REQUEST_HEXSZ);
	if (nparts == 2)
		add_options(&opts, parts[1], size - 1 - inlen - 1);
	for (i = 0; i < n; i++) {
		check_update(&ups[i]);
		for (k = 0; k < plan_nprojects(cfg); k++) {
			plan_update_deferred(&p, cfg, GIT_DIR, &ups[i], &opts,
			    k);
			check_plan(&p, &ups[i]);
			plan_release(&p);
		}
	}
	plan_push_options_release(&opts);
	hook_updates_free(ups, n);
	free(in);
	free(buf);
	return 0;
}
