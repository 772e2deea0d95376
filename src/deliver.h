/* SPDX-License-Identifier: ISC */
/* deliver.h -- hand a planned job over: to the queue, or to the API */
#ifndef DD_DELIVER_H
#define DD_DELIVER_H

#include "api.h"
#include "config.h"
#include "error.h"
#include "job.h"

struct deliver;

/* Under a repository's common git dir: its direct-mode state (the
 * ledger of what it deployed, for path filters). */
#define DELIVER_STATE_DIR	"dotgit-deploy"

/* 1 if the config puts deliver_init (not direct) in queue mode: then
 * jobs may be planned without their objects (plan_update_deferred). */
int	deliver_queue_mode(const struct config *);

/*
 * Mode from the config: queue when [daemon] queue is set and [hook] mode
 * is queue or auto (the job file is written, nothing else: no network, no
 * key); else the API through the worker (worker.h: the repository's
 * ledger under DELIVER_STATE_DIR, path filter) within `budget` seconds,
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
/* *outcome: what happened, for the push output: "dep_x queued (url)",
 * "queued (job ID)", "not deployed: <why>" or "API unreachable, queued
 * for retry (job ID): <why>"; allocated. `dep`, if not NULL, gets the
 * deployment when the API created one (dep->id NULL otherwise). */
int	deliver_job(struct deliver *, struct job *, struct api_deployment *dep,
	    char **outcome, struct error *);
/* The API handle once a job went to the API (for --wait), else NULL. */
struct api *deliver_api(struct deliver *);

#endif
