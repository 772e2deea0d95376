/* SPDX-License-Identifier: ISC */
/* cmd-deploy.c -- dotgit-deploy deploy: deploy a branch's head now */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "cmd.h"
#include "deliver.h"
#include "log.h"
#include "plan.h"
#include "xmalloc.h"

#define WAIT_TIMEOUT 600	/* seconds --wait follows a deployment */

struct deploy_args {
	const char		*name;		/* branch or tag */
	const char		*rev;		/* --commit */
	int			 tag;		/* --tag */
	int			 dry_run;
	int			 wait;
	int			 json;
	struct push_options	 opts;		/* --environment, --set */
};

static const struct option long_options[] = {
	{ "commit",	 required_argument, NULL, 'r' },
	{ "environment", required_argument, NULL, 'e' },
	{ "set",	 required_argument, NULL, 's' },
	{ "tag",	 no_argument,	    NULL, 't' },
	{ "dry-run",	 no_argument,	    NULL, 'n' },
	{ "wait",	 no_argument,	    NULL, 'w' },
	{ "json",	 no_argument,	    NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};

static int
parse_args(struct deploy_args *a, int argc, char **argv, struct error *err)
{
	int ch;

	plan_push_options_init(&a->opts, JOB_MANUAL);	/* a new request */
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "ne:s:", long_options,
	    NULL)) != -1) {
		switch (ch) {
		case 'r': a->rev = optarg; break;
		case 't': a->tag = 1; break;
		case 'n': a->dry_run = 1; break;
		case 'w': a->wait = 1; break;
		case 'j': a->json = 1; break;
		case 'e':
			if (config_env_index(optarg) < 0)
				return error_set(err, EXIT_USAGE, "unknown "
				    "environment '%.64s': use production, "
				    "staging or preview", optarg);
			free(a->opts.environment);
			a->opts.environment = xstrdup(optarg);
			break;
		case 's':
			if (vars_set_assignment(&a->opts.env, optarg,
			    err) < 0)
				return -1;
			break;
		default:
			return cmd_usage(&cmd_deploy_entry, err);
		}
	}
	if (argc - optind > 1)
		return cmd_usage(&cmd_deploy_entry, err);
	a->name = argc - optind == 1 ? argv[optind] : NULL;
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

static json_t *
request_json(const struct config *cfg, const struct job *job)
{
	char *url = api_deploy_url(cfg, job->project), *body;
	json_t *root, *jbody;

	body = api_deploy_body(job, 0);
	jbody = json_loads(body, 0, NULL);
	root = json_pack("{s:s, s:s, s:{s:s, s:s}, s:o}",
	    "method", "POST", "url", url, "headers",
	    "Content-Type", "application/json",
	    "Idempotency-Key", job->idem_key,
	    "body", jbody ? jbody : json_null());
	if (job->project_is_name)
		json_object_set_new(root, "project_name",
		    json_string(job->project));
	free(body);
	free(url);
	return root;
}

static void
print_dry_run(const struct config *cfg, const struct job *job, int json)
{
	char *url, *body;
	json_t *root;

	if (json) {
		root = request_json(cfg, job);
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(root);
		return;
	}
	url = api_deploy_url(cfg, job->project);
	body = api_deploy_body(job, 1);
	printf("POST %s\n", url);
	if (job->project_is_name)
		printf("(project '%s' is looked up by name when sending)\n",
		    job->project);
	printf("Content-Type: application/json\nIdempotency-Key: %s\n\n%s\n",
	    job->idem_key, body);
	free(body);
	free(url);
}

/* The human line. The outcome's parts from the API are safe (api.c
 * makes every reply field so); the branch is escaped here. */
static void
print_outcome(const struct job *job, const char *outcome)
{
	char *branch = log_escape(job->branch, 0);

	printf("%s -> %s: %s\n", branch, job->environment, outcome);
	free(branch);
}

static int
send_job(const struct config *cfg, struct job *job,
    const struct deploy_args *a, struct error *err)
{
	struct api_deployment dep = { 0 };
	struct deliver *d;
	char *outcome = NULL;
	int rc;

	deliver_init(&d, cfg, 0, 1);
	rc = deliver_job(d, job, &dep, &outcome, err);
	if (rc == 0 && a->json && !a->wait)
		api_print_deployment(stdout, &dep);
	else if (rc == 0 && !a->json)
		print_outcome(job, outcome);
	if (rc == 0 && a->wait) {
		fflush(stdout);
		rc = cmd_status_wait(deliver_api(d), dep.id, WAIT_TIMEOUT,
		    a->json, err);
	}
	free(outcome);
	api_deployment_release(&dep);
	deliver_free(d);
	return rc;
}

static int
cmd_deploy_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	struct deploy_args a = { 0 };
	struct ref_update up = { 0 };
	struct plan p = { 0 };
	int rc = -1;

	if (parse_args(&a, argc, argv, err) < 0 ||
	    make_update(&up, ctx->repo, &a, err) < 0)
		goto out;
	plan_update(&p, ctx->config, ctx->repo, &up, &a.opts, PLAN_EXPLICIT);
	if (p.verdict != PLAN_DEPLOY) {
		char *ref = log_escape(up.ref, 200);

		error_set(err, EXIT_FAIL, "%s: %s", ref, p.reason);
		if (p.rule == NULL)
			error_hint(err, "add a [branch] rule or pass "
			    "--environment");
		free(ref);
		goto out;
	}
	if (a.dry_run) {
		print_dry_run(ctx->config, &p.job, a.json);
		rc = 0;
	} else
		rc = send_job(ctx->config, &p.job, &a, err);
out:
	plan_release(&p);
	plan_update_release(&up);
	plan_push_options_release(&a.opts);
	return rc;
}

const struct command cmd_deploy_entry = {
	"deploy", "[BRANCH] [--tag] [--commit REV] [--environment ENV] "
	"[--set KEY=VALUE]... [--dry-run] [--wait] [--json]",
	"deploy a branch's head now", CMD_NEED_REPO | CMD_NEED_CONFIG,
	cmd_deploy_exec
};
