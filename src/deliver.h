/* deliver.h -- hand a planned job over: to the queue, or to the API */
#ifndef DD_DELIVER_H
#define DD_DELIVER_H

#include "api.h"
#include "config.h"
#include "error.h"
#include "job.h"

struct deliver;

/* Mode from the config ([hook] mode, [daemon] queue), or always the API
 * when `direct`. Nothing is opened until the first job: a push that
 * deploys nothing needs no key. `budget` bounds all API calls, seconds. */
void	deliver_init(struct deliver **out, const struct config *, int budget,
	    int direct);
void	deliver_free(struct deliver *);
/* *outcome: what happened, for the push output: "dep_x queued (url)" or
 * "queued (job ID)"; allocated. `dep`, if not NULL, gets the deployment
 * when the API was called (dep->id NULL otherwise). */
int	deliver_job(struct deliver *, struct job *, struct api_deployment *dep,
	    char **outcome, struct error *);
/* The API handle once a job went to the API (for --wait), else NULL. */
struct api *deliver_api(struct deliver *);

#endif
