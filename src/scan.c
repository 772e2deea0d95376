/* SPDX-License-Identifier: ISC */
/*
 * scan.c -- the daemon's look at a polled repository: which branches and
 * tags moved since the ledger last saw them, each planned like a push
 * (source "watch") and queued. The first look records and deploys
 * nothing; a repository its hook follows is not looked at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "ledger.h"
#include "log.h"
#include "plan.h"
#include "queue.h"
#include "repo.h"
#include "scan.h"
#include "worker.h"
#include "xmalloc.h"

/* The ledger's last-seen "ref" that says a repository was scanned once
 * ('*' cannot be in a ref name). */
#define SEEN_MARK	"*"
#define ZERO_OID	"0000000000000000000000000000000000000000"
#define LABEL_MAX	200

static int	queue_plan(struct scan *, const struct served_repo *,
		    struct plan *, const char *);
static int	queue_ref(struct scan *, const struct served_repo *,
		    struct repo *, const char *, unsigned long long,
		    const struct repo_ref *);
static void	watch_refs(struct scan *, const struct served_repo *,
		    struct repo *, struct repo_ref *, size_t, int);
static void	unwatch(struct scan *, const struct served_repo *);

/* Queue the plan of a moved ref for one project: 0, or -1 to try again. */
static int
queue_plan(struct scan *sc, const struct served_repo *sr, struct plan *p,
    const char *label)
{
	struct error err;
	int rc = 0;

	error_clear(&err);
	if (p->verdict == PLAN_DEPLOY) {
		free(p->job.repo);
		p->job.repo = xstrdup(sr->git_dir);
		if ((rc = queue_put(sc->queue, &p->job, &err)) < 0)
			log_error("%s: %s: %s", sr->git_dir, label, err.msg);
		else
			log_info("%s: %s moved to %.7s: %s -> %s: queued (job "
			    "%s)", sr->git_dir, label, p->job.commit,
			    p->job.branch, p->job.environment, p->job.id);
	} else if (p->verdict == PLAN_ERROR)
		log_warnx("%s: %s: not deployed: %s", sr->git_dir, label,
		    p->reason);
	else
		log_verbose("%s: %s: %s", sr->git_dir, label, p->reason);
	return rc;
}

/* Plan a moved ref like a push, for each project, and queue it: 0, or
 * -1 to try again. The request id comes from the change itself
 * (repository, ref, old, new and how many changes of the ref were seen):
 * queued again after a crash, it is the same request. */
static int
queue_ref(struct scan *sc, const struct served_repo *sr, struct repo *repo,
    const char *old, unsigned long long gen, const struct repo_ref *ref)
{
	const struct config *cfg;
	struct push_options opts;
	struct ref_update up;
	struct plan p;
	char *label, *text;
	size_t k;
	int rc = 0;

	if ((cfg = sc->config(sc->arg, sr)) == NULL)
		return -1;	/* said; looked at again next time */
	memset(&opts, 0, sizeof(opts));
	opts.source = JOB_WATCH;
	text = xasprintf("watch\n%s\n%s\n%s\n%s\n%llu", sr->git_dir,
	    ref->name, old, ref->oid, gen);
	job_request_derive(opts.request, text);
	free(text);
	memset(&up, 0, sizeof(up));
	memcpy(up.old, old, OID_HEXSZ + 1);
	memcpy(up.new, ref->oid, OID_HEXSZ + 1);
	up.ref = ref->name;
	label = log_escape(ref->name, LABEL_MAX);
	for (k = 0; k < plan_nprojects(cfg) && rc == 0; k++) {
		plan_update(&p, cfg, repo, &up, &opts, 0, k);
		rc = queue_plan(sc, sr, &p, label);
		plan_release(&p);
	}
	free(label);
	return rc;
}

/* Compare the refs with what the ledger saw last; queue what moved. */
static void
watch_refs(struct scan *sc, const struct served_repo *sr,
    struct repo *repo, struct repo_ref *refs, size_t n, int known)
{
	const char *gd = sr->git_dir;
	char last[OID_HEXSZ + 1];
	unsigned long long gen;
	struct error err;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		error_clear(&err);
		r = ledger_last_seen(sc->ledger, gd, refs[i].name, last, &gen,
		    &err);
		if (r == DD_ERROR || (r == 0 &&
		    strcmp(last, refs[i].oid) == 0)) {
			if (r == DD_ERROR)
				log_error("%s: %s", gd, err.msg);
			continue;
		}
		if (known && queue_ref(sc, sr, repo, r == 0 ? last : ZERO_OID,
		    gen + 1, &refs[i]) < 0)
			continue;
		if (ledger_set_last_seen(sc->ledger, gd, refs[i].name,
		    refs[i].oid, gen + 1, &err) < 0)
			log_error("%s: %s", gd, err.msg);
	}
}

/* A repository followed by its hook is not polled; should it be polled
 * again one day, it starts afresh (records, deploys nothing at once). */
static void
unwatch(struct scan *sc, const struct served_repo *sr)
{
	if (ledger_forget_seen(sc->ledger, sr->git_dir, SEEN_MARK) == 0)
		log_info("'%s' is followed by its hook: not polled",
		    sr->git_dir);
	else
		log_debug("not polling '%s': followed by its hook",
		    sr->git_dir);
}

void
scan_repo(struct scan *sc, const struct served_repo *sr)
{
	char mark[OID_HEXSZ + 1];
	unsigned long long gen;
	struct repo_ref *refs = NULL;
	struct repo *repo = NULL;
	struct error err;
	size_t n = 0;
	int known;

	if (sr->hooked) {
		unwatch(sc, sr);
		return;
	}
	error_clear(&err);
	if (worker_repo(sc->worker, sr->git_dir, &repo, &err) < 0 ||
	    repo_list_refs(&refs, &n, repo, &err) < 0 ||
	    (known = ledger_last_seen(sc->ledger, sr->git_dir, SEEN_MARK,
	    mark, &gen, &err)) == DD_ERROR) {
		log_error("%s", err.msg);
		goto out;
	}
	known = known == 0;
	watch_refs(sc, sr, repo, refs, n, known);
	log_debug("looked at '%s': %zu branches and tags", sr->git_dir, n);
	if (!known) {
		if (ledger_set_last_seen(sc->ledger, sr->git_dir, SEEN_MARK,
		    ZERO_OID, 0, &err) < 0)
			log_error("%s", err.msg);
		else
			log_info("watching '%s': %zu branches and tags "
			    "recorded; they deploy when they move",
			    sr->git_dir, n);
	}
out:
	repo_refs_free(refs, n);
}
