/* SPDX-License-Identifier: ISC */
/* daemon.h -- the queue worker and repository watcher (event loop) */
#ifndef DD_DAEMON_H
#define DD_DAEMON_H

#include "ctx.h"
#include "error.h"

/* Backoff of a job after a temporary failure: full jitter, doubling from
 * this ceiling, capped (seconds). */
#define DAEMON_BACKOFF_BASE	1.0
#define DAEMON_BACKOFF_CAP	300.0
/* Request records (the ledger's idem/) are kept this long, in seconds:
 * far longer than any retry, or replay after a crash, can take. */
#define DAEMON_KEEP_KEYS	(30 * 86400)
#define DAEMON_PRUNE_EVERY	86400.0
/* Jobs settled between two group commits (see daemon.c commit()). */
#define DAEMON_BATCH		64

/*
 * Run in the foreground until SIGTERM or SIGINT (then 0). ctx->config is
 * loaded; on SIGHUP it is read again the way main read it and replaced
 * (a bad one is logged and the old one kept). Needs [daemon] queue.
 *
 * The queue: jobs are taken in arrival order; per (project, environment)
 * strictly in order, one request at a time; pending jobs for the same
 * (project, environment, ref) are coalesced to the newest unless
 * [daemon] coalesce = false; requests are paced by [api] plan and the
 * X-RateLimit-Remaining / -Reset and Retry-After of every reply; a
 * temporary failure is retried with backoff until the job is older than
 * [daemon] give_up_after, then it goes to failed/ with the reason.
 *
 * The repositories ([daemon] repos, globs): every poll_interval each one
 * is opened and its branches and tags compared with the ledger's last
 * seen ids; a moved or new ref is planned like a push (with this
 * configuration) and queued. The first time a repository is seen its refs
 * are only recorded: nothing already there is deployed.
 */
int	daemon_run(struct ctx *, struct error *);

#endif
