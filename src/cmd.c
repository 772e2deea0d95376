/* cmd.c -- helpers shared by the commands */
#include <stdlib.h>

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
	char *path;
	int rc;

	if (config_find(&path, ctx->config_file, git_dir, workdir, err) < 0)
		return -1;
	rc = config_load(cfg, path, err);
	free(path);
	return rc;
}
