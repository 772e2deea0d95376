/* cmd-deploy.c -- STUB: dotgit-deploy deploy */
#include "cmd.h"

static int
cmd_deploy_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return error_set(err, EXIT_FAIL, "'deploy' is not implemented yet");
}

const struct command cmd_deploy_entry = {
	"deploy", "[BRANCH] [--commit REV] [--environment ENV] "
	"[--set KEY=VALUE]... [--dry-run] [--wait] [--json]",
	"deploy a branch's head now", CMD_NEED_REPO | CMD_NEED_CONFIG,
	cmd_deploy_exec
};
