/* SPDX-License-Identifier: ISC */
/* follow.h -- deployments followed to their final status */
#ifndef DD_FOLLOW_H
#define DD_FOLLOW_H

#include "api.h"
#include "config.h"
#include "ledger.h"
#include "notify.h"

/*
 * A deployment the daemon created is followed (GET /deployments/{id})
 * until it is ready, error or canceled: first FOLLOW_FIRST seconds after
 * it was created, then less and less often (doubling to FOLLOW_EVERY),
 * for FOLLOW_FOR seconds at most. Every status seen is written to its
 * history record (ledger.h); a final one also reaches the [notify]
 * command, and an error is logged at error priority. Which checks may go
 * when is the caller's: only with requests to spare, after the deploys.
 */
#define FOLLOW_FIRST	2
#define FOLLOW_EVERY	60
#define FOLLOW_FOR	(24 * 3600)

struct follow;

/* ledger and notifier are borrowed. */
void	follow_init(struct follow **out, struct ledger *, struct notifier *);
void	follow_free(struct follow *);
/* Follow the deployment of history record `record` (a new one). */
void	follow_add(struct follow *, const char *record, const char *dep_id);
/* Follow again what the ledger's history holds that is not final and
 * not older than FOLLOW_FOR (after a restart). */
void	follow_load(struct follow *);
/* The deployment id whose check is due now, or NULL; *wait (may be NULL)
 * is then the seconds until one is (-1: none is followed). */
const char *follow_due(struct follow *, double *wait);
/* What GET said of dep_id (cfg: the [notify] in force). */
void	follow_seen(struct follow *, const struct config *, const char *dep_id,
	    const struct api_deployment *);
/* GET failed: a deployment the API does not know (404) is not followed
 * any more; anything else is tried again later. */
void	follow_failed(struct follow *, const char *dep_id,
	    const struct error *, int http_status);

#endif
