/* SPDX-License-Identifier: ISC */
/* cmd-daemon.c -- dotgit-deploy daemon */
#include "cmd.h"
#include "daemon.h"
#include "xmalloc.h"

static int
cmd_daemon_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	(void)argv;
	if (argc > 1)
		return cmd_usage(&cmd_daemon_entry, err);
	/* its own files only: each repository it serves completes them */
	ctx->config = xcalloc(1, sizeof(*ctx->config));
	if (config_load_daemon(ctx->config, ctx->config_file, err) < 0)
		return -1;
	return daemon_run(ctx, err);
}

const struct command cmd_daemon_entry = {
	"daemon", "",
	"run the queue worker and repository watcher (foreground)",
	0, cmd_daemon_exec
};
