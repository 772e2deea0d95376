/* SPDX-License-Identifier: ISC */
/* client.h -- the client hooks: deploy what a successful `git push` pushed */
#ifndef DD_CLIENT_H
#define DD_CLIENT_H

#include <stddef.h>

#include "ctx.h"
#include "error.h"

/* pre-push REMOTE URL: record what is about to be pushed. Exits with the
 * chained hook's status only: our own problems never stop a push. */
int	client_pre_push(struct ctx *, int, char **, struct error *);
/* reference-transaction STATE: at `committed`, a remote-tracking ref that
 * a recorded push moved confirms that ref: deploy it now. */
int	client_reference_transaction(struct ctx *, int, char **,
	    struct error *);
/* post-push [PID]: once `git push` PID has exited, deploy what it pushed
 * that no tracking ref confirmed (tags, URLs), if the remote has exactly
 * that; without PID, settle every recorded push that has ended. */
int	client_post_push(struct ctx *, int, char **, struct error *);
/*
 * Settle the push recorded for git process pid once it has ended, waiting
 * for that up to max_wait seconds (0: not at all): take its record and
 * deploy what the remote has exactly as pushed. 1 when the push still
 * runs: nothing is deployed and the record is kept (after a wait, the log
 * says so); 0 when settled or when nothing is recorded; -1 on error.
 */
int	client_settle(struct ctx *, long pid, int max_wait, struct error *);

/* What a git command line (NUL-separated, /proc/PID/cmdline) says. */
struct git_push_argv {
	int	  is_push;	/* git [global options] push ... */
	int	  dry_run;	/* -n, --dry-run */
	char	**options;	/* -o, --push-option, in order */
	size_t	  noptions;
	char	**config;	/* git -c push.pushOption=... values */
	size_t	  nconfig;
};

void	client_parse_git_argv(struct git_push_argv *, const char *cmdline,
	    size_t len);
void	client_git_push_argv_release(struct git_push_argv *);

#endif
