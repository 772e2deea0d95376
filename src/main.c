/* SPDX-License-Identifier: ISC */
/* main.c -- run one command line: hook links, global options, the
 * command (the table and its parser are cmd.c's) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "hooks.h"
#include "log.h"
#include "repo.h"
#include "version.h"
#include "xmalloc.h"

/* The global options, in the order given (-v -q is quiet, -q -v is
 * not). */
static void	 apply_globals(struct ctx *, const struct cmd_args *);
static int	 prepare(struct ctx *, const struct command *, struct error *);
static int	 run(struct ctx *, struct cmd_args *, int, char **,
		    struct error *);
/* Installed hooks are links to this binary: "hook NAME" for their name
 * (hook_kinds). */
static char	**hook_argv(int *, char **);

static void
apply_globals(struct ctx *ctx, const struct cmd_args *a)
{
	const struct command *root = &cmd_root;
	const char *name;
	size_t i;

	for (i = 0; i < a->nv; i++) {
		name = a->v[i].opt->name;
		if (cmd_find_option(&root, 1, name, 0) != a->v[i].opt)
			continue;
		if (strcmp(name, "quiet") == 0)
			ctx->level = LOG_LEVEL_QUIET;
		else if (strcmp(name, "verbose") == 0)
			ctx->level++;
		else if (strcmp(name, "directory") == 0)
			ctx->dir = a->v[i].value;
		else if (strcmp(name, "config") == 0)
			ctx->config_file = a->v[i].value;
	}
}

static int
prepare(struct ctx *ctx, const struct command *cmd, struct error *err)
{
	if (cmd->flags & (CMD_NEED_REPO | CMD_WANT_REPO)) {
		if (repo_open(&ctx->repo, ctx->dir, err) < 0) {
			if (cmd->flags & CMD_NEED_REPO)
				return -1;
			error_clear(err);
			ctx->repo = NULL;
		}
	}
	if (cmd->flags & CMD_NEED_CONFIG) {
		ctx->config = xcalloc(1, sizeof(*ctx->config));
		if (ctx_load_config(ctx, ctx->config, err) < 0)
			return -1;
	}
	return 0;
}

static int
run(struct ctx *ctx, struct cmd_args *a, int argc, char **argv,
    struct error *err)
{
	const struct command *cmd;

	if (cmd_parse(a, argc, argv, err) < 0)
		return -1;
	apply_globals(ctx, a);
	log_init(ctx->level, 0);
	if (cmd_args_has(a, "version")) {
		printf("dotgit-deploy %s\n", DD_VERSION);
		return 0;
	}
	if (cmd_args_has(a, "help")) {
		cmd_help(stdout, a->path, a->depth);
		return 0;
	}
	if (a->depth == 1) {
		cmd_help(stderr, a->path, a->depth);
		return error_set(err, EXIT_USAGE, "no command given");
	}
	if (cmd_check_args(a, err) < 0)
		return -1;
	cmd = cmd_args_command(a);
	if (prepare(ctx, cmd, err) < 0)
		return -1;
	return cmd->exec(ctx, a, err);
}

/* argv for "dotgit-deploy hook <name> <args>" when run as a hook link. */
static char **
hook_argv(int *argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	char **nargv;
	int k;

	base = base ? base + 1 : argv[0];
	if ((k = hook_kind_find(base)) < 0)
		return NULL;
	nargv = xcalloc((size_t)*argc + 3, sizeof(*nargv));
	nargv[0] = argv[0];
	nargv[1] = (char *)"hook";
	nargv[2] = (char *)hook_kinds[k].name;
	memcpy(nargv + 3, argv + 1, sizeof(*argv) * (size_t)(*argc - 1));
	*argc += 2;
	return nargv;
}

int
main(int argc, char **argv)
{
	struct ctx ctx = { 0 };
	struct cmd_args args;
	struct error err;
	char **hargv = hook_argv(&argc, argv);
	int rc;

	error_clear(&err);
	ctx.argv0 = argv[0];
	rc = run(&ctx, &args, argc, hargv ? hargv : argv, &err);
	if (rc < 0) {
		error_print(&err);
		rc = err.exit ? err.exit : EXIT_FAIL;
	}
	if (ctx.config != NULL) {
		config_release(ctx.config);
		free(ctx.config);
	}
	repo_free(ctx.repo);
	cmd_args_release(&args);
	free(hargv);
	log_set_secret(NULL);
	return rc;
}
