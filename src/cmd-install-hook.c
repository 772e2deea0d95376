/* SPDX-License-Identifier: ISC */
/* cmd-install-hook.c -- dotgit-deploy install-hook */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "install.h"

static const struct option long_options[] = {
	{ "server",	no_argument,	   NULL, 's' },
	{ "client",	no_argument,	   NULL, 'c' },
	{ "binary",	required_argument, NULL, 'b' },
	{ NULL, 0, NULL, 0 }
};

static int
cmd_install_hook_exec(struct ctx *ctx, int argc, char **argv,
    struct error *err)
{
	enum install_side side = INSTALL_DEFAULT;
	const char *binary = NULL;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", long_options,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'c':
			if (side != INSTALL_DEFAULT)
				return error_set(err, EXIT_USAGE, "choose "
				    "one of --server and --client");
			side = ch == 's' ? INSTALL_SERVER : INSTALL_CLIENT;
			break;
		case 'b':
			binary = optarg;
			break;
		default:
			return cmd_usage(&cmd_install_hook_entry, err);
		}
	}
	if (optind != argc)
		return cmd_usage(&cmd_install_hook_entry, err);
	return install_hooks(ctx->repo, side, binary, stdout, err);
}

const struct command cmd_install_hook_entry = {
	"install-hook", "[--server | --client] [--binary PATH]",
	"install the git hooks into the repository (server: post-receive; "
	"client: pre-push and reference-transaction)",
	CMD_NEED_REPO, cmd_install_hook_exec
};
