/* SPDX-License-Identifier: ISC */
/* cmd-queue.c -- dotgit-deploy queue: list, show, retry and drop jobs */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "job.h"
#include "config.h"
#include "log.h"
#include "queue.h"
#include "xmalloc.h"

/* Older than this (10 years) is shown as ">10y": not a real age. */
#define AGE_SHOWN_MAX	315360000
/* How many done (and bad) jobs the listing shows: the newest. */
#define DONE_SHOWN	10
#define NCOLS		8
#define NSTATES		5

/* The jobs to show, in the order shown, and what bad/ holds besides. */
struct listing {
	struct job		*jobs[NSTATES];
	size_t			 n[NSTATES];
	size_t			 total[NSTATES];	/* before trimming */
	struct queue_junk	*junk;
	size_t			 njunk;
};

static const enum queue_state shown[NSTATES] = {
	QUEUE_CUR, QUEUE_NEW, QUEUE_FAILED, QUEUE_DONE, QUEUE_BAD
};

static int	 list_jobs(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	 show_job(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	 retry_job(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	 drop_job(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	 init_queue(struct ctx *, const struct cmd_args *,
		    struct error *);
static long long	 age_of(long long, long long);
static char	*fmt_age(long long);
static const char	*state_word(const struct job *);
static char	*detail_cell(const struct job *);
static void	 print_row(char *const [NCOLS], const int [NCOLS]);
static void	 job_cells(char *[NCOLS], const struct job *, long long);
static void	 junk_cells(char *[NCOLS], const struct queue_junk *);
static void	 print_table(const struct listing *, size_t);
static void	 view_of(struct job_view *, const struct job *, long long);
static int	 print_json(char *, struct error *);
static int	 listing_json(const char *, const struct listing *,
		    struct error *);
static void	 trim(struct listing *, size_t);
static int	 gather(struct queue *, struct listing *, struct error *);
static void	 say_empty(const char *);
static int	 list_in(const char *, const struct cmd_args *, struct error *);
static char	*fmt_time(long long);
static void	 put(const char *, const char *);
static void	 put_esc(const char *, const char *);
static void	 put_list(const char *, char *const *, size_t);
static void	 put_outcome(const struct job *);
static void	 put_claim(const struct job *, long long);
static void	 put_plan(const struct job *);
static void	 put_attempts(const struct job *, long long);
static void	 show_text(const struct job *);
static int	 show_json(const struct job *, struct error *);
static int	 show_in(const char *, const struct cmd_args *, struct error *);
static void	 say(const char *, const char *);
static int	 act_in(const char *, const struct cmd_args *, struct error *);
static int	 find_group(const char *, gid_t *, struct error *);
static int	 init_in(const char *, const struct cmd_args *, struct error *);
static void	 print_ids(struct queue *, enum queue_state, const char *);
static char	*branch_cell(const struct job *job);

static const struct cmd_option queue_options[] = {
	{ "queue-dir", 0, "DIR", 0,
	    "the queue directory to use, instead of [daemon] queue (no "
	    "configuration is read)" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cmd_option json_option[] = {
	{ "json", 0, NULL, 0, "print JSON" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cmd_option init_options[] = {
	{ "group", 0, "GROUP", 0,
	    "the group whose members' hooks may queue (default: the "
	    "directory's, or yours)" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct command list_entry = {
	.name = "list",
	.summary = "list the jobs: in flight, pending, failed, then the "
	    "newest done (deployed, skipped or superseded) and refused ones",
	.options = json_option,
	.flags = CMD_DEFAULT,
	.exec = list_jobs,
};

static const struct command show_entry = {
	.name = "show",
	.args = "ID",
	.minargs = 1,
	.maxargs = 1,
	.summary = "print one job (ID or a unique start of it): its claim, "
	    "its plan, attempts, last error and outcome",
	.options = json_option,
	.complete = CMD_COMPLETE_JOB,
	.exec = show_job,
};

static const struct command retry_entry = {
	.name = "retry",
	.args = "ID",
	.minargs = 1,
	.maxargs = 1,
	.summary = "queue a failed job again, its attempts reset (as the "
	    "daemon's user)",
	.complete = CMD_COMPLETE_JOB,
	.exec = retry_job,
};

static const struct command drop_entry = {
	.name = "drop",
	.args = "ID",
	.minargs = 1,
	.maxargs = 1,
	.summary = "delete a pending or failed job",
	.complete = CMD_COMPLETE_JOB,
	.exec = drop_job,
};

static const struct command init_entry = {
	.name = "init",
	.summary = "create the queue directory or set its modes (as the "
	    "daemon's user or root)",
	.options = init_options,
	.exec = init_queue,
};

static const struct command *const queue_commands[] = {
	&list_entry,
	&show_entry,
	&retry_entry,
	&drop_entry,
	&init_entry,
	NULL
};

const struct command cmd_queue_entry = {
	.name = "queue",
	.summary = "list and manage the daemon's queue of deploys",
	.options = queue_options,
	.subs = queue_commands,
};

static int	with_queue(struct ctx *ctx, const struct cmd_args *args,
		    int (*fn)(const char *, const struct cmd_args *,
		    struct error *), struct error *err);

/*
 * Run fn on the queue directory: --queue-dir (reading no configuration:
 * for tests, and operators looking at a spool), or the daemon's
 * configured [daemon] queue.
 */
static int
with_queue(struct ctx *ctx, const struct cmd_args *args,
    int (*fn)(const char *, const struct cmd_args *, struct error *),
    struct error *err)
{
	const char *dir = cmd_args_get(args, "queue-dir");
	struct config cfg;
	int rc = -1;

	if (dir != NULL)
		return fn(dir, args, err);
	memset(&cfg, 0, sizeof(cfg));
	if (config_load_daemon(&cfg, ctx->config_file, err) < 0)
		goto out;
	if (cfg.queue_dir == NULL) {
		error_set(err, EXIT_USAGE, "no [daemon] queue configured");
		error_hint(err, "set 'queue = DIR' in the [daemon] section of "
		    "'%s'", cfg.file ? cfg.file : "?");
		goto out;
	}
	rc = fn(cfg.queue_dir, args, err);
out:
	config_release(&cfg);
	return rc;
}

/* Seconds from then to now, 0 for a time ahead: a job file may hold any
 * 64-bit value, so without overflow. */
static long long
age_of(long long now, long long then)
{
	long long d;

	if (__builtin_sub_overflow(now, then, &d))
		return then < 0 ? LLONG_MAX : 0;
	return d > 0 ? d : 0;
}

static char *
fmt_age(long long secs)
{
	if (secs > AGE_SHOWN_MAX)
		return xasprintf(">%dy", AGE_SHOWN_MAX / 31536000);
	if (secs < 60)
		return xasprintf("%llds", secs);
	if (secs < 3600)
		return xasprintf("%lldm", secs / 60);
	if (secs < 86400)
		return xasprintf("%lldh", secs / 3600);
	return xasprintf("%lldd", secs / 86400);
}

/* The listing's STATE: the outcome once there is one. */
static const char *
state_word(const struct job *job)
{
	enum queue_outcome o = queue_outcome(job, NULL);

	return o == QUEUE_OUTCOME_NONE ? queue_state_name(job->queue_state) :
	    queue_outcome_name(o);
}

/* The listing's DETAIL: the deployment, why, by which job. */
static char *
detail_cell(const struct job *job)
{
	const char *d;
	char *e, *s;

	if (queue_outcome(job, &d) == QUEUE_OUTCOME_SUPERSEDED) {
		e = log_escape(d, 64);
		s = xasprintf("by %s", e);
		free(e);
		return s;
	}
	return d != NULL ? log_escape(d, 200) : xstrdup("-");
}

static void
print_row(char *const cells[NCOLS], const int width[NCOLS])
{
	int i;

	for (i = 0; i < NCOLS - 1; i++)
		printf("%-*s  ", width[i], cells[i]);
	printf("%s\n", cells[NCOLS - 1]);
}

/* The branch, and in a monorepo the project: "main [web]". */
static char *
branch_cell(const struct job *job)
{
	char *b = log_escape(job->branch, 60), *p, *both;

	if (job->project_key == NULL)
		return b;
	p = log_escape(job->project_key, 60);
	both = xasprintf("%s [%s]", b, p);
	free(p);
	free(b);
	return both;
}

/* The cells of one job, allocated and escaped. */
static void
job_cells(char *cells[NCOLS], const struct job *job, long long now)
{
	cells[0] = log_escape(job->id, 64);
	cells[1] = xstrdup(state_word(job));
	cells[2] = branch_cell(job);
	cells[3] = log_escape(job->environment, 32);
	cells[4] = log_escape(job->commit, 64);
	cells[5] = fmt_age(age_of(now, job->planned_at));
	cells[6] = xasprintf("%d", job->attempts);
	cells[7] = detail_cell(job);
}

static void
junk_cells(char *cells[NCOLS], const struct queue_junk *k)
{
	char *why = log_escape(k->why, 200);
	int c;

	cells[0] = log_escape(k->name, 64);
	cells[1] = xstrdup("bad");
	for (c = 2; c < NCOLS - 1; c++)
		cells[c] = xstrdup("-");
	cells[7] = xasprintf("not a job: %s", why);
	free(why);
}

static void
print_table(const struct listing *l, size_t total)
{
	static const char *const head[NCOLS] = { "ID", "STATE", "BRANCH",
	    "ENVIRONMENT", "COMMIT", "AGE", "ATTEMPTS", "DETAIL" };
	char *(*rows)[NCOLS] = xcalloc(total, sizeof(*rows));
	int width[NCOLS] = { 0 }, c, w;
	long long now = (long long)time(NULL);
	size_t s, i, r = 0;

	for (s = 0; s < NSTATES; s++)
		for (i = 0; i < l->n[s]; i++)
			job_cells(rows[r++], &l->jobs[s][i], now);
	for (i = 0; i < l->njunk; i++)
		junk_cells(rows[r++], &l->junk[i]);
	for (c = 0; c < NCOLS; c++)
		width[c] = (int)strlen(head[c]);
	for (r = 0; r < total; r++)
		for (c = 0; c < NCOLS; c++)
			if ((w = (int)strlen(rows[r][c])) > width[c])
				width[c] = w;
	print_row((char *const *)head, width);
	for (r = 0; r < total; r++) {
		print_row(rows[r], width);
		for (c = 0; c < NCOLS; c++)
			free(rows[r][c]);
	}
	free(rows);
}

/* The queue's words for a job, for its JSON (job_view). */
static void
view_of(struct job_view *v, const struct job *job, long long now)
{
	const char *d;
	enum queue_outcome oc = queue_outcome(job, &d);

	memset(v, 0, sizeof(*v));
	v->job = job;
	v->state = queue_state_name(job->queue_state);
	v->outcome = queue_outcome_name(oc);
	if (oc == QUEUE_OUTCOME_SKIPPED || oc == QUEUE_OUTCOME_FAILED ||
	    oc == QUEUE_OUTCOME_REFUSED)
		v->reason = d;
	else if (oc == QUEUE_OUTCOME_SUPERSEDED)
		v->superseded_by = d;
	v->age = age_of(now, job->planned_at);
}

/* Print one JSON document (job_queue_json, job_show_json) and free it. */
static int
print_json(char *out, struct error *err)
{
	if (out == NULL)
		return error_set(err, EXIT_FAIL, "cannot encode the queue "
		    "as JSON");
	printf("%s\n", out);
	free(out);
	return 0;
}

static int
listing_json(const char *dir, const struct listing *l, struct error *err)
{
	struct job_listing jl = { .queue = dir, .shown_max = DONE_SHOWN,
	    .ncounts = NSTATES };
	struct job_count counts[NSTATES];
	struct job_view *views;
	struct job_junk *junk = xcalloc(l->njunk + 1, sizeof(*junk));
	long long now = (long long)time(NULL);
	size_t s, i;
	int rc;

	for (s = 0; s < NSTATES; s++)
		jl.njobs += l->n[s];
	views = xcalloc(jl.njobs + 1, sizeof(*views));
	for (jl.njobs = s = 0; s < NSTATES; s++) {
		for (i = 0; i < l->n[s]; i++)
			view_of(&views[jl.njobs++], &l->jobs[s][i], now);
		counts[s].state = queue_state_name(shown[s]);
		counts[s].n = l->total[s];
	}
	for (i = 0; i < l->njunk; i++) {
		junk[i].name = l->junk[i].name;
		junk[i].why = l->junk[i].why;
	}
	jl.jobs = views;
	jl.junk = junk;
	jl.njunk = l->njunk;
	jl.counts = counts;
	rc = print_json(job_queue_json(&jl), err);
	free(junk);
	free(views);
	return rc;
}

/* Keep the newest DONE_SHOWN of one state in the listing. */
static void
trim(struct listing *l, size_t s)
{
	size_t n = l->n[s], cut, i;

	if (n <= DONE_SHOWN)
		return;
	cut = n - DONE_SHOWN;
	for (i = 0; i < cut; i++)
		job_release(&l->jobs[s][i]);
	memmove(l->jobs[s], l->jobs[s] + cut,
	    DONE_SHOWN * sizeof(*l->jobs[s]));
	l->n[s] = DONE_SHOWN;
}

static int
gather(struct queue *q, struct listing *l, struct error *err)
{
	size_t s, i;

	for (s = 0; s < NSTATES; s++) {
		if (shown[s] == QUEUE_BAD) {
			if (queue_list_bad(q, &l->jobs[s], &l->n[s], &l->junk,
			    &l->njunk, err) < 0)
				return -1;
		} else if (queue_list(q, shown[s], &l->jobs[s], &l->n[s],
		    err) < 0)
			return -1;
		l->total[s] = l->n[s];
		if (shown[s] == QUEUE_DONE || shown[s] == QUEUE_BAD)
			trim(l, s);
	}
	if (l->njunk > DONE_SHOWN) {	/* the newest files: sorted names */
		for (i = 0; i < l->njunk - DONE_SHOWN; i++) {
			free(l->junk[i].name);
			free(l->junk[i].why);
		}
		memmove(l->junk, l->junk + l->njunk - DONE_SHOWN,
		    DONE_SHOWN * sizeof(*l->junk));
		l->njunk = DONE_SHOWN;
	}
	return 0;
}

static void
say_empty(const char *dir)
{
	char *shown_dir = log_escape(dir, 0);

	printf("queue '%s' is empty\n", shown_dir);
	free(shown_dir);
}

static int
list_in(const char *dir, const struct cmd_args *args, struct error *err)
{
	struct listing l;
	struct queue *q;
	size_t s, total = 0;
	int rc = -1;

	memset(&l, 0, sizeof(l));
	if (queue_open(&q, dir, 0, err) < 0)
		return -1;
	if (gather(q, &l, err) < 0)
		goto out;
	for (s = 0; s < NSTATES; s++)
		total += l.n[s];
	total += l.njunk;
	rc = 0;
	if (cmd_args_has(args, "json"))
		rc = listing_json(dir, &l, err);
	else if (total == 0)
		say_empty(dir);
	else
		print_table(&l, total);
out:
	for (s = 0; s < NSTATES; s++)
		queue_jobs_free(l.jobs[s], l.n[s]);
	queue_junk_free(l.junk, l.njunk);
	queue_free(q);
	return rc;
}

static int
list_jobs(struct ctx *ctx, const struct cmd_args *args, struct error *err)
{
	return with_queue(ctx, args, list_in, err);
}

/* queue show */

static char *
fmt_time(long long t)
{
	char buf[64];
	time_t tt = (time_t)t;
	struct tm tm;

	if ((long long)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return xasprintf("%lld", t);
	return xstrdup(buf);
}

/* "label:" and a value already safe to print. */
static void
put(const char *label, const char *value)
{
	printf("%-16s%s\n", label, value);
}

/* The same for a value from the job file: escaped; "none" for NULL. */
static void
put_esc(const char *label, const char *value)
{
	char *e = value != NULL ? log_escape(value, 0) : NULL;

	put(label, e != NULL ? e : "none");
	free(e);
}

/* One value a line, under one label; "none" for none. */
static void
put_list(const char *label, char *const *v, size_t n)
{
	size_t i;

	if (n == 0)
		put(label, "none");
	for (i = 0; i < n; i++)
		put_esc(i == 0 ? label : "", v[i]);
}

static void
put_outcome(const struct job *job)
{
	const char *d;
	enum queue_outcome o = queue_outcome(job, &d);
	char *e = d != NULL ? log_escape(d, 0) : xstrdup("?"), *s;

	if (o == QUEUE_OUTCOME_NONE)
		s = xstrdup("none yet");
	else if (o == QUEUE_OUTCOME_DEPLOYED)
		s = xasprintf("deployed as %s", e);
	else if (o == QUEUE_OUTCOME_SUPERSEDED)
		s = xasprintf("superseded by job %s", e);
	else if (o == QUEUE_OUTCOME_DONE)
		s = xstrdup("done");
	else
		s = xasprintf("%s: %s", queue_outcome_name(o), e);
	put("outcome:", s);
	free(s);
	free(e);
}

static void
put_claim(const struct job *job, long long now)
{
	char *t = fmt_time(job->planned_at), *age, *s;

	printf("claim:\n");
	put_esc("  repository:", job->repo);
	put_esc("  ref:", job->ref);
	put("  old:", job->old);
	put("  new:", job->new);
	put_list("  push options:", job->options, job->noptions);
	put("  request:", job->request);
	put("  source:", job_source_name(job->source));
	age = fmt_age(age_of(now, job->planned_at));
	s = xasprintf("%s (%s ago)", t, age);
	put("  planned:", s);
	free(s);
	free(age);
	free(t);
}

static void
put_plan(const struct job *job)
{
	char *s, *e;
	size_t i;

	printf("plan:\n");
	if (job->project_is_name) {
		e = log_escape(job->project, 0);
		s = xasprintf("%s (a name: looked up when sending)", e);
		put("  project:", s);
		free(s);
		free(e);
	} else
		put_esc("  project:", job->project);
	put_esc("  branch:", job->branch);
	put_esc("  environment:", job->environment);
	put("  commit:", job->commit);
	if (job->env_vars.n == 0)
		put("  env vars:", "none");
	for (i = 0; i < job->env_vars.n; i++) {
		s = xasprintf("%s=%s", job->env_vars.v[i].name,
		    job->env_vars.v[i].value);
		put_esc(i == 0 ? "  env vars:" : "", s);
		free(s);
	}
	put_list("  paths:", job->paths, job->npaths);
	put("  key:", job->idem_key[0] != '\0' ? job->idem_key :
	    "none yet (made when sent)");
}

static void
put_attempts(const struct job *job, long long now)
{
	char *t, *s, *age;

	s = xasprintf("%d", job->attempts);
	put("attempts:", s);
	free(s);
	if (job->next_attempt == 0 || job->next_attempt <= now)
		put("next attempt:", job->queue_state == QUEUE_NEW ? "now" :
		    "none");
	else {
		t = fmt_time(job->next_attempt);
		age = fmt_age(age_of(job->next_attempt, now));
		s = xasprintf("%s (in %s)", t, age);
		put("next attempt:", s);
		free(s);
		free(age);
		free(t);
	}
	put_esc("last error:", job->last_error);
}

static void
show_text(const struct job *job)
{
	long long now = (long long)time(NULL);

	put_esc("job:", job->id);
	put("state:", queue_state_name(job->queue_state));
	put_outcome(job);
	put_claim(job, now);
	put_plan(job);
	put_attempts(job, now);
}

static int
show_json(const struct job *job, struct error *err)
{
	struct job_view v;

	view_of(&v, job, (long long)time(NULL));
	return print_json(job_show_json(&v), err);
}

static int
show_in(const char *dir, const struct cmd_args *args, struct error *err)
{
	struct queue *q;
	struct job job;
	int rc = -1;

	if (queue_open(&q, dir, 0, err) < 0)
		return -1;
	if (queue_find(q, args->argv[1], &job, err) == 0) {
		rc = 0;
		if (cmd_args_has(args, "json"))
			rc = show_json(&job, err);
		else
			show_text(&job);
	}
	job_release(&job);
	queue_free(q);
	return rc;
}

static int
show_job(struct ctx *ctx, const struct cmd_args *args, struct error *err)
{
	return with_queue(ctx, args, show_in, err);
}

/* queue retry, queue drop */

static void
say(const char *done, const char *id)
{
	char *e = log_escape(id, 64);

	printf("%s %s\n", done, e);
	free(e);
}

static int
act_in(const char *dir, const struct cmd_args *args, struct error *err)
{
	int retry = strcmp(cmd_args_command(args)->name, "retry") == 0;
	struct queue *q;
	struct job job;
	int rc = -1;

	if (queue_open(&q, dir, 0, err) < 0)
		return -1;
	if (queue_find(q, args->argv[1], &job, err) < 0)
		goto out;
	if (retry && (rc = queue_retry(q, &job, err)) == 0)
		say("retrying", job.id);
	else if (!retry && (rc = queue_drop(q, &job, err)) == 0)
		say("dropped", job.id);
	/* unless the queue said what to do */
	if (rc < 0 && err->hint[0] == '\0') {
		if (job.queue_state == QUEUE_CUR)
			error_hint(err, "the daemon is sending it now");
		else if (job.queue_state == QUEUE_BAD)
			error_hint(err, "the daemon refused it; 'dotgit-deploy "
			    "queue show %s' says why", job.id);
		else if (retry)
			error_hint(err, "only failed jobs can be retried");
	}
out:
	job_release(&job);
	queue_free(q);
	return rc;
}

static int
retry_job(struct ctx *ctx, const struct cmd_args *args, struct error *err)
{
	return with_queue(ctx, args, act_in, err);
}

static int
drop_job(struct ctx *ctx, const struct cmd_args *args, struct error *err)
{
	return with_queue(ctx, args, act_in, err);
}

/* queue init */

/* GROUP by name or number. */
static int
find_group(const char *name, gid_t *out, struct error *err)
{
	struct group *gr;
	char *end;
	unsigned long n;
	char *e;

	if ((gr = getgrnam(name)) != NULL) {
		*out = gr->gr_gid;
		return 0;
	}
	errno = 0;
	n = strtoul(name, &end, 10);
	if (*name >= '0' && *name <= '9' && *end == '\0' && errno == 0 &&
	    n < (unsigned long)(gid_t)-1) {
		*out = (gid_t)n;
		return 0;
	}
	e = log_escape(name, 64);
	error_set(err, EXIT_USAGE, "unknown group '%s'", e);
	free(e);
	return -1;
}

/* Make the spool or set its modes; say whose it is. */
static int
init_in(const char *dir, const struct cmd_args *args, struct error *err)
{
	const char *group = cmd_args_get(args, "group");
	struct queue *q;
	struct passwd *pw;
	struct group *gr;
	gid_t gid = (gid_t)-1;
	char *shown_dir;
	uid_t uid;

	if (group != NULL && find_group(group, &gid, err) < 0)
		return -1;
	if (queue_init(&q, dir, gid, err) < 0)
		return -1;
	queue_owner(q, &uid, &gid);
	queue_free(q);
	pw = getpwuid(uid);
	gr = getgrgid(gid);
	shown_dir = log_escape(dir, 0);
	printf("queue '%s' is ready: owner ", shown_dir);
	free(shown_dir);
	if (pw != NULL)
		printf("%s", pw->pw_name);
	else
		printf("%lu", (unsigned long)uid);
	if (gr != NULL)
		printf(", group %s\n", gr->gr_name);
	else
		printf(", group %lu\n", (unsigned long)gid);
	return 0;
}

static int
init_queue(struct ctx *ctx, const struct cmd_args *args, struct error *err)
{
	return with_queue(ctx, args, init_in, err);
}

/* Completion: the ids a subcommand takes, quietly. */

static void
print_ids(struct queue *q, enum queue_state state, const char *prefix)
{
	struct error err;
	char **names;
	size_t i, n;

	error_clear(&err);
	if (queue_names(q, state, &names, &n, &err) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (strncmp(names[i], prefix, strlen(prefix)) == 0)
			printf("%s\n", names[i]);
		free(names[i]);
	}
	free(names);
}

void
cmd_queue_complete(struct ctx *ctx, const char *queue_dir, const char *sub,
    const char *prefix)
{
	struct config cfg;
	struct error err;
	struct queue *q = NULL;
	int s;

	memset(&cfg, 0, sizeof(cfg));
	error_clear(&err);
	if (queue_dir == NULL && config_load_daemon(&cfg, ctx->config_file,
	    &err) == 0)
		queue_dir = cfg.queue_dir;
	if (queue_dir != NULL && queue_open(&q, queue_dir, 0, &err) == 0) {
		for (s = QUEUE_NEW; s <= QUEUE_BAD; s++)
			if ((strcmp(sub, "retry") != 0 || s == QUEUE_FAILED) &&
			    (strcmp(sub, "drop") != 0 || s == QUEUE_NEW ||
			    s == QUEUE_FAILED))
				print_ids(q, s, prefix);
		queue_free(q);
	}
	config_release(&cfg);
}
