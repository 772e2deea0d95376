/* SPDX-License-Identifier: ISC */
/* ctx.c -- the configuration of one run (ctx.h) */
#include "ctx.h"

int
ctx_load_config(struct ctx *ctx, struct config *cfg, struct error *err)
{
	if (ctx->repo == NULL)
		return ctx_load_config_at(ctx, cfg, NULL, NULL, err);
	return ctx_load_config_at(ctx, cfg, repo_common_dir(ctx->repo),
	    repo_workdir(ctx->repo), err);
}

int
ctx_load_config_at(struct ctx *ctx, struct config *cfg, const char *git_dir,
    const char *workdir, struct error *err)
{
	return config_load_at(cfg, ctx->config_file, git_dir, workdir, err);
}
