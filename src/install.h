/* SPDX-License-Identifier: ISC */
/* install.h -- put the hooks in place (chaining what was there), and back */
#ifndef DD_INSTALL_H
#define DD_INSTALL_H

#include <stdio.h>

#include "error.h"
#include "repo.h"

enum install_side {
	INSTALL_DEFAULT,	/* server for a bare repository, else client */
	INSTALL_SERVER,		/* post-receive */
	INSTALL_CLIENT,		/* pre-push + reference-transaction */
	INSTALL_ALL,		/* uninstall: whatever is installed */
};

/* The server setting install-hook turns on (and uninstall-hook restores). */
#define INSTALL_PUSH_OPTIONS_KEY "receive.advertisePushOptions"

/*
 * Link the side's hooks, in the hooks directory (core.hooksPath honored,
 * created when missing), to `binary` (NULL: this program). A hook that is
 * not ours is renamed to <name>.dotgit-deploy-chained and keeps running.
 * The server side also sets receive.advertisePushOptions=true. What was
 * done is reported on `out`, one line each. Installing twice changes
 * nothing.
 */
int	install_hooks(struct repo *, enum install_side, const char *binary,
	    FILE *out, struct error *);
/* Undo install_hooks for the side (INSTALL_ALL: both): the hooks
 * directory and the setting end up as they were before. */
int	uninstall_hooks(struct repo *, enum install_side, FILE *out,
	    struct error *);

/* The absolute path of this program (realpath of /proc/self/exe). */
int	install_self_path(char **out, struct error *);

#endif
