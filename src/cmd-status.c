/* SPDX-License-Identifier: ISC */
/* cmd-status.c -- dotgit-deploy status: show or follow a deployment */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cmd.h"
#include "log.h"
#include "xmalloc.h"

#define WAIT_DEFAULT	600	/* s, --timeout */
#define WAIT_MAX	86400
#define ID_SHOWN	200

struct status_args {
	const char	*id;
	int		 wait;
	int		 json;
	int		 timeout;
};

static int	cmd_status_exec(struct ctx *, int, char **, struct error *);

const struct command cmd_status_entry = {
	"status", "DEPLOYMENT_ID [--wait [--timeout SECS]] [--json]",
	"show a deployment's status", CMD_WANT_REPO | CMD_NEED_CONFIG,
	cmd_status_exec
};

static int
parse_timeout(const char *s, int *out, struct error *err)
{
	char *end, *shown;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s >= '0' && *s <= '9' && *end == '\0' && errno == 0 && v >= 1 &&
	    v <= WAIT_MAX) {
		*out = (int)v;
		return 0;
	}
	shown = log_escape(s, 32);
	error_set(err, EXIT_USAGE, "invalid --timeout '%s': a number of "
	    "seconds from 1 to %d is needed", shown, WAIT_MAX);
	free(shown);
	return -1;
}

static int
parse_args(struct status_args *a, int argc, char **argv, struct error *err)
{
	const char *arg;
	int i, dashdash = 0;

	memset(a, 0, sizeof(*a));
	a->timeout = WAIT_DEFAULT;
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (!dashdash && strcmp(arg, "--") == 0)
			dashdash = 1;
		else if (!dashdash && strcmp(arg, "--wait") == 0)
			a->wait = 1;
		else if (!dashdash && strcmp(arg, "--json") == 0)
			a->json = 1;
		else if (!dashdash && strncmp(arg, "--timeout=", 10) == 0) {
			if (parse_timeout(arg + 10, &a->timeout, err) < 0)
				return -1;
		} else if (!dashdash && strcmp(arg, "--timeout") == 0) {
			if (i + 1 >= argc)
				return error_set(err, EXIT_USAGE, "option "
				    "'--timeout' needs a number of seconds");
			if (parse_timeout(argv[++i], &a->timeout, err) < 0)
				return -1;
		} else if ((dashdash || arg[0] != '-') && a->id == NULL &&
		    arg[0] != '\0')
			a->id = arg;
		else
			return cmd_usage(&cmd_status_entry, err);
	}
	if (a->id == NULL)
		return cmd_usage(&cmd_status_entry, err);
	return 0;
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
    struct error *err)
{
	struct api_deployment dep = { 0 };
	int rc;

	rc = api_wait_deployment(api, &dep, id, timeout, progress, err);
	if (rc == 0) {
		print_status(&dep, json);
		rc = judge(&dep, err);
	}
	api_deployment_release(&dep);
	return rc;
}

static int
cmd_status_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	struct api_deployment dep = { 0 };
	struct status_args a;
	struct api *api = NULL;
	char *key = NULL;
	int rc = -1, budget;

	if (parse_args(&a, argc, argv, err) < 0)
		return -1;
	/* The last poll may start just before the end: give it its time. */
	budget = a.wait ? a.timeout + (ctx->config->api_timeout > 0 ?
	    ctx->config->api_timeout : 10) : 0;
	if (config_read_key(&key, ctx->config, err) < 0 ||
	    api_open(&api, ctx->config, key, budget, err) < 0)
		goto out;
	if (a.wait)
		rc = cmd_status_wait(api, a.id, a.timeout, a.json, err);
	else if ((rc = api_get_deployment(api, &dep, a.id, err)) == 0)
		print_status(&dep, a.json);
out:
	api_deployment_release(&dep);
	api_free(api);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	return rc;
}
