/* cmd-uninstall-hook.c -- STUB: dotgit-deploy uninstall-hook */
#include "cmd.h"

static int
cmd_uninstall_hook_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return error_set(err, EXIT_FAIL, "'uninstall-hook' is not implemented yet");
}

const struct command cmd_uninstall_hook_entry = {
	"uninstall-hook", "[--server | --client]", "remove the hook, restoring what was there", 0, cmd_uninstall_hook_exec
};
