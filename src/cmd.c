/* SPDX-License-Identifier: ISC */
/* cmd.c -- helpers shared by the commands */
#include "cmd.h"

int
cmd_usage(const struct command *cmd, struct error *err)
{
	return error_set(err, EXIT_USAGE, "usage: dotgit-deploy %s %s",
	    cmd->name, cmd->usage);
}

int
cmd_load_config(struct ctx *ctx, struct config *cfg, struct error *err)
{
	if (ctx->repo == NULL)
		return cmd_load_config_at(ctx, cfg, NULL, NULL, err);
	return cmd_load_config_at(ctx, cfg, repo_common_dir(ctx->repo),
	    repo_workdir(ctx->repo), err);
}

int
cmd_load_config_at(struct ctx *ctx, struct config *cfg, const char *git_dir,
    const char *workdir, struct error *err)
{
	return config_load_at(cfg, ctx->config_file, git_dir, workdir, err);
}
