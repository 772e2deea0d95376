/* cmd-queue.c -- STUB: dotgit-deploy queue */
#include "cmd.h"

static int
cmd_queue_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return error_set(err, EXIT_FAIL, "'queue' is not implemented yet");
}

const struct command cmd_queue_entry = {
	"queue", "[--json] | retry ID | drop ID", "list and manage queued deploys", 0, cmd_queue_exec
};
