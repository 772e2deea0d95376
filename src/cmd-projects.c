/* cmd-projects.c -- STUB: dotgit-deploy projects */
#include "cmd.h"

static int
cmd_projects_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return error_set(err, EXIT_FAIL, "'projects' is not implemented yet");
}

const struct command cmd_projects_entry = {
	"projects", "[--all] [--page N] [--per-page N] [--json]", "list the account's projects", 0, cmd_projects_exec
};
