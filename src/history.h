/* SPDX-License-Identifier: ISC */
/* history.h -- what was deployed where: listing and rollback targets */
#ifndef DD_HISTORY_H
#define DD_HISTORY_H

#include <stddef.h>

#include "config.h"
#include "error.h"
#include "job.h"
#include "ledger.h"

/*
 * The deployments of a repository, from the ledger that recorded them:
 * the repository's own (direct mode, the client hooks, `deploy`) or the
 * daemon's (queue mode): ledger_open_for. A record is the planned
 * job with its deployment (ledger.h): project, environment, branch,
 * commit, env vars, deployment id, status, source.
 */
struct history {
	struct job	*v;		/* newest first */
	size_t		 n;
};

/*
 * The records of this repository (git_dir: its real path, '/'-ended) for
 * the configuration's projects, in environment `env` (NULL: all), newest
 * first, at most `max` (0: all).
 */
int	history_read(struct history *, struct ledger *, const struct config *,
	    const char *git_dir, const char *env, size_t max, struct error *);
void	history_release(struct history *);

/*
 * What `rollback ENV` deploys: the record to deploy again. In h (one
 * environment, one project, newest first): the live commit is the newest
 * record that reached ready; the target is, with `to` (a commit or a
 * prefix of one), the newest record of that commit that reached ready;
 * else the `steps`-th ready record before the live one with another
 * commit. Errors say why there is nothing to roll back to.
 */
int	history_target(const struct history *, const char *to, int steps,
	    const struct job **target, const struct job **live,
	    struct error *);

#endif
