/* cmd-config.c -- STUB: dotgit-deploy config check|explain */
#include "cmd.h"

static int
cmd_config_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return error_set(err, EXIT_FAIL, "'config' is not implemented yet");
}

const struct command cmd_config_entry = {
	"config", "check | explain BRANCH [--tag] [--set KEY=VALUE]...",
	"check the configuration, or explain a branch's rule",
	CMD_WANT_REPO, cmd_config_exec
};
