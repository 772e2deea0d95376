/* cmd-install-hook.c -- STUB: dotgit-deploy install-hook */
#include "cmd.h"

static int
cmd_install_hook_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return error_set(err, EXIT_FAIL, "'install-hook' is not implemented yet");
}

const struct command cmd_install_hook_entry = {
	"install-hook", "[--server | --client]", "install the git hook into the repository", 0, cmd_install_hook_exec
};
