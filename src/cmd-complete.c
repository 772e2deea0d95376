/* SPDX-License-Identifier: ISC */
/* cmd-complete.c -- dotgit-deploy __complete WORD...: what the bash
 * completion offers, from the command table */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "xmalloc.h"

/*
 * The words are those of the command line after the program's name, the
 * last one the word being completed (maybe empty). The answer is one
 * candidate a line, each starting with that word, or a line asking the
 * script for what only it can list: "@branch", "@tag" (git
 * for-each-ref), "@file", "@dir", "@group" (compgen); "@C DIR" first
 * when -C named the repository.
 */

/* How far the words before the last one went. */
struct walk {
	const struct command	*path[CMD_DEPTH];
	size_t			 depth;
	int			 npos;		/* positional words so far */
	const char		*first;		/* the first of them */
	int			 dashdash;
	const struct cmd_option	*pending;	/* the next word is its value */
	const char		*queue_dir;	/* --queue-dir */
	const char		*config;	/* -c */
	const char		*dir;		/* -C */
	int			 tag;		/* --tag */
};

static int	 cmd_complete_exec(struct ctx *, const struct cmd_args *,
		    struct error *);
static const struct cmd_option	*lookup(const struct walk *, const char *, int);
static void	 take(struct walk *, const struct cmd_option *, const char *);
static void	 option_word(struct walk *, const char *);
static void	 step(struct walk *, const char *);
static void	 offer(const char *, const char *);
static void	 offer_options(const struct cmd_option *, const char *);
static void	 offer_commands(const struct command *, const char *);
static void	 offer_value(const struct cmd_option *, const char *);
static void	 offer_args(struct ctx *, const struct walk *, const char *);

const struct command cmd_complete_entry = {
	.name = "__complete",
	.args = "WORD...",
	.maxargs = -1,
	.summary = "what the bash completion offers for these words",
	.flags = CMD_HIDDEN | CMD_RAW,
	.exec = cmd_complete_exec,
};

/* An option in force: the path's, or its default subcommand's. */
static const struct cmd_option *
lookup(const struct walk *w, const char *name, int letter)
{
	const struct command *cmd = w->path[w->depth - 1], *const *s;
	const struct cmd_option *o;

	if ((o = cmd_find_option(w->path, w->depth, name, letter)) != NULL)
		return o;
	for (s = cmd->subs; s != NULL && *s != NULL; s++)
		if ((*s)->flags & CMD_DEFAULT)
			return cmd_find_option(s, 1, name, letter);
	return NULL;
}

static void
take(struct walk *w, const struct cmd_option *o, const char *value)
{
	if (strcmp(o->name, "queue-dir") == 0)
		w->queue_dir = value;
	else if (strcmp(o->name, "config") == 0)
		w->config = value;
	else if (strcmp(o->name, "directory") == 0)
		w->dir = value;
	else if (strcmp(o->name, "tag") == 0)
		w->tag = 1;
}

static void
option_word(struct walk *w, const char *word)
{
	const struct cmd_option *o;
	const char *eq, *p;
	char *name;

	if (word[1] == '-') {
		eq = strchr(word, '=');
		name = eq != NULL ? xstrndup(word + 2,
		    (size_t)(eq - word - 2)) : xstrdup(word + 2);
		o = lookup(w, name, 0);
		free(name);
		if (o != NULL && o->arg != NULL && eq == NULL)
			w->pending = o;
		else if (o != NULL)
			take(w, o, eq != NULL ? eq + 1 : NULL);
		return;
	}
	for (p = word + 1; *p != '\0'; p++) {
		if ((o = lookup(w, NULL, (unsigned char)*p)) == NULL)
			continue;
		if (o->arg == NULL) {
			take(w, o, NULL);
			continue;
		}
		if (p[1] != '\0')
			take(w, o, p + 1);
		else
			w->pending = o;
		return;
	}
}

static void
step(struct walk *w, const char *word)
{
	const struct command *cmd = w->path[w->depth - 1], *sub;

	if (w->pending != NULL) {
		take(w, w->pending, word);
		w->pending = NULL;
	} else if (!w->dashdash && strcmp(word, "--") == 0)
		w->dashdash = 1;
	else if (!w->dashdash && word[0] == '-' && word[1] != '\0')
		option_word(w, word);
	else if (cmd->subs != NULL && w->npos == 0 &&
	    (sub = cmd_find(cmd, word)) != NULL && w->depth < CMD_DEPTH)
		w->path[w->depth++] = sub;
	else if (w->npos++ == 0)
		w->first = word;
}

static void
offer(const char *word, const char *cur)
{
	if (strncmp(word, cur, strlen(cur)) == 0)
		printf("%s\n", word);
}

static void
offer_options(const struct cmd_option *o, const char *cur)
{
	char *s;

	for (; o != NULL && o->name != NULL; o++) {
		s = xasprintf("--%s", o->name);
		offer(s, cur);
		free(s);
	}
}

static void
offer_commands(const struct command *group, const char *cur)
{
	const struct command *const *s;

	for (s = group->subs; s != NULL && *s != NULL; s++)
		if (!((*s)->flags & CMD_HIDDEN))
			offer((*s)->name, cur);
}

static void
offer_value(const struct cmd_option *o, const char *cur)
{
	const char *what = cmd_arg_complete(o->arg);
	size_t i;

	if (what == NULL)
		return;
	if (strcmp(what, "@env") != 0) {
		printf("%s\n", what);
		return;
	}
	for (i = 0; i < ENV_COUNT; i++)
		offer(config_environments[i], cur);
}

static void
offer_args(struct ctx *ctx, const struct walk *w, const char *cur)
{
	const struct command *cmd = w->path[w->depth - 1], *group;
	size_t i;

	if (cmd->maxargs >= 0 && w->npos >= cmd->maxargs)
		return;
	switch (cmd->complete) {
	case CMD_COMPLETE_BRANCH:
	case CMD_COMPLETE_REF:
		printf("%s\n", w->tag ? "@tag" : "@branch");
		break;
	case CMD_COMPLETE_JOB:
		ctx->config_file = w->config;
		cmd_queue_complete(ctx, w->queue_dir, cmd->name, cur);
		break;
	case CMD_COMPLETE_ENV:
		for (i = 0; i < ENV_COUNT; i++)
			offer(config_environments[i], cur);
		break;
	case CMD_COMPLETE_COMMAND:
		group = w->npos == 0 ? &cmd_root : cmd_find(&cmd_root,
		    w->first);
		if (group != NULL)
			offer_commands(group, cur);
		break;
	case CMD_COMPLETE_NONE:
		break;
	}
}

static int
cmd_complete_exec(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	struct walk w;
	const struct command *cmd, *const *s;
	const char *cur = args->argc > 1 ? args->argv[args->argc - 1] : "";
	int i;
	size_t k;

	(void)err;
	memset(&w, 0, sizeof(w));
	w.path[0] = &cmd_root;
	w.depth = 1;
	for (i = 1; i < args->argc - 1; i++)
		step(&w, args->argv[i]);
	cmd = w.path[w.depth - 1];
	if (w.dir != NULL)
		printf("@C %s\n", w.dir);
	if (w.pending != NULL)
		offer_value(w.pending, cur);
	else if (cmd->flags & CMD_RAW)
		return 0;
	else if (!w.dashdash && cur[0] == '-') {
		for (k = 0; k < w.depth; k++)
			offer_options(w.path[k]->options, cur);
		for (s = cmd->subs; s != NULL && *s != NULL; s++)
			if ((*s)->flags & CMD_DEFAULT)
				offer_options((*s)->options, cur);
	} else if (cmd->subs != NULL && w.npos == 0)
		offer_commands(cmd, cur);
	else
		offer_args(ctx, &w, cur);
	return 0;
}
