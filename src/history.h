/* SPDX-License-Identifier: ISC */
/* history.h -- what was deployed where: listing and rollback targets */
#ifndef DD_HISTORY_H
#define DD_HISTORY_H

#include <stddef.h>

#include "api.h"
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
 * the configuration's projects -- or only `project` (its [project "NAME"]
 * in a monorepo, else its id or name) -- in environment `env` (NULL: all),
 * newest first, at most `max` (0: all).
 */
int	history_read(struct history *, struct ledger *, const struct config *,
	    const char *git_dir, const char *env, const char *project,
	    size_t max, struct error *);
/* live[i]: record i is what its project's environment runs -- the
 * newest of them that reached ready. */
void	history_live(const struct history *, int *live);
void	history_release(struct history *);

/*
 * A deployment's status as last seen, into its history record (ledger.h
 * names it): 1 if it changed, 0 if not, DD_ENOTFOUND, -1. The record
 * as it now is goes into *out unless out is NULL (job_release it).
 */
int	history_note(struct ledger *, const char *record,
	    const struct api_deployment *, struct job *out, struct error *);

/*
 * Statuses not yet final asked of the API again, at most `max` requests,
 * and recorded (history_note): what direct mode and `deploy` leave, as
 * no daemon follows them there. How many were asked; failures are said.
 */
size_t	history_refresh(struct history *, struct ledger *, struct api *,
	    size_t max);

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
