/* SPDX-License-Identifier: ISC */
/* test_worker.c -- worker.c: ledger dedupe and path filters, without an
 * API to talk to (the url is a closed port: sending is a temporary
 * failure that shows the request was tried) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "job.h"
#include "ledger.h"
#include "plan.h"
#include "log.h"
#include "worker.h"
#include "xmalloc.h"
#include "unit_util.h"

#define KEY	"gl_api_unit_test_key_0123"
#define RQ	"00112233445566778899aabbccddeeff"

struct fixture {
	char		*dir;
	char		*repo;		/* its path, as a job names it */
	char		 c[3][OID_HEXSZ + 1];	/* docs, web, docs */
	struct config	 cfg;
	struct ledger	*ledger;
	struct worker	*worker;
};

/* Commit a change to `file`, its id into out. */
static void
change(struct fixture *f, const char *file, char out[OID_HEXSZ + 1])
{
	char *path = xasprintf("%s/%s", f->repo, file);
	FILE *fp;

	fp = fopen(path, "a");
	assert_non_null(fp);
	fputs("x\n", fp);
	fclose(fp);
	GIT(f->repo, "add", "-A");
	GIT(f->repo, "commit", "-q", "-m", file);
	assert_int_equal(unit_git(out, OID_HEXSZ + 1, f->repo, "rev-parse",
	    "HEAD", (char *)NULL), 0);
	free(path);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct error err;
	char *text, *web, *docs;

	f->dir = unit_tmpdir();
	f->repo = xasprintf("%s/repo", f->dir);
	web = xasprintf("%s/web", f->repo);
	docs = xasprintf("%s/docs", f->repo);
	unit_git_identity();
	setenv("DOTGIT_API_KEY", KEY, 1);
	GIT(f->dir, "init", "-q", "-b", "main", f->repo);
	assert_int_equal(mkdir(web, 0700), 0);
	assert_int_equal(mkdir(docs, 0700), 0);
	change(f, "docs/a.md", f->c[0]);
	change(f, "web/index.html", f->c[1]);
	change(f, "docs/b.md", f->c[2]);
	text = xasprintf("[api]\nurl = https://127.0.0.1:1/v1\n"
	    "[project]\nid = proj_unit\n"
	    "[branch \"main\"]\nenvironment = production\npaths = web/\n"
	    "[branch \"feature/**\"]\nenvironment = preview\n"
	    "[tag \"v*\"]\nenvironment = production\npaths = web/\n"
	    "[daemon]\nqueue = %s/queue\n", f->dir);
	error_clear(&err);
	if (config_load_string(&f->cfg, text, "t.ini", &err) < 0)
		fail_msg("config: %s", err.msg);
	if (ledger_open(&f->ledger, f->cfg.queue_dir, NULL, &err) < 0)
		fail_msg("ledger: %s", err.msg);
	worker_init(&f->worker, &f->cfg, f->ledger, 0, 0);
	free(text);
	free(web);
	free(docs);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	worker_free(f->worker);
	ledger_free(f->ledger);
	config_release(&f->cfg);
	unit_rmtree(f->dir);
	free(f->repo);
	free(f);
	unsetenv("DOTGIT_API_KEY");
	log_set_secret(NULL);
	return 0;
}

/* A job for main -> production at commit, with the path filter. */
static void
make_job(struct fixture *f, struct job *job, const char *commit)
{
	memset(job, 0, sizeof(*job));
	memcpy(job->request, RQ, sizeof(job->request));
	job->project = xstrdup("proj_unit");
	job->repo = xasprintf("%s/.git/", f->repo);
	job->ref = xstrdup("refs/heads/main");
	job->branch = xstrdup("main");
	job->environment = xstrdup("production");
	memcpy(job->commit, commit, OID_HEXSZ + 1);
	job->paths = xcalloc(1, sizeof(*job->paths));
	job->paths[0] = xstrdup("web/");
	job->npaths = 1;
	job_set_idem_key(job);
}

static enum ledger_state
key_state(struct fixture *f, const struct job *job)
{
	enum ledger_state st = LEDGER_NONE;
	struct error err;

	error_clear(&err);
	assert_int_equal(ledger_get(f->ledger, job->idem_key, &st, NULL, NULL,
	    &err), 0);
	return st;
}

/* Sending was tried: the closed port makes it a temporary failure. */
static void
assert_tried(struct fixture *f, const struct job *job,
    struct worker_result *res)
{
	assert_int_equal(res->status, WORKER_RETRY);
	assert_true(res->err.temporary);
	assert_non_null(strstr(res->err.msg, "cannot reach"));
	assert_int_equal(res->requests, 1);
	/* nothing recorded until the API answers: the job is the intent */
	assert_int_equal(key_state(f, job), LEDGER_NONE);
}

static void
test_sent_key_is_not_sent_again(void **state)
{
	struct fixture *f = *state;
	struct worker_result res;
	struct error err;
	struct job job;

	make_job(f, &job, f->c[2]);
	error_clear(&err);
	assert_int_equal(ledger_sent(f->ledger, job.idem_key, "dep_abc",
	    &err), 0);
	worker_send(f->worker, &job, 0, &res);
	assert_int_equal(res.status, WORKER_ALREADY);
	assert_string_equal(res.reason, "already deployed as dep_abc");
	assert_string_equal(res.dep.id, "dep_abc");
	assert_int_equal(res.requests, 0);
	assert_null(worker_api(f->worker));	/* no key read, no API */
	worker_result_release(&res);
	/* a person asking sends anyway, and SENT stays SENT */
	worker_send(f->worker, &job, WORKER_FORCE, &res);
	assert_int_equal(res.status, WORKER_RETRY);
	assert_int_equal(key_state(f, &job), LEDGER_SENT);
	worker_result_release(&res);
	job_release(&job);
}

static void
test_no_previous_deploy_sends(void **state)
{
	struct fixture *f = *state;
	struct worker_result res;
	struct job job;

	make_job(f, &job, f->c[2]);
	worker_send(f->worker, &job, 0, &res);
	assert_tried(f, &job, &res);
	worker_result_release(&res);
	job_release(&job);
}

static void
test_paths_unchanged_since_last_deploy(void **state)
{
	struct fixture *f = *state;
	struct worker_result res;
	struct error err;
	struct job job;
	char *want;

	/* web/ changed in c[1]; from c[1] to c[2] only docs/ did */
	error_clear(&err);
	assert_int_equal(ledger_set_last_deployed(f->ledger, "proj_unit",
	    "production", f->c[1], &err), 0);
	make_job(f, &job, f->c[2]);
	worker_send(f->worker, &job, 0, &res);
	assert_int_equal(res.status, WORKER_FILTERED);
	want = xasprintf("no change under web/ since %.7s", f->c[1]);
	assert_string_equal(res.reason, want);
	assert_int_equal(res.requests, 0);
	assert_int_equal(key_state(f, &job), LEDGER_NONE);
	free(want);
	worker_result_release(&res);
	job_release(&job);
}

static void
test_paths_changed_across_commits(void **state)
{
	struct fixture *f = *state;
	struct worker_result res;
	struct error err;
	struct job job;

	/* judged from the last deploy (c[0]), not from the parent (c[1]) */
	error_clear(&err);
	assert_int_equal(ledger_set_last_deployed(f->ledger, "proj_unit",
	    "production", f->c[0], &err), 0);
	make_job(f, &job, f->c[2]);
	worker_send(f->worker, &job, 0, &res);
	assert_tried(f, &job, &res);
	worker_result_release(&res);
	job_release(&job);
}

static void
test_without_ledger_always_sends(void **state)
{
	struct fixture *f = *state;
	struct worker_result res;
	struct worker *w;
	struct job job;

	worker_init(&w, &f->cfg, NULL, 0, 0);
	make_job(f, &job, f->c[2]);
	worker_send(w, &job, 0, &res);
	assert_int_equal(res.status, WORKER_RETRY);
	assert_int_equal(res.requests, 1);
	worker_result_release(&res);
	job_release(&job);
	worker_free(w);
}

static void
test_no_key_is_a_permanent_failure(void **state)
{
	struct fixture *f = *state;
	struct worker_result res;
	struct job job;

	unsetenv("DOTGIT_API_KEY");
	make_job(f, &job, f->c[2]);
	worker_send(f->worker, &job, 0, &res);
	assert_int_equal(res.status, WORKER_FAILED);
	assert_false(res.err.temporary);
	assert_int_equal(res.requests, 0);
	assert_int_equal(key_state(f, &job), LEDGER_NONE);
	worker_result_release(&res);
	job_release(&job);
}

/* A claim read from the queue: `ref` moved to `new` in request RQ. */
static void
make_claim(struct fixture *f, struct job *job, const char *ref,
    const char *new)
{
	memset(job, 0, sizeof(*job));
	job->source = JOB_PUSH;
	memcpy(job->request, RQ, sizeof(job->request));
	job->repo = xasprintf("%s/.git/", f->repo);
	job->ref = xstrdup(ref);
	memset(job->old, '0', OID_HEXSZ);
	memcpy(job->new, new, OID_HEXSZ + 1);
	/* what a forger would write: none of it is believed */
	job->project = xstrdup("proj_someone_else");
	job->branch = xstrdup("x");
	job->environment = xstrdup("production");
	vars_set(&job->env_vars, "NODE_OPTIONS", "--require ./evil.js");
}

static void
plan_of(struct fixture *f, struct plan *p, const struct job *claim)
{
	struct repo *repo;
	struct error err;

	error_clear(&err);
	assert_int_equal(worker_repo(f->worker, claim->repo, &repo, &err), 0);
	plan_claim(p, &f->cfg, repo, claim);
}

/* The daemon plans a claim from its configuration and the repository:
 * an annotated tag is peeled, and a branch and a tag on one commit in one
 * request share the key (deployed once). */
static void
test_claim_planned_from_config(void **state)
{
	struct fixture *f = *state;
	struct worker_result res;
	struct job cb, ct;
	struct plan pb, pt;
	char tag[OID_HEXSZ + 1];
	struct error err;

	GIT(f->repo, "tag", "-a", "v1", "-m", "release");
	GITOUT(tag, f->repo, "rev-parse", "v1");
	make_claim(f, &cb, "refs/heads/main", f->c[2]);
	make_claim(f, &ct, "refs/tags/v1", tag);
	plan_of(f, &pb, &cb);
	plan_of(f, &pt, &ct);
	assert_int_equal(pb.verdict, PLAN_DEPLOY);
	assert_int_equal(pt.verdict, PLAN_DEPLOY);
	assert_string_equal(pb.job.project, "proj_unit");
	assert_int_equal(pb.job.env_vars.n, 0);
	assert_string_equal(pt.job.commit, f->c[2]);
	assert_string_equal(pt.job.new, tag);
	assert_string_equal(pb.job.idem_key, pt.job.idem_key);
	error_clear(&err);
	assert_int_equal(ledger_sent(f->ledger, pb.job.idem_key, "dep_abc",
	    &err), 0);
	worker_send(f->worker, &pt.job, 0, &res);
	assert_int_equal(res.status, WORKER_ALREADY);
	assert_int_equal(res.requests, 0);
	worker_result_release(&res);
	plan_release(&pb);
	plan_release(&pt);
	job_release(&cb);
	job_release(&ct);
}

/* What a claim may not make the daemon do. */
static void
test_claim_refusals(void **state)
{
	struct fixture *f = *state;
	char head[OID_HEXSZ + 1], side[OID_HEXSZ + 1];
	struct job c;
	struct plan p;

	/* a commit main never had (pushed to a preview branch) */
	GIT(f->repo, "checkout", "-q", "-b", "feature/x");
	change(f, "web/evil.js", side);
	GIT(f->repo, "checkout", "-q", "main");
	make_claim(f, &c, "refs/heads/main", side);
	plan_of(f, &p, &c);
	assert_int_equal(p.verdict, PLAN_ERROR);
	assert_non_null(strstr(p.reason, "main does not hold"));
	plan_release(&p);
	job_release(&c);
	/* an older commit of main (a rollback) is fine */
	make_claim(f, &c, "refs/heads/main", f->c[0]);
	plan_of(f, &p, &c);
	assert_int_equal(p.verdict, PLAN_DEPLOY);
	plan_release(&p);
	job_release(&c);
	/* a ref that is gone */
	make_claim(f, &c, "refs/heads/feature/gone", f->c[2]);
	plan_of(f, &p, &c);
	assert_int_equal(p.verdict, PLAN_SKIP);
	assert_non_null(strstr(p.reason, "no longer exists"));
	plan_release(&p);
	job_release(&c);
	/* an object that is not there */
	make_claim(f, &c, "refs/heads/main",
	    "1234567890abcdef1234567890abcdef12345678");
	plan_of(f, &p, &c);
	assert_int_equal(p.verdict, PLAN_ERROR);
	assert_non_null(strstr(p.reason, "the pushed object "
	    "1234567890abcdef1234567890abcdef12345678 is not in '"));
	plan_release(&p);
	job_release(&c);
	/* [skip deploy] is honoured */
	GIT(f->repo, "commit", "-q", "--allow-empty", "-m",
	    "docs [skip deploy]");
	GITOUT(head, f->repo, "rev-parse", "HEAD");
	make_claim(f, &c, "refs/heads/main", head);
	plan_of(f, &p, &c);
	assert_int_equal(p.verdict, PLAN_SKIP);
	assert_string_equal(p.reason, "skipped: the commit message says "
	    "[skip deploy]");
	assert_null(worker_api(f->worker));
	plan_release(&p);
	job_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sent_key_is_not_sent_again,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_previous_deploy_sends,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_paths_unchanged_since_last_deploy, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_paths_changed_across_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_without_ledger_always_sends, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_key_is_a_permanent_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_claim_planned_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_refusals, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("worker", tests, NULL, NULL);
}
