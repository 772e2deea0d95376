/* cmd-status.c -- STUB: dotgit-deploy status */
#include "cmd.h"

static int
cmd_status_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return error_set(err, EXIT_FAIL, "'status' is not implemented yet");
}

const struct command cmd_status_entry = {
	"status", "DEPLOYMENT_ID [--wait] [--json]", "show a deployment's status", 0, cmd_status_exec
};
