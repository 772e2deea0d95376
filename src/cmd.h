/* SPDX-License-Identifier: ISC */
/* cmd.h -- the command table: one entry per cmd-*.c */
#ifndef DD_CMD_H
#define DD_CMD_H

#include "config.h"
#include "error.h"
#include "repo.h"

/* What main parsed and opened for the command. */
struct ctx {
	const char	*argv0;		/* as run: may be a hook's path */
	const char	*dir;		/* -C DIR, or NULL */
	const char	*config_file;	/* -c FILE, or NULL */
	int		 level;		/* log level from -q / -v */
	struct repo	*repo;		/* CMD_NEED_REPO / CMD_WANT_REPO */
	struct config	*config;	/* CMD_NEED_CONFIG */
};

enum {
	CMD_NEED_REPO = 1 << 0,		/* fail without a repository */
	CMD_WANT_REPO = 1 << 1,		/* open one if there is one */
	CMD_NEED_CONFIG = 1 << 2,	/* find, load and validate config */
};

struct command {
	const char	*name;
	const char	*usage;		/* after "dotgit-deploy <name> " */
	const char	*summary;
	int		 flags;
	/* argv[0] is the command name; return 0 or -1 with err filled */
	int		(*exec)(struct ctx *, int, char **, struct error *);
};

extern const struct command cmd_deploy_entry;
extern const struct command cmd_hook_entry;
extern const struct command cmd_install_hook_entry;
extern const struct command cmd_uninstall_hook_entry;
extern const struct command cmd_daemon_entry;
extern const struct command cmd_queue_entry;
extern const struct command cmd_status_entry;
extern const struct command cmd_projects_entry;
extern const struct command cmd_config_entry;

struct api;
/* Poll a deployment until it is final, print it (as `status` does), and
 * fail unless it is ready. */
int	cmd_status_wait(struct api *, const char *id, int timeout, int json,
	    struct error *);

/* "usage: dotgit-deploy <name> <usage>" as an EXIT_USAGE error. */
int	cmd_usage(const struct command *, struct error *);
/* Load the configuration the way main does for CMD_NEED_CONFIG. */
int	cmd_load_config(struct ctx *, struct config *, struct error *);
/* The same for a repository known by its paths only (NULL: none), with
 * no repository opened: the common git dir and the work tree. */
int	cmd_load_config_at(struct ctx *, struct config *, const char *git_dir,
	    const char *workdir, struct error *);

#endif
