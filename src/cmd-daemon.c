/* SPDX-License-Identifier: ISC */
/* cmd-daemon.c -- dotgit-deploy daemon */
#include "cmd.h"
#include "daemon.h"
#include "xmalloc.h"

static int	 cmd_daemon_exec(struct ctx *, const struct cmd_args *,
		    struct error *);

const struct command cmd_daemon_entry = {
	.name = "daemon",
	.summary = "run the queue worker and repository watcher in the "
	    "foreground (SIGHUP reloads, SIGTERM stops)",
	.exec = cmd_daemon_exec,
};

static int
cmd_daemon_exec(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	(void)args;
	/* its own files only: each repository it serves completes them */
	ctx->config = xcalloc(1, sizeof(*ctx->config));
	if (config_load_daemon(ctx->config, ctx->config_file, err) < 0)
		return -1;
	return daemon_run(ctx, err);
}
