/* SPDX-License-Identifier: ISC */
/* main.c -- global options and the command table */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "repo.h"
#include "version.h"
#include "xmalloc.h"

static const struct command *const commands[] = {
	&cmd_config_entry,
	&cmd_daemon_entry,
	&cmd_deploy_entry,
	&cmd_hook_entry,
	&cmd_install_hook_entry,
	&cmd_projects_entry,
	&cmd_queue_entry,
	&cmd_status_entry,
	&cmd_uninstall_hook_entry,
	NULL
};

/* Installed hooks may be links to this binary: dispatch on the name. */
static const char *const hook_names[] = {
	"post-receive", "pre-push", "reference-transaction", NULL
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: dotgit-deploy [-C DIR] [-c FILE] [-q | -v] "
	    "<command> [<args>]\n\ncommands:\n");
	for (i = 0; commands[i] != NULL; i++)
		fprintf(f, "   %-15s %s\n", commands[i]->name,
		    commands[i]->summary);
	fprintf(f, "\nSee 'dotgit-deploy <command> --help'. "
	    "Exit status: 0 ok, 1 failure, 2 usage or configuration.\n");
}

/* Take a global option's value, from "-C DIR", "-CDIR" or "--opt=DIR". */
static int
take_value(int argc, char **argv, int *i, const char **out)
{
	const char *a = argv[*i];
	const char *eq = strchr(a, '=');

	if (a[1] != '-' && a[2] != '\0') {
		*out = a + 2;
		return 0;
	}
	if (a[1] == '-' && eq != NULL) {
		*out = eq + 1;
		return 0;
	}
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 0;
}

static int
is_opt(const char *a, const char *s, const char *l)
{
	size_t n = strlen(l);

	return strncmp(a, s, 2) == 0 ||
	    (strncmp(a, l, n) == 0 && (a[n] == '\0' || a[n] == '='));
}

/*
 * Remove the global options from argv, wherever they stand (before "--").
 * Returns the new argc, or -1 with err filled.
 */
static int
global_options(struct ctx *ctx, int argc, char **argv, int *show,
    struct error *err)
{
	int i, n = 0, dashdash = 0;
	const char *a;

	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (dashdash || a[0] != '-' || a[1] == '\0') {
			argv[n++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = 1;
			argv[n++] = argv[i];
		} else if (is_opt(a, "-C", "--directory")) {
			if (take_value(argc, argv, &i, &ctx->dir) < 0)
				return error_set(err, EXIT_USAGE,
				    "option '-C' needs a directory");
		} else if (is_opt(a, "-c", "--config")) {
			if (take_value(argc, argv, &i, &ctx->config_file) < 0)
				return error_set(err, EXIT_USAGE,
				    "option '-c' needs a file");
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			ctx->level = LOG_LEVEL_QUIET;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			ctx->level++;
		else if (strcmp(a, "-vv") == 0)
			ctx->level += 2;
		else if (strcmp(a, "--version") == 0)
			*show = 'V';
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			*show = 'h';
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; commands[i] != NULL; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
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
		if (cmd_load_config(ctx, ctx->config, err) < 0)
			return -1;
	}
	return 0;
}

static int
run(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	const struct command *cmd;
	int show = 0;

	if ((argc = global_options(ctx, argc, argv, &show, err)) < 0)
		return -1;
	log_init(ctx->level, 0);
	if (show == 'V') {
		printf("dotgit-deploy %s\n", DD_VERSION);
		return 0;
	}
	if (argc < 2) {
		usage(show == 'h' ? stdout : stderr);
		return show == 'h' ? 0 : error_set(err, EXIT_USAGE,
		    "no command given");
	}
	if ((cmd = find_command(argv[1])) == NULL)
		return error_set(err, EXIT_USAGE, "unknown command '%.64s'; "
		    "see 'dotgit-deploy --help'", argv[1]);
	if (show == 'h') {
		printf("usage: dotgit-deploy %s %s\n\n%s\n", cmd->name,
		    cmd->usage, cmd->summary);
		return 0;
	}
	if (prepare(ctx, cmd, err) < 0)
		return -1;
	return cmd->exec(ctx, argc - 1, argv + 1, err);
}

/* argv for "dotgit-deploy hook <name> <args>" when run as a hook link. */
static char **
hook_argv(int *argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	char **nargv;
	size_t i;

	base = base ? base + 1 : argv[0];
	for (i = 0; hook_names[i] != NULL; i++)
		if (strcmp(base, hook_names[i]) == 0)
			break;
	if (hook_names[i] == NULL)
		return NULL;
	nargv = xcalloc((size_t)*argc + 3, sizeof(*nargv));
	nargv[0] = argv[0];
	nargv[1] = (char *)"hook";
	nargv[2] = (char *)hook_names[i];
	memcpy(nargv + 3, argv + 1, sizeof(*argv) * (size_t)(*argc - 1));
	*argc += 2;
	return nargv;
}

int
main(int argc, char **argv)
{
	struct ctx ctx = { 0 };
	struct error err;
	char **hargv = hook_argv(&argc, argv);
	int rc;

	error_clear(&err);
	ctx.argv0 = argv[0];
	rc = run(&ctx, argc, hargv ? hargv : argv, &err);
	if (rc < 0) {
		error_print(&err);
		rc = err.exit ? err.exit : EXIT_FAIL;
	}
	if (ctx.config != NULL) {
		config_release(ctx.config);
		free(ctx.config);
	}
	repo_free(ctx.repo);
	free(hargv);
	log_set_secret(NULL);
	return rc;
}
