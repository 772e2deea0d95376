/* SPDX-License-Identifier: ISC */
/* served.h -- the repositories a daemon serves, and how it follows each */
#ifndef DD_SERVED_H
#define DD_SERVED_H

#include <stddef.h>

#include "config.h"
#include "error.h"

/*
 * [daemon] repos lists the repositories the daemon serves (globs, like
 * git's safe.directory lists the ones it trusts): a job from any other
 * repository is refused. Each served repository is followed one way
 * only, never both for one push:
 *  - by its hook, when its post-receive is this program (a link to it, as
 *    install-hook --server makes): jobs from the hook are accepted and
 *    the repository is not polled;
 *  - by polling otherwise: the daemon looks at its refs every
 *    poll_interval, and a job claiming to come from its hook is refused.
 */
struct served_repo {
	char	*git_dir;	/* real path, with a trailing '/' */
	char	*path;		/* as the glob matched it */
	char	*workdir;	/* its work tree, '/'-ended; NULL: bare */
	int	 hooked;	/* followed by its hook */
};

struct served {
	struct served_repo	*v;
	size_t			 n;
};

/* Expand the globs, open each repository to find its git dir and hook;
 * what is not a repository is skipped (said at -vv). */
void	served_scan(struct served *, const struct config *);
void	served_release(struct served *);
/*
 * 1 if the repository at git_dir (absolute) is one the globs of
 * [daemon] repos name -- its git dir, or for a ".git" its work tree --
 * without opening any repository (what a hook can afford to ask).
 */
int	served_listed(const struct config *, const char *git_dir);
/* The served repository whose git dir is `git_dir` (any spelling of the
 * path: compared by real path), or NULL. */
const struct served_repo *served_find(const struct served *,
	    const char *git_dir);

#endif
