/* SPDX-License-Identifier: ISC */
/* worker.c -- one job to one deployment, at most once (see worker.h) */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "worker.h"
#include "xmalloc.h"

#define SHORT_SHA	7
#define REPOS_CACHED	8

struct cached_repo {
	char		*path;
	struct repo	*repo;
};

struct worker {
	const struct config	*cfg;
	struct ledger		*ledger;
	int			 budget;
	int			 retries;
	volatile sig_atomic_t	*cancel;

	int			 opened;	/* tried to open the API */
	struct api		*api;
	struct error		 open_err;	/* why it did not open */

	char			*project_name;	/* last name looked up */
	char			*project_id;	/* and its id */

	struct repo		*repo;		/* borrowed */
	struct cached_repo	 repos[REPOS_CACHED];
	size_t			 nrepos;
};

static int	open_api(struct worker *, struct error *);
static int	resolve_project(struct worker *, struct job *,
		    struct error *);
static int	filter(struct worker *, const struct job *, char **,
		    struct error *);
static void	send_job(struct worker *, struct job *,
		    struct worker_result *);
static void	decide(struct worker *, struct job *, int,
		    struct worker_result *);

static char	*paths_label(const struct job *job);
static void	record_sent(struct worker *w, const struct job *job,
		    const struct api_deployment *dep, char **record);

void
worker_init(struct worker **out, const struct config *cfg,
    struct ledger *ledger, int budget, int retries)
{
	struct worker *w = xcalloc(1, sizeof(*w));

	w->cfg = cfg;
	w->ledger = ledger;
	w->budget = budget;
	w->retries = retries;
	error_clear(&w->open_err);
	*out = w;
}

void
worker_free(struct worker *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nrepos; i++) {
		repo_free(w->repos[i].repo);
		free(w->repos[i].path);
	}
	api_free(w->api);
	free(w->project_name);
	free(w->project_id);
	free(w);
}

void
worker_set_config(struct worker *w, const struct config *cfg)
{
	w->cfg = cfg;
}

void
worker_set_repo(struct worker *w, struct repo *repo)
{
	w->repo = repo;
}

void
worker_set_cancel(struct worker *w, volatile sig_atomic_t *flag)
{
	w->cancel = flag;
	if (w->api != NULL)
		api_set_cancel(w->api, flag);
}

struct api *
worker_api(struct worker *w)
{
	return w->api;
}

struct api *
worker_open_api(struct worker *w, struct error *err)
{
	return open_api(w, err) == 0 ? w->api : NULL;
}

void
worker_result_release(struct worker_result *res)
{
	api_deployment_release(&res->dep);
	free(res->reason);
	res->reason = NULL;
	free(res->record);
	res->record = NULL;
}

/* Read the key and open the API, once; the failure is kept. */
static int
open_api(struct worker *w, struct error *err)
{
	char *key = NULL;

	if (!w->opened) {
		w->opened = 1;
		if (config_read_key(&key, w->cfg, &w->open_err) == 0 &&
		    api_open(&w->api, w->cfg, key, w->budget,
		    &w->open_err) == 0) {
			if (w->retries >= 0)
				api_set_retries(w->api, w->retries);
			if (w->cancel != NULL)
				api_set_cancel(w->api, w->cancel);
		}
		if (key != NULL)
			explicit_bzero(key, strlen(key));
		free(key);
	}
	if (w->api == NULL) {
		*err = w->open_err;
		return -1;
	}
	return 0;
}

/* Replace a project name with its id (looked up once per name). */
static int
resolve_project(struct worker *w, struct job *job, struct error *err)
{
	char *id = NULL;

	if (!job->project_is_name)
		return 0;
	if (w->project_name == NULL ||
	    strcmp(w->project_name, job->project) != 0) {
		if (open_api(w, err) < 0 ||
		    api_find_project(w->api, &id, job->project, err) < 0)
			return -1;
		free(w->project_name);
		free(w->project_id);
		w->project_name = xstrdup(job->project);
		w->project_id = id;
	}
	free(job->project);
	job->project = xstrdup(w->project_id);
	job->project_is_name = 0;
	job_set_idem_key(job);
	return 0;
}

int
worker_repo(struct worker *w, const char *path, struct repo **out,
    struct error *err)
{
	struct cached_repo *c;
	size_t i;

	if (w->repo != NULL && (path == NULL ||
	    strcmp(path, repo_git_dir(w->repo)) == 0)) {
		*out = w->repo;
		return 0;
	}
	if (path == NULL)
		return error_set(err, EXIT_FAIL, "the job names no "
		    "repository");
	for (i = 0; i < w->nrepos; i++)
		if (strcmp(w->repos[i].path, path) == 0) {
			*out = w->repos[i].repo;
			return 0;
		}
	if (w->nrepos == REPOS_CACHED) {
		repo_free(w->repos[0].repo);
		free(w->repos[0].path);
		memmove(w->repos, w->repos + 1,
		    (REPOS_CACHED - 1) * sizeof(*w->repos));
		w->nrepos--;
	}
	c = &w->repos[w->nrepos];
	if (repo_open(&c->repo, path, err) < 0)
		return -1;
	c->path = xstrdup(path);
	w->nrepos++;
	*out = c->repo;
	return 0;
}

/* "web/ shared/" */
static char *
paths_label(const struct job *job)
{
	size_t i, len = 1;
	char *s, *e;

	for (i = 0; i < job->npaths; i++)
		len += strlen(job->paths[i]) * 4 + 1;
	s = xcalloc(1, len);
	for (i = 0; i < job->npaths; i++) {
		e = log_escape(job->paths[i], 0);
		if (i > 0)
			strcat(s, " ");
		strcat(s, e);
		free(e);
	}
	return s;
}

/*
 * Path filter: 0 deploy, 1 not (*reason set), -1 error. Judged against
 * the last commit deployed to (project, environment).
 */
static int
filter(struct worker *w, const struct job *job, char **reason,
    struct error *err)
{
	char last[OID_HEXSZ + 1], *label;
	struct repo *repo = NULL;
	int changed = 1, r;

	if (job->npaths == 0)
		return 0;
	if (w->ledger == NULL) {
		label = job_label(job);
		log_warnx("%s: the path filter cannot be judged without the "
		    "record of the last deployment: deploying", label);
		free(label);
		return 0;
	}
	r = ledger_last_deployed(w->ledger, job->project, job->environment,
	    last, err);
	if (r == DD_ERROR)
		return -1;
	/* never deployed here: judged against what the ref held before
	 * (a new ref, or none known: deployed) */
	if (r == DD_ENOTFOUND && (repo_oid_is_zero(job->old) || !job->old[0]))
		return 0;
	if (r == DD_ENOTFOUND)
		memcpy(last, job->old, sizeof(last));
	if (worker_repo(w, job->repo, &repo, err) < 0)
		return -1;
	r = repo_paths_changed(&changed, repo, last, job->commit,
	    job->paths, job->npaths, err);
	if (r == DD_ENOTFOUND) {
		log_verbose("last deployed commit %.*s is not in '%s': "
		    "deploying", SHORT_SHA, last, job->repo);
		return 0;
	}
	if (r < 0)
		return -1;
	if (changed)
		return 0;
	label = paths_label(job);
	*reason = xasprintf("no change under %s since %.*s", label,
	    SHORT_SHA, last);
	free(label);
	return 1;
}

/*
 * Record the deployment: the last commit deployed, SENT for its key, and
 * its history record (*record: that record's name, allocated). A failure
 * here is logged, not fatal: the Idempotency-Key answers a resend with
 * the same deployment.
 */
static void
record_sent(struct worker *w, const struct job *job,
    const struct api_deployment *dep, char **record)
{
	struct error err;
	struct job h;

	*record = NULL;
	if (w->ledger == NULL)
		return;
	error_clear(&err);
	job_copy(&h, job);
	free(h.deployment_id);
	h.deployment_id = xstrdup(dep->id);
	h.status = xstrdup(dep->status != NULL ? dep->status : "queued");
	h.url = dep->url != NULL ? xstrdup(dep->url) : NULL;
	free(h.last_error);
	h.last_error = NULL;
	if (ledger_set_last_deployed(w->ledger, job->project,
	    job->environment, job->commit, &err) < 0 ||
	    ledger_sent(w->ledger, job->idem_key, dep->id, &err) < 0 ||
	    ledger_history_add(w->ledger, &h, &err) < 0)
		log_warnx("recording deployment %s: %s", dep->id, err.msg);
	else
		*record = xstrdup(h.id);
	job_release(&h);
}

/*
 * Send, then record SENT. Nothing is recorded before: the job itself,
 * kept in the queue until it is settled, is what a crash replays, and
 * its request sends the same Idempotency-Key again.
 */
static void
send_job(struct worker *w, struct job *job, struct worker_result *res)
{
	struct error *err = &res->err;

	if (open_api(w, err) < 0)
		goto fail;
	if (api_deploy(w->api, &res->dep, job, err) < 0)
		goto fail;
	record_sent(w, job, &res->dep, &res->record);
	res->status = WORKER_DEPLOYED;
	return;
fail:
	res->status = err->temporary ? WORKER_RETRY : WORKER_FAILED;
}

void
worker_send(struct worker *w, struct job *job, int flags,
    struct worker_result *res)
{
	unsigned long before;

	memset(res, 0, sizeof(*res));
	error_clear(&res->err);
	res->reply.wait = -1;
	before = w->api != NULL ? api_requests(w->api) : 0;
	decide(w, job, flags, res);
	if (w->api != NULL)
		res->requests = (int)(api_requests(w->api) - before);
	if (res->requests > 0)
		res->reply = *api_last_reply(w->api);
}

static void
decide(struct worker *w, struct job *job, int flags,
    struct worker_result *res)
{
	enum ledger_state state = LEDGER_NONE;
	char *dep_id = NULL;
	int r;

	if (resolve_project(w, job, &res->err) < 0)
		goto fail;
	if (w->ledger != NULL) {
		if (ledger_get(w->ledger, job->idem_key, &state, &dep_id,
		    NULL, &res->err) < 0)
			goto fail;
		if (state == LEDGER_SENT && !(flags & WORKER_FORCE)) {
			res->status = WORKER_ALREADY;
			res->reason = xasprintf("already deployed as %s",
			    dep_id);
			res->dep.id = dep_id;
			return;
		}
		free(dep_id);
	}
	if (!(flags & WORKER_FORCE) &&
	    (r = filter(w, job, &res->reason, &res->err)) != 0) {
		if (r < 0)
			goto fail;
		res->status = WORKER_FILTERED;
		return;
	}
	send_job(w, job, res);
	return;
fail:
	res->status = res->err.temporary ? WORKER_RETRY : WORKER_FAILED;
}
