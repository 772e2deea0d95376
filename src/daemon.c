/* SPDX-License-Identifier: ISC */
/* daemon.c -- event loop: queue watch, pacing, retries; polls (scan.c) */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "follow.h"
#include "lazylib.h"
#include "ledger.h"
#include "log.h"
#include "notify.h"
#include "plan.h"
#include "queue.h"
#include "ratelimit.h"
#include "scan.h"
#include "served.h"
#include "sonames.h"
#include "worker.h"
#include "xmalloc.h"

#define LABEL_MAX	200

struct daemon {
	struct ctx		*ctx;		/* ctx->config: in force */
	struct queue		*queue;
	char			*state;		/* private state directory */
	struct ledger		*ledger;
	struct worker		*worker;
	struct served		 served;	/* [daemon] repos */
	struct notifier		*notifier;	/* [notify] commands */
	struct follow		*follow;	/* to their final status */
	struct repo_config	**cfgs;		/* this pass's, per repo */
	size_t			 ncfgs;
	struct ratelimit	 rl;
	int			 ino;		/* inotify on new/, or -1 */
	/* timers, on the monotonic clock (seconds): a clock step moves
	 * nothing; only job times and X-RateLimit-Reset are Unix time */
	double			 next_watch;	/* next look at the repos */
	double			 next_prune;	/* next ledger clean-up */
	int			 rescanned;	/* served: this pass */
	int			 unsynced;	/* jobs since the last commit */
	sigset_t		 sigs;		/* ours: blocked but in waits */
	sigset_t		 waitmask;	/* the mask while waiting */
};

/* The configuration a served repository's jobs are planned with: the
 * daemon's, with the repository's own files on top (config_load_for_repo);
 * read afresh for every pass over the queue. */
struct repo_config {
	char		*git_dir;
	struct config	 cfg;
	int		 ok;
	char		*why;		/* !ok */
};

/* A pending job as the daemon sees it: the claim read from the queue,
 * and what the configuration and the repository make of it. */
struct pending {
	struct job		*claim;	/* borrowed from the listing */
	const struct config	*cfg;	/* its repository's */
	struct plan		 plan;	/* PLAN_DEPLOY: plan.job is sent */
	int			 live;	/* still to send in this pass */
};

/* (project, environment) pairs that must wait: strict order. */
struct keys {
	const struct job	**v;
	size_t			  n;
};

static volatile sig_atomic_t	stop_flag, reload_flag;

static void	on_signal(int);
static void	notify(const char *);
static void	status(const char *, ...) PRINTFLIKE(1, 2);
static int	setup(struct daemon *, struct error *);
static void	prune(struct daemon *);
static void	commit(struct daemon *);
static void	teardown(struct daemon *);
static void	loop(struct daemon *);
static void	wait_events(struct daemon *, double);
static double	run_queue(struct daemon *);
static void	coalesce(struct daemon *, struct pending *, size_t);
static int	pace(struct daemon *);
static void	bound(struct job *);
static void	say_waiting(const struct pending *, size_t, double);
static void	forget_configs(struct daemon *);
static void	settle(struct daemon *, struct pending *);
static double	send_due(struct daemon *, struct pending *, size_t);
static int	process(struct daemon *, struct pending *);
static void	finish(struct daemon *, struct job *, const char *,
		    const char *);
static void	fail(struct daemon *, struct job *, const char *,
		    const char *);
static void	account(struct daemon *, int, int, int, double);
static double	sooner(double, double);
static double	mono(void);
static double	check_status(struct daemon *);
static void	conclude(struct daemon *, struct job *,
		    struct worker_result *);
static void	retry_later(struct daemon *, struct job *, const char *,
		    const struct error *, long);
static void	reload(struct daemon *);
static void	watch_repos(struct daemon *);

static int	stderr_is_journal(void);
static char	*daemon_label(const struct job *job);
static void	install_signals(struct daemon *dm);
static int	check_config(const struct config *cfg, struct error *err);
static void	watch_queue(struct daemon *dm);
static int	make_dirs(const char *dir);
static int	open_state(struct daemon *dm, struct error *err);
static int	spare(const struct daemon *dm);
static void	drain_inotify(struct daemon *dm);
static int	same_key(const struct job *a, const struct job *b);
static int	key_blocked(const struct keys *k, const struct job *job);
static void	key_block(struct keys *k, const struct job *job);
static void	refuse(struct daemon *dm, struct job *claim,
		    const char *reason);
static void	close_claim(struct daemon *dm, struct job *claim,
		    const char *reason);
static const struct config *repo_config(struct daemon *dm,
		    const struct served_repo *sr, const char **why);
static const struct config *scan_config(void *arg,
		    const struct served_repo *sr);
static const char *not_served(struct daemon *dm, const struct job *claim,
		    const struct served_repo **out);
static void	say_pause(const struct api_wait *w);
static void	abandon(struct daemon *dm, struct job *job, const char *label);
static long long ceil_ll(double t);
static double	give_up_at(const struct job *job, const struct config *cfg);

static int	target_cmp(const void *a, const void *b);
static struct pending **newer_all(struct pending *pend, size_t n);

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

/* STATUS= for `systemctl status`: what the daemon is doing, told when
 * it changes. */
static void
status(const char *fmt, ...)
{
	static char last[256];
	char buf[256];
	va_list ap;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	memcpy(buf, "STATUS=", 7);
	va_start(ap, fmt);
	vsnprintf(buf + 7, sizeof(buf) - 7, fmt, ap);
	va_end(ap);
	if (strcmp(buf, last) == 0)
		return;
	memcpy(last, buf, sizeof(last));
	notify(buf);
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
daemon_label(const struct job *job)
{
	char *l = job_label(job), *s;

	s = xasprintf("job %s: %s", job->id, l);
	free(l);
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

/* Make dir and its missing parents, private. */
static int
make_dirs(const char *dir)
{
	char *p = xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; rc == 0 && (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0700) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* The ledger lives where only the daemon writes: the spool is shared. */
static int
open_state(struct daemon *dm, struct error *err)
{
	struct stat st;

	if ((dm->state = ledger_daemon_dir(dm->ctx->config->state_dir)) ==
	    NULL)
		return error_set(err, EXIT_USAGE, "no directory for the "
		    "daemon's state: set [daemon] state = DIR");
	if (make_dirs(dm->state) < 0 || stat(dm->state, &st) < 0)
		return error_set(err, EXIT_FAIL, "cannot create state "
		    "directory '%s': %s", dm->state, strerror(errno));
	if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		error_set(err, EXIT_USAGE, "state directory '%s' is not the "
		    "daemon's alone (owner uid %ld, mode %04o)", dm->state,
		    (long)st.st_uid, (unsigned)(st.st_mode & 07777));
		error_hint(err, "it holds what was deployed: make it owned by "
		    "the daemon's user and not writable by group or others");
		return -1;
	}
	return ledger_open(&dm->ledger, dm->state, NULL, err);
}

static int
setup(struct daemon *dm, struct error *err)
{
	const struct config *cfg = dm->ctx->config;
	size_t moved = 0;

	dm->ino = -1;
	install_signals(dm);	/* blocked until the first wait: a SIGTERM
				   during start-up stops it cleanly */
	if (check_config(cfg, err) < 0 ||
	    queue_open(&dm->queue, cfg->queue_dir, QUEUE_OPEN_CREATE,
	    err) < 0 ||
	    queue_lock(dm->queue, err) < 0 ||
	    open_state(dm, err) < 0 ||
	    queue_recover(dm->queue, &moved, err) < 0)
		return -1;
	if (moved > 0)
		log_info("%zu interrupted job%s put back in the queue", moved,
		    moved == 1 ? "" : "s");
	watch_queue(dm);
	queue_group_commit(dm->queue);		/* commit() syncs a batch */
	ledger_group_commit(dm->ledger);
	repo_trust_owners();	/* [daemon] repos: the only ones opened */
	worker_init(&dm->worker, cfg, dm->ledger, 0, 0);
	worker_set_cancel(dm->worker, &stop_flag);
	ratelimit_init(&dm->rl, cfg->plan_rpm);
	served_scan(&dm->served, cfg);
	notify_init(&dm->notifier);
	follow_init(&dm->follow, dm->ledger, dm->notifier);
	follow_load(dm->follow);
	return 0;
}

/*
 * Group commit: what the daemon wrote since the last commit (jobs moved,
 * ledger records) becomes durable at once. Called after every
 * DAEMON_BATCH jobs, at the end of every pass and before it stops, so
 * a crash loses at most that batch's bookkeeping -- and a job whose move
 * was lost is sent again with the same Idempotency-Key.
 */
static void
commit(struct daemon *dm)
{
	struct error err;

	error_clear(&err);
	if ((dm->queue != NULL && queue_sync(dm->queue, &err) < 0) ||
	    (dm->ledger != NULL && ledger_sync(dm->ledger, &err) < 0))
		log_error("%s", err.msg);
	dm->unsynced = 0;
}

static void
teardown(struct daemon *dm)
{
	if (dm->unsynced > 0)
		commit(dm);
	follow_free(dm->follow);
	notify_free(dm->notifier);
	worker_free(dm->worker);
	ledger_free(dm->ledger);
	queue_free(dm->queue);
	served_release(&dm->served);
	forget_configs(dm);
	free(dm->state);
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
	log_journal(stderr_is_journal());
	if (setup(&dm, err) < 0) {
		teardown(&dm);
		return -1;
	}
	log_info("started: queue '%s', state '%s', %d requests/min, %zu "
	    "repositor%s served", ctx->config->queue_dir, dm.state,
	    ctx->config->plan_rpm, dm.served.n, dm.served.n == 1 ? "y" :
	    "ies");
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
		now = mono();
		if (dm->ctx->config->nrepos > 0 && now >= dm->next_watch) {
			watch_repos(dm);
			dm->next_watch = mono() +
			    dm->ctx->config->poll_interval;
		}
		if (now >= dm->next_prune) {
			prune(dm);
			dm->next_prune = now + DAEMON_PRUNE_EVERY;
		}
		wake = run_queue(dm);
		if (wake <= 0 || stop_flag)
			continue;
		wake = sooner(wake, check_status(dm));	/* deploys first */
		wake = sooner(wake, notify_reap(dm->notifier));
		now = mono();
		limit = dm->ctx->config->poll_interval;
		if (dm->ctx->config->nrepos > 0 && dm->next_watch - now < limit)
			limit = dm->next_watch - now;
		wait_events(dm, wake < limit ? wake : limit);
	}
}

/* Forget request keys older than DAEMON_KEEP_KEYS. */
static void
prune(struct daemon *dm)
{
	struct error err;
	size_t n = 0;

	error_clear(&err);
	if (ledger_prune(dm->ledger, DAEMON_KEEP_KEYS, &n, &err) < 0)
		log_warnx("%s", err.msg);
	else if (n > 0)
		log_verbose("ledger: %zu request record%s older than %d days "
		    "removed", n, n == 1 ? "" : "s", DAEMON_KEEP_KEYS / 86400);
	error_clear(&err);
	if (ledger_history_prune(dm->ledger, LEDGER_HISTORY_KEEP, &err) < 0)
		log_warnx("%s", err.msg);
}

/* Seconds on the monotonic clock, for the daemon's timers. */
static double
mono(void)
{
	return (double)clock_ms() / 1000.0;
}

/* The sooner of two waits; -1 is "none". */
static double
sooner(double a, double b)
{
	return b >= 0 && b < a ? b : a;
}

/* Requests to spare: the bucket keeps half its burst for deploys, so a
 * backlog of status checks never holds one back. */
static int
spare(const struct daemon *dm)
{
	double now = ratelimit_now(), reserve = dm->rl.capacity / 2;

	return ratelimit_delay(&dm->rl, now) <= 0 &&
	    ratelimit_tokens(&dm->rl, now) - 1 >= (reserve < 1 ? 1 : reserve);
}

/*
 * Check the statuses that are due, as far as the requests to spare
 * allow (follow.h); the seconds until the next is due, or -1.
 */
static double
check_status(struct daemon *dm)
{
	struct api_deployment dep;
	const char *id;
	struct api *api;
	struct error err;
	double t0, wait = -1;
	char *dep_id;
	int ok, http;

	error_clear(&err);
	while (!stop_flag && !reload_flag &&
	    (id = follow_due(dm->follow, &wait)) != NULL) {
		if (!spare(dm))
			return 1.0;	/* look again soon */
		if ((api = worker_open_api(dm->worker, &err)) == NULL)
			return -1;
		dep_id = xstrdup(id);
		t0 = ratelimit_now();
		memset(&dep, 0, sizeof(dep));
		ok = api_get_deployment(api, &dep, dep_id, &err) == 0;
		http = api_last_reply(api)->status;
		account(dm, 1, ok || http != 0, http, t0);
		if (ok)
			follow_seen(dm->follow, dm->ctx->config, dep_id, &dep);
		else
			follow_failed(dm->follow, dep_id, &err, http);
		api_deployment_release(&dep);
		free(dep_id);
		error_clear(&err);
	}
	return wait;
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
 * One pass over the pending jobs, in arrival order: plan each claim,
 * coalesce, send what is due. Returns the seconds until something is due
 * (0: look again now).
 */
static double
run_queue(struct daemon *dm)
{
	struct pending *pend;
	struct job *jobs = NULL;
	struct error err;
	size_t n = 0, i;
	double wake;

	error_clear(&err);
	if (queue_list(dm->queue, QUEUE_NEW, &jobs, &n, &err) < 0) {
		log_error("reading the queue: %s", err.msg);
		return dm->ctx->config->poll_interval;
	}
	pend = xcalloc(n + 1, sizeof(*pend));
	dm->rescanned = 0;
	forget_configs(dm);	/* read afresh: a repository's file changed */
	for (i = 0; i < n && !stop_flag && !reload_flag; i++) {
		pend[i].claim = &jobs[i];
		bound(&jobs[i]);
		settle(dm, &pend[i]);
	}
	if (dm->ctx->config->coalesce)
		coalesce(dm, pend, n);
	wake = send_due(dm, pend, n);
	if (n > 0)		/* what was settled, sent, deferred, refused */
		commit(dm);
	say_waiting(pend, n, wake);
	for (i = 0; i < n; i++)
		plan_release(&pend[i].plan);
	free(pend);
	queue_jobs_free(jobs, n);
	return wake;
}

/* Times and tries out of bounds (job_bound) are brought back, and said:
 * a file parked far in the future would hold back its environment. */
static void
bound(struct job *job)
{
	char *label;

	if (!job_bound(job, (long long)ratelimit_now()))
		return;
	label = daemon_label(job);
	log_warnx("%s: its times or tries are out of bounds: taken as due "
	    "now", label);
	free(label);
}

/* STATUS=: how many jobs wait, and for how long. */
static void
say_waiting(const struct pending *pend, size_t n, double wake)
{
	size_t i, waiting = 0;

	for (i = 0; i < n; i++)
		waiting += pend[i].live && pend[i].plan.job.queue_state ==
		    QUEUE_NEW;
	if (waiting == 0)
		status("idle: nothing queued");
	else if (wake >= 1e9)		/* held behind a job in flight */
		status("%zu job%s waiting", waiting, waiting == 1 ? "" : "s");
	else
		status("%zu job%s waiting; next attempt in %.0f s", waiting,
		    waiting == 1 ? "" : "s", wake);
}

/* Send the live jobs that are due, in order; per (project, environment)
 * one at a time and strictly in order. */
static double
send_due(struct daemon *dm, struct pending *pend, size_t n)
{
	struct keys blocked = { NULL, 0 };
	double wake = 1e9, now;
	struct job *job;
	size_t i;
	int worked = 0;

	for (i = 0; i < n && !stop_flag && !reload_flag; i++) {
		job = &pend[i].plan.job;
		if (!pend[i].live || key_blocked(&blocked, job))
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
		if (process(dm, &pend[i]) < 0)		/* keep the order */
			key_block(&blocked, job);
		else
			worked = 1;
		if (++dm->unsynced >= DAEMON_BATCH)
			commit(dm);
		if (job->queue_state == QUEUE_NEW)	/* deferred */
			key_block(&blocked, job);
	}
	free(blocked.v);
	return worked || stop_flag || reload_flag ? 0 : wake;
}

/* The job refused: to bad/ with the reason, never sent. */
static void
refuse(struct daemon *dm, struct job *claim, const char *reason)
{
	struct error err;
	char *label = daemon_label(claim), *why = log_escape(reason, 400);

	error_clear(&err);
	log_warnx("%s: refused: %s", label, why);
	if (queue_refuse(dm->queue, claim, reason, &err) == DD_ERROR)
		log_error("%s: %s", label, err.msg);
	free(why);
	free(label);
}

/* The job is settled without a request: to done/ with the reason. */
static void
close_claim(struct daemon *dm, struct job *claim, const char *reason)
{
	struct error err;
	char *label = daemon_label(claim);
	int r;

	error_clear(&err);
	log_info("%s: %.7s not deployed: %s", label, claim->commit, reason);
	if ((r = queue_take(dm->queue, claim, &err)) == 0)
		finish(dm, claim, NULL, reason);
	else if (r == DD_ERROR)
		log_error("%s: %s", label, err.msg);
	free(label);
}

static void
forget_configs(struct daemon *dm)
{
	size_t i;

	for (i = 0; i < dm->ncfgs; i++) {
		free(dm->cfgs[i]->git_dir);
		config_release(&dm->cfgs[i]->cfg);
		free(dm->cfgs[i]->why);
		free(dm->cfgs[i]);
	}
	free(dm->cfgs);
	dm->cfgs = NULL;
	dm->ncfgs = 0;
}

/* The configuration for a served repository's jobs; NULL with *why. */
static const struct config *
repo_config(struct daemon *dm, const struct served_repo *sr,
    const char **why)
{
	struct repo_config *rc;
	struct error err;
	size_t i;

	for (i = 0; i < dm->ncfgs; i++)
		if (strcmp(dm->cfgs[i]->git_dir, sr->git_dir) == 0)
			break;
	if (i == dm->ncfgs) {	/* each apart: jobs hold &rc->cfg */
		dm->cfgs = xreallocarray(dm->cfgs, dm->ncfgs + 1,
		    sizeof(*dm->cfgs));
		rc = dm->cfgs[dm->ncfgs++] = xcalloc(1, sizeof(*rc));
		rc->git_dir = xstrdup(sr->git_dir);
		error_clear(&err);
		rc->ok = config_load_for_repo(&rc->cfg, dm->ctx->config,
		    sr->git_dir, sr->workdir, &err) == 0;
		if (!rc->ok) {
			rc->why = xasprintf("the configuration for '%s': %s",
			    sr->git_dir, err.msg);
			log_error("%s", rc->why);
		}
	}
	rc = dm->cfgs[i];
	*why = rc->why;
	return rc->ok ? &rc->cfg : NULL;
}

/* repo_config for scan.c: NULL when said. */
static const struct config *
scan_config(void *arg, const struct served_repo *sr)
{
	const char *why;

	return repo_config(arg, sr, &why);
}

/* Why the daemon does not take a claim from this repository, or NULL. */
static const char *
not_served(struct daemon *dm, const struct job *claim,
    const struct served_repo **out)
{
	const struct served_repo *sr;

	if ((sr = served_find(&dm->served, claim->repo)) == NULL &&
	    !dm->rescanned) {
		dm->rescanned = 1;	/* a repository added since */
		served_scan(&dm->served, dm->ctx->config);
		sr = served_find(&dm->served, claim->repo);
	}
	*out = sr;
	if (sr == NULL)
		return "the repository is not one this daemon serves "
		    "([daemon] repos)";
	if (claim->source == JOB_MANUAL)
		return "manual deploys are not taken from the queue";
	if (claim->source == JOB_PUSH && !sr->hooked)
		return "the repository is followed by polling, not by its "
		    "hook (its post-receive is not dotgit-deploy): the "
		    "repository watcher deploys its pushes";
	if (claim->source == JOB_WATCH && sr->hooked)
		return "the repository is followed by its hook, not by "
		    "polling";
	return NULL;
}

/* Plan a claim with the configuration and the repository: it goes on
 * (p->live), or it is settled here: skipped, refused or failed. */
static void
settle(struct daemon *dm, struct pending *p)
{
	const struct served_repo *sr;
	struct job *claim = p->claim;
	struct repo *repo;
	struct error err;
	const char *why;

	error_clear(&err);
	if ((why = not_served(dm, claim, &sr)) != NULL) {
		refuse(dm, claim, why);
		return;
	}
	if ((p->cfg = repo_config(dm, sr, &why)) == NULL ||
	    worker_repo(dm->worker, sr->git_dir, &repo, &err) < 0) {
		if (queue_take(dm->queue, claim, &err) == 0)
			fail(dm, claim, sr->git_dir, why ? why : err.msg);
		return;
	}
	plan_claim(&p->plan, p->cfg, repo, claim);
	if (p->plan.job.ref != NULL)	/* its file shows the plan */
		claim = &p->plan.job;
	if (p->plan.verdict == PLAN_DEPLOY)
		p->live = 1;
	else if (p->plan.verdict == PLAN_SKIP)
		close_claim(dm, claim, p->plan.reason);
	else
		refuse(dm, claim, p->plan.reason);
}

/* Pending jobs by target (project, environment, repository, ref), then
 * in arrival order (their place in the listing). */
static int
target_cmp(const void *a, const void *b)
{
	const struct pending *pa = *(const struct pending *const *)a;
	const struct pending *pb = *(const struct pending *const *)b;
	const struct job *x = &pa->plan.job, *y = &pb->plan.job;
	int c;

	if ((c = strcmp(x->project, y->project)) != 0 ||
	    (c = strcmp(x->environment, y->environment)) != 0 ||
	    (c = strcmp(x->repo, y->repo)) != 0 ||
	    (c = strcmp(x->ref, y->ref)) != 0)
		return c;
	return (pa > pb) - (pa < pb);
}

/*
 * For each live pend[i], the newest live job for the same target after
 * it (NULL: none); allocated. Sorted by target, so that a long queue
 * costs n log n, not a scan of the queue for every job.
 */
static struct pending **
newer_all(struct pending *pend, size_t n)
{
	struct pending **v = xcalloc(n + 1, sizeof(*v));
	struct pending **by = xcalloc(n + 1, sizeof(*by));
	size_t i, j, k = 0, m;

	for (i = 0; i < n; i++)
		if (pend[i].live)
			v[k++] = &pend[i];
	qsort(v, k, sizeof(*v), target_cmp);
	for (i = 0; i < k; i = j) {
		/* v[i..j): one target, oldest first */
		for (j = i + 1; j < k && same_key(&v[i]->plan.job,
		    &v[j]->plan.job) && strcmp(v[i]->plan.job.repo,
		    v[j]->plan.job.repo) == 0 && strcmp(v[i]->plan.job.ref,
		    v[j]->plan.job.ref) == 0; j++)
			;
		for (m = i; m + 1 < j; m++)
			by[v[m] - pend] = v[j - 1];
	}
	free(v);
	return by;
}

/*
 * Only jobs that would deploy are live here (a skipped one was settled
 * already), so a newer skipped push never cancels an older one that
 * deploys.
 */
static void
coalesce(struct daemon *dm, struct pending *pend, size_t n)
{
	struct pending **newer = newer_all(pend, n), *by;
	struct job *job;
	struct error err;
	char *label;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if (!pend[i].live || (by = newer[i]) == NULL)
			continue;
		job = &pend[i].plan.job;
		/* the newer one covers the older's change too: with no
		 * deploy recorded, its filter looks from where this began */
		memcpy(by->plan.job.old, job->old, sizeof(job->old));
		error_clear(&err);
		label = daemon_label(job);
		if ((r = queue_supersede(dm->queue, job, by->plan.job.id,
		    &err)) == DD_ERROR)
			log_error("%s: %s", label, err.msg);
		else if (r == 0)
			log_info("%s: %.7s superseded by job %s (%.7s)", label,
			    job->commit, by->plan.job.id, by->plan.job.commit);
		pend[i].live = 0;
		free(label);
	}
	free(newer);
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
		status("pacing to %d requests/min: next in %.1f s",
		    dm->rl.limit, d);
		wait_events(dm, d);
	}
	return stop_flag || reload_flag ? -1 : 0;
}

/* Take, send and settle one job: 0, or -1 if it could not be taken. */
static int
process(struct daemon *dm, struct pending *p)
{
	struct job *job = &p->plan.job;
	struct worker_result res;
	struct error err;
	double t0;
	int r;

	error_clear(&err);
	if ((r = queue_take(dm->queue, job, &err)) != 0) {
		if (r == DD_ERROR)
			log_error("taking job %s: %s", job->id, err.msg);
		job->queue_state = QUEUE_NONE;	/* gone: dropped, taken */
		return r == DD_ERROR ? -1 : 0;
	}
	t0 = ratelimit_now();
	worker_set_config(dm->worker, p->cfg);
	sigprocmask(SIG_UNBLOCK, &dm->sigs, NULL);
	worker_send(dm->worker, job, 0, &res);
	sigprocmask(SIG_BLOCK, &dm->sigs, NULL);
	account(dm, res.requests, res.status == WORKER_DEPLOYED ||
	    res.reply.status != 0, res.reply.status, t0);
	conclude(dm, job, &res);
	worker_result_release(&res);
	return 0;
}

/* A long pause of every request is said at the default level. */
static void
say_pause(const struct api_wait *w)
{
	char *why = api_wait_text(w);

	log_warnx("sending no request for %ld s: %s", w->secs, why);
	free(why);
}

/* Count the requests made, and learn from the last reply's headers
 * (`answered`: there was one; http_status: its status when it was an
 * error, else 0). */
static void
account(struct daemon *dm, int requests, int answered, int http_status,
    double t0)
{
	const struct api_ratelimit *h;
	struct api *api = worker_api(dm->worker);
	double now = ratelimit_now();
	struct api_wait w;
	int i;

	_Static_assert(API_WAIT_MAX == (int)RATELIMIT_BLOCK_MAX,
	    "one longest wait");
	for (i = 0; i < requests; i++)
		ratelimit_take(&dm->rl, t0);
	if (api == NULL || requests == 0 || !answered)
		return;		/* no reply: the headers are an old one's */
	h = api_last_ratelimit(api);
	/*
	 * X-RateLimit-Limit is not adopted: it says how many, not per how
	 * long, while Remaining and Reset carry the window itself; the
	 * configured plan sets the pace and they cap it.
	 */
	ratelimit_observe(&dm->rl, -1, h->remaining, h->reset, now);
	if (http_status == 429 || h->retry_after > 0) {
		api_wait_of(&w, h, (long long)now, 1);
		if (w.secs < 0)
			w.secs = API_RATE_WAIT_DEFAULT;
		if (w.secs > API_WAIT_NOTICE)
			say_pause(&w);
		ratelimit_retry_after(&dm->rl, (double)w.secs, now);
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
	char *label = daemon_label(job);
	const struct api_deployment *d = &res->dep;

	switch (res->status) {
	case WORKER_DEPLOYED:
		log_info("%s: %s %s (%s)", label, d->id, d->status,
		    d->url != NULL ? d->url : "no url");
		finish(dm, job, d->id, NULL);
		if (res->record != NULL)
			follow_add(dm->follow, res->record, d->id);
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
			retry_later(dm, job, label, &res->err,
			    res->reply.wait);
		break;
	case WORKER_FAILED:
		fail(dm, job, label, res->err.msg);
		break;
	}
	free(label);
}

/* Whole seconds up (no libm for one ceil), saturated; NaN is 0. */
static long long
ceil_ll(double t)
{
	long long s;

	if (t != t)
		return 0;
	if (t >= 0x1p63)
		return LLONG_MAX;
	if (t <= -0x1p63)
		return LLONG_MIN;
	s = (long long)t;
	return (double)s < t ? s + 1 : s;
}

/* When to stop retrying a job: in double, so that any planned_at (a job
 * file may hold any 64-bit value) adds without overflow. */
static double
give_up_at(const struct job *job, const struct config *cfg)
{
	return (double)job->planned_at + (double)cfg->give_up_after;
}

/* Back off (or give up): next_attempt written to the job, into new/. */
static void
retry_later(struct daemon *dm, struct job *job, const char *label,
    const struct error *why, long asked)
{
	double now = ratelimit_now(), delay;
	struct error err;
	char *reason;
	long wait;

	if (job->attempts < INT_MAX)
		job->attempts++;
	delay = ratelimit_backoff(job->attempts, DAEMON_BACKOFF_BASE,
	    DAEMON_BACKOFF_CAP, ratelimit_jitter());
	/* what the API asked, already clamped by api.c: clamp anyway */
	wait = asked > API_WAIT_MAX ? API_WAIT_MAX : asked;
	if (wait > 0 && (double)wait > delay)
		delay = (double)wait;
	if (now + delay > give_up_at(job, dm->ctx->config)) {
		reason = xasprintf("gave up after %d attempt%s: %s",
		    job->attempts, job->attempts == 1 ? "" : "s", why->msg);
		fail(dm, job, label, reason);
		free(reason);
		return;
	}
	job->next_attempt = ceil_ll(now + delay);
	free(job->last_error);
	job->last_error = xstrdup(why->msg);
	error_clear(&err);
	if (queue_defer(dm->queue, job, &err) < 0) {
		log_error("job %s: %s", job->id, err.msg);
		return;
	}
	/* said once the job is back in new/, where it is looked for */
	log_warnx("%s: %s; attempt %lld in %.1f s", label, why->msg,
	    (long long)job->attempts + 1, (double)job->next_attempt - now);
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
	if (config_load_daemon(cfg, dm->ctx->config_file, &err) < 0 ||
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
	if ((old->state_dir == NULL) != (cfg->state_dir == NULL) ||
	    (cfg->state_dir != NULL && strcmp(cfg->state_dir,
	    old->state_dir) != 0)) {
		log_error("reloading the configuration: [daemon] state "
		    "changed; keeping the old one (restart the daemon to move "
		    "its state)");
		goto keep;
	}
	forget_configs(dm);
	worker_free(dm->worker);
	worker_init(&dm->worker, cfg, dm->ledger, 0, 0);
	worker_set_cancel(dm->worker, &stop_flag);
	if (cfg->plan_rpm != old->plan_rpm)
		ratelimit_init(&dm->rl, cfg->plan_rpm);
	dm->ctx->config = cfg;
	config_release(old);
	free(old);
	served_scan(&dm->served, cfg);
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
	size_t i;

	struct scan sc = { dm->ledger, dm->queue, dm->worker, scan_config,
	    dm };

	served_scan(&dm->served, dm->ctx->config);
	for (i = 0; i < dm->served.n && !stop_flag; i++)
		scan_repo(&sc, &dm->served.v[i]);
}
