/* SPDX-License-Identifier: ISC */
/* hook.c -- the server-side post-receive hook, and what all hooks share */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"
#include "child.h"
#include "deliver.h"
#include "fsio.h"
#include "hook.h"
#include "keymap.h"
#include "log.h"
#include "xmalloc.h"

#define MAX_BAD_LINES_SHOWN 5

struct report;
struct sent;
struct where;

static int	input_fd(const char *input, size_t len);
static int	spawn_chained(pid_t *pid, const char *path, char *const *args,
		    int fd);
static void	say(struct report *r, int error, int staged, char *what,
		    char *outcome, const char *hint);
static void	report_print(struct report *r, const struct error *flush);
static int	deliver_one(struct deliver *d, struct plan *p,
		    const char *label, struct report *r);
static void	plan_one(struct plan *p, const struct config *cfg,
		    struct repo *repo, const char *git_dir,
		    const struct ref_update *up,
		    const struct push_options *opts, size_t k);
static int	one_plan(struct deliver *d, struct plan *p, char *label,
		    const struct push_options *opts, struct report *r,
		    struct sent *t);
static char	*plan_label(const char *ref, const char *project);
static int	deliver_updates(const struct config *cfg, struct repo *repo,
		    const char *git_dir, const struct ref_update *ups,
		    size_t n, const struct push_options *opts);
static void	on_alarm(int sig);
static void	where_release(struct where *w);
static int	where_from_env(struct where *w);
static int	hook_config(struct ctx *ctx, struct config *cfg,
		    struct where *w, struct error *err);
static int	post_receive_deploy(struct ctx *ctx, const char *input,
		    size_t len, struct error *err);

static void	sent_init(struct sent *s, size_t max);
static const char *sent_find(const struct sent *s, const struct job *job);
static void	sent_add(struct sent *s, const struct job *job, char *label);
static void	sent_free(struct sent *s);

int
hook_read_input(char **out, size_t *len, int fd, struct error *err)
{
	int r;

	/* too much is read and dropped: git is not left blocked */
	if ((r = fsio_read_fd(fd, HOOK_MAX_INPUT, 1, out, len)) < 0) {
		*out = xstrdup("");
		return error_set(err, EXIT_FAIL, "reading hook input: %s",
		    strerror(errno));
	}
	if (r > 0)
		log_warnx("hook input longer than %u bytes: the rest is "
		    "ignored", HOOK_MAX_INPUT);
	return 0;
}

/* A file holding the input, for the chained hook's stdin. */
static int
input_fd(const char *input, size_t len)
{
	int fd = memfd_create("dotgit-deploy-hook-input", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fsio_write_all(fd, input, len) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
spawn_chained(pid_t *pid, const char *path, char *const *args, int fd)
{
	posix_spawn_file_actions_t fa;
	size_t n = 0;
	char **argv, **env;
	int rc;

	while (args != NULL && args[n] != NULL)
		n++;
	argv = xcalloc(n + 2, sizeof(*argv));
	argv[0] = (char *)path;
	if (n > 0)
		memcpy(argv + 1, args, n * sizeof(*argv));
	env = child_env(NULL, 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 0);
	rc = posix_spawn(pid, path, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	free(argv);
	return rc;
}

int
hook_run_chained(int *status, const char *hooks_dir, const char *name,
    char *const *args, const char *input, size_t len, struct error *err)
{
	char *path = xasprintf("%s/%s%s", hooks_dir, name,
	    HOOK_CHAINED_SUFFIX);
	int fd = -1, rc = -1, ws;
	pid_t pid;

	*status = 0;
	if (access(path, X_OK) != 0) {
		free(path);
		return 0;
	}
	if ((fd = input_fd(input, len)) < 0) {
		error_set(err, EXIT_FAIL, "cannot pass input to '%s': %s",
		    path, strerror(errno));
		goto out;
	}
	if ((errno = spawn_chained(&pid, path, args, fd)) != 0) {
		error_set(err, EXIT_FAIL, "cannot run '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

void
hook_parse_updates(struct ref_update **out, size_t *n, const char *input,
    size_t len)
{
	const char *p = input, *end = input + len, *nl;
	size_t lineno = 0, bad = 0, cap = 0;
	struct ref_update up;
	struct error err;

	*out = NULL;
	*n = 0;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		lineno++;
		error_clear(&err);
		if (plan_parse_line(&up, p, (size_t)(nl - p), &err) == 0) {
			if (*n == cap) {	/* doubling: linear in lines */
				cap = cap ? cap * 2 : 16;
				*out = xreallocarray(*out, cap,
				    sizeof(**out));
			}
			(*out)[(*n)++] = up;
		} else if (bad++ < MAX_BAD_LINES_SHOWN)
			log_error("hook input line %zu ignored: %s", lineno,
			    err.msg);
	}
	if (bad > MAX_BAD_LINES_SHOWN)
		log_error("%zu more bad hook input lines ignored",
		    bad - MAX_BAD_LINES_SHOWN);
}

void
hook_updates_free(struct ref_update *ups, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		plan_update_release(&ups[i]);
	free(ups);
}

char *
hook_ref_label(const char *ref)
{
	if (strncmp(ref, "refs/heads/", 11) == 0)
		ref += 11;
	return log_escape(ref, 200);
}

/* What a push is told, line by line, held until the jobs are flushed:
 * "queued" is said only of what is durable. */
struct report {
	struct {
		int	 error;		/* log_error, else log_info */
		char	*what;		/* "main -> production" */
		char	*outcome;
		char	*hint;		/* or NULL */
		int	 staged;	/* a job deliver_flush must make real */
	}	*v;
	size_t	 n;
};

static void
say(struct report *r, int error, int staged, char *what, char *outcome,
    const char *hint)
{
	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	r->v[r->n].error = error;
	r->v[r->n].what = what;
	r->v[r->n].outcome = outcome;
	r->v[r->n].hint = hint != NULL && *hint ? xstrdup(hint) : NULL;
	r->v[r->n++].staged = staged;
}

/* Print the report; the staged jobs failed when `flush` is not NULL. */
static void
report_print(struct report *r, const struct error *flush)
{
	const char *hint;
	size_t i;

	for (i = 0; i < r->n; i++) {
		hint = r->v[i].hint;
		if (r->v[i].staged && flush != NULL) {
			log_error("%s: not deployed: %s", r->v[i].what,
			    flush->msg);
			hint = flush->hint[0] ? flush->hint : NULL;
		} else if (r->v[i].error)
			log_error("%s: %s", r->v[i].what, r->v[i].outcome);
		else
			log_info("%s: %s", r->v[i].what, r->v[i].outcome);
		if (hint != NULL)
			log_hint("%s", hint);
		free(r->v[i].what);
		free(r->v[i].outcome);
		free(r->v[i].hint);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int
deliver_one(struct deliver *d, struct plan *p, const char *label,
    struct report *r)
{
	struct error err;
	char *outcome = NULL, *what;
	int rc;

	error_clear(&err);
	what = xasprintf("%s -> %s", label, p->job.environment);
	if ((rc = deliver_job(d, &p->job, NULL, &outcome, &err)) >= 0)
		say(r, 0, rc == 1, what, outcome, NULL);
	else
		say(r, 1, 0, what, xasprintf("not deployed: %s", err.msg),
		    err.hint);
	return rc < 0 ? -1 : 0;
}

/*
 * The refs of this push delivered so far, by key: one (project,
 * environment, commit) is deployed once. A keymap from the key to its
 * label's index, so that a push of many refs costs time linear in them.
 */
struct sent {
	struct keymap	  keys;
	char		**labels;
	size_t		  n;
};

static void
sent_init(struct sent *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->labels = xcalloc(max + 1, sizeof(*s->labels));
}

/* The label of an earlier ref with the job's key, or NULL. */
static const char *
sent_find(const struct sent *s, const struct job *job)
{
	long i;

	return keymap_get(&s->keys, 0, job->idem_key, &i) ? s->labels[i] :
	    NULL;
}

/* Remember the job's key; label is taken over. */
static void
sent_add(struct sent *s, const struct job *job, char *label)
{
	keymap_set(&s->keys, 0, job->idem_key, (long)s->n);
	s->labels[s->n++] = label;
}

static void
sent_free(struct sent *s)
{
	size_t i;

	keymap_release(&s->keys);
	for (i = 0; i < s->n; i++)
		free(s->labels[i]);
	free(s->labels);
}

/* The full plan with a repository; without one, the objects are left
 * to the daemon (queue mode). */
static void
plan_one(struct plan *p, const struct config *cfg, struct repo *repo,
    const char *git_dir, const struct ref_update *up,
    const struct push_options *opts, size_t k)
{
	if (repo != NULL)
		plan_update(p, cfg, repo, up, opts, 0, k);
	else
		plan_update_deferred(p, cfg, git_dir, up, opts, k);
}

/* Deliver or report one plan; `label` is taken. 1 if it failed. */
static int
one_plan(struct deliver *d, struct plan *p, char *label,
    const struct push_options *opts, struct report *r, struct sent *t)
{
	const char *twin = sent_find(t, &p->job);
	int failed = 0;

	if (p->verdict == PLAN_DEPLOY && twin != NULL)
		say(r, 0, 0, xasprintf("%s -> %s", label, p->job.environment),
		    xasprintf("same commit as %s, deployed once", twin), NULL);
	else if (p->verdict == PLAN_DEPLOY) {
		failed = deliver_one(d, p, label, r) < 0;
		sent_add(t, &p->job, label);
		return failed;
	} else if (p->verdict == PLAN_ERROR) {
		say(r, 1, 0, xstrdup(label), xasprintf("not deployed: %s",
		    p->reason), NULL);
		failed = 1;
	} else if (p->rule != NULL || opts->verbose)
		say(r, 0, 0, xstrdup(label), xstrdup(p->reason), NULL);
	else
		log_verbose("%s: %s", label, p->reason);
	free(label);
	return failed;
}

/* "main", or "main [web]" for a monorepo's project "web". */
static char *
plan_label(const char *ref, const char *project)
{
	char *l = hook_ref_label(ref), *e, *both;

	if (project == NULL)
		return l;
	e = log_escape(project, 100);
	both = xasprintf("%s [%s]", l, e);
	free(e);
	free(l);
	return both;
}

static int
deliver_updates(const struct config *cfg, struct repo *repo,
    const char *git_dir, const struct ref_update *ups, size_t n,
    const struct push_options *opts)
{
	struct report r = { NULL, 0 };
	struct sent t;
	struct deliver *d;
	struct error err;
	struct plan p;
	size_t i, k;
	int failed = 0;

	sent_init(&t, n * plan_nprojects(cfg));
	deliver_init(&d, cfg, cfg->hook_timeout, 0);
	deliver_set_repo(d, repo);
	for (i = 0; i < n; i++)
		for (k = 0; k < plan_nprojects(cfg); k++) {
			plan_one(&p, cfg, repo, git_dir, &ups[i], opts, k);
			failed += one_plan(d, &p, plan_label(ups[i].ref,
			    plan_project_key(cfg, k)), opts, &r, &t);
			plan_release(&p);
		}
	error_clear(&err);
	if (deliver_flush(d, &err) < 0) {
		report_print(&r, &err);
		failed = (int)t.n;
	} else
		report_print(&r, NULL);
	sent_free(&t);
	deliver_free(d);
	return failed;
}

int
hook_deliver(const struct config *cfg, struct repo *repo,
    const struct ref_update *ups, size_t n, const struct push_options *opts)
{
	return deliver_updates(cfg, repo, NULL, ups, n, opts);
}

static void
on_alarm(int sig)
{
	static const char msg[] = "dotgit-deploy: hook time budget ([hook] "
	    "timeout) used up; stopping so git is not held\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(EXIT_FAIL);
}

void
hook_watchdog(void)
{
	signal(SIGALRM, on_alarm);
}

char *
hook_dir_of(struct ctx *ctx, const char *name)
{
	const char *slash = strrchr(ctx->argv0, '/');
	struct error err;
	char *dir = NULL;

	if (slash != NULL && strcmp(slash + 1, name) == 0)
		return xstrndup(ctx->argv0, (size_t)(slash - ctx->argv0));
	error_clear(&err);
	if (ctx->repo == NULL && repo_open(&ctx->repo, ctx->dir, &err) < 0)
		return NULL;
	if (repo_hooks_dir(&dir, ctx->repo, &err) == 0)
		return dir;
	return NULL;
}

/* The repository of the hook, known from GIT_DIR without opening it. */
struct where {
	char	*git_dir;	/* absolute, with a trailing '/' */
	char	*workdir;	/* likewise; NULL: bare */
};

static void
where_release(struct where *w)
{
	free(w->git_dir);
	free(w->workdir);
	memset(w, 0, sizeof(*w));
}

/*
 * git runs post-receive in the git dir with GIT_DIR set (to "."), and
 * that is all the queue mode needs: the config's place and the job's
 * repo. The work tree is the parent of a git dir named ".git" (libgit2's
 * rule but for core.worktree, which is not read). -1 when only opening
 * the repository can tell: GIT_DIR unset, GIT_WORK_TREE or
 * GIT_COMMON_DIR set, or a linked worktree's git dir (its common dir is
 * elsewhere).
 */
static int
where_from_env(struct where *w)
{
	const char *gd = getenv("GIT_DIR"), *base;
	char *real, *commondir;
	struct stat st;
	int linked;

	memset(w, 0, sizeof(*w));
	if (gd == NULL || *gd == '\0' || getenv("GIT_WORK_TREE") != NULL ||
	    getenv("GIT_COMMON_DIR") != NULL ||
	    (real = realpath(gd, NULL)) == NULL)
		return -1;
	commondir = xasprintf("%s/commondir", real);
	linked = lstat(commondir, &st) == 0;
	free(commondir);
	if (linked) {
		free(real);
		return -1;
	}
	w->git_dir = xasprintf("%s%s", real, strcmp(real, "/") ? "/" : "");
	base = strrchr(real, '/');
	if (base != NULL && strcmp(base + 1, ".git") == 0)
		w->workdir = xstrndup(real, (size_t)(base - real) + 1);
	free(real);
	return 0;
}

/*
 * The config, found without opening the repository when GIT_DIR tells
 * where it is; then the repository is opened only when the jobs need it
 * (not in queue mode). w->git_dir is set when it was not opened.
 */
static int
hook_config(struct ctx *ctx, struct config *cfg, struct where *w,
    struct error *err)
{
	if (ctx->repo != NULL || ctx->dir != NULL || where_from_env(w) < 0) {
		if (ctx->repo == NULL &&
		    repo_open(&ctx->repo, ctx->dir, err) < 0)
			return -1;
		if (ctx_load_config(ctx, cfg, err) < 0)
			return error_wrap(err, "nothing deployed");
		return 0;
	}
	if (ctx_load_config_at(ctx, cfg, w->git_dir, w->workdir, err) < 0)
		return error_wrap(err, "nothing deployed");
	if (config_queue_mode(cfg))
		return 0;
	where_release(w);
	return repo_open(&ctx->repo, NULL, err);
}

/* Configure, plan and deliver; the chained hook already ran. */
static int
post_receive_deploy(struct ctx *ctx, const char *input, size_t len,
    struct error *err)
{
	struct push_options opts = { 0 };
	struct ref_update *ups = NULL;
	struct config cfg = { 0 };
	struct where w = { 0 };
	size_t n = 0;
	int failed = -1;

	if (hook_config(ctx, &cfg, &w, err) < 0)
		goto out;
	hook_parse_updates(&ups, &n, input, len);
	/* one push, one request */
	plan_push_options_init(&opts, JOB_PUSH);
	plan_push_options_from_env(&opts);
	if (cfg.hook_mode != HOOK_MODE_QUEUE)
		alarm((unsigned)cfg.hook_timeout + 2);
	failed = deliver_updates(&cfg, w.git_dir != NULL ? NULL : ctx->repo,
	    w.git_dir, ups, n, &opts);
	alarm(0);
out:
	plan_push_options_release(&opts);
	hook_updates_free(ups, n);
	config_release(&cfg);
	where_release(&w);
	return failed == 0 ? 0 : -1;
}

int
hook_post_receive(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	char *input = NULL, *dir;
	size_t len = 0;
	int status = 0, rc;

	hook_watchdog();
	signal(SIGPIPE, SIG_IGN);
	if (hook_read_input(&input, &len, 0, err) < 0)
		error_print(err);
	error_clear(err);
	dir = hook_dir_of(ctx, "post-receive");
	if (dir != NULL && hook_run_chained(&status, dir, "post-receive",
	    argv + 1, input, len, err) < 0)
		error_print(err);
	free(dir);
	error_clear(err);
	(void)argc;
	rc = post_receive_deploy(ctx, input, len, err);
	free(input);
	if (rc < 0 && err->msg[0] != '\0')
		return -1;
	return status != 0 ? status : rc == 0 ? 0 : EXIT_FAIL;
}
