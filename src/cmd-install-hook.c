/* SPDX-License-Identifier: ISC */
/* cmd-install-hook.c -- dotgit-deploy install-hook */
#include <stdio.h>

#include "cmd.h"
#include "install.h"
#include "log.h"
#include "served.h"

static int	 cmd_install_hook_exec(struct ctx *, const struct cmd_args *,
		    struct error *);
static void	 check_setup(struct ctx *, enum install_side);

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
	enum install_side side;

	if (cmd_side_args(args, INSTALL_DEFAULT, &side, err) < 0)
		return -1;
	if (install_hooks(ctx->repo, side, cmd_args_get(args, "binary"),
	    stdout, err) < 0)
		return -1;
	check_setup(ctx, side);
	return 0;
}

/* What the hooks will find when they run: say what would leave a push
 * deploying nothing. */
static void
check_setup(struct ctx *ctx, enum install_side side)
{
	const char *gd = repo_common_dir(ctx->repo);
	struct config cfg = { 0 };
	struct error err;

	if (side == INSTALL_DEFAULT)
		side = repo_workdir(ctx->repo) == NULL ? INSTALL_SERVER :
		    INSTALL_CLIENT;
	error_clear(&err);
	if (ctx_load_config(ctx, &cfg, &err) < 0) {
		log_warnx("pushes deploy nothing until the configuration "
		    "loads: %s", err.msg);
		log_hint("'dotgit-deploy -C %s config init --%s' writes a "
		    "starter", gd, side == INSTALL_SERVER ? "server" :
		    "client");
	} else if (side == INSTALL_SERVER && config_queue_mode(&cfg)) {
		if (!served_listed(&cfg, gd))
			log_warnx("queue mode, but '%s' is not in [daemon] "
			    "repos: the daemon will refuse its jobs", gd);
		log_info("queue mode: the daemon deploys what pushes queue; "
		    "start it (systemctl enable --now dotgit-deploy)");
	}
	config_release(&cfg);
}
