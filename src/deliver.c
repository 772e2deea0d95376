/* SPDX-License-Identifier: ISC */
/* deliver.c -- jobs go to the daemon's queue, or through the worker */
#include <stdlib.h>
#include <string.h>

#include "deliver.h"
#include "history.h"
#include "ledger.h"
#include "log.h"
#include "queue.h"
#include "served.h"
#include "worker.h"
#include "xmalloc.h"

struct deliver {
	const struct config	*cfg;
	int			 budget;
	int			 direct;	/* a person asked: API only */
	int			 queue_mode;
	int			 served;	/* 1 listed, -1 not, 0 ? */
	struct repo		*repo;		/* borrowed */

	int			 queue_opened;
	struct queue		*queue;
	struct error		 queue_err;	/* why it did not open */

	struct ledger		*ledger;
	struct worker		*worker;
	char			*record;	/* the last deployment's history
						   record (ledger.h), or NULL */
};

static int	open_queue(struct deliver *, struct error *);
static int	to_queue(struct deliver *, struct job *, char **,
		    struct error *);
static int	to_api(struct deliver *, struct job *,
		    struct api_deployment *, char **, struct error *);
static int	requeue(struct deliver *, struct job *, const struct error *,
		    char **);

static int	check_served(struct deliver *d, const struct job *job,
		    struct error *err);
static void	open_state(struct deliver *d);
static void	open_worker(struct deliver *d);

void
deliver_init(struct deliver **out, const struct config *cfg, int budget,
    int direct)
{
	struct deliver *d = xcalloc(1, sizeof(*d));

	d->cfg = cfg;
	d->budget = budget;
	d->direct = direct;
	d->queue_mode = !direct && config_queue_mode(cfg);
	error_clear(&d->queue_err);
	*out = d;
}

void
deliver_free(struct deliver *d)
{
	if (d == NULL)
		return;
	worker_free(d->worker);
	ledger_free(d->ledger);
	queue_free(d->queue);
	free(d->record);
	free(d);
}

void
deliver_set_repo(struct deliver *d, struct repo *repo)
{
	d->repo = repo;
	if (d->worker != NULL)
		worker_set_repo(d->worker, repo);
}

void
deliver_note_status(struct deliver *d, const struct api_deployment *dep)
{
	struct error err;

	if (d->ledger == NULL || d->record == NULL)
		return;
	error_clear(&err);
	if (history_note(d->ledger, d->record, dep, NULL, &err) == -1 ||
	    ledger_sync_written(d->ledger, &err) < 0)
		log_warnx("%s", err.msg);
}

struct api *
deliver_api(struct deliver *d)
{
	return d->worker != NULL ? worker_api(d->worker) : NULL;
}

int
deliver_job(struct deliver *d, struct job *job, struct api_deployment *dep,
    char **outcome, struct error *err)
{
	struct api_deployment local = { 0 };
	int rc;

	*outcome = NULL;
	if (dep != NULL)
		memset(dep, 0, sizeof(*dep));
	if (!job_request_valid(job->request))
		return error_set(err, EXIT_FAIL, "internal error: a job "
		    "without a request id");
	if (d->queue_mode)
		return to_queue(d, job, outcome, err);
	rc = to_api(d, job, dep != NULL ? dep : &local, outcome, err);
	api_deployment_release(&local);
	return rc;
}

/* The queue, opened at the first job; a failure is kept. */
static int
open_queue(struct deliver *d, struct error *err)
{
	if (!d->queue_opened) {
		d->queue_opened = 1;
		if (d->cfg->queue_dir == NULL)
			error_set(&d->queue_err, EXIT_USAGE, "[hook] mode = "
			    "queue needs [daemon] queue = DIR");
		else
			queue_open(&d->queue, d->cfg->queue_dir, 0,
			    &d->queue_err);
	}
	if (d->queue == NULL) {
		*err = d->queue_err;
		return -1;
	}
	return 0;
}

/* The daemon takes jobs only from the repositories it serves: say so
 * here rather than queue a job it will refuse. */
static int
check_served(struct deliver *d, const struct job *job, struct error *err)
{
	if (d->served == 0)
		d->served = job->repo != NULL &&
		    served_listed(d->cfg, job->repo) ? 1 : -1;
	if (d->served > 0)
		return 0;
	error_set(err, EXIT_USAGE, "nothing queued: this repository is not "
	    "in [daemon] repos, so the daemon would refuse its jobs");
	error_hint(err, "add it to [daemon] repos in '%s'", d->cfg->file);
	return -1;
}

/* Queue mode: local work only, no network, no key. */
static int
to_queue(struct deliver *d, struct job *job, char **outcome,
    struct error *err)
{
	if (check_served(d, job, err) < 0 || open_queue(d, err) < 0 ||
	    queue_stage(d->queue, job, err) < 0)
		return -1;
	*outcome = xasprintf("queued (job %s)", job->id);
	return 1;
}

int
deliver_flush(struct deliver *d, struct error *err)
{
	struct error lerr;

	error_clear(&lerr);
	if (d->ledger != NULL && ledger_sync_written(d->ledger, &lerr) < 0)
		log_warnx("recording deployments: %s", lerr.msg);
	if (d->queue == NULL)
		return 0;
	return queue_publish(d->queue, err);
}

/*
 * The record of what is deployed, for path filters, dedupe and history:
 * the repository's own, or the daemon's in queue mode (`deploy` run by
 * an admin on the server: see ledger_open_for).
 */
static void
open_state(struct deliver *d)
{
	struct error err;
	char *dir = NULL;

	if (d->repo == NULL)
		return;
	error_clear(&err);
	if (ledger_open_for(&d->ledger, &dir, d->cfg,
	    repo_common_dir(d->repo), 1, &err) < 0)
		log_warnx("deploying without the record of deployments: %s",
		    err.msg);
	else
		ledger_group_commit(d->ledger);	/* deliver_flush syncs */
	free(dir);
}

static void
open_worker(struct deliver *d)
{
	if (d->worker != NULL)
		return;
	open_state(d);
	worker_init(&d->worker, d->cfg, d->ledger, d->budget, -1);
	worker_set_repo(d->worker, d->repo);
}

/* Direct mode: through the worker, within the time budget. */
static int
to_api(struct deliver *d, struct job *job, struct api_deployment *dep,
    char **outcome, struct error *err)
{
	struct worker_result res;
	int rc = 0;

	open_worker(d);
	worker_send(d->worker, job, d->direct ? WORKER_FORCE : 0, &res);
	switch (res.status) {
	case WORKER_DEPLOYED:
		*dep = res.dep;
		memset(&res.dep, 0, sizeof(res.dep));
		free(d->record);
		d->record = res.record;
		res.record = NULL;
		*outcome = xasprintf("%s %s (%s)", dep->id, dep->status,
		    dep->url != NULL ? dep->url : "no url");
		break;
	case WORKER_ALREADY:
	case WORKER_FILTERED:
		*outcome = xasprintf("not deployed: %s", res.reason);
		break;
	case WORKER_SKIPPED:
		*outcome = xstrdup(res.reason);
		break;
	case WORKER_RETRY:
		if (!d->direct && d->cfg->queue_dir != NULL &&
		    requeue(d, job, &res.err, outcome) == 0)
			break;
		/* FALLTHROUGH */
	case WORKER_FAILED:
		*err = res.err;
		rc = -1;
		break;
	}
	worker_result_release(&res);
	return rc;
}

/* A temporary failure in direct mode: leave the job to the daemon. */
static int
requeue(struct deliver *d, struct job *job, const struct error *why,
    char **outcome)
{
	struct error err;

	error_clear(&err);
	job->attempts = 1;
	job->next_attempt = 0;
	free(job->last_error);
	job->last_error = xstrdup(why->msg);
	if (check_served(d, job, &err) < 0 || open_queue(d, &err) < 0 ||
	    queue_put(d->queue, job, &err) < 0) {
		log_warnx("cannot queue the job for retry: %s", err.msg);
		return -1;
	}
	*outcome = xasprintf("API unreachable, queued for retry (job %s): "
	    "%s", job->id, why->msg);
	return 0;
}
