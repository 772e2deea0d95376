/* SPDX-License-Identifier: ISC */
/* cmd-uninstall-hook.c -- dotgit-deploy uninstall-hook */
#include <stdio.h>

#include "cmd.h"
#include "install.h"

static int	 cmd_uninstall_hook_exec(struct ctx *, const struct cmd_args *,
		    struct error *);

static const struct cmd_option options[] = {
	{ "server", 0, NULL, 0, "remove the server hook only" },
	{ "client", 0, NULL, 0, "remove the client hooks only" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct command cmd_uninstall_hook_entry = {
	.name = "uninstall-hook",
	.summary = "remove the hooks, restoring the hooks directory and "
	    "settings as they were",
	.options = options,
	.flags = CMD_NEED_REPO,
	.exec = cmd_uninstall_hook_exec,
};

static int
cmd_uninstall_hook_exec(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	enum install_side side;

	if (cmd_side_args(args, INSTALL_ALL, &side, err) < 0)
		return -1;
	return uninstall_hooks(ctx->repo, side, stdout, err);
}
