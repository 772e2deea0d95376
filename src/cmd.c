/* SPDX-License-Identifier: ISC */
/* cmd.c -- the command table, its one option parser, usage and help */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cmd.h"
#include "log.h"
#include "xmalloc.h"

#define OPTS_MAX	32		/* options in force at once */
#define LONG_BASE	256		/* getopt_long codes of long options */
#define HELP_WIDTH	79		/* columns of --help */
#define HELP_INDENT	26		/* where an option's help starts */

/*
 * The global options are the root's: the one parser takes them like any
 * command's options, before or after the command (where git takes -C
 * only before it), and main applies them. They differ only in that every
 * command has them, so a command's help names them in one line.
 */
static const struct cmd_option global_options[] = {
	{ "directory", 'C', "DIR", 0,
	    "run as if started in DIR (the repository to use)" },
	{ "config", 'c', "FILE", 0,
	    "read this configuration file and no other" },
	{ "quiet", 'q', NULL, 0, "print errors only" },
	{ "verbose", 'v', NULL, CMD_OPT_MULTI,
	    "say more; twice for debugging output" },
	{ "help", 'h', NULL, 0, "show the help of the command and exit" },
	{ "version", 0, NULL, 0, "print the version and exit" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct command *const commands[] = {
	&cmd_config_entry,
	&cmd_daemon_entry,
	&cmd_deploy_entry,
	&cmd_help_entry,
	&cmd_history_entry,
	&cmd_hook_entry,
	&cmd_install_hook_entry,
	&cmd_projects_entry,
	&cmd_queue_entry,
	&cmd_rollback_entry,
	&cmd_status_entry,
	&cmd_uninstall_hook_entry,
	&cmd_complete_entry,
	NULL
};

const struct command cmd_root = {
	.name = "dotgit-deploy",
	.summary = "deploy to the .git platform on git push",
	.options = global_options,
	.subs = commands,
};

/* What an argument name means. */
static const struct arg_kind {
	const char	*arg;
	const char	*noun;		/* "option '--x' needs <noun>" */
	const char	*complete;	/* what the completion offers */
} arg_kinds[] = {
	{ "DIR",	"a directory",		"@dir" },
	{ "FILE",	"a file",		"@file" },
	{ "PATH",	"a path",		"@file" },
	{ "N",		"a number",		NULL },
	{ "SECONDS",	"a number of seconds",	NULL },
	{ "ENV",	"an environment",	"@env" },
	{ "REV",	"a revision",		"@ref" },
	{ "GROUP",	"a group",		"@group" },
	{ "KEY=VALUE",	"KEY=VALUE",		NULL },
	{ "NAME",	"a project name",	NULL },
};

/* The options in force at one level, as getopt_long wants them. */
struct optset {
	const struct cmd_option	*opt[OPTS_MAX];
	size_t			 n;
	struct option		 longopts[OPTS_MAX + 1];
	char			 shortopts[3 + 2 * OPTS_MAX];
};

static const struct command *default_sub(const struct command *);
static void	 optset_add(struct optset *, const struct cmd_option *);
static void	 optset_build(struct optset *, const struct cmd_args *);
static int	 parse_level(struct cmd_args *, int, char **, struct error *);
static int	 bad_option(const struct cmd_args *, const struct optset *,
		    int, int, char **, struct error *);
static int	 unknown_option(const struct cmd_args *, const char *,
		    struct error *);
static int	 unknown_command(const struct cmd_args *, const char *,
		    struct error *);
static int	 check_given(const struct cmd_args *, struct error *);
static char	*path_name(const struct command *const *, size_t);
static void	 print_synopsis(FILE *, const struct command *const *,
		    size_t, size_t, size_t);
static void	 print_options(FILE *, const struct cmd_option *);
static void	 print_wrapped(FILE *, const char *, size_t, size_t);
static void	 help_hint(const struct cmd_args *, struct error *);
static void	 help_root(FILE *);
static void	 help_leaf(FILE *, const struct command *const *, size_t);
static void	 help_group(FILE *, const struct command *const *, size_t);
static void	 list_commands(FILE *, const struct command *);
static int	 code_index(const struct optset *, int);
static char	*ambiguous(const struct optset *, const char *);
static void	 record(struct cmd_args *, const struct cmd_option *,
		    const char *);
static char	*option_as_given(const char *, int);
static char	*sub_names(const struct command *);
static void	 put_word(FILE *, const char *, size_t *, size_t, size_t);
static void	 option_synopsis(FILE *, const struct cmd_option *, size_t *,
		    size_t, size_t);
static void	 global_line(FILE *);

const char *
cmd_arg_noun(const char *arg)
{
	size_t i;

	for (i = 0; i < sizeof(arg_kinds) / sizeof(arg_kinds[0]); i++)
		if (strcmp(arg_kinds[i].arg, arg) == 0)
			return arg_kinds[i].noun;
	return "a value";
}

const char *
cmd_arg_complete(const char *arg)
{
	size_t i;

	for (i = 0; i < sizeof(arg_kinds) / sizeof(arg_kinds[0]); i++)
		if (strcmp(arg_kinds[i].arg, arg) == 0)
			return arg_kinds[i].complete;
	return NULL;
}

const struct command *
cmd_find(const struct command *group, const char *name)
{
	const struct command *const *s;

	for (s = group->subs; s != NULL && *s != NULL; s++)
		if (strcmp((*s)->name, name) == 0)
			return *s;
	return NULL;
}

static const struct command *
default_sub(const struct command *group)
{
	const struct command *const *s;

	for (s = group->subs; s != NULL && *s != NULL; s++)
		if ((*s)->flags & CMD_DEFAULT)
			return *s;
	return NULL;
}

const struct cmd_option *
cmd_find_option(const struct command *const *path, size_t depth,
    const char *name, int letter)
{
	const struct cmd_option *o;
	size_t i;

	for (i = 0; i < depth; i++)
		for (o = path[i]->options; o != NULL && o->name != NULL; o++)
			if ((name != NULL && strcmp(o->name, name) == 0) ||
			    (letter != 0 && o->letter == letter))
				return o;
	return NULL;
}

const struct command *
cmd_args_command(const struct cmd_args *a)
{
	return a->path[a->depth - 1];
}

/* The parser. */

static void
optset_add(struct optset *s, const struct cmd_option *o)
{
	for (; o != NULL && o->name != NULL && s->n < OPTS_MAX; o++)
		s->opt[s->n++] = o;
}

/* The options of every command on the path; at a group with a default
 * subcommand, that one's too (`queue --json` is `queue list --json`). */
static void
optset_build(struct optset *s, const struct cmd_args *a)
{
	const struct command *dflt = default_sub(cmd_args_command(a));
	size_t i, k = 2;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < a->depth; i++)
		optset_add(s, a->path[i]->options);
	if (dflt != NULL)
		optset_add(s, dflt->options);
	/* '-': words come back in order (code 1); ':': we say what is
	 * wrong */
	memcpy(s->shortopts, "-:", 2);
	for (i = 0; i < s->n; i++) {
		s->longopts[i].name = s->opt[i]->name;
		s->longopts[i].has_arg = s->opt[i]->arg != NULL ?
		    required_argument : no_argument;
		s->longopts[i].val = LONG_BASE + (int)i;
		if (s->opt[i]->letter == 0)
			continue;
		s->shortopts[k++] = (char)s->opt[i]->letter;
		if (s->opt[i]->arg != NULL)
			s->shortopts[k++] = ':';
	}
}

/* The entry getopt_long's code stands for, or -1. */
static int
code_index(const struct optset *s, int code)
{
	size_t i;

	if (code >= LONG_BASE && (size_t)(code - LONG_BASE) < s->n)
		return code - LONG_BASE;
	for (i = 0; code > 0 && i < s->n; i++)
		if (s->opt[i]->letter == code)
			return (int)i;
	return -1;
}

static void
record(struct cmd_args *a, const struct cmd_option *o, const char *value)
{
	a->v = xreallocarray(a->v, a->nv + 1, sizeof(*a->v));
	a->v[a->nv].opt = o;
	a->v[a->nv].value = o->arg != NULL ? value : NULL;
	a->nv++;
}

/*
 * Parse v[1..n-1] with the options of a->path. 0 when done; the index in
 * v of a subcommand's name once a->path has grown by it (the caller
 * goes on from there with its options); -1 on error.
 */
static int
parse_level(struct cmd_args *a, int n, char **v, struct error *err)
{
	const struct command *sub, *cmd = cmd_args_command(a);
	struct optset s;
	int c, i;

	optset_build(&s, a);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(n, v, s.shortopts, s.longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return bad_option(a, &s, c, n, v, err);
		if (c != 1 && (i = code_index(&s, c)) >= 0) {
			record(a, s.opt[i], optarg);
			continue;
		}
		if (c != 1)
			return unknown_option(a, "?", err);
		if (cmd->subs == NULL) {
			a->argv[a->argc++] = optarg;
			continue;
		}
		if ((sub = cmd_find(cmd, optarg)) == NULL)
			return unknown_command(a, optarg, err);
		if (a->depth == CMD_DEPTH)
			return error_set(err, EXIT_FAIL, "commands nested "
			    "too deep");
		a->path[a->depth++] = sub;
		if (check_given(a, err) < 0)
			return -1;
		return optind - 1;
	}
	for (i = optind; i < n; i++)		/* after "--" */
		a->argv[a->argc++] = v[i];
	return 0;
}

int
cmd_parse(struct cmd_args *a, int argc, char **argv, struct error *err)
{
	int start = 0, r, i;

	memset(a, 0, sizeof(*a));
	a->path[0] = &cmd_root;
	a->depth = 1;
	a->argv = xcalloc((size_t)argc + 2, sizeof(*a->argv));
	a->argc = 1;
	while ((r = parse_level(a, argc - start, argv + start, err)) > 0) {
		start += r;	/* the subcommand's name is its argv[0] */
		if (!(cmd_args_command(a)->flags & CMD_RAW))
			continue;
		/* git never passes "--help" first: a person asked */
		if (start + 1 < argc && (strcmp(argv[start + 1], "-h") == 0 ||
		    strcmp(argv[start + 1], "--help") == 0))
			record(a, cmd_find_option(a->path, 1, "help", 0), NULL);
		for (i = start + 1; i < argc; i++)
			a->argv[a->argc++] = argv[i];
		r = 0;
		break;
	}
	a->argv[0] = (char *)cmd_args_command(a)->name;
	a->argv[a->argc] = NULL;
	return r;
}

void
cmd_args_release(struct cmd_args *a)
{
	free(a->v);
	free(a->argv);
	memset(a, 0, sizeof(*a));
}

/* "--name" as typed, or "-x". */
static char *
option_as_given(const char *arg, int letter)
{
	if (arg != NULL && strncmp(arg, "--", 2) == 0)
		return log_escape(arg, 64);
	return xasprintf("-%c", letter);
}

/* The options "--c" could mean, listed, when it could mean several. */
static char *
ambiguous(const struct optset *s, const char *as)
{
	size_t i, len = strlen(as) - 2, n = 0;
	char *list = xstrdup(""), *t;

	for (i = 0; strncmp(as, "--", 2) == 0 && i < s->n; i++) {
		if (strncmp(s->opt[i]->name, as + 2, len) != 0)
			continue;
		t = xasprintf("%s%s--%s", list, n++ ? ", " : "",
		    s->opt[i]->name);
		free(list);
		list = t;
	}
	if (n > 1)
		return list;
	free(list);
	return NULL;
}

static int
bad_option(const struct cmd_args *a, const struct optset *s, int c, int n,
    char **v, struct error *err)
{
	const char *arg = optind > 0 && optind <= n ? v[optind - 1] : "";
	int i = code_index(s, optopt);
	char *as = xstrndup(arg, strcspn(arg, "=")), *name, *amb = NULL;

	if (c == ':' && i >= 0) {
		name = option_as_given(as, s->opt[i]->letter);
		error_set(err, EXIT_USAGE, "option '%s' needs %s", name,
		    cmd_arg_noun(s->opt[i]->arg));
	} else if (i >= 0) {	/* a long option given a value */
		name = xasprintf("--%s", s->opt[i]->name);
		error_set(err, EXIT_USAGE, "option '%s' takes no value", name);
	} else if (optopt == 0 && (amb = ambiguous(s, as)) != NULL) {
		name = log_escape(as, 64);
		error_set(err, EXIT_USAGE, "option '%s' is ambiguous: %s", name,
		    amb);
	} else {
		name = option_as_given(optopt == 0 ? as : NULL,
		    optopt > 0 && optopt < 128 ? optopt : '?');
		unknown_option(a, name, err);
	}
	free(amb);
	free(name);
	free(as);
	return -1;
}

/* "queue show" (without the program's name); allocated. */
static char *
path_name(const struct command *const *path, size_t depth)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 1; i < depth; i++) {
		t = xasprintf("%s%s%s", s, i > 1 ? " " : "", path[i]->name);
		free(s);
		s = t;
	}
	return s;
}

static void
help_hint(const struct cmd_args *a, struct error *err)
{
	char *name = path_name(a->path, a->depth);

	error_hint(err, "see 'dotgit-deploy help%s%s'", *name ? " " : "",
	    name);
	free(name);
}

static int
unknown_option(const struct cmd_args *a, const char *as, struct error *err)
{
	char *name = path_name(a->path, a->depth);

	if (*name == '\0')
		error_set(err, EXIT_USAGE, "unknown option '%s'", as);
	else
		error_set(err, EXIT_USAGE, "unknown option '%s' for '%s'", as,
		    name);
	free(name);
	help_hint(a, err);
	return -1;
}

/* "check, explain or init": the group's visible subcommands. */
static char *
sub_names(const struct command *group)
{
	const struct command *const *s;
	char *list = xstrdup(""), *t;
	size_t n = 0, i = 0;

	for (s = group->subs; *s != NULL; s++)
		n += !((*s)->flags & CMD_HIDDEN);
	for (s = group->subs; *s != NULL; s++) {
		if ((*s)->flags & CMD_HIDDEN)
			continue;
		t = xasprintf("%s%s%s", list, i == 0 ? "" : i + 1 == n ?
		    " or " : ", ", (*s)->name);
		free(list);
		list = t;
		i++;
	}
	return list;
}

static int
unknown_command(const struct cmd_args *a, const char *word,
    struct error *err)
{
	const struct command *group = cmd_args_command(a);
	char *w = log_escape(word, 64), *names;

	if (a->depth == 1) {
		error_set(err, EXIT_USAGE, "unknown command '%s'; see "
		    "'dotgit-deploy help'", w);
		free(w);
		return -1;
	}
	names = sub_names(group);
	error_set(err, EXIT_USAGE, "unknown %s command '%s'; use %s",
	    group->name, w, names);
	free(names);
	free(w);
	return -1;
}

/* After a subcommand was named: every option given so far is one of
 * its path (not one of a default subcommand it replaced). */
static int
check_given(const struct cmd_args *a, struct error *err)
{
	const struct cmd_option *o;
	char *as;
	size_t i;
	int rc;

	for (i = 0; i < a->nv; i++) {
		o = cmd_find_option(a->path, a->depth, a->v[i].opt->name, 0);
		if (o == a->v[i].opt)
			continue;
		as = xasprintf("--%s", a->v[i].opt->name);
		rc = unknown_option(a, as, err);
		free(as);
		return rc;
	}
	return 0;
}

int
cmd_check_args(struct cmd_args *a, struct error *err)
{
	const struct command *cmd = cmd_args_command(a);
	const struct command *dflt = default_sub(cmd);
	char *name, *names;

	if (cmd->subs != NULL && a->argc == 1 && dflt != NULL &&
	    a->depth < CMD_DEPTH) {
		a->path[a->depth++] = cmd = dflt;
		a->argv[0] = (char *)cmd->name;
	}
	if (cmd->subs != NULL) {
		name = path_name(a->path, a->depth);
		names = sub_names(cmd);
		error_set(err, EXIT_USAGE, "'%s' needs a command: %s", name,
		    names);
		free(names);
		free(name);
		help_hint(a, err);
		return -1;
	}
	if (a->argc - 1 < cmd->minargs ||
	    (cmd->maxargs >= 0 && a->argc - 1 > cmd->maxargs))
		return cmd_usage(a, err);
	return 0;
}

/* What the parser found. */

int
cmd_args_has(const struct cmd_args *a, const char *name)
{
	size_t i;
	int n = 0;

	for (i = 0; i < a->nv; i++)
		n += strcmp(a->v[i].opt->name, name) == 0;
	return n;
}

const char *
cmd_args_get(const struct cmd_args *a, const char *name)
{
	size_t i;

	for (i = a->nv; i > 0; i--)
		if (strcmp(a->v[i - 1].opt->name, name) == 0)
			return a->v[i - 1].value;
	return NULL;
}

const char *
cmd_args_next(const struct cmd_args *a, const char *name, size_t *iter)
{
	for (; *iter < a->nv; (*iter)++)
		if (strcmp(a->v[*iter].opt->name, name) == 0)
			return a->v[(*iter)++].value;
	return NULL;
}

int
cmd_args_number(const struct cmd_args *a, const char *name, int min,
    int max, int *out, struct error *err)
{
	const char *s = cmd_args_get(a, name), *what;
	const struct cmd_option *o;
	char *end, *shown;
	long v;

	if (s == NULL)
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s >= '0' && *s <= '9' && *end == '\0' && errno == 0 &&
	    v >= min && v <= max) {
		*out = (int)v;
		return 0;
	}
	o = cmd_find_option(a->path, a->depth, name, 0);
	what = o == NULL || strcmp(o->arg, "N") == 0 ? "a whole number" :
	    cmd_arg_noun(o->arg);
	shown = log_escape(s, 32);
	if (max == INT_MAX && min == 1)
		error_set(err, EXIT_USAGE, "invalid --%s '%s': a positive "
		    "whole number is needed", name, shown);
	else
		error_set(err, EXIT_USAGE, "invalid --%s '%s': %s from %d to "
		    "%d is needed", name, shown, what, min, max);
	free(shown);
	return -1;
}

/* Usage and help. */

/* One word of a synopsis: on this line, or (width > 0) on the next,
 * indented, when it would pass width. */
static void
put_word(FILE *f, const char *word, size_t *col, size_t indent,
    size_t width)
{
	size_t len = strlen(word);

	if (width > 0 && *col > indent && *col + 1 + len > width) {
		fprintf(f, "\n%*s", (int)indent, "");
		*col = indent;
	} else {
		fputc(' ', f);
		(*col)++;
	}
	fputs(word, f);
	*col += len;
}

static void
option_synopsis(FILE *f, const struct cmd_option *o, size_t *col,
    size_t indent, size_t width)
{
	char *w;

	for (; o != NULL && o->name != NULL; o++) {
		w = xasprintf("[--%s%s%s]%s", o->name, o->arg ? " " : "",
		    o->arg ? o->arg : "", o->flags & CMD_OPT_MULTI ?
		    "..." : "");
		put_word(f, w, col, indent, width);
		free(w);
	}
}

/*
 * "dotgit-deploy queue show [--queue-dir DIR] [--json] ID", from column
 * `col`; with width > 0, wrapped under the first option.
 */
static void
print_synopsis(FILE *f, const struct command *const *path, size_t depth,
    size_t col, size_t width)
{
	const struct command *cmd = path[depth - 1];
	size_t i, indent;

	col += (size_t)fprintf(f, "dotgit-deploy");
	for (i = 1; i < depth; i++)
		col += (size_t)fprintf(f, path[i]->flags & CMD_DEFAULT ?
		    " [%s]" : " %s", path[i]->name);
	indent = col + 1;
	for (i = 1; i < depth; i++)
		option_synopsis(f, path[i]->options, &col, indent, width);
	if (cmd->args != NULL && *cmd->args != '\0')
		put_word(f, cmd->args, &col, indent, width);
}

int
cmd_usage(const struct cmd_args *a, struct error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return error_set(err, EXIT_USAGE, "usage: see 'dotgit-deploy "
		    "help'");
	print_synopsis(f, a->path, a->depth, 0, 0);
	fclose(f);
	error_set(err, EXIT_USAGE, "usage: %s", buf);
	free(buf);
	return -1;
}

/* Words of text from column `col` up to HELP_WIDTH, continuation lines
 * indented to `indent`. */
static void
print_wrapped(FILE *f, const char *text, size_t col, size_t indent)
{
	const char *p = text;
	size_t w;
	int fresh = 1;		/* no word on this line yet */

	while (*p != '\0') {
		w = strcspn(p, " ");
		if (!fresh && col + 1 + w > HELP_WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!fresh) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)w, p);
		col += w;
		fresh = 0;
		p += w;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

/* "  -e, --environment ENV  help..." */
static void
print_options(FILE *f, const struct cmd_option *o)
{
	char *left;
	int n;

	for (; o != NULL && o->name != NULL; o++) {
		if (o->letter != 0)
			left = xasprintf("  -%c, --%s%s%s", o->letter, o->name,
			    o->arg ? " " : "", o->arg ? o->arg : "");
		else
			left = xasprintf("      --%s%s%s", o->name,
			    o->arg ? " " : "", o->arg ? o->arg : "");
		n = fprintf(f, "%s", left);
		if (n + 2 > HELP_INDENT)
			fprintf(f, "\n%*s", HELP_INDENT, "");
		else
			fprintf(f, "%*s", HELP_INDENT - n, "");
		print_wrapped(f, o->help, HELP_INDENT, HELP_INDENT);
		free(left);
	}
}

static void
list_commands(FILE *f, const struct command *group)
{
	const struct command *const *s;

	for (s = group->subs; *s != NULL; s++) {
		if ((*s)->flags & CMD_HIDDEN)
			continue;
		fprintf(f, "   %-16s", (*s)->name);
		print_wrapped(f, (*s)->summary, 19, 19);
	}
}

static void
help_root(FILE *f)
{
	fprintf(f, "usage: dotgit-deploy [-C DIR] [-c FILE] [-q | -v] "
	    "<command> [<args>]\n\n%s\n\ncommands:\n", cmd_root.summary);
	list_commands(f, &cmd_root);
	fprintf(f, "\nglobal options (before or after the command):\n");
	print_options(f, cmd_root.options);
	fprintf(f, "\nSee 'dotgit-deploy help <command>' and "
	    "dotgit-deploy(1).\nExit status: 0 ok, 1 failure, 2 usage or "
	    "configuration.\n");
}

static void
global_line(FILE *f)
{
	fprintf(f, "\nglobal options: -C DIR, -c FILE, -q, -v, -h; see "
	    "'dotgit-deploy help'\n");
}

static void
help_leaf(FILE *f, const struct command *const *path, size_t depth)
{
	size_t i;
	int any = 0;

	fprintf(f, "usage: ");
	print_synopsis(f, path, depth, 7, HELP_WIDTH);
	fprintf(f, "\n\n");
	print_wrapped(f, path[depth - 1]->summary, 0, 0);
	for (i = 1; i < depth; i++) {
		if (path[i]->options == NULL || path[i]->options->name == NULL)
			continue;
		if (!any++)
			fprintf(f, "\noptions:\n");
		print_options(f, path[i]->options);
	}
	global_line(f);
}

static void
help_group(FILE *f, const struct command *const *path, size_t depth)
{
	const struct command *group = path[depth - 1], *const *s;
	const struct command *sub[CMD_DEPTH];
	const char *lead = "usage: ";

	memcpy(sub, path, depth * sizeof(*sub));
	for (s = group->subs; *s != NULL; s++) {
		if ((*s)->flags & CMD_HIDDEN)
			continue;
		sub[depth] = *s;
		fprintf(f, "%s", lead);
		print_synopsis(f, sub, depth + 1, 7, HELP_WIDTH);
		fputc('\n', f);
		lead = "   or: ";
	}
	fputc('\n', f);
	print_wrapped(f, group->summary, 0, 0);
	if (group->options != NULL && group->options->name != NULL) {
		fputc('\n', f);
		print_options(f, group->options);
	}
	for (s = group->subs; *s != NULL; s++) {
		if ((*s)->flags & CMD_HIDDEN)
			continue;
		fprintf(f, "\n%s: ", (*s)->name);
		print_wrapped(f, (*s)->summary, strlen((*s)->name) + 2, 2);
		print_options(f, (*s)->options);
	}
	global_line(f);
}

void
cmd_help(FILE *f, const struct command *const *path, size_t depth)
{
	if (depth <= 1)
		help_root(f);
	else if (path[depth - 1]->subs != NULL)
		help_group(f, path, depth);
	else
		help_leaf(f, path, depth);
}

int
cmd_open_api(struct api **out, const struct config *cfg, int budget,
    struct error *err)
{
	char *key = NULL;
	int rc;

	*out = NULL;
	if ((rc = config_read_key(&key, cfg, err)) == 0)
		rc = api_open(out, cfg, key, budget, err);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	return rc;
}

int
cmd_wait_args(const struct cmd_args *args, int *wait, int *timeout,
    struct error *err)
{
	*wait = cmd_args_has(args, "wait");
	*timeout = CMD_WAIT_DEFAULT;
	return cmd_args_number(args, "timeout", 1, CMD_WAIT_MAX, timeout,
	    err);
}

int
cmd_check_env(const char *env, struct error *err)
{
	if (config_env_index(env) >= 0)
		return 0;
	return error_set(err, EXIT_USAGE, "unknown environment '%.64s': use "
	    "production, staging or preview", env);
}

int
cmd_side_args(const struct cmd_args *args, enum install_side dflt,
    enum install_side *side, struct error *err)
{
	*side = dflt;
	if (cmd_args_has(args, "server") + cmd_args_has(args, "client") > 1)
		return error_set(err, EXIT_USAGE, "choose one of --server and "
		    "--client");
	if (cmd_args_has(args, "server"))
		*side = INSTALL_SERVER;
	else if (cmd_args_has(args, "client"))
		*side = INSTALL_CLIENT;
	return 0;
}
