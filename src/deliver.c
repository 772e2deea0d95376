/* deliver.c -- jobs go to the daemon's queue, or straight to the API */
#include <stdlib.h>
#include <string.h>

#include "deliver.h"
#include "xmalloc.h"

struct deliver {
	const struct config	*cfg;
	int			 budget;
	int			 direct;
	int			 opened;	/* tried to open the API */
	struct api		*api;
	struct error		 open_err;	/* why the API did not open */
	char			*project_id;	/* [project] name, looked up */
};

void
deliver_init(struct deliver **out, const struct config *cfg, int budget,
    int direct)
{
	struct deliver *d = xcalloc(1, sizeof(*d));

	d->cfg = cfg;
	d->budget = budget;
	d->direct = direct;
	error_clear(&d->open_err);
	*out = d;
}

void
deliver_free(struct deliver *d)
{
	if (d == NULL)
		return;
	api_free(d->api);
	free(d->project_id);
	free(d);
}

static int
open_api(struct deliver *d, struct error *err)
{
	char *key = NULL;

	if (!d->opened) {
		d->opened = 1;
		if (config_read_key(&key, d->cfg, &d->open_err) == 0)
			api_open(&d->api, d->cfg, key, d->budget,
			    &d->open_err);
		if (key != NULL)
			explicit_bzero(key, strlen(key));
		free(key);
	}
	if (d->api == NULL) {
		*err = d->open_err;
		return -1;
	}
	return 0;
}

/* Replace a project name with its id, looked up once. */
static int
resolve_project(struct deliver *d, struct job *job, struct error *err)
{
	if (!job->project_is_name)
		return 0;
	if (d->project_id == NULL &&
	    api_find_project(d->api, &d->project_id, job->project, err) < 0)
		return -1;
	free(job->project);
	job->project = xstrdup(d->project_id);
	job->project_is_name = 0;
	job_set_idem_key(job);
	return 0;
}

static int
deliver_direct(struct deliver *d, struct job *job,
    struct api_deployment *dep, char **outcome, struct error *err)
{
	if (open_api(d, err) < 0 || resolve_project(d, job, err) < 0 ||
	    api_deploy(d->api, dep, job, err) < 0)
		return -1;
	*outcome = xasprintf("%s %s (%s)", dep->id, dep->status,
	    dep->url ? dep->url : "no url");
	return 0;
}

int
deliver_job(struct deliver *d, struct job *job, struct api_deployment *dep,
    char **outcome, struct error *err)
{
	struct api_deployment local = { 0 };
	int rc;

	*outcome = NULL;
	rc = deliver_direct(d, job, dep ? dep : &local, outcome, err);
	api_deployment_release(&local);
	return rc;
}

struct api *
deliver_api(struct deliver *d)
{
	return d->api;
}
