/* SPDX-License-Identifier: ISC */
/* deliver.h -- hand a planned job over: to the queue, or to the API */
#ifndef DD_DELIVER_H
#define DD_DELIVER_H

#include "api.h"
#include "config.h"
#include "error.h"
#include "job.h"

struct deliver;

/*
 * Mode from the config: queue when [daemon] queue is set and [hook] mode
 * is queue or auto (the job file is written, nothing else: no network, no
 * key); else the API through the worker (worker.h: the repository's
 * ledger (ledger_open_for), path filter) within `budget` seconds,
 * and a temporary failure leaves the job in the queue when there is one.
 * `direct`: always the API, no dedupe, no path filter, no queueing (the
 * deploy command; what it deploys is still recorded). Nothing is opened
 * until the first job: a push that deploys nothing needs no key.
 */
void	deliver_init(struct deliver **out, const struct config *, int budget,
	    int direct);
void	deliver_free(struct deliver *);
/* The repository the jobs come from (borrowed), for path filters. */
void	deliver_set_repo(struct deliver *, struct repo *);
/* 0, or 1 when the job was only staged (queue mode: see deliver_flush),
 * or -1.
 * *outcome: what happened, for the push output: "dep_x queued (url)",
 * "queued (job ID)", "not deployed: <why>" or "API unreachable, queued
 * for retry (job ID): <why>"; allocated. `dep`, if not NULL, gets the
 * deployment when the API created one (dep->id NULL otherwise). */
int	deliver_job(struct deliver *, struct job *, struct api_deployment *dep,
	    char **outcome, struct error *);
/*
 * Call once the jobs are delivered, before saying what became of them.
 * Queue mode: jobs are only staged by deliver_job ("queued" means once
 * flushed); deliver_flush makes them all durable and visible to the
 * daemon at once (queue_publish: one sync per push). On failure none of
 * them is queued. To the API: what the ledger recorded of the
 * deployments (written without a sync each: ledger_group_commit) is made
 * durable by one ledger_sync_written; a failure there is a warning (the
 * deployments were made, and a request sent again after a crash carries
 * the same Idempotency-Key).
 */
int	deliver_flush(struct deliver *, struct error *);
/* The last deployment's status as followed (deploy --wait), into its
 * history record; a failure is said, not returned. */
void	deliver_note_status(struct deliver *, const struct api_deployment *);
/* The API handle once a job went to the API (for --wait), else NULL. */
struct api *deliver_api(struct deliver *);

#endif
