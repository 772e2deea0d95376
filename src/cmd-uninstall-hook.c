/* SPDX-License-Identifier: ISC */
/* cmd-uninstall-hook.c -- dotgit-deploy uninstall-hook */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "install.h"

static const struct option long_options[] = {
	{ "server",	no_argument,	   NULL, 's' },
	{ "client",	no_argument,	   NULL, 'c' },
	{ NULL, 0, NULL, 0 }
};

static int
cmd_uninstall_hook_exec(struct ctx *ctx, int argc, char **argv,
    struct error *err)
{
	enum install_side side = INSTALL_ALL;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", long_options,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'c':
			if (side != INSTALL_ALL)
				return error_set(err, EXIT_USAGE, "choose "
				    "one of --server and --client");
			side = ch == 's' ? INSTALL_SERVER : INSTALL_CLIENT;
			break;
		default:
			return cmd_usage(&cmd_uninstall_hook_entry, err);
		}
	}
	if (optind != argc)
		return cmd_usage(&cmd_uninstall_hook_entry, err);
	return uninstall_hooks(ctx->repo, side, stdout, err);
}

const struct command cmd_uninstall_hook_entry = {
	"uninstall-hook", "[--server | --client]",
	"remove the hooks, restoring the hooks directory and settings as "
	"they were",
	CMD_NEED_REPO, cmd_uninstall_hook_exec
};
