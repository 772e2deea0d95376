/* cmd-daemon.c -- dotgit-deploy daemon */
#include "cmd.h"
#include "daemon.h"

static int
cmd_daemon_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	(void)argv;
	if (argc > 1)
		return cmd_usage(&cmd_daemon_entry, err);
	return daemon_run(ctx, err);
}

const struct command cmd_daemon_entry = {
	"daemon", "",
	"run the queue worker and repository watcher (foreground)",
	CMD_NEED_CONFIG, cmd_daemon_exec
};
