/* SPDX-License-Identifier: ISC */
/* worker.h -- send one job: dedupe, path filter, API call, ledger */
#ifndef DD_WORKER_H
#define DD_WORKER_H

#include <signal.h>

#include "api.h"
#include "config.h"
#include "error.h"
#include "job.h"
#include "ledger.h"
#include "repo.h"

/*
 * The one place a planned job becomes a deployment, shared by the daemon
 * and the hooks in direct mode (and `deploy`, forced). For each job, in
 * this order:
 *  1. a project name is turned into its id (looked up once, cached), and
 *     the idempotency key is made again from the id;
 *  2. ledger: a key already SENT is not sent again (WORKER_ALREADY): a
 *     replay after a crash, or a branch and a tag on one commit in one
 *     push;
 *  3. path filter (job->paths): deployed only if the paths changed
 *     between the last commit deployed to (project, environment) and
 *     job->commit -- without one, what the ref held before (job->old);
 *     a new ref: deployed (WORKER_FILTERED if not);
 *  4. INTENT is recorded, the request goes out with the Idempotency-Key,
 *     and on a 201 that parses as a deployment the last deployed commit
 *     and SENT are recorded (in that order: a crash in between leaves
 *     INTENT, and sending again with the same key is answered with the
 *     first deployment).
 * Without a ledger (its directory could not be opened) steps 2 and 4's
 * records are skipped and a path filter cannot be judged: the job is
 * deployed and a warning says why.
 */

enum worker_status {
	WORKER_DEPLOYED,	/* the API created it (or replayed the key) */
	WORKER_ALREADY,		/* the ledger says it was sent: not sent */
	WORKER_FILTERED,	/* path filter: nothing to deploy */
	WORKER_SKIPPED,		/* the commit message says [skip deploy] */
	WORKER_RETRY,		/* temporary failure: try again later */
	WORKER_FAILED,		/* permanent failure: retrying cannot help */
};

struct worker_result {
	enum worker_status	 status;
	struct api_deployment	 dep;		/* WORKER_DEPLOYED */
	char			*reason;	/* ALREADY, FILTERED, SKIPPED */
	struct error		 err;		/* RETRY, FAILED */
	int			 requests;	/* HTTP requests made */
	struct api_reply	 reply;		/* the last one's status and
						   asked wait (api.h) */
	char			*record;	/* DEPLOYED: its history record
						   (ledger.h), NULL if none */
};

enum {
	WORKER_FORCE = 1 << 0,	/* a person asked: no dedupe, no filter */
};

struct worker;

/*
 * Nothing is opened here: the key is read and the API opened at the first
 * job that needs them. `ledger` (may be NULL) and `cfg` are borrowed.
 * `budget`: seconds all API calls may take (0: none); `retries`: retries
 * api.c makes on its own (-1: its default; the daemon passes 0).
 */
void	worker_init(struct worker **out, const struct config *,
	    struct ledger *, int budget, int retries);
void	worker_free(struct worker *);
/* The configuration for the next jobs (borrowed; the daemon plans each
 * repository's jobs with that repository's configuration). */
void	worker_set_config(struct worker *, const struct config *);
/* An open repository for jobs planned from it (the hook's): borrowed. */
void	worker_set_repo(struct worker *, struct repo *);
/* A request in flight is abandoned soon after *flag becomes non-zero. */
void	worker_set_cancel(struct worker *, volatile sig_atomic_t *flag);
/* The repository at git dir `path`, opened once and kept (a few are
 * cached); borrowed. */
int	worker_repo(struct worker *, const char *path, struct repo **out,
	    struct error *);

/* Send one planned job (job->project may change from a name to its id,
 * and the key with it). */
void	worker_send(struct worker *, struct job *, int flags,
	    struct worker_result *out);
void	worker_result_release(struct worker_result *);

/* The API handle once opened (rate-limit headers, --wait), else NULL. */
struct api *worker_api(struct worker *);
/* The API handle, opened (the key read) if it is not yet; NULL with err
 * when it cannot be. */
struct api *worker_open_api(struct worker *, struct error *);

#endif
