/* SPDX-License-Identifier: ISC */
/* cmd-install-hook.c -- dotgit-deploy install-hook */
#include <stdio.h>

#include "cmd.h"
#include "install.h"

static int	 cmd_install_hook_exec(struct ctx *, const struct cmd_args *,
		    struct error *);

static const struct cmd_option options[] = {
	{ "server", 0, NULL, 0,
	    "install post-receive (a repository pushed to)" },
	{ "client", 0, NULL, 0,
	    "install pre-push and reference-transaction (a clone you push "
	    "from)" },
	{ "binary", 0, "PATH", 0,
	    "the dotgit-deploy the hooks run (default: this one)" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct command cmd_install_hook_entry = {
	.name = "install-hook",
	.summary = "install the git hooks into the repository (server: "
	    "post-receive; client: pre-push and reference-transaction; "
	    "without an option, as the repository is bare or not)",
	.options = options,
	.flags = CMD_NEED_REPO,
	.exec = cmd_install_hook_exec,
};

static int
cmd_install_hook_exec(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	enum install_side side = INSTALL_DEFAULT;

	if (cmd_args_has(args, "server") + cmd_args_has(args, "client") > 1)
		return error_set(err, EXIT_USAGE, "choose one of --server and "
		    "--client");
	if (cmd_args_has(args, "server"))
		side = INSTALL_SERVER;
	else if (cmd_args_has(args, "client"))
		side = INSTALL_CLIENT;
	return install_hooks(ctx->repo, side, cmd_args_get(args, "binary"),
	    stdout, err);
}
