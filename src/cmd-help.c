/* SPDX-License-Identifier: ISC */
/* cmd-help.c -- dotgit-deploy help [COMMAND [SUBCOMMAND]] */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "log.h"

static int	 cmd_help_exec(struct ctx *, const struct cmd_args *,
		    struct error *);

const struct command cmd_help_entry = {
	.name = "help",
	.args = "[COMMAND [SUBCOMMAND]]",
	.minargs = 0,
	.maxargs = 2,
	.summary = "show the commands, or a command's full usage with each "
	    "of its options (as COMMAND --help does)",
	.complete = CMD_COMPLETE_COMMAND,
	.exec = cmd_help_exec,
};

static int
cmd_help_exec(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	const struct command *path[CMD_DEPTH] = { &cmd_root };
	size_t depth = 1;
	int i;
	char *e;

	(void)ctx;
	for (i = 1; i < args->argc; i++) {
		path[depth] = path[depth - 1]->subs != NULL ?
		    cmd_find(path[depth - 1], args->argv[i]) : NULL;
		if (path[depth] == NULL || depth + 1 == CMD_DEPTH) {
			e = log_escape(args->argv[i], 64);
			error_set(err, EXIT_USAGE, "no help for '%s': not a "
			    "command", e);
			error_hint(err, "'dotgit-deploy help' lists them");
			free(e);
			return -1;
		}
		depth++;
	}
	cmd_help(stdout, path, depth);
	return 0;
}
