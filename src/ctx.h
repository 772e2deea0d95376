/* SPDX-License-Identifier: ISC */
/*
 * ctx.h -- what one run of the program knows: how it was invoked (-C,
 * -c, -q/-v, the name it was run as), and the repository and the
 * configuration once opened. Made by main and the commands (cmd.h),
 * handed down to the hooks (hook.h, client.h) and the daemon (daemon.h).
 */
#ifndef DD_CTX_H
#define DD_CTX_H

#include "config.h"
#include "error.h"
#include "repo.h"

struct ctx {
	const char	*argv0;		/* as run: may be a hook's path */
	const char	*dir;		/* -C DIR, or NULL */
	const char	*config_file;	/* -c FILE, or NULL */
	int		 level;		/* log level from -q / -v */
	struct repo	*repo;		/* CMD_NEED_REPO / CMD_WANT_REPO */
	struct config	*config;	/* CMD_NEED_CONFIG */
};

/* Load the configuration: -c FILE alone, else the layers for ctx->repo
 * (none when it is NULL). */
int	ctx_load_config(struct ctx *, struct config *, struct error *);
/* The same for a repository known by its paths only (NULL: none), with
 * no repository opened: the common git dir and the work tree. */
int	ctx_load_config_at(struct ctx *, struct config *, const char *git_dir,
	    const char *workdir, struct error *);

#endif
