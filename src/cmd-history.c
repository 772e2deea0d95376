/* SPDX-License-Identifier: ISC */
/* cmd-history.c -- dotgit-deploy history: what was deployed where */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "cmd.h"
#include "history.h"
#include "log.h"
#include "xmalloc.h"

#define SHOWN_DEFAULT	20	/* records, -n */
#define SHOWN_MAX	100000
#define FIELD_MAX	60	/* characters of a field in the table */
#define REFRESH_MAX	20	/* statuses asked of the API per run */

struct history_args {
	const char	*env;		/* or NULL: all */
	const char	*project;	/* --project, or NULL */
	int		 max;		/* -n; 0: all */
	int		 offline;	/* --offline: ask the API nothing */
	int		 json;
};

/* One row of the table, every field escaped. */
enum { COL_WHEN, COL_PROJECT, COL_ENV, COL_BRANCH, COL_COMMIT, COL_DEP,
    COL_STATUS, COL_SOURCE, NCOLS };

static int	cmd_history_exec(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	parse_args(struct history_args *, const struct ctx *,
		    const struct cmd_args *, struct error *);
static void	row(char **cells, const struct job *, int live);
static void	print_table(const struct history *, const int *, int);
static void	say_empty(const struct history_args *, const char *);
static int	unsettled(const struct history *h);
static void	refresh(struct ctx *ctx, struct history *h, struct ledger *l);

static const char *const headings[NCOLS] = {
	"WHEN", "PROJECT", "ENV", "BRANCH", "COMMIT", "DEPLOYMENT",
	"STATUS", "SOURCE",
};

static const struct cmd_option options[] = {
	{ "max-count", 'n', "N", 0,
	    "show the newest N deployments (default 20; 0: all)" },
	{ "project", 'p', "NAME", 0,
	    "only this project's (a [project \"NAME\"], or the project id)" },
	{ "offline", 0, NULL, 0,
	    "show the statuses as recorded; ask the API for none" },
	{ "json", 0, NULL, 0, "print the deployments as JSON" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct command cmd_history_entry = {
	.name = "history",
	.args = "[ENV]",
	.minargs = 0,
	.maxargs = 1,
	.summary = "list what was deployed where, newest first, and what "
	    "each environment runs",
	.options = options,
	.flags = CMD_NEED_REPO | CMD_NEED_CONFIG,
	.complete = CMD_COMPLETE_ENV,
	.exec = cmd_history_exec,
};

static int
parse_args(struct history_args *a, const struct ctx *ctx,
    const struct cmd_args *args, struct error *err)
{
	memset(a, 0, sizeof(*a));
	a->max = SHOWN_DEFAULT;
	a->json = cmd_args_has(args, "json");
	a->offline = cmd_args_has(args, "offline");
	a->project = cmd_args_get(args, "project");
	a->env = args->argc > 1 ? args->argv[1] : NULL;
	if (a->env != NULL && cmd_check_env(a->env, err) < 0)
		return -1;
	if (a->project != NULL && !config_project_known(ctx->config,
	    a->project))
		return error_set(err, EXIT_USAGE, "no project '%.64s' in "
		    "the configuration", a->project);
	return cmd_args_number(args, "max-count", 0, SHOWN_MAX, &a->max,
	    err);
}

/* The cells of a record (allocated). */
static void
row(char **cells, const struct job *r, int live)
{
	char when[32] = "-";
	struct tm tm;
	time_t t = (time_t)r->deployed_at;

	if (r->deployed_at > 0 && localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	cells[COL_WHEN] = xstrdup(when);
	cells[COL_PROJECT] = log_escape(r->project_key != NULL ?
	    r->project_key : r->project != NULL ? r->project : "-",
	    FIELD_MAX);
	cells[COL_ENV] = xstrdup(r->environment);
	cells[COL_BRANCH] = log_escape(r->branch != NULL ? r->branch : "-",
	    FIELD_MAX);
	cells[COL_COMMIT] = xstrndup(r->commit, 7);
	cells[COL_DEP] = log_escape(r->deployment_id != NULL ?
	    r->deployment_id : "-", FIELD_MAX);
	cells[COL_STATUS] = xasprintf("%s%s", r->status != NULL ?
	    r->status : "-", live ? " (live)" : "");
	cells[COL_SOURCE] = xstrdup(job_source_name(r->source));
}

/* Columns as wide as their widest cell; PROJECT only for a monorepo. */
static void
print_table(const struct history *h, const int *live, int projects)
{
	char *(*cells)[NCOLS] = xcalloc(h->n, sizeof(*cells));
	size_t w[NCOLS], i, c;

	for (c = 0; c < NCOLS; c++)
		w[c] = strlen(headings[c]);
	for (i = 0; i < h->n; i++) {
		row(cells[i], &h->v[i], live[i]);
		for (c = 0; c < NCOLS; c++)
			if (strlen(cells[i][c]) > w[c])
				w[c] = strlen(cells[i][c]);
	}
	for (i = 0; i <= h->n; i++) {
		for (c = 0; c < NCOLS; c++) {
			if (c == COL_PROJECT && !projects)
				continue;
			if (c + 1 < NCOLS)
				printf("%-*s  ", (int)w[c], i == 0 ?
				    headings[c] : cells[i - 1][c]);
			else
				printf("%s\n", i == 0 ? headings[c] :
				    cells[i - 1][c]);
		}
	}
	for (i = 0; i < h->n; i++)
		for (c = 0; c < NCOLS; c++)
			free(cells[i][c]);
	free(cells);
}

/* Nothing to show: said on stderr, so that stdout stays a table. */
static void
say_empty(const struct history_args *a, const char *dir)
{
	if (a->env != NULL)
		log_info("no deployment to %s recorded in '%s'", a->env, dir);
	else
		log_info("no deployment recorded in '%s'", dir);
}

/* Any record whose status the API may still change. */
static int
unsettled(const struct history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->v[i].deployment_id != NULL && (h->v[i].status == NULL ||
		    !api_status_final(h->v[i].status)))
			return 1;
	return 0;
}

/* Statuses not final yet, asked again: nobody follows what the hook sent
 * in direct mode, nor what `deploy` and `rollback` sent without --wait
 * (the daemon follows its own; asking again changes nothing there). */
static void
refresh(struct ctx *ctx, struct history *h, struct ledger *l)
{
	struct api *api;
	struct error err;

	if (!unsettled(h))
		return;
	error_clear(&err);
	if (cmd_open_api(&api, ctx->config, 0, &err) < 0) {
		log_verbose("statuses as recorded: %s", err.msg);
		return;
	}
	history_refresh(h, l, api, REFRESH_MAX);
	api_free(api);
}

int
cmd_history_load(struct ctx *ctx, struct history *h, struct ledger **l,
    char **dir, const char *env, const char *project, size_t max,
    int online, struct error *err)
{
	int r;

	memset(h, 0, sizeof(*h));
	*l = NULL;
	r = ledger_open_for(l, dir, ctx->config, repo_common_dir(ctx->repo),
	    0, err);
	if (r == DD_ENOTFOUND)
		return 0;
	if (r < 0 || history_read(h, *l, ctx->config,
	    repo_git_dir(ctx->repo), env, project, max, err) < 0)
		return -1;
	if (online)
		refresh(ctx, h, *l);
	return 0;
}

static int
cmd_history_exec(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	struct history_args a;
	struct history h = { 0 };
	struct ledger *l = NULL;
	char *dir = NULL, *text;
	int *live = NULL, rc = -1;

	if (parse_args(&a, ctx, args, err) < 0 ||
	    cmd_history_load(ctx, &h, &l, &dir, a.env, a.project,
	    (size_t)a.max, !a.offline, err) < 0)
		goto out;
	live = xcalloc(h.n + 1, sizeof(*live));
	history_live(&h, live);
	if (a.json) {
		text = job_history_json(h.v, live, h.n, dir);
		puts(text);
		free(text);
	} else if (h.n == 0)
		say_empty(&a, dir);
	else
		print_table(&h, live, ctx->config->nprojects > 0);
	rc = 0;
out:
	free(live);
	history_release(&h);
	ledger_free(l);
	free(dir);
	return rc;
}
