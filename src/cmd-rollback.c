/* SPDX-License-Identifier: ISC */
/*
 * cmd-rollback.c -- dotgit-deploy rollback: deploy again what an
 * environment ran before, exactly: the commit, branch and variables of
 * that deployment, from the history (history.h), as a new request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "cmd.h"
#include "history.h"
#include "log.h"
#include "xmalloc.h"

#define STEPS_MAX	1000

struct rollback_args {
	const char	*env;
	const char	*to;		/* --to COMMIT, or NULL */
	const char	*project;	/* --project, or NULL */
	int		 steps;		/* --steps */
	int		 dry_run;
	int		 wait;
	int		 timeout;
	int		 json;
};

static int	cmd_rollback_exec(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	parse_args(struct rollback_args *, const struct ctx *,
		    const struct cmd_args *, struct error *);
static int	one_project(const struct history *, const char *,
		    struct error *);
static int	pick(const struct job **, const struct job **,
		    const struct history *, const struct rollback_args *,
		    struct repo *, struct error *);
static void	make_job(struct job *, const struct job *, const struct job *);
static void	say_plan(const struct job *, const struct job *, int);

static const struct cmd_option options[] = {
	{ "to", 0, "REV", 0,
	    "roll back to this commit (a deployment of it that reached "
	    "ready), not the one before" },
	{ "steps", 0, "N", 0,
	    "go back N deployed commits (default 1)" },
	{ "project", 'p', "NAME", 0,
	    "the project to roll back, when several deploy to ENV" },
	{ "dry-run", 'n', NULL, 0,
	    "show the request that would be sent; send nothing" },
	CMD_WAIT_OPTIONS,
	{ "json", 0, NULL, 0, "print the deployment as JSON" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct command cmd_rollback_entry = {
	.name = "rollback",
	.args = "ENV",
	.minargs = 1,
	.maxargs = 1,
	.summary = "deploy again the commit ENV ran before its live "
	    "deployment (or --to one), with the same branch and variables",
	.options = options,
	.flags = CMD_NEED_REPO | CMD_NEED_CONFIG,
	.complete = CMD_COMPLETE_ENV,
	.exec = cmd_rollback_exec,
};

static int
parse_args(struct rollback_args *a, const struct ctx *ctx,
    const struct cmd_args *args, struct error *err)
{
	memset(a, 0, sizeof(*a));
	a->env = args->argv[1];
	a->to = cmd_args_get(args, "to");
	a->project = cmd_args_get(args, "project");
	a->dry_run = cmd_args_has(args, "dry-run");
	a->json = cmd_args_has(args, "json");
	a->steps = 1;
	if (cmd_check_env(a->env, err) < 0)
		return -1;
	if (a->to != NULL && cmd_args_has(args, "steps"))
		return error_set(err, EXIT_USAGE, "--to and --steps cannot "
		    "be used together");
	if (a->project != NULL && !config_project_known(ctx->config,
	    a->project))
		return error_set(err, EXIT_USAGE, "no project '%.64s' in "
		    "the configuration", a->project);
	if (cmd_args_number(args, "steps", 1, STEPS_MAX, &a->steps,
	    err) < 0)
		return -1;
	return cmd_wait_args(args, &a->wait, &a->timeout, err);
}

/* The records are of one project, or --project names one. */
static int
one_project(const struct history *h, const char *env, struct error *err)
{
	const char *first = NULL, *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		p = h->v[i].project_key != NULL ? h->v[i].project_key :
		    h->v[i].project;
		if (first == NULL)
			first = p;
		else if (p != NULL && strcmp(p, first) != 0) {
			error_set(err, EXIT_USAGE, "several projects deploy "
			    "to %s: name one with --project", env);
			error_hint(err, "'dotgit-deploy history %s' lists "
			    "them", env);
			return -1;
		}
	}
	return 0;
}

/* The deployment to run again, and the live one (or NULL). The commit
 * must still be in the repository: the platform builds it from there. */
static int
pick(const struct job **target, const struct job **live,
    const struct history *h, const struct rollback_args *a,
    struct repo *repo, struct error *err)
{
	char oid[OID_HEXSZ + 1], to[OID_HEXSZ + 1];
	const char *want = a->to;
	struct error ignored;

	if (h->n == 0)
		return error_set(err, EXIT_FAIL, "nothing to roll back: no "
		    "deployment to %s is recorded", a->env);
	if (a->project == NULL && one_project(h, a->env, err) < 0)
		return -1;
	/* a revision this repository knows, else a commit id (prefix) */
	if (want != NULL && repo_resolve(to, repo, want, &ignored) == 0)
		want = to;
	if (history_target(h, want, a->steps, target, live, err) < 0)
		return -1;
	if (*live != NULL && strcmp((*target)->commit, (*live)->commit) == 0)
		return error_set(err, EXIT_FAIL, "%s already runs %.7s (%s)",
		    (*live)->environment, (*live)->commit,
		    (*live)->deployment_id);
	if (repo_resolve(oid, repo, (*target)->commit, err) < 0) {
		error_hint(err, "the commit to roll back to is no longer in "
		    "this repository");
		return -1;
	}
	return 0;
}

/* A new request for the target's deployment: same project, branch,
 * commit and variables; claimed as a rollback from the live commit. */
static void
make_job(struct job *job, const struct job *target, const struct job *live)
{
	job_copy(job, target);
	free(job->id);
	free(job->last_error);
	free(job->deployment_id);
	free(job->status);
	free(job->url);
	job->id = job->last_error = job->deployment_id = NULL;
	job->status = job->url = NULL;
	job->deployed_at = 0;
	job->attempts = 0;
	job->next_attempt = 0;
	job->source = JOB_ROLLBACK;
	job_request_random(job->request);
	job->planned_at = (long long)time(NULL);
	if (live != NULL)
		memcpy(job->old, live->commit, sizeof(job->old));
	else
		memset(job->old, '0', OID_HEXSZ);
	memcpy(job->new, target->commit, sizeof(job->new));
	job_set_idem_key(job);
}

/* What is about to happen, on stderr. */
static void
say_plan(const struct job *target, const struct job *live, int dry_run)
{
	char when[32] = "?";
	struct tm tm;
	time_t t = (time_t)target->deployed_at;

	if (localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	if (live != NULL)
		log_info("%s: %s from %.7s (%s) to %.7s, deployed %s as %s",
		    target->environment, dry_run ? "would roll back" :
		    "rolling back", live->commit, live->deployment_id,
		    target->commit, when, target->deployment_id);
	else
		log_info("%s: %s to %.7s, deployed %s as %s",
		    target->environment, dry_run ? "would roll back" :
		    "rolling back", target->commit, when,
		    target->deployment_id);
}

static int
cmd_rollback_exec(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	struct rollback_args a;
	const struct job *target, *live;
	struct history h = { 0 };
	struct ledger *l = NULL;
	struct job job;
	char *dir = NULL;
	int rc = -1;

	if (parse_args(&a, ctx, args, err) < 0)
		return -1;
	if (cmd_history_load(ctx, &h, &l, &dir, a.env, a.project, 0, 1,
	    err) < 0 || pick(&target, &live, &h, &a, ctx->repo, err) < 0)
		goto out;
	make_job(&job, target, live);
	say_plan(target, live, a.dry_run);
	ledger_free(l);		/* the sender opens it to record */
	l = NULL;
	if (a.dry_run) {
		api_show_deploy(stdout, ctx->config, &job, a.json);
		rc = 0;
	} else
		rc = cmd_deploy_send(ctx, &job, a.wait, a.timeout, a.json,
		    err);
	job_release(&job);
out:
	history_release(&h);
	ledger_free(l);
	free(dir);
	return rc;
}
