/* daemon.c -- event loop: queue watch, pacing, retries, repo watch */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "lazylib.h"
#include "ledger.h"
#include "log.h"
#include "plan.h"
#include "queue.h"
#include "ratelimit.h"
#include "worker.h"
#include "xmalloc.h"

#ifndef DL_SYSTEMD_SONAME
#define DL_SYSTEMD_SONAME	"libsystemd.so.0"
#endif

/* The ledger's last-seen "ref" that says a repository was scanned once
 * ('*' cannot be in a ref name). */
#define SEEN_MARK	"*"
#define ZERO_OID	"0000000000000000000000000000000000000000"
#define LABEL_MAX	200

struct daemon {
	struct ctx		*ctx;		/* ctx->config: in force */
	struct queue		*queue;
	struct ledger		*ledger;
	struct worker		*worker;
	struct ratelimit	 rl;
	int			 ino;		/* inotify on new/, or -1 */
	double			 next_watch;	/* next look at the repos */
	sigset_t		 sigs;		/* ours: blocked but in waits */
	sigset_t		 waitmask;	/* the mask while waiting */
};

/* (project, environment) pairs that must wait: strict order. */
struct keys {
	const struct job	**v;
	size_t			  n;
};

static volatile sig_atomic_t	stop_flag, reload_flag;

static void	on_signal(int);
static void	notify(const char *);
static int	setup(struct daemon *, struct error *);
static void	teardown(struct daemon *);
static void	loop(struct daemon *);
static void	wait_events(struct daemon *, double);
static double	run_queue(struct daemon *);
static void	coalesce(struct daemon *, struct job *, size_t);
static int	pace(struct daemon *);
static int	verify(struct daemon *, struct job *);
static int	process(struct daemon *, struct job *);
static void	account(struct daemon *, const struct worker_result *,
		    double);
static void	conclude(struct daemon *, struct job *,
		    struct worker_result *);
static void	retry_later(struct daemon *, struct job *, const char *,
		    const struct error *);
static void	reload(struct daemon *);
static void	watch_repos(struct daemon *);
static void	watch_repo(struct daemon *, const char *);

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
		stop_flag = 1;
}

/* systemd's readiness notification, through libsystemd's sd_notify: loaded
 * when first needed, under systemd only (NOTIFY_SOCKET set); without it,
 * say nothing (a log line at -vv). */
static void
notify(const char *state)
{
	static int (*sd_notify)(int, const char *);
	static int tried;
	static void *handle;
	const struct lazylib_sym sym = { "sd_notify", &sd_notify };
	struct error err;

	if (!tried && getenv("NOTIFY_SOCKET") != NULL) {
		tried = 1;
		error_clear(&err);
		if (lazylib_open(&handle, DL_SYSTEMD_SONAME, &sym, 1,
		    &err) < 0)
			log_debug("%s: not telling systemd", err.msg);
	}
	if (sd_notify != NULL)
		sd_notify(0, state);
}

/* 1 if stderr already goes to the journal (no need for syslog too). */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(2, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* "job ID: main -> production" (escaped), for log lines. */
static char *
job_label(const struct job *job)
{
	char *b = log_escape(job->branch != NULL ? job->branch : "?",
	    LABEL_MAX), *s;

	s = xasprintf("job %s: %s -> %s", job->id, b, job->environment);
	free(b);
	return s;
}

static void
install_signals(struct daemon *dm)
{
	struct sigaction sa;
	sigset_t old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&dm->sigs);
	sigaddset(&dm->sigs, SIGTERM);
	sigaddset(&dm->sigs, SIGINT);
	sigaddset(&dm->sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &dm->sigs, &old);
	dm->waitmask = old;
	sigdelset(&dm->waitmask, SIGTERM);
	sigdelset(&dm->waitmask, SIGINT);
	sigdelset(&dm->waitmask, SIGHUP);
}

/* Fail early on what would make every job fail: no queue, no key. */
static int
check_config(const struct config *cfg, struct error *err)
{
	char *key = NULL;

	if (cfg->queue_dir == NULL)
		return error_set(err, EXIT_USAGE, "the daemon needs "
		    "[daemon] queue = DIR in '%s'", cfg->file);
	if (config_read_key(&key, cfg, err) < 0)
		return -1;
	explicit_bzero(key, strlen(key));
	free(key);
	return 0;
}

static void
watch_queue(struct daemon *dm)
{
	const char *dir = queue_path(dm->queue, QUEUE_NEW);

	dm->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (dm->ino >= 0 && inotify_add_watch(dm->ino, dir,
	    IN_MOVED_TO | IN_CLOSE_WRITE) >= 0)
		return;
	log_warn("cannot watch '%s' with inotify; looking every %d s", dir,
	    dm->ctx->config->poll_interval);
	if (dm->ino >= 0)
		close(dm->ino);
	dm->ino = -1;
}

static int
setup(struct daemon *dm, struct error *err)
{
	const struct config *cfg = dm->ctx->config;
	size_t moved = 0;

	dm->ino = -1;
	if (check_config(cfg, err) < 0 ||
	    queue_open(&dm->queue, cfg->queue_dir, QUEUE_OPEN_CREATE,
	    err) < 0 ||
	    queue_lock(dm->queue, err) < 0 ||
	    ledger_open(&dm->ledger, cfg->queue_dir, err) < 0 ||
	    queue_recover(dm->queue, &moved, err) < 0)
		return -1;
	if (moved > 0)
		log_info("%zu interrupted job%s put back in the queue", moved,
		    moved == 1 ? "" : "s");
	watch_queue(dm);
	worker_init(&dm->worker, cfg, dm->ledger, 0, 0);
	worker_set_cancel(dm->worker, &stop_flag);
	ratelimit_init(&dm->rl, cfg->plan_rpm);
	install_signals(dm);
	return 0;
}

static void
teardown(struct daemon *dm)
{
	worker_free(dm->worker);
	ledger_free(dm->ledger);
	queue_free(dm->queue);
	if (dm->ino >= 0)
		close(dm->ino);
	sigprocmask(SIG_UNBLOCK, &dm->sigs, NULL);
}

int
daemon_run(struct ctx *ctx, struct error *err)
{
	struct daemon dm;

	memset(&dm, 0, sizeof(dm));
	dm.ctx = ctx;
	stop_flag = reload_flag = 0;
	log_init(ctx->level, !stderr_is_journal());
	if (setup(&dm, err) < 0) {
		teardown(&dm);
		return -1;
	}
	log_info("started: queue '%s', %d requests/min, %zu repository "
	    "pattern%s", ctx->config->queue_dir, ctx->config->plan_rpm,
	    ctx->config->nrepos, ctx->config->nrepos == 1 ? "" : "s");
	notify("READY=1");
	loop(&dm);
	notify("STOPPING=1");
	log_info("stopped");
	teardown(&dm);
	return 0;
}

static void
loop(struct daemon *dm)
{
	double wake, now, limit;

	while (!stop_flag) {
		if (reload_flag)
			reload(dm);
		now = ratelimit_now();
		if (dm->ctx->config->nrepos > 0 && now >= dm->next_watch) {
			watch_repos(dm);
			dm->next_watch = ratelimit_now() +
			    dm->ctx->config->poll_interval;
		}
		wake = run_queue(dm);
		if (wake <= 0 || stop_flag)
			continue;
		now = ratelimit_now();
		limit = dm->ctx->config->poll_interval;
		if (dm->ctx->config->nrepos > 0 && dm->next_watch - now < limit)
			limit = dm->next_watch - now;
		wait_events(dm, wake < limit ? wake : limit);
	}
}

static void
drain_inotify(struct daemon *dm)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(dm->ino, buf, sizeof(buf)) > 0)
		;
}

/* Sleep up to secs; a signal or a change in new/ ends it early. */
static void
wait_events(struct daemon *dm, double secs)
{
	struct pollfd pfd = { .fd = dm->ino, .events = POLLIN };
	struct timespec ts;

	if (stop_flag || reload_flag)
		return;
	if (secs < 0.001)
		secs = 0.001;
	if (secs > INT_MAX)
		secs = INT_MAX;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	if (ppoll(dm->ino >= 0 ? &pfd : NULL, dm->ino >= 0 ? 1 : 0, &ts,
	    &dm->waitmask) > 0)
		drain_inotify(dm);
}

static int
same_key(const struct job *a, const struct job *b)
{
	return strcmp(a->project, b->project) == 0 &&
	    strcmp(a->environment, b->environment) == 0;
}

static int
key_blocked(const struct keys *k, const struct job *job)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (same_key(k->v[i], job))
			return 1;
	return 0;
}

static void
key_block(struct keys *k, const struct job *job)
{
	k->v = xreallocarray(k->v, k->n + 1, sizeof(*k->v));
	k->v[k->n++] = job;
}

/*
 * One pass over the pending jobs, in arrival order: send what is due.
 * Returns the seconds until something is due (0: look again now).
 */
static double
run_queue(struct daemon *dm)
{
	struct keys blocked = { NULL, 0 };
	double wake = 1e9, now;
	struct job *jobs = NULL, *job;
	struct error err;
	size_t n = 0, i;
	int worked = 0;

	error_clear(&err);
	if (queue_list(dm->queue, QUEUE_NEW, &jobs, &n, &err) < 0) {
		log_error("reading the queue: %s", err.msg);
		return dm->ctx->config->poll_interval;
	}
	if (dm->ctx->config->coalesce)
		coalesce(dm, jobs, n);
	for (i = 0; i < n && !stop_flag && !reload_flag; i++) {
		job = &jobs[i];
		if (job->queue_state != QUEUE_NEW || key_blocked(&blocked, job))
			continue;
		now = ratelimit_now();
		if ((double)job->next_attempt > now) {
			key_block(&blocked, job);
			if ((double)job->next_attempt - now < wake)
				wake = (double)job->next_attempt - now;
			continue;
		}
		if (pace(dm) < 0)
			break;
		if (process(dm, job) < 0)		/* keep the order */
			key_block(&blocked, job);
		else
			worked = 1;
		if (job->queue_state == QUEUE_NEW)	/* deferred */
			key_block(&blocked, job);
	}
	free(blocked.v);
	queue_jobs_free(jobs, n);
	return worked || stop_flag || reload_flag ? 0 : wake;
}

/* The newest pending job for the same (project, environment, ref) after
 * jobs[i], or NULL. */
static struct job *
newer(struct job *jobs, size_t n, size_t i)
{
	size_t j;

	for (j = n; j-- > i + 1;)
		if (jobs[j].queue_state == QUEUE_NEW &&
		    same_key(&jobs[i], &jobs[j]) &&
		    strcmp(jobs[i].ref, jobs[j].ref) == 0)
			return &jobs[j];
	return NULL;
}

static void
coalesce(struct daemon *dm, struct job *jobs, size_t n)
{
	struct job *by;
	struct error err;
	char *label;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if (jobs[i].queue_state != QUEUE_NEW ||
		    (by = newer(jobs, n, i)) == NULL)
			continue;
		error_clear(&err);
		label = job_label(&jobs[i]);
		if ((r = queue_supersede(dm->queue, &jobs[i], by->id,
		    &err)) < 0)
			log_error("%s: %s", label, err.msg);
		else if (r == 0)
			log_info("%s: %.7s superseded by job %s (%.7s)", label,
			    jobs[i].commit, by->id, by->commit);
		jobs[i].queue_state = QUEUE_DONE;
		free(label);
	}
}

/* Wait for the rate limit to allow a request: -1 if a signal came. */
static int
pace(struct daemon *dm)
{
	double d;

	while ((d = ratelimit_delay(&dm->rl, ratelimit_now())) > 0) {
		if (stop_flag || reload_flag)
			return -1;
		log_debug("pacing: next request in %.3f s", d);
		wait_events(dm, d);
	}
	return stop_flag || reload_flag ? -1 : 0;
}

/*
 * A job the hook planned without reading objects: peel its commit and
 * honor [skip deploy] now, and save the final commit and key before
 * anything is sent. -1 when the job was settled here (skipped, failed).
 */
static int
verify(struct daemon *dm, struct job *job)
{
	struct worker_result res;
	struct error err;
	char *label;

	if (!job->verify)
		return 0;
	if (worker_verify(dm->worker, job, &res) < 0) {
		conclude(dm, job, &res);
		worker_result_release(&res);
		return -1;
	}
	error_clear(&err);
	if (queue_update(dm->queue, job, &err) < 0) {
		label = job_label(job);
		log_warnx("%s: %s", label, err.msg);
		free(label);
	}
	return 0;
}

/* Take, send and settle one job: 0, or -1 if it could not be taken. */
static int
process(struct daemon *dm, struct job *job)
{
	struct worker_result res;
	struct error err;
	double t0;
	int r;

	error_clear(&err);
	if ((r = queue_take(dm->queue, job, &err)) != 0) {
		if (r < 0)
			log_error("taking job %s: %s", job->id, err.msg);
		job->queue_state = QUEUE_NONE;	/* gone: dropped, taken */
		return r < 0 ? -1 : 0;
	}
	if (verify(dm, job) < 0)
		return 0;
	t0 = ratelimit_now();
	sigprocmask(SIG_UNBLOCK, &dm->sigs, NULL);
	worker_send(dm->worker, job, 0, &res);
	sigprocmask(SIG_BLOCK, &dm->sigs, NULL);
	account(dm, &res, t0);
	conclude(dm, job, &res);
	worker_result_release(&res);
	return 0;
}

/* Count the requests made, and learn from the last reply's headers. */
static void
account(struct daemon *dm, const struct worker_result *res, double t0)
{
	const struct api_ratelimit *h;
	struct api *api = worker_api(dm->worker);
	double now = ratelimit_now(), wait;
	int i;

	for (i = 0; i < res->requests; i++)
		ratelimit_take(&dm->rl, t0);
	if (api == NULL || res->requests == 0 ||
	    (res->status != WORKER_DEPLOYED && res->err.http_status == 0))
		return;		/* no reply: the headers are an old one's */
	h = api_last_ratelimit(api);
	/*
	 * X-RateLimit-Limit is not adopted: it says how many, not per how
	 * long, while Remaining and Reset carry the window itself; the
	 * configured plan sets the pace and they cap it.
	 */
	ratelimit_observe(&dm->rl, -1, h->remaining, h->reset, now);
	if (res->err.http_status == 429 || h->retry_after > 0) {
		wait = h->retry_after >= 0 ? (double)h->retry_after :
		    h->reset > 0 && (double)h->reset > now ?
		    (double)h->reset - now : 10.0;
		ratelimit_retry_after(&dm->rl, wait, now);
	}
}

static void
finish(struct daemon *dm, struct job *job, const char *dep_id,
    const char *note)
{
	struct error err;

	error_clear(&err);
	if (dep_id != NULL) {
		free(job->deployment_id);
		job->deployment_id = xstrdup(dep_id);
	}
	if (note != NULL) {
		free(job->last_error);
		job->last_error = xstrdup(note);
	}
	if (queue_finish(dm->queue, job, &err) < 0)
		log_error("job %s: %s", job->id, err.msg);
}

static void
fail(struct daemon *dm, struct job *job, const char *label,
    const char *reason)
{
	struct error err;

	error_clear(&err);
	log_error("%s: failed: %s", label, reason);
	if (queue_fail(dm->queue, job, reason, &err) < 0)
		log_error("job %s: %s", job->id, err.msg);
}

/* A request cut short by SIGTERM: back to new/, not counted. */
static void
abandon(struct daemon *dm, struct job *job, const char *label)
{
	struct error err;

	error_clear(&err);
	log_info("%s: request abandoned to stop; the job stays queued",
	    label);
	if (queue_defer(dm->queue, job, &err) < 0)
		log_error("job %s: %s", job->id, err.msg);
}

static void
conclude(struct daemon *dm, struct job *job, struct worker_result *res)
{
	char *label = job_label(job);
	const struct api_deployment *d = &res->dep;

	switch (res->status) {
	case WORKER_DEPLOYED:
		log_info("%s: %s %s (%s)", label, d->id, d->status,
		    d->url != NULL ? d->url : "no url");
		finish(dm, job, d->id, NULL);
		break;
	case WORKER_ALREADY:
	case WORKER_FILTERED:
		log_info("%s: not deployed: %s", label, res->reason);
		finish(dm, job, d->id, res->reason);
		break;
	case WORKER_SKIPPED:
		log_info("%s: %.7s not deployed: %s", label, job->commit,
		    res->reason);
		finish(dm, job, NULL, res->reason);
		break;
	case WORKER_RETRY:
		if (stop_flag)
			abandon(dm, job, label);
		else
			retry_later(dm, job, label, &res->err);
		break;
	case WORKER_FAILED:
		fail(dm, job, label, res->err.msg);
		break;
	}
	free(label);
}

static double
rand01(void)
{
	return (double)arc4random() / (double)UINT32_MAX;
}

/* Whole seconds up (no libm for one ceil). */
static long long
ceil_ll(double t)
{
	long long s = (long long)t;

	return (double)s < t ? s + 1 : s;
}

/* Back off (or give up): next_attempt written to the job, into new/. */
static void
retry_later(struct daemon *dm, struct job *job, const char *label,
    const struct error *why)
{
	const struct config *cfg = dm->ctx->config;
	double now = ratelimit_now(), delay;
	struct error err;
	char *reason;

	job->attempts++;
	delay = ratelimit_backoff(job->attempts, DAEMON_BACKOFF_BASE,
	    DAEMON_BACKOFF_CAP, rand01());
	if (why->retry_after > 0 && (double)why->retry_after > delay)
		delay = (double)why->retry_after;
	if (now + delay > (double)(job->planned_at + cfg->give_up_after)) {
		reason = xasprintf("gave up after %d attempt%s: %s",
		    job->attempts, job->attempts == 1 ? "" : "s", why->msg);
		fail(dm, job, label, reason);
		free(reason);
		return;
	}
	job->next_attempt = ceil_ll(now + delay);
	free(job->last_error);
	job->last_error = xstrdup(why->msg);
	log_warnx("%s: %s; attempt %d in %.1f s", label, why->msg,
	    job->attempts + 1, (double)job->next_attempt - now);
	error_clear(&err);
	if (queue_defer(dm->queue, job, &err) < 0)
		log_error("job %s: %s", job->id, err.msg);
}

/* SIGHUP: read the configuration again; keep the old one if bad. */
static void
reload(struct daemon *dm)
{
	struct config *old = dm->ctx->config, *cfg;
	struct error err;

	reload_flag = 0;
	notify("RELOADING=1");
	cfg = xcalloc(1, sizeof(*cfg));
	error_clear(&err);
	if (cmd_load_config(dm->ctx, cfg, &err) < 0 ||
	    check_config(cfg, &err) < 0) {
		log_error("reloading the configuration: %s; keeping the old "
		    "one", err.msg);
		goto keep;
	}
	if (strcmp(cfg->queue_dir, old->queue_dir) != 0) {
		log_error("reloading the configuration: [daemon] queue "
		    "changed from '%s' to '%s'; keeping the old one (restart "
		    "the daemon to move the queue)", old->queue_dir,
		    cfg->queue_dir);
		goto keep;
	}
	worker_free(dm->worker);
	worker_init(&dm->worker, cfg, dm->ledger, 0, 0);
	worker_set_cancel(dm->worker, &stop_flag);
	if (cfg->plan_rpm != old->plan_rpm)
		ratelimit_init(&dm->rl, cfg->plan_rpm);
	dm->ctx->config = cfg;
	config_release(old);
	free(old);
	dm->next_watch = 0;
	log_info("configuration reloaded from '%s'", cfg->file);
	notify("READY=1");
	return;
keep:
	config_release(cfg);
	free(cfg);
	notify("READY=1");
}

static void
watch_repos(struct daemon *dm)
{
	const struct config *cfg = dm->ctx->config;
	glob_t g;
	size_t i, j;
	int r;

	for (i = 0; i < cfg->nrepos && !stop_flag; i++) {
		memset(&g, 0, sizeof(g));
		r = glob(cfg->repos[i], GLOB_ONLYDIR, NULL, &g);
		if (r == 0)
			for (j = 0; j < g.gl_pathc && !stop_flag; j++)
				watch_repo(dm, g.gl_pathv[j]);
		else if (r == GLOB_NOMATCH)
			log_debug("no repository matches '%s'",
			    cfg->repos[i]);
		else
			log_warnx("cannot expand '%s'", cfg->repos[i]);
		globfree(&g);
	}
}

/* 1 if the repository opened from path is path itself (not a parent). */
static int
is_repo_itself(struct repo *repo, const char *path)
{
	char *real = realpath(path, NULL);
	const char *dirs[2] = { repo_git_dir(repo), repo_workdir(repo) };
	size_t len, i;
	int same = 0;

	for (i = 0; real != NULL && i < 2 && !same; i++) {
		if (dirs[i] == NULL)
			continue;
		len = strlen(dirs[i]);
		while (len > 1 && dirs[i][len - 1] == '/')
			len--;
		same = strlen(real) == len && strncmp(real, dirs[i], len) == 0;
	}
	free(real);
	return same;
}

/* Plan a moved ref like a push and queue it: 0, or -1 to try again. */
static int
queue_ref(struct daemon *dm, struct repo *repo, const char *old,
    const struct repo_ref *ref)
{
	struct push_options opts = { 0 };
	struct ref_update up;
	struct error err;
	struct plan p;
	char *label = log_escape(ref->name, LABEL_MAX);
	int rc = 0;

	memset(&up, 0, sizeof(up));
	memcpy(up.old, old, OID_HEXSZ + 1);
	memcpy(up.new, ref->oid, OID_HEXSZ + 1);
	up.ref = ref->name;
	plan_update(&p, dm->ctx->config, repo, &up, &opts, 0);
	error_clear(&err);
	if (p.verdict == PLAN_DEPLOY) {
		if ((rc = queue_put(dm->queue, &p.job, &err)) < 0)
			log_error("%s: %s: %s", repo_git_dir(repo), label,
			    err.msg);
		else
			log_info("%s: %s moved to %.7s: %s -> %s: queued (job "
			    "%s)", repo_git_dir(repo), label, p.job.commit,
			    p.job.branch, p.job.environment, p.job.id);
	} else if (p.verdict == PLAN_ERROR)
		log_warnx("%s: %s: not deployed: %s", repo_git_dir(repo),
		    label, p.reason);
	else
		log_verbose("%s: %s: %s", repo_git_dir(repo), label,
		    p.reason);
	plan_release(&p);
	free(label);
	return rc;
}

/* Compare the refs with what the ledger saw last; queue what moved. */
static void
watch_refs(struct daemon *dm, struct repo *repo, struct repo_ref *refs,
    size_t n, int known)
{
	const char *gd = repo_git_dir(repo);
	char last[OID_HEXSZ + 1];
	struct error err;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		error_clear(&err);
		r = ledger_last_seen(dm->ledger, gd, refs[i].name, last, &err);
		if (r < 0 || (r == 0 && strcmp(last, refs[i].oid) == 0)) {
			if (r < 0)
				log_error("%s: %s", gd, err.msg);
			continue;
		}
		if (known && queue_ref(dm, repo, r == 0 ? last : ZERO_OID,
		    &refs[i]) < 0)
			continue;
		if (ledger_set_last_seen(dm->ledger, gd, refs[i].name,
		    refs[i].oid, &err) < 0)
			log_error("%s: %s", gd, err.msg);
	}
}

static void
watch_repo(struct daemon *dm, const char *path)
{
	char mark[OID_HEXSZ + 1];
	struct repo_ref *refs = NULL;
	struct repo *repo = NULL;
	struct error err;
	size_t n = 0;
	int known;

	error_clear(&err);
	if (repo_open(&repo, path, &err) < 0 || !is_repo_itself(repo, path)) {
		log_debug("'%s' is not a repository: %s", path,
		    err.msg[0] ? err.msg : "inside another one");
		repo_free(repo);
		return;
	}
	if (repo_list_refs(&refs, &n, repo, &err) < 0 ||
	    (known = ledger_last_seen(dm->ledger, repo_git_dir(repo),
	    SEEN_MARK, mark, &err)) < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	known = known == 0;
	watch_refs(dm, repo, refs, n, known);
	log_debug("looked at '%s': %zu branches and tags", repo_git_dir(repo),
	    n);
	if (!known) {
		if (ledger_set_last_seen(dm->ledger, repo_git_dir(repo),
		    SEEN_MARK, ZERO_OID, &err) < 0)
			log_error("%s", err.msg);
		else
			log_info("watching '%s': %zu branches and tags "
			    "recorded; they deploy when they move",
			    repo_git_dir(repo), n);
	}
out:
	repo_refs_free(refs, n);
	repo_free(repo);
}
