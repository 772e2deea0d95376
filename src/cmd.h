/* SPDX-License-Identifier: ISC */
/* cmd.h -- the command table: one entry per cmd-*.c, with its options */
#ifndef DD_CMD_H
#define DD_CMD_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "ctx.h"
#include "error.h"
#include "install.h"
#include "repo.h"

/* struct command flags */
enum {
	CMD_NEED_REPO = 1 << 0,		/* fail without a repository */
	CMD_WANT_REPO = 1 << 1,		/* open one if there is one */
	CMD_NEED_CONFIG = 1 << 2,	/* find, load and validate config */
	CMD_HIDDEN = 1 << 3,		/* not in help, man page, completion */
	CMD_RAW = 1 << 4,		/* every argument after the name is
					 * positional (a hook's, from git) */
	CMD_DEFAULT = 1 << 5,		/* the subcommand run when none is
					 * named (`queue` is `queue list`) */
};

/* What a command's positional argument completes to. */
enum cmd_complete {
	CMD_COMPLETE_NONE,
	CMD_COMPLETE_BRANCH,		/* a branch; a tag after --tag */
	CMD_COMPLETE_REF,		/* a branch or a tag */
	CMD_COMPLETE_JOB,		/* a job id of the queue */
	CMD_COMPLETE_ENV,		/* an environment */
	CMD_COMPLETE_COMMAND,		/* a command name (help) */
};

/* cmd_option flags */
#define CMD_OPT_MULTI	0x1		/* may be given more than once */

/*
 * One option. The same table is what the parser accepts, what --help
 * and `help CMD` print, what the man page test checks and what the
 * completion offers. What an argument name means (the noun in "needs a
 * directory", and what completes it) is cmd.c's arg_kinds table: DIR,
 * FILE, PATH, N, SECONDS, ENV, REV, GROUP, KEY=VALUE.
 */
struct cmd_option {
	const char	*name;		/* long name without "--"; NULL ends */
	int		 letter;	/* short option, or 0 */
	const char	*arg;		/* the value's name, NULL: a flag */
	int		 flags;		/* CMD_OPT_* */
	const char	*help;		/* one line */
};

struct cmd_args;

/*
 * A command, or a group of subcommands (`queue`, `config`, `hook`): a
 * group has `subs` and no positional arguments of its own; its options
 * are also its subcommands'. The root (cmd_root) is the program itself:
 * its options are the global options, its subcommands the commands.
 */
struct command {
	const char		 *name;
	const char		 *args;		/* positional usage, or NULL */
	int			  minargs;
	int			  maxargs;	/* -1: no limit */
	const char		 *summary;	/* one line */
	const struct cmd_option	 *options;	/* or NULL */
	const struct command *const *subs;	/* NULL-terminated, or NULL */
	int			  flags;
	enum cmd_complete	  complete;	/* what `args` completes to */
	/* return 0, -1 with err filled, or an exit status above 0 to
	 * exit with, said already (a hook passes on its chained one's) */
	int			(*exec)(struct ctx *, const struct cmd_args *,
				    struct error *);
};

#define CMD_DEPTH	4		/* root, command, subcommand, spare */

/* An option as given. */
struct cmd_value {
	const struct cmd_option	*opt;
	const char		*value;		/* NULL for a flag */
};

/* What cmd_parse found: borrowed from argv. */
struct cmd_args {
	const struct command	*path[CMD_DEPTH];	/* cmd_root first */
	size_t			 depth;
	struct cmd_value	*v;	/* options, in the order given */
	size_t			 nv;
	int			 argc;	/* argv[0]: the command's name, */
	char			**argv;	/* then its positional args */
};

extern const struct command cmd_root;

extern const struct command cmd_deploy_entry;
extern const struct command cmd_hook_entry;
extern const struct command cmd_install_hook_entry;
extern const struct command cmd_uninstall_hook_entry;
extern const struct command cmd_daemon_entry;
extern const struct command cmd_queue_entry;
extern const struct command cmd_status_entry;
extern const struct command cmd_history_entry;
extern const struct command cmd_rollback_entry;
extern const struct command cmd_projects_entry;
extern const struct command cmd_config_entry;
extern const struct command cmd_config_init_entry;
extern const struct command cmd_help_entry;
extern const struct command cmd_complete_entry;

/*
 * Parse a command line (argv[0] the program) against cmd_root: the
 * command words, each option of the command or of the groups above it
 * (the global options included) wherever it stands before "--", and the
 * positional arguments. Fails (EXIT_USAGE) naming an unknown option,
 * command or subcommand, or an option missing its value. Release `out`
 * either way. Positional counts are checked by cmd_check_args.
 */
int	cmd_parse(struct cmd_args *out, int argc, char **argv,
	    struct error *);
void	cmd_args_release(struct cmd_args *);
/* The command run: the last of path. */
const struct command *cmd_args_command(const struct cmd_args *);
/* A group's default subcommand when none was named, then the positional
 * counts; a usage error if they are wrong. */
int	cmd_check_args(struct cmd_args *, struct error *);

/* How many times option `name` (its long name) was given. */
int	cmd_args_has(const struct cmd_args *, const char *name);
/* Its last value, or NULL. */
const char *cmd_args_get(const struct cmd_args *, const char *name);
/* Each value in turn: start with *iter = 0; NULL at the end. */
const char *cmd_args_next(const struct cmd_args *, const char *name,
	    size_t *iter);
/* Its value as a whole number from min to max into *out (unchanged when
 * the option was not given); a usage error naming it otherwise. */
int	cmd_args_number(const struct cmd_args *, const char *name, int min,
	    int max, int *out, struct error *);

/* "usage: dotgit-deploy <command> <synopsis>" as an EXIT_USAGE error,
 * for the command the arguments reached. */
int	cmd_usage(const struct cmd_args *, struct error *);
/* The full help of path[0..depth-1]'s last command: synopsis, summary,
 * each option with its line of help, each subcommand the same way. */
void	cmd_help(FILE *, const struct command *const *path, size_t depth);
/* The visible subcommand of `group` called `name`, or NULL. */
const struct command *cmd_find(const struct command *group,
	    const char *name);
/* The option `name` (long) or `letter` (if not 0) of path's commands. */
const struct cmd_option *cmd_find_option(const struct command *const *path,
	    size_t depth, const char *name, int letter);
/* What an option's value means: its noun ("a directory") and what
 * completes it ("@dir", "@file", a word list, or NULL). */
const char *cmd_arg_noun(const char *arg);
const char *cmd_arg_complete(const char *arg);

/* The API with the configuration's key (read, handed over, wiped):
 * api_open's `budget`. */
struct api;
int	cmd_open_api(struct api **, const struct config *, int budget,
	    struct error *);

struct job;
/* Send a planned job now, recording it in the repository's history, as
 * `deploy` does (its output; with `wait`, followed up to `timeout`
 * seconds and its final status recorded). */
int	cmd_deploy_send(struct ctx *, struct job *, int wait, int timeout,
	    int json, struct error *);

/* The repository's deployment history (history_read: env, project,
 * max), with statuses not final asked of the API again when `online`;
 * an empty one when nothing was ever recorded.
 * The ledger (*l, may be NULL) and its directory (*dir) are the caller's
 * to free. */
struct history;
struct ledger;
int	cmd_history_load(struct ctx *, struct history *, struct ledger **l,
	    char **dir, const char *env, const char *project, size_t max,
	    int online, struct error *);

/* --wait and --timeout, as deploy, rollback and status take them, in
 * their option tables; cmd_wait_args reads them. */
#define CMD_WAIT_DEFAULT	600	/* seconds */
#define CMD_WAIT_MAX		86400
#define CMD_WAIT_OPTIONS \
	{ "wait", 0, NULL, 0, \
	    "follow the deployment until it is ready; fail unless it is" }, \
	{ "timeout", 0, "SECONDS", 0, \
	    "with --wait: give up after SECONDS (default 600)" }
int	cmd_wait_args(const struct cmd_args *, int *wait, int *timeout,
	    struct error *);
/* --server or --client (not both) into *side, else `dflt`. */
int	cmd_side_args(const struct cmd_args *, enum install_side dflt,
	    enum install_side *side, struct error *);
/* A usage error unless env is production, staging or preview. */
int	cmd_check_env(const char *env, struct error *);

/* Poll a deployment until it is final, print it (as `status` does), and
 * fail unless it is ready. The last state seen goes into *last (release
 * it) unless last is NULL; its status is NULL when none was seen. */
struct api;
struct api_deployment;
int	cmd_status_wait(struct api *, const char *id, int timeout, int json,
	    struct api_deployment *last, struct error *);
/* For the completion, quietly: the ids starting with prefix of the jobs
 * `queue <sub>` takes, in --queue-dir or the configured queue. */
void	cmd_queue_complete(struct ctx *, const char *queue_dir,
	    const char *sub, const char *prefix);

#endif
