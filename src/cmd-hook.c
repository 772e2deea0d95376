/* cmd-hook.c -- STUB: dotgit-deploy hook */
#include "cmd.h"

static int
cmd_hook_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return error_set(err, EXIT_FAIL, "'hook' is not implemented yet");
}

const struct command cmd_hook_entry = {
	"hook", "post-receive|pre-push|reference-transaction [ARGS]", "run as an installed git hook", 0, cmd_hook_exec
};
