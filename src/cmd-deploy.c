/* SPDX-License-Identifier: ISC */
/* cmd-deploy.c -- dotgit-deploy deploy: deploy a branch's head now */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cmd.h"
#include "deliver.h"
#include "log.h"
#include "plan.h"
#include "xmalloc.h"


struct deploy_args {
	const char		*name;		/* branch or tag */
	const char		*rev;		/* --commit */
	int			 tag;		/* --tag */
	int			 dry_run;
	int			 wait;
	int			 timeout;	/* --timeout, seconds */
	int			 json;
	struct push_options	 opts;		/* --environment, --set */
};

static int	 cmd_deploy_exec(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	 parse_args(struct deploy_args *, const struct cmd_args *,
		    struct error *);
static int	 make_update(struct ref_update *, struct repo *,
		    struct deploy_args *, struct error *);
static void	 print_outcome(const struct job *, const char *);

static const struct cmd_option options[] = {
	{ "tag", 0, NULL, 0, "BRANCH names a tag" },
	{ "commit", 0, "REV", 0,
	    "deploy this commit instead of the branch's head" },
	{ "environment", 'e', "ENV", 0,
	    "deploy to ENV (production, staging or preview), not the "
	    "rule's environment" },
	{ "set", 's', "KEY=VALUE", CMD_OPT_MULTI,
	    "set an environment variable for this deploy" },
	{ "dry-run", 'n', NULL, 0,
	    "show the request that would be sent; send nothing" },
	CMD_WAIT_OPTIONS,
	{ "json", 0, NULL, 0, "print the deployment as JSON" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct command cmd_deploy_entry = {
	.name = "deploy",
	.args = "[BRANCH]",
	.minargs = 0,
	.maxargs = 1,
	.summary = "deploy a branch's head now (the current branch without "
	    "BRANCH), as a push of it would",
	.options = options,
	.flags = CMD_NEED_REPO | CMD_NEED_CONFIG,
	.complete = CMD_COMPLETE_BRANCH,
	.exec = cmd_deploy_exec,
};

static int	deploy_project(struct ctx *ctx, struct deploy_args *a,
		    const struct ref_update *up, size_t k, struct error *err);

static int
parse_args(struct deploy_args *a, const struct cmd_args *args,
    struct error *err)
{
	const char *env = cmd_args_get(args, "environment"), *set;
	size_t i = 0;

	plan_push_options_init(&a->opts, JOB_MANUAL);	/* a new request */
	a->rev = cmd_args_get(args, "commit");
	a->tag = cmd_args_has(args, "tag");
	a->dry_run = cmd_args_has(args, "dry-run");
	a->json = cmd_args_has(args, "json");
	if (cmd_wait_args(args, &a->wait, &a->timeout, err) < 0)
		return -1;
	if (env != NULL) {
		if (cmd_check_env(env, err) < 0)
			return -1;
		a->opts.environment = xstrdup(env);
	}
	while ((set = cmd_args_next(args, "set", &i)) != NULL)
		if (vars_set_assignment(&a->opts.env, set, err) < 0)
			return -1;
	a->name = args->argc > 1 ? args->argv[1] : NULL;
	return 0;
}

/* The ref update a push of this branch (or tag) would have made. */
static int
make_update(struct ref_update *up, struct repo *repo, struct deploy_args *a,
    struct error *err)
{
	char *current = NULL;
	int rc;

	memset(up, 0, sizeof(*up));
	memset(up->old, '0', OID_HEXSZ);
	if (a->name == NULL) {
		if (a->tag)
			return error_set(err, EXIT_USAGE, "--tag needs a tag "
			    "name");
		if (repo_current_branch(&current, repo, err) < 0)
			return -1;
		a->name = current;
	}
	if (a->rev != NULL)
		rc = repo_resolve(up->new, repo, a->rev, err);
	else if (a->tag)
		rc = repo_tag_commit(up->new, repo, a->name, err);
	else
		rc = repo_branch_commit(up->new, repo, a->name, err);
	if (rc == 0)
		up->ref = xasprintf("refs/%s/%s", a->tag ? "tags" : "heads",
		    a->name);
	free(current);
	a->name = NULL;
	return rc;
}

/* The human line. The outcome's parts from the API are safe (api.c
 * makes every reply field so); the branch is escaped here. */
static void
print_outcome(const struct job *job, const char *outcome)
{
	char *label = job_label(job);

	printf("%s: %s\n", label, outcome);
	free(label);
}

int
cmd_deploy_send(struct ctx *ctx, struct job *job, int wait, int timeout,
    int json, struct error *err)
{
	struct api_deployment dep = { 0 }, last = { 0 };
	struct deliver *d;
	char *outcome = NULL;
	int rc;

	deliver_init(&d, ctx->config, 0, 1);
	deliver_set_repo(d, ctx->repo);		/* its ledger records it */
	rc = deliver_job(d, job, &dep, &outcome, err);
	if (rc == 0)
		rc = deliver_flush(d, err);	/* its records, durable */
	if (rc == 0 && json && !wait)
		api_print_deployment(stdout, &dep);
	else if (rc == 0 && !json)
		print_outcome(job, outcome);
	if (rc == 0 && wait) {
		fflush(stdout);
		rc = cmd_status_wait(deliver_api(d), dep.id, timeout, json,
		    &last, err);
		if (last.status != NULL)
			deliver_note_status(d, &last);
		api_deployment_release(&last);
	}
	free(outcome);
	api_deployment_release(&dep);
	deliver_free(d);
	return rc;
}

/* Plan and send (or show) the update for project k: 0 done, 1 not for
 * this project (a monorepo's rule for others), -1 failed. */
static int
deploy_project(struct ctx *ctx, struct deploy_args *a,
    const struct ref_update *up, size_t k, struct error *err)
{
	struct plan p = { 0 };
	char *ref;
	int rc;

	plan_update(&p, ctx->config, ctx->repo, up, &a->opts, PLAN_EXPLICIT,
	    k);
	if (p.verdict == PLAN_SKIP && p.rule == NULL &&
	    plan_project_key(ctx->config, k) != NULL)
		rc = 1;
	else if (p.verdict != PLAN_DEPLOY) {
		ref = log_escape(up->ref, 200);
		rc = error_set(err, EXIT_FAIL, "%s: %s", ref, p.reason);
		if (p.rule == NULL)
			error_hint(err, "add a [branch] rule or pass "
			    "--environment");
		free(ref);
	} else if (a->dry_run) {
		api_show_deploy(stdout, ctx->config, &p.job, a->json);
		rc = 0;
	} else
		rc = cmd_deploy_send(ctx, &p.job, a->wait, a->timeout,
		    a->json, err);
	plan_release(&p);
	return rc;
}

/* Every project the rule is for (one, but in a monorepo). */
static int
cmd_deploy_exec(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	struct deploy_args a = { 0 };
	struct ref_update up = { 0 };
	size_t k, done = 0;
	int rc = -1, r;

	if (parse_args(&a, args, err) < 0 ||
	    make_update(&up, ctx->repo, &a, err) < 0)
		goto out;
	for (k = 0, rc = 0; k < plan_nprojects(ctx->config) && rc == 0; k++)
		if ((r = deploy_project(ctx, &a, &up, k, err)) < 0)
			rc = -1;
		else
			done += r == 0;
	if (rc == 0 && done == 0) {
		char *ref = log_escape(up.ref, 200);

		rc = error_set(err, EXIT_FAIL, "no project's rule maps '%s'",
		    ref);
		free(ref);
	}
out:
	plan_update_release(&up);
	plan_push_options_release(&a.opts);
	return rc;
}
