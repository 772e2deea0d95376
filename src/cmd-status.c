/* SPDX-License-Identifier: ISC */
/* cmd-status.c -- dotgit-deploy status: show or follow a deployment */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cmd.h"
#include "log.h"
#include "xmalloc.h"

#define ID_SHOWN	200

struct status_args {
	const char	*id;
	int		 wait;
	int		 json;
	int		 timeout;
};

static int	 cmd_status_exec(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	 parse_args(struct status_args *, const struct cmd_args *,
		    struct error *);
static void	 progress(const struct api_deployment *);
static void	 print_status(const struct api_deployment *, int);
static int	 judge(const struct api_deployment *, struct error *);

static const struct cmd_option options[] = {
	CMD_WAIT_OPTIONS,
	{ "json", 0, NULL, 0, "print the deployment as JSON" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct command cmd_status_entry = {
	.name = "status",
	.args = "DEPLOYMENT_ID",
	.minargs = 1,
	.maxargs = 1,
	.summary = "show a deployment's status, or follow it with --wait",
	.options = options,
	.flags = CMD_WANT_REPO | CMD_NEED_CONFIG,
	.exec = cmd_status_exec,
};

static int
parse_args(struct status_args *a, const struct cmd_args *args,
    struct error *err)
{
	memset(a, 0, sizeof(*a));
	a->json = cmd_args_has(args, "json");
	a->id = args->argv[1];
	if (*a->id == '\0')
		return cmd_usage(args, err);
	return cmd_wait_args(args, &a->wait, &a->timeout, err);
}

static void
progress(const struct api_deployment *d)
{
	char *id, *st;

	if (api_status_final(d->status))
		return;		/* printed on stdout */
	id = log_escape(d->id, ID_SHOWN);
	st = log_escape(d->status, ID_SHOWN);
	log_info("%s: %s", id, st);
	free(st);
	free(id);
}

static void
print_status(const struct api_deployment *d, int json)
{
	char *id, *st, *url;

	if (json) {
		api_print_deployment(stdout, d);
		return;
	}
	id = log_escape(d->id, ID_SHOWN);
	st = log_escape(d->status, ID_SHOWN);
	url = d->url != NULL ? log_escape(d->url, 0) : NULL;
	if (url != NULL)
		printf("%s: %s (%s)\n", id, st, url);
	else
		printf("%s: %s\n", id, st);
	free(url);
	free(st);
	free(id);
}

/* With --wait, anything but ready is a failure. */
static int
judge(const struct api_deployment *d, struct error *err)
{
	char *id, *st;

	if (strcmp(d->status, "ready") == 0)
		return 0;
	id = log_escape(d->id, ID_SHOWN);
	st = log_escape(d->status, ID_SHOWN);
	if (strcmp(d->status, "canceled") == 0)
		error_set(err, EXIT_FAIL, "deployment '%s' was canceled", id);
	else
		error_set(err, EXIT_FAIL, "deployment '%s' ended in %s", id,
		    st);
	free(st);
	free(id);
	return -1;
}

int
cmd_status_wait(struct api *api, const char *id, int timeout, int json,
    struct api_deployment *last, struct error *err)
{
	struct api_deployment dep = { 0 };
	int rc;

	rc = api_wait_deployment(api, &dep, id, timeout, progress, err);
	if (rc == 0) {
		print_status(&dep, json);
		rc = judge(&dep, err);
	}
	if (last != NULL && dep.status != NULL) {
		*last = dep;
		memset(&dep, 0, sizeof(dep));
	}
	api_deployment_release(&dep);
	return rc;
}

static int
cmd_status_exec(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	struct api_deployment dep = { 0 };
	struct status_args a;
	struct api *api = NULL;
	int rc = -1, budget;

	if (parse_args(&a, args, err) < 0)
		return -1;
	/* The last poll may start just before the end: give it its time. */
	budget = a.wait ? a.timeout + (ctx->config->api_timeout > 0 ?
	    ctx->config->api_timeout : 10) : 0;
	if (cmd_open_api(&api, ctx->config, budget, err) < 0)
		goto out;
	if (a.wait)
		rc = cmd_status_wait(api, a.id, a.timeout, a.json, NULL, err);
	else if ((rc = api_get_deployment(api, &dep, a.id, err)) == 0)
		print_status(&dep, a.json);
out:
	api_deployment_release(&dep);
	api_free(api);
	return rc;
}
