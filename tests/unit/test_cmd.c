/* SPDX-License-Identifier: ISC */
/* test_cmd.c -- the command table and its one option parser */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "xmalloc.h"

#define OPTS_MAX	32	/* as cmd.c */
#define MAXARGV		16

/* A command line as parsed: words split on blanks. */
struct line {
	char		*buf;
	char		*argv[MAXARGV];
	int		 argc;
	struct cmd_args	 a;
	struct error	 err;
	int		 rc;
};

static void
parse(struct line *l, const char *words)
{
	char *w, *save = NULL;

	memset(l, 0, sizeof(*l));
	error_clear(&l->err);
	l->buf = xasprintf("dotgit-deploy %s", words);
	for (w = strtok_r(l->buf, " ", &save); w != NULL && l->argc <
	    MAXARGV - 1; w = strtok_r(NULL, " ", &save))
		l->argv[l->argc++] = w;
	l->rc = cmd_parse(&l->a, l->argc, l->argv, &l->err);
	if (l->rc == 0)
		l->rc = cmd_check_args(&l->a, &l->err);
}

static void
release(struct line *l)
{
	cmd_args_release(&l->a);
	free(l->buf);
}

static const char *
cmd_name(const struct line *l)
{
	return cmd_args_command(&l->a)->name;
}

/* Every option of a path: no long name or letter twice. */
static void
check_path(const struct command *const *path, size_t depth)
{
	const struct cmd_option *seen[OPTS_MAX + 8], *o;
	const struct command *cmd = path[depth - 1], *const *s;
	size_t i, k, n = 0, defaults = 0;

	assert_true(depth < CMD_DEPTH);
	assert_non_null(cmd->summary);
	for (i = 0; i < depth; i++)
		for (o = path[i]->options; o && o->name; o++)
			seen[n++] = o;
	for (s = cmd->subs; s && *s; s++)
		defaults += ((*s)->flags & CMD_DEFAULT) != 0;
	assert_true(defaults <= 1);
	assert_true(n <= OPTS_MAX);
	for (i = 0; i < n; i++) {
		assert_non_null(seen[i]->help);
		for (k = i + 1; k < n; k++) {
			assert_string_not_equal(seen[i]->name, seen[k]->name);
			assert_true(seen[i]->letter == 0 ||
			    seen[i]->letter != seen[k]->letter);
		}
		if (seen[i]->arg != NULL)
			assert_string_not_equal(cmd_arg_noun(seen[i]->arg),
			    "a value");
	}
	if (cmd->subs == NULL) {
		assert_non_null(cmd->exec);
		return;
	}
	assert_true(cmd->args == NULL && cmd->minargs == 0);
	for (s = cmd->subs; *s != NULL; s++) {
		const struct command *sub[CMD_DEPTH];

		memcpy(sub, path, depth * sizeof(*sub));
		sub[depth] = *s;
		check_path(sub, depth + 1);
	}
}

static void
test_table(void **state)
{
	const struct command *root = &cmd_root;

	(void)state;
	check_path(&root, 1);
}

static void
test_options_anywhere(void **state)
{
	struct line l;
	size_t i = 0;

	(void)state;
	parse(&l, "-C /r deploy -ne staging --set A=1 main -s B=2 --json "
	    "-vvq");
	assert_int_equal(l.rc, 0);
	assert_string_equal(cmd_name(&l), "deploy");
	assert_int_equal(l.a.argc, 2);
	assert_string_equal(l.a.argv[1], "main");
	assert_int_equal(cmd_args_has(&l.a, "dry-run"), 1);
	assert_string_equal(cmd_args_get(&l.a, "environment"), "staging");
	assert_string_equal(cmd_args_get(&l.a, "directory"), "/r");
	assert_string_equal(cmd_args_next(&l.a, "set", &i), "A=1");
	assert_string_equal(cmd_args_next(&l.a, "set", &i), "B=2");
	assert_null(cmd_args_next(&l.a, "set", &i));
	assert_int_equal(cmd_args_has(&l.a, "verbose"), 2);
	assert_int_equal(cmd_args_has(&l.a, "quiet"), 1);
	assert_int_equal(cmd_args_has(&l.a, "json"), 1);
	assert_int_equal(cmd_args_has(&l.a, "wait"), 0);
	release(&l);
}

static void
test_values(void **state)
{
	struct line l;

	(void)state;
	/* a long option's unique start is the option, as getopt_long has it */
	parse(&l, "deploy --environment=preview -eproduction --time 5");
	assert_int_equal(l.rc, 0);
	assert_string_equal(cmd_args_get(&l.a, "environment"), "production");
	assert_string_equal(cmd_args_get(&l.a, "timeout"), "5");
	release(&l);
	/* after "--", a word is a word */
	parse(&l, "status -- --json");
	assert_int_equal(l.rc, 0);
	assert_string_equal(l.a.argv[1], "--json");
	assert_int_equal(cmd_args_has(&l.a, "json"), 0);
	release(&l);
}

static void
expect_error(const char *words, int exit, const char *msg)
{
	struct line l;

	parse(&l, words);
	assert_int_equal(l.rc, -1);
	assert_int_equal(l.err.exit, exit);
	assert_string_equal(l.err.msg, msg);
	release(&l);
}

static void
test_errors_name_the_option(void **state)
{
	(void)state;
	expect_error("deploy --bogus", EXIT_USAGE,
	    "unknown option '--bogus' for 'deploy'");
	expect_error("deploy -nx", EXIT_USAGE,
	    "unknown option '-x' for 'deploy'");
	expect_error("--bogus", EXIT_USAGE, "unknown option '--bogus'");
	expect_error("deploy --environment", EXIT_USAGE,
	    "option '--environment' needs an environment");
	expect_error("deploy -ne", EXIT_USAGE,
	    "option '-e' needs an environment");
	expect_error("deploy --json=yes", EXIT_USAGE,
	    "option '--json' takes no value");
	expect_error("deploy --co x", EXIT_USAGE,
	    "option '--co' is ambiguous: --config, --commit");
	expect_error("deploy --b", EXIT_USAGE,
	    "unknown option '--b' for 'deploy'");
	expect_error("-C", EXIT_USAGE, "option '-C' needs a directory");
	expect_error("frob", EXIT_USAGE,
	    "unknown command 'frob'; see 'dotgit-deploy help'");
	expect_error("config frob", EXIT_USAGE,
	    "unknown config command 'frob'; use check, explain or init");
	expect_error("status", EXIT_USAGE, "usage: dotgit-deploy status "
	    "[--wait] [--timeout SECONDS] [--json] DEPLOYMENT_ID");
	expect_error("status a b", EXIT_USAGE, "usage: dotgit-deploy status "
	    "[--wait] [--timeout SECONDS] [--json] DEPLOYMENT_ID");
	expect_error("config", EXIT_USAGE,
	    "'config' needs a command: check, explain or init");
}

static void
test_subcommands(void **state)
{
	struct line l;

	(void)state;
	parse(&l, "queue --queue-dir /q show 123 --json");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.a.depth, 3);
	assert_string_equal(cmd_name(&l), "show");
	assert_string_equal(l.a.argv[0], "show");
	assert_string_equal(l.a.argv[1], "123");
	assert_string_equal(cmd_args_get(&l.a, "queue-dir"), "/q");
	assert_int_equal(cmd_args_has(&l.a, "json"), 1);
	release(&l);
	/* none named: the default one, with its options */
	parse(&l, "queue --json");
	assert_int_equal(l.rc, 0);
	assert_string_equal(cmd_name(&l), "list");
	assert_int_equal(cmd_args_has(&l.a, "json"), 1);
	release(&l);
	/* the default's options are not the one named */
	expect_error("queue --json retry 1", EXIT_USAGE,
	    "unknown option '--json' for 'queue retry'");
	expect_error("queue retry 1 --group x", EXIT_USAGE,
	    "unknown option '--group' for 'queue retry'");
}

static void
test_hook_arguments_are_git_s(void **state)
{
	struct line l;

	(void)state;
	parse(&l, "-q hook pre-push -v --x");
	assert_int_equal(l.rc, 0);
	assert_string_equal(cmd_name(&l), "pre-push");
	assert_int_equal(l.a.argc, 3);
	assert_string_equal(l.a.argv[1], "-v");
	assert_string_equal(l.a.argv[2], "--x");
	assert_null(l.a.argv[3]);
	assert_int_equal(cmd_args_has(&l.a, "verbose"), 0);
	assert_int_equal(cmd_args_has(&l.a, "quiet"), 1);
	assert_int_equal(cmd_args_has(&l.a, "help"), 0);
	release(&l);
	/* but a person asking for help gets it, not a hook reading stdin */
	parse(&l, "hook post-receive --help");
	assert_int_equal(l.rc, 0);
	assert_int_equal(cmd_args_has(&l.a, "help"), 1);
	release(&l);
}

static void
test_numbers(void **state)
{
	struct line l;
	int n = 7;

	(void)state;
	parse(&l, "projects --page 12 --per-page 0");
	assert_int_equal(l.rc, 0);
	assert_int_equal(cmd_args_number(&l.a, "page", 1, 100, &n, &l.err),
	    0);
	assert_int_equal(n, 12);
	assert_int_equal(cmd_args_number(&l.a, "per-page", 1, 100, &n,
	    &l.err), -1);
	assert_string_equal(l.err.msg, "invalid --per-page '0': a whole "
	    "number from 1 to 100 is needed");
	n = 7;
	assert_int_equal(cmd_args_number(&l.a, "all", 1, 100, &n, &l.err),
	    0);
	assert_int_equal(n, 7);		/* not given: unchanged */
	release(&l);
	parse(&l, "status x --timeout 1x");
	assert_int_equal(cmd_args_number(&l.a, "timeout", 1, 60, &n, &l.err),
	    -1);
	assert_string_equal(l.err.msg, "invalid --timeout '1x': a number of "
	    "seconds from 1 to 60 is needed");
	release(&l);
}

/* Blanks and line ends as one blank: wrapped text reads whole. */
static void
squeeze(char *s)
{
	char *d = s, *start = s;
	int blank = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\n') {
			blank = 1;
			continue;
		}
		if (blank && d != start)
			*d++ = ' ';
		blank = 0;
		*d++ = *s;
	}
	*d = '\0';
}

static void
test_help_lists_every_option(void **state)
{
	const struct command *path[CMD_DEPTH] = { &cmd_root,
	    &cmd_deploy_entry };
	const struct cmd_option *o;
	char *buf = NULL, *want;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	cmd_help(f, path, 2);
	fclose(f);
	squeeze(buf);
	assert_non_null(strstr(buf, "usage: dotgit-deploy deploy [--tag]"));
	for (o = cmd_deploy_entry.options; o->name != NULL; o++) {
		want = xasprintf("--%s", o->name);
		assert_non_null(strstr(buf, want));
		assert_non_null(strstr(buf, o->help));
		free(want);
	}
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_options_anywhere),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors_name_the_option),
		cmocka_unit_test(test_subcommands),
		cmocka_unit_test(test_hook_arguments_are_git_s),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_help_lists_every_option),
	};

	return cmocka_run_group_tests_name("cmd", tests, NULL, NULL);
}
