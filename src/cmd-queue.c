/* SPDX-License-Identifier: ISC */
/* cmd-queue.c -- dotgit-deploy queue: list, retry and drop queued jobs */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "queue.h"
#include "xmalloc.h"

/* Older than this (10 years) is shown as ">10y": not a real age. */
#define AGE_SHOWN_MAX	315360000
/* How many done jobs the listing shows (the newest). */
#define DONE_SHOWN	10
#define NCOLS		8

struct opts {
	int		 json;
	const char	*queue_dir;	/* --queue-dir, for tests/operators */
	const char	*action;	/* NULL (list), retry, drop, init */
	const char	*id;
	const char	*group;		/* init --group */
};

/* The jobs to show, in the order shown. */
struct listing {
	struct job	*jobs[4];
	size_t		 n[4];
};

static const enum queue_state shown[4] = {
	QUEUE_CUR, QUEUE_NEW, QUEUE_FAILED, QUEUE_DONE
};

/* "--name VALUE" or "--name=VALUE" at argv[*i]: 1 taken, 0 not this
 * option, -1 error. */
static int
opt_value(const char *name, int argc, char **argv, int *i,
    const char **out, struct error *err)
{
	size_t len = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, len) != 0 || (a[len] != '\0' && a[len] != '='))
		return 0;
	if (a[len] == '=')
		*out = a + len + 1;
	else if (*i + 1 < argc)
		*out = argv[++*i];
	else
		return error_set(err, EXIT_USAGE, "option '%s' needs %s",
		    name, strcmp(name, "--group") == 0 ? "a group" :
		    "a directory");
	return 1;
}

/* The positional arguments: none, "retry ID", "drop ID" or "init". */
static int
parse_action(const struct command *cmd, const char **pos, int npos,
    struct opts *o, struct error *err)
{
	if (npos == 0 && o->group == NULL)
		return 0;
	if (npos == 1 && strcmp(pos[0], "init") == 0 && !o->json) {
		o->action = pos[0];
		return 0;
	}
	if (npos != 2 || (strcmp(pos[0], "retry") != 0 &&
	    strcmp(pos[0], "drop") != 0) || o->json || o->group != NULL)
		return cmd_usage(cmd, err);
	o->action = pos[0];
	o->id = pos[1];
	return 0;
}

static int
parse(const struct command *cmd, int argc, char **argv, struct opts *o,
    struct error *err)
{
	const char *pos[3];
	int i, r, npos = 0, dashdash = 0;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if (npos == 3)
				return cmd_usage(cmd, err);
			pos[npos++] = a;
		} else if (strcmp(a, "--") == 0)
			dashdash = 1;
		else if (strcmp(a, "--json") == 0)
			o->json = 1;
		else if ((r = opt_value("--queue-dir", argc, argv, &i,
		    &o->queue_dir, err)) != 0 || (r = opt_value("--group",
		    argc, argv, &i, &o->group, err)) != 0) {
			if (r < 0)
				return -1;
		} else
			return error_set(err, EXIT_USAGE, "unknown option "
			    "'%.64s' for 'queue'", a);
	}
	return parse_action(cmd, pos, npos, o, err);
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

static void
print_row(char *const cells[NCOLS], const int width[NCOLS])
{
	int i;

	for (i = 0; i < NCOLS - 1; i++)
		printf("%-*s  ", width[i], cells[i]);
	printf("%s\n", cells[NCOLS - 1]);
}

/* The cells of one job, allocated and escaped. */
static void
job_cells(char *cells[NCOLS], const struct job *job, long long now)
{
	cells[0] = log_escape(job->id, 64);
	cells[1] = xstrdup(queue_state_name(job->queue_state));
	cells[2] = log_escape(job->branch, 60);
	cells[3] = log_escape(job->environment, 32);
	cells[4] = log_escape(job->commit, 64);
	cells[5] = fmt_age(age_of(now, job->planned_at));
	cells[6] = xasprintf("%d", job->attempts);
	cells[7] = job->last_error != NULL ?
	    log_escape(job->last_error, 200) : xstrdup("-");
}

static void
print_table(const struct listing *l, size_t total)
{
	static const char *const head[NCOLS] = { "ID", "STATE", "BRANCH",
	    "ENVIRONMENT", "COMMIT", "AGE", "ATTEMPTS", "LAST ERROR" };
	char *(*rows)[NCOLS] = xcalloc(total, sizeof(*rows));
	int width[NCOLS] = { 0 }, c, w;
	long long now = (long long)time(NULL);
	size_t s, i, r = 0;

	for (c = 0; c < NCOLS; c++)
		width[c] = (int)strlen(head[c]);
	for (s = 0; s < 4; s++)
		for (i = 0; i < l->n[s]; i++, r++) {
			job_cells(rows[r], &l->jobs[s][i], now);
			for (c = 0; c < NCOLS; c++)
				if ((w = (int)strlen(rows[r][c])) > width[c])
					width[c] = w;
		}
	print_row((char *const *)head, width);
	for (r = 0; r < total; r++) {
		print_row(rows[r], width);
		for (c = 0; c < NCOLS; c++)
			free(rows[r][c]);
	}
	free(rows);
}

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
job_json(const struct job *job, long long now)
{
	json_t *o = json_object();
	long long age = age_of(now, job->planned_at);

	json_object_set_new(o, "id", json_string(job->id));
	json_object_set_new(o, "state",
	    json_string(queue_state_name(job->queue_state)));
	json_object_set_new(o, "project", jstr(job->project));
	json_object_set_new(o, "branch", jstr(job->branch));
	json_object_set_new(o, "ref", jstr(job->ref));
	json_object_set_new(o, "environment", jstr(job->environment));
	json_object_set_new(o, "commit", json_string(job->commit));
	json_object_set_new(o, "age_seconds", json_integer(age));
	json_object_set_new(o, "attempts", json_integer(job->attempts));
	json_object_set_new(o, "last_error", jstr(job->last_error));
	json_object_set_new(o, "deployment_id", jstr(job->deployment_id));
	return o;
}

static int
print_json(const struct listing *l, struct error *err)
{
	json_t *root, *arr = json_array();
	long long now = (long long)time(NULL);
	size_t s, i;
	char *out;

	for (s = 0; s < 4; s++)
		for (i = 0; i < l->n[s]; i++)
			json_array_append_new(arr,
			    job_json(&l->jobs[s][i], now));
	root = json_pack("{s:o}", "jobs", arr);
	out = root != NULL ? json_dumps(root, JSON_INDENT(2)) : NULL;
	json_decref(root);
	if (out == NULL)
		return error_set(err, EXIT_FAIL, "cannot encode the queue "
		    "as JSON");
	printf("%s\n", out);
	free(out);
	return 0;
}

/* Drop all but the newest DONE_SHOWN done jobs from the listing. */
static void
trim_done(struct listing *l)
{
	size_t n = l->n[3], cut, i;

	if (n <= DONE_SHOWN)
		return;
	cut = n - DONE_SHOWN;
	for (i = 0; i < cut; i++)
		job_release(&l->jobs[3][i]);
	memmove(l->jobs[3], l->jobs[3] + cut, DONE_SHOWN * sizeof(**l->jobs));
	l->n[3] = DONE_SHOWN;
}

static void
say_empty(const char *dir)
{
	char *shown = log_escape(dir, 0);

	printf("queue '%s' is empty\n", shown);
	free(shown);
}

static int
list(struct queue *q, const char *dir, const struct opts *o,
    struct error *err)
{
	struct listing l = { 0 };
	size_t s, total = 0;
	int rc = -1;

	for (s = 0; s < 4; s++) {
		if (queue_list(q, shown[s], &l.jobs[s], &l.n[s], err) < 0)
			goto out;
		if (shown[s] == QUEUE_DONE)
			trim_done(&l);
		total += l.n[s];
	}
	if (o->json)
		rc = print_json(&l, err);
	else {
		if (total == 0)
			say_empty(dir);
		else
			print_table(&l, total);
		rc = 0;
	}
out:
	for (s = 0; s < 4; s++)
		queue_jobs_free(l.jobs[s], l.n[s]);
	return rc;
}

static void
say(const char *done, const char *id)
{
	char *shown = log_escape(id, 64);

	printf("%s %s\n", done, shown);
	free(shown);
}

static int
act(struct queue *q, const struct opts *o, struct error *err)
{
	struct job job;
	int rc;

	if (queue_find(q, o->id, &job, err) < 0)
		return -1;
	if (strcmp(o->action, "retry") == 0) {
		if ((rc = queue_retry(q, &job, err)) == 0)
			say("retrying", job.id);
	} else {
		if ((rc = queue_drop(q, &job, err)) == 0)
			say("dropped", job.id);
	}
	/* unless the queue said what to do */
	if (rc < 0 && err->hint[0] == '\0') {
		if (job.queue_state == QUEUE_CUR)
			error_hint(err, "the daemon is sending it now");
		else if (strcmp(o->action, "retry") == 0)
			error_hint(err, "only failed jobs can be retried");
	}
	job_release(&job);
	return rc;
}

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

/* queue init: make the spool or set its modes; say whose it is. */
static int
init(const char *dir, const struct opts *o, struct error *err)
{
	struct queue *q;
	struct passwd *pw;
	struct group *gr;
	gid_t gid = (gid_t)-1;
	uid_t uid;

	if (o->group != NULL && find_group(o->group, &gid, err) < 0)
		return -1;
	if (queue_init(&q, dir, gid, err) < 0)
		return -1;
	queue_owner(q, &uid, &gid);
	queue_free(q);
	pw = getpwuid(uid);
	gr = getgrgid(gid);
	printf("queue '%s' is ready: owner ", dir);
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
cmd_queue_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	struct config cfg;
	struct queue *q = NULL;
	struct opts o;
	const char *dir;
	int loaded = 0, rc = -1;

	if (parse(&cmd_queue_entry, argc, argv, &o, err) < 0)
		return -1;
	if ((dir = o.queue_dir) == NULL) {
		memset(&cfg, 0, sizeof(cfg));
		loaded = 1;
		/* the daemon's spool: named in the daemon's configuration */
		if (config_load_daemon(&cfg, ctx->config_file, err) < 0)
			goto out;
		if ((dir = cfg.queue_dir) == NULL) {
			error_set(err, EXIT_USAGE, "no [daemon] queue "
			    "configured");
			error_hint(err, "set 'queue = DIR' in the [daemon] "
			    "section of '%s'", cfg.file ? cfg.file : "?");
			goto out;
		}
	}
	if (o.action != NULL && strcmp(o.action, "init") == 0)
		rc = init(dir, &o, err);
	else if (queue_open(&q, dir, 0, err) == 0)
		rc = o.action == NULL ? list(q, dir, &o, err) :
		    act(q, &o, err);
out:
	queue_free(q);
	if (loaded)
		config_release(&cfg);
	return rc;
}

/*
 * Not in the usage line: --queue-dir DIR reads that queue directory and no
 * configuration (for tests, and for operators looking at a spool).
 * Nothing but init creates or changes the spool's directories.
 */
const struct command cmd_queue_entry = {
	"queue", "[--json] | retry ID | drop ID | init [--group GROUP]",
	"list and manage queued deploys", 0, cmd_queue_exec
};
