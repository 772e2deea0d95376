/* cmd-daemon.c -- STUB: dotgit-deploy daemon */
#include "cmd.h"

static int
cmd_daemon_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return error_set(err, EXIT_FAIL, "'daemon' is not implemented yet");
}

const struct command cmd_daemon_entry = {
	"daemon", "", "run the queue worker and repository watcher", 0, cmd_daemon_exec
};
