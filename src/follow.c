/* SPDX-License-Identifier: ISC */
/* follow.c -- deployments followed to their final status (follow.h) */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "follow.h"
#include "history.h"
#include "log.h"
#include "xmalloc.h"

struct followed {
	char		*record;	/* history record name */
	char		*dep_id;
	long long	 next;		/* clock_ms of the next check */
	long long	 delay;		/* ms between checks, doubling */
	long long	 until;		/* clock_ms: give up then */
};

struct follow {
	struct ledger	 *ledger;
	struct notifier	 *notifier;
	struct followed	 *v;
	size_t		  n;
};

static void	drop(struct follow *f, size_t i);
static void	add(struct follow *f, const char *record, const char *dep_id,
		    long long age);
static size_t	find(const struct follow *f, const char *dep_id);
static int	later(struct followed *d);
static void	ended(struct follow *f, const struct config *cfg,
		    const struct job *h);

void
follow_init(struct follow **out, struct ledger *l, struct notifier *nt)
{
	struct follow *f = xcalloc(1, sizeof(*f));

	f->ledger = l;
	f->notifier = nt;
	*out = f;
}

static void
drop(struct follow *f, size_t i)
{
	free(f->v[i].record);
	free(f->v[i].dep_id);
	f->v[i] = f->v[--f->n];
}

void
follow_free(struct follow *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->v[i].record);
		free(f->v[i].dep_id);
	}
	free(f->v);
	free(f);
}

/* Follow record's deployment from `age` seconds after its creation. */
static void
add(struct follow *f, const char *record, const char *dep_id, long long age)
{
	long long now = clock_ms();
	struct followed *d;

	f->v = xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	d = &f->v[f->n++];
	d->record = xstrdup(record);
	d->dep_id = xstrdup(dep_id);
	d->delay = FOLLOW_FIRST * 1000LL;
	d->next = age >= FOLLOW_FIRST ? now : now + d->delay;
	d->until = now + (FOLLOW_FOR - age) * 1000LL;
}

void
follow_add(struct follow *f, const char *record, const char *dep_id)
{
	add(f, record, dep_id, 0);
}

void
follow_load(struct follow *f)
{
	long long now = (long long)time(NULL), age;
	struct error err;
	struct job *v;
	size_t n, i;

	error_clear(&err);
	if (ledger_history_list(f->ledger, &v, &n, &err) < 0) {
		log_warnx("%s", err.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		age = now - v[i].deployed_at;
		if (!api_status_final(v[i].status) && age >= 0 &&
		    age < FOLLOW_FOR)
			add(f, v[i].id, v[i].deployment_id, age);
		job_release(&v[i]);
	}
	free(v);
	if (f->n > 0)
		log_info("following %zu deployment%s to their final status",
		    f->n, f->n == 1 ? "" : "s");
}

const char *
follow_due(struct follow *f, double *wait)
{
	long long now = clock_ms(), next = -1;
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (f->v[i].next <= now)
			return f->v[i].dep_id;
		if (next < 0 || f->v[i].next < next)
			next = f->v[i].next;
	}
	if (wait != NULL)
		*wait = next < 0 ? -1.0 : (double)(next - now) / 1000.0;
	return NULL;
}

static size_t
find(const struct follow *f, const char *dep_id)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].dep_id, dep_id) == 0)
			return i;
	return f->n;
}

/* The next check, further away each time; 1 if it is time to give up. */
static int
later(struct followed *d)
{
	long long now = clock_ms();

	d->delay = d->delay * 2 > FOLLOW_EVERY * 1000LL ?
	    FOLLOW_EVERY * 1000LL : d->delay * 2;
	d->next = now + d->delay;
	return now >= d->until;
}

/* The end of a deployment: said, and told to [notify]. */
static void
ended(struct follow *f, const struct config *cfg, const struct job *h)
{
	char *l = job_label(h);

	if (strcmp(h->status, "ready") == 0)
		log_info("%s: %s ready (%.7s)", l, h->deployment_id,
		    h->commit);
	else
		log_error("%s: %s ended in %s (%.7s)", l, h->deployment_id,
		    h->status, h->commit);
	free(l);
	notify_start(f->notifier, cfg, h);
}

void
follow_seen(struct follow *f, const struct config *cfg, const char *dep_id,
    const struct api_deployment *dep)
{
	size_t i = find(f, dep_id);
	struct error err;
	struct job h;
	int r;

	if (i == f->n || dep->status == NULL)
		return;
	error_clear(&err);
	if ((r = history_note(f->ledger, f->v[i].record, dep, &h, &err)) < 0) {
		if (r == DD_ENOTFOUND)
			log_warnx("%s: its history record is gone", dep_id);
		else
			log_warnx("%s", err.msg);
		drop(f, i);
		return;
	}
	if (api_status_final(h.status)) {
		ended(f, cfg, &h);
		drop(f, i);
	} else if (later(&f->v[i])) {
		log_verbose("%s still %s after %d h: not followed any more",
		    dep_id, h.status, FOLLOW_FOR / 3600);
		drop(f, i);
	}
	job_release(&h);
}

void
follow_failed(struct follow *f, const char *dep_id, const struct error *why,
    int http_status)
{
	size_t i = find(f, dep_id);

	if (i == f->n)
		return;
	if (http_status == 404 || later(&f->v[i])) {
		log_warnx("%s: not followed any more: %s", dep_id, why->msg);
		drop(f, i);
	}
}
