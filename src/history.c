/* SPDX-License-Identifier: ISC */
/* history.c -- what was deployed where (see history.h) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "history.h"
#include "log.h"
#include "xmalloc.h"

static int	same_repo(const char *repo, const char *git_dir);
static int	ours(const struct config *cfg, const struct job *r);
static int	ready(const struct job *r);
static int	target_to(const struct history *h, const char *to,
		    const struct job **out, struct error *err);

static int	of_project(const struct job *r, const char *name);
static int	same_place(const struct job *a, const struct job *b);

/* The record's repository is git_dir (both by their real paths). */
static int
same_repo(const char *repo, const char *git_dir)
{
	char *a, *b;
	int same;

	if (repo == NULL)
		return 0;
	if (strcmp(repo, git_dir) == 0)
		return 1;
	a = realpath(repo, NULL);
	b = realpath(git_dir, NULL);
	same = a != NULL && b != NULL && strcmp(a, b) == 0;
	free(a);
	free(b);
	return same;
}

/* One of the configuration's projects. */
static int
ours(const struct config *cfg, const struct job *r)
{
	size_t i;

	if (cfg->nprojects == 0)
		return r->project_key == NULL && r->project != NULL &&
		    ((cfg->project_id != NULL &&
		    strcmp(r->project, cfg->project_id) == 0) ||
		    (cfg->project_name != NULL &&
		    strcmp(r->project, cfg->project_name) == 0));
	for (i = 0; i < cfg->nprojects && r->project_key != NULL; i++)
		if (strcmp(cfg->projects[i].key, r->project_key) == 0)
			return 1;
	return 0;
}

/* Of project `name` (NULL: any): its [project "NAME"], else its id or
 * name. */
static int
of_project(const struct job *r, const char *name)
{
	const char *p = r->project_key != NULL ? r->project_key : r->project;

	return name == NULL || (p != NULL && strcmp(p, name) == 0);
}

int
history_read(struct history *h, struct ledger *l, const struct config *cfg,
    const char *git_dir, const char *env, const char *project, size_t max,
    struct error *err)
{
	struct job *v;
	size_t n, i;

	memset(h, 0, sizeof(*h));
	if (ledger_history_list(l, &v, &n, err) < 0)
		return -1;
	h->v = xcalloc(n + 1, sizeof(*h->v));
	for (i = n; i-- > 0;) {		/* newest first */
		if ((max == 0 || h->n < max) && ours(cfg, &v[i]) &&
		    of_project(&v[i], project) &&
		    same_repo(v[i].repo, git_dir) && (env == NULL ||
		    strcmp(v[i].environment, env) == 0)) {
			h->v[h->n++] = v[i];
			continue;
		}
		job_release(&v[i]);
	}
	free(v);
	return 0;
}

void
history_release(struct history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		job_release(&h->v[i]);
	free(h->v);
	memset(h, 0, sizeof(*h));
}

static int
ready(const struct job *r)
{
	return r->status != NULL && strcmp(r->status, "ready") == 0;
}

/* The same project and environment. */
static int
same_place(const struct job *a, const struct job *b)
{
	return strcmp(a->environment, b->environment) == 0 &&
	    of_project(a, b->project_key != NULL ? b->project_key :
	    b->project);
}

void
history_live(const struct history *h, int *live)
{
	size_t i, j;

	for (i = 0; i < h->n; i++) {
		live[i] = ready(&h->v[i]);
		for (j = 0; j < i && live[i]; j++)
			if (ready(&h->v[j]) && same_place(&h->v[j], &h->v[i]))
				live[i] = 0;
	}
}

/* The newest ready record of the commit `to` (or a prefix of one). */
static int
target_to(const struct history *h, const char *to, const struct job **out,
    struct error *err)
{
	size_t i, n = strlen(to);

	if (n < 4 || strspn(to, "0123456789abcdef") != n)
		return error_set(err, EXIT_USAGE, "--to needs a commit id "
		    "(at least 4 hex digits)");
	for (i = 0; i < h->n; i++)
		if (strncmp(h->v[i].commit, to, n) == 0 && ready(&h->v[i])) {
			*out = &h->v[i];
			return 0;
		}
	error_set(err, EXIT_FAIL, "no deployment of %.40s that reached ready "
	    "in the history", to);
	error_hint(err, "'dotgit-deploy history' lists them");
	return -1;
}

int
history_note(struct ledger *l, const char *record,
    const struct api_deployment *dep, struct job *out, struct error *err)
{
	struct job h;
	int r, changed;

	if ((r = ledger_history_get(l, record, &h, err)) != 0)
		return r;
	changed = dep->status != NULL && (h.status == NULL ||
	    strcmp(h.status, dep->status) != 0);
	if (changed) {
		free(h.status);
		h.status = xstrdup(dep->status);
		if (dep->url != NULL) {
			free(h.url);
			h.url = xstrdup(dep->url);
		}
		r = ledger_history_update(l, &h, err);
	}
	if (r == 0 && out != NULL)
		*out = h;
	else
		job_release(&h);
	return r < 0 ? -1 : changed;
}

size_t
history_refresh(struct history *h, struct ledger *l, struct api *api,
    size_t max)
{
	struct api_deployment dep;
	struct error err;
	struct job *r;
	size_t i, asked = 0;

	for (i = 0; i < h->n && asked < max; i++) {
		r = &h->v[i];
		if (r->deployment_id == NULL || r->id == NULL ||
		    (r->status != NULL && api_status_final(r->status)))
			continue;
		asked++;
		memset(&dep, 0, sizeof(dep));
		error_clear(&err);
		if (api_get_deployment(api, &dep, r->deployment_id, &err) < 0 ||
		    history_note(l, r->id, &dep, NULL, &err) == -1)
			log_warnx("%s: %s", r->deployment_id, err.msg);
		else if (dep.status != NULL) {
			free(r->status);
			r->status = xstrdup(dep.status);
			if (dep.url != NULL) {
				free(r->url);
				r->url = xstrdup(dep.url);
			}
		}
		api_deployment_release(&dep);
	}
	return asked;
}

int
history_target(const struct history *h, const char *to, int steps,
    const struct job **target, const struct job **live, struct error *err)
{
	const char *seen = NULL;
	size_t i;

	*target = *live = NULL;
	for (i = 0; i < h->n && *live == NULL; i++)
		if (ready(&h->v[i]))
			*live = &h->v[i];
	if (to != NULL)
		return target_to(h, to, target, err);
	if (*live == NULL)
		return error_set(err, EXIT_FAIL, "nothing to roll back: no "
		    "deployment in the history reached ready");
	seen = (*live)->commit;
	for (; i < h->n; i++) {
		if (!ready(&h->v[i]) || strcmp(h->v[i].commit, seen) == 0 ||
		    strcmp(h->v[i].commit, (*live)->commit) == 0)
			continue;
		seen = h->v[i].commit;
		if (--steps == 0) {
			*target = &h->v[i];
			return 0;
		}
	}
	error_set(err, EXIT_FAIL, "nothing to roll back to: the history has "
	    "no earlier deployment of another commit that reached ready");
	error_hint(err, "'dotgit-deploy history' lists what was deployed");
	return -1;
}
