/* SPDX-License-Identifier: ISC */
/*
 * client.c -- the client side: a push that succeeded deploys what it pushed.
 *
 * git 2.39 has no post-push hook. pre-push runs before the transfer and
 * cannot know the outcome, so it only records what is about to be pushed
 * (intent.c), keyed by the pid of the `git push` process. When the push
 * succeeds, git moves the remote-tracking ref (refs/remotes/<remote>/<b>,
 * reflog "update by push") and runs reference-transaction `committed` from
 * the same process: that confirms the ref, which deploys while the push is
 * still on screen. What no tracking ref confirms -- tags, pushes to a URL,
 * remotes without a matching fetch refspec, rejected refs -- is settled by
 * a detached watcher that pre-push starts: once `git push` has exited it
 * asks the remote (`git ls-remote`) and deploys a ref only if the remote
 * has exactly the pushed id. Its output goes to
 * $GIT_DIR/dotgit-deploy/client.log.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "hook.h"
#include "install.h"
#include "intent.h"
#include "proc.h"
#include "log.h"
#include "plan.h"
#include "watch.h"
#include "xmalloc.h"

#define LS_REMOTE_TIMEOUT	60	/* seconds for the watcher's check */
#define GIT_SEARCH_DEPTH	4	/* processes between hook and git */
#define LOG_FILE		"dotgit-deploy/client.log"
#define LOG_MAX			(1L << 20)	/* then keep one old log */

struct claim;

static void	add_str(char ***v, size_t *n, const char *s);
static void	clear_strs(char ***v, size_t *n);
static int	long_opt(const char *tok, const char *full, size_t min,
		    const char **value);
static int	global_takes_arg(const char *t);
static void	config_arg(struct git_push_argv *a, const char *kv);
static void	short_opts(struct git_push_argv *a, char **tok, size_t n,
		    size_t *i);
static void	push_opt(struct git_push_argv *a, char **tok, size_t n,
		    size_t *i);
static long	find_git_push(struct git_push_argv *a);
static int	open_repo(struct ctx *ctx, struct error *err);
static int	run_chained(struct ctx *ctx, const char *name, char **args,
		    const char *input, size_t len);
static int	is_url_push(const struct intent_push *p);
static int	deliver_refs(struct ctx *ctx, const struct intent *in,
		    const struct intent_push *p, const struct intent_ref *refs,
		    size_t n);
static char	*log_path(struct ctx *ctx);
static void	parse_push_input(struct intent_push *p, const char *input,
		    size_t len);
static int	same_url(const char *a, const char *b);
static int	remote_matches(struct repo *repo, const char *want,
		    const struct intent_push *p);
static void	keep_mapped(struct intent_push *p, const struct config *cfg,
		    struct repo *repo);
static void	collect_options(struct intent_push *p, struct repo *repo,
		    const struct git_push_argv *a);
static int	record(struct ctx *ctx, const struct intent_push *p, long pid,
		    int *fresh, struct error *err);
static void	rotate_log(const char *path);
static void	start_watcher(struct ctx *ctx, long pid);
static void	say_deferred(struct ctx *ctx, const struct intent_push *p);
static int	record_mapped(struct ctx *ctx, struct intent_push *p,
		    const struct git_push_argv *a, long pid, struct error *err);
static int	pre_push_record(struct ctx *ctx, struct intent_push *p,
		    const char *input, size_t len, struct error *err);
static void	tracking_updates(struct ref_update **out, size_t *n,
		    const char *input, size_t len);
static struct intent_ref *match_tracking(struct intent *in,
		    const struct ref_update *up, size_t *push);
static int	moved_by_push(struct repo *repo, const char *ref);
static int	confirm(struct intent *in, struct repo *repo,
		    const struct ref_update *ups, size_t n,
		    struct claim **claims, size_t *nclaims);
static void	deliver_claims(struct ctx *ctx, const struct intent *in,
		    const struct claim *claims, size_t n);
static int	maybe_recorded(const struct ctx *ctx, long pid);
static int	confirm_pushed(struct ctx *ctx, const struct ref_update *ups,
		    size_t n, struct error *err);
static char	*display_url(const char *url);
static void	say_started(const struct intent *in, size_t pending);
static void	settle_push(struct ctx *ctx, struct intent *in,
		    struct intent_push *p);
static size_t	count_pending(const struct intent *in);
static int	push_still_runs(long pid, unsigned long long start,
		    int max_wait);
static void	say_left(long pid, int max_wait);
static int	settle_all(struct ctx *ctx, struct error *err);

/* ---- git's command line ---- */

static void
add_str(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static void
clear_strs(char ***v, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

void
client_git_push_argv_release(struct git_push_argv *a)
{
	clear_strs(&a->options, &a->noptions);
	clear_strs(&a->config, &a->nconfig);
	memset(a, 0, sizeof(*a));
}

/*
 * 1 if tok is --NAME or --NAME=VALUE where NAME abbreviates `full` with at
 * least `min` characters, as git's parse-options allows; *value is what
 * follows '=' or NULL.
 */
static int
long_opt(const char *tok, const char *full, size_t min, const char **value)
{
	const char *eq;
	size_t n;

	if (strncmp(tok, "--", 2) != 0)
		return 0;
	tok += 2;
	eq = strchr(tok, '=');
	n = eq != NULL ? (size_t)(eq - tok) : strlen(tok);
	if (n < min || n > strlen(full) || strncmp(tok, full, n) != 0)
		return 0;
	*value = eq != NULL ? eq + 1 : NULL;
	return 1;
}

/* git's own options that take the next word: git -C DIR push ... */
static int
global_takes_arg(const char *t)
{
	static const char *const opts[] = {
		"-C", "-c", "--git-dir", "--work-tree", "--namespace",
		"--config-env", "--super-prefix", NULL
	};
	size_t i;

	for (i = 0; opts[i] != NULL; i++)
		if (strcmp(t, opts[i]) == 0)
			return 1;
	return 0;
}

/* git -c push.pushOption=VALUE */
static void
config_arg(struct git_push_argv *a, const char *kv)
{
	static const char key[] = "push.pushoption=";

	if (strncasecmp(kv, key, sizeof(key) - 1) == 0)
		add_str(&a->config, &a->nconfig, kv + sizeof(key) - 1);
}

/* -qno VALUE, -oVALUE, -n ... */
static void
short_opts(struct git_push_argv *a, char **tok, size_t n, size_t *i)
{
	const char *t = tok[*i];
	size_t j;

	for (j = 1; t[j] != '\0'; j++) {
		if (t[j] == 'n')
			a->dry_run = 1;
		else if (t[j] == 'o') {
			if (t[j + 1] != '\0')
				add_str(&a->options, &a->noptions, t + j + 1);
			else if (*i + 1 < n)
				add_str(&a->options, &a->noptions, tok[++*i]);
			return;
		}
	}
}

static void
push_opt(struct git_push_argv *a, char **tok, size_t n, size_t *i)
{
	const char *t = tok[*i], *v;

	if (t[1] != '-')
		short_opts(a, tok, n, i);
	else if (long_opt(t, "push-option", 2, &v)) {
		if (v != NULL)
			add_str(&a->options, &a->noptions, v);
		else if (*i + 1 < n)
			add_str(&a->options, &a->noptions, tok[++*i]);
	} else if (long_opt(t, "no-push-option", 5, &v))
		clear_strs(&a->options, &a->noptions);
	else if (long_opt(t, "dry-run", 2, &v))
		a->dry_run = 1;
	else if ((long_opt(t, "repo", 3, &v) ||
	    long_opt(t, "receive-pack", 4, &v) || long_opt(t, "exec", 2, &v) ||
	    long_opt(t, "recurse-submodules", 4, &v)) && v == NULL)
		++*i;
}

void
client_parse_git_argv(struct git_push_argv *a, const char *cmdline,
    size_t len)
{
	const char *p, *end = cmdline + len, *base;
	char **tok = NULL;
	size_t n = 0, i;

	memset(a, 0, sizeof(*a));
	for (p = cmdline; p < end; p += strlen(p) + 1) {
		tok = xreallocarray(tok, n + 1, sizeof(*tok));
		tok[n++] = (char *)p;
	}
	if (n == 0)
		goto out;
	base = strrchr(tok[0], '/');
	base = base != NULL ? base + 1 : tok[0];
	if (strcmp(base, "git-push") == 0)
		i = 0;
	else {
		for (i = 1; i < n && tok[i][0] == '-'; i++) {
			if (strcmp(tok[i], "-c") == 0 && i + 1 < n)
				config_arg(a, tok[++i]);
			else if (global_takes_arg(tok[i]))
				i++;
		}
		if (i >= n || strcmp(tok[i], "push") != 0)
			goto out;
	}
	a->is_push = 1;
	for (i++; i < n && strcmp(tok[i], "--") != 0; i++)
		if (tok[i][0] == '-' && tok[i][1] != '\0')
			push_opt(a, tok, n, &i);
out:
	free(tok);
}

/* ---- shared by the three hooks ---- */

/*
 * The `git push` this hook runs for: the parent, or an ancestor when a
 * script stands between git and us (a hook that calls dotgit-deploy).
 * Falls back to the parent, with *a empty.
 */
static long
find_git_push(struct git_push_argv *a)
{
	long pid = (long)getppid(), up;
	size_t len;
	char *cl;
	int depth;

	for (depth = 0; depth < GIT_SEARCH_DEPTH && pid > 1; depth++) {
		if ((cl = proc_cmdline(pid, &len)) != NULL) {
			client_parse_git_argv(a, cl, len);
			free(cl);
			if (a->is_push)
				return pid;
			client_git_push_argv_release(a);
		}
		if (proc_start(pid, &up) == 0)
			break;
		pid = up;
	}
	memset(a, 0, sizeof(*a));
	return (long)getppid();
}

static int
open_repo(struct ctx *ctx, struct error *err)
{
	if (ctx->repo != NULL)
		return 0;
	return repo_open(&ctx->repo, ctx->dir, err);
}

/* Run <name>.dotgit-deploy-chained, if any: its exit status. */
static int
run_chained(struct ctx *ctx, const char *name, char **args,
    const char *input, size_t len)
{
	char *dir = hook_dir_of(ctx, name);
	struct error err;
	int status = 0;

	error_clear(&err);
	if (dir != NULL && hook_run_chained(&status, dir, name, args, input,
	    len, &err) < 0)
		error_print(&err);
	free(dir);
	return status;
}

static int
is_url_push(const struct intent_push *p)
{
	return strcmp(p->remote, p->url) == 0;
}

/* Plan and deliver refs of one recorded push, like post-receive does,
 * as the request that push is. */
static int
deliver_refs(struct ctx *ctx, const struct intent *in,
    const struct intent_push *p, const struct intent_ref *refs, size_t n)
{
	struct push_options opts = { 0 };
	struct ref_update *ups;
	struct config cfg = { 0 };
	struct error err;
	int failed = -1;
	size_t i;

	error_clear(&err);
	if (ctx_load_config(ctx, &cfg, &err) < 0) {
		error_print(&err);
		config_release(&cfg);
		return -1;
	}
	plan_push_options_init(&opts, JOB_PUSH);
	if (job_request_valid(in->request))	/* else an older record */
		memcpy(opts.request, in->request, sizeof(opts.request));
	for (i = 0; i < p->noptions; i++)
		plan_push_option(&opts, p->options[i]);
	ups = xcalloc(n, sizeof(*ups));
	for (i = 0; i < n; i++) {
		memcpy(ups[i].old, refs[i].remote, OID_HEXSZ + 1);
		memcpy(ups[i].new, refs[i].local, OID_HEXSZ + 1);
		ups[i].ref = xstrdup(refs[i].ref);
	}
	if (cfg.hook_mode != HOOK_MODE_QUEUE)
		alarm((unsigned)cfg.hook_timeout + 2);
	failed = hook_deliver(&cfg, ctx->repo, ups, n, &opts);
	alarm(0);
	hook_updates_free(ups, n);
	plan_push_options_release(&opts);
	config_release(&cfg);
	return failed == 0 ? 0 : -1;
}

static char *
log_path(struct ctx *ctx)
{
	return xasprintf("%s%s", repo_common_dir(ctx->repo), LOG_FILE);
}

/* ---- pre-push ---- */

/* "<local ref> <local oid> <remote ref> <remote oid>" lines; deletions
 * and malformed lines are left out. */
static void
parse_push_input(struct intent_push *p, const char *input, size_t len)
{
	char *copy = xstrndup(input, len), *next = copy, *line, *f[4];
	struct intent_ref r;
	int i;

	while ((line = strsep(&next, "\n")) != NULL) {
		for (i = 0; i < 4; i++)
			if ((f[i] = strsep(&line, " ")) == NULL)
				break;
		if (i < 4 || line != NULL || !repo_oid_valid(f[1]) ||
		    !repo_oid_valid(f[3]) || repo_oid_is_zero(f[1]) ||
		    f[2][0] == '\0')
			continue;
		memset(&r, 0, sizeof(r));
		for (i = 0; i < OID_HEXSZ; i++) {
			r.local[i] = (char)tolower((unsigned char)f[1][i]);
			r.remote[i] = (char)tolower((unsigned char)f[3][i]);
		}
		r.ref = xstrdup(f[2]);
		p->refs = xreallocarray(p->refs, p->nrefs + 1,
		    sizeof(*p->refs));
		p->refs[p->nrefs++] = r;
	}
	free(copy);
}

/* Same place: equal, or the same local directory. */
static int
same_url(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	if (strcmp(a, b) == 0)
		return 1;
	if (strncmp(a, "file://", 7) == 0)
		a += 7;
	if (strncmp(b, "file://", 7) == 0)
		b += 7;
	return realpath(a, ra) != NULL && realpath(b, rb) != NULL &&
	    strcmp(ra, rb) == 0;
}

/* A push to the configured remote, by name or by one of its URLs. */
static int
remote_matches(struct repo *repo, const char *want,
    const struct intent_push *p)
{
	static const char *const keys[] = { "url", "pushurl", NULL };
	struct error err;
	char *key, **v;
	size_t n, i, k;
	int found = 0;

	if (strcmp(p->remote, want) == 0)
		return 1;
	for (k = 0; keys[k] != NULL && !found; k++) {
		key = xasprintf("remote.%s.%s", want, keys[k]);
		error_clear(&err);
		if (repo_config_get_all(&v, &n, repo, key, &err) == 0) {
			for (i = 0; i < n; i++) {
				found = found || same_url(v[i], p->url);
				free(v[i]);
			}
			free(v);
		}
		free(key);
	}
	return found;
}

/* Only refs a rule maps are worth recording. */
static void
keep_mapped(struct intent_push *p, const struct config *cfg,
    struct repo *repo)
{
	struct push_options none = { 0 };
	struct ref_update up;
	struct plan plan;
	size_t i, j, k = 0;
	int mapped;

	for (i = 0; i < p->nrefs; i++) {
		memcpy(up.old, p->refs[i].remote, OID_HEXSZ + 1);
		memcpy(up.new, p->refs[i].local, OID_HEXSZ + 1);
		up.ref = p->refs[i].ref;
		for (j = 0, mapped = 0; j < plan_nprojects(cfg) && !mapped;
		    j++) {
			plan_update(&plan, cfg, repo, &up, &none, 0, j);
			mapped = plan.rule != NULL;
			plan_release(&plan);
		}
		if (mapped)
			p->refs[k++] = p->refs[i];
		else
			free(p->refs[i].ref);
	}
	p->nrefs = k;
}

/* git's push options: -o on the command line, else push.pushOption
 * (config files, then git -c), where an empty value clears the list. */
static void
collect_options(struct intent_push *p, struct repo *repo,
    const struct git_push_argv *a)
{
	struct error err;
	char **v = NULL;
	size_t n = 0, i;

	if (a->noptions > 0) {
		for (i = 0; i < a->noptions; i++)
			add_str(&p->options, &p->noptions, a->options[i]);
		return;
	}
	error_clear(&err);
	if (repo_config_get_all(&v, &n, repo, "push.pushOption", &err) < 0)
		error_print(&err);
	for (i = 0; i < n + a->nconfig; i++) {
		const char *s = i < n ? v[i] : a->config[i - n];

		if (*s == '\0')
			clear_strs(&p->options, &p->noptions);
		else if (strchr(s, '\n') == NULL)
			add_str(&p->options, &p->noptions, s);
	}
	clear_strs(&v, &n);
}

/* Add this pre-push run to the push's file; *fresh if it is new. */
static int
record(struct ctx *ctx, const struct intent_push *p, long pid, int *fresh,
    struct error *err)
{
	const char *gd = repo_common_dir(ctx->repo);
	unsigned long long start = proc_start(pid, NULL);
	char *dir = intent_dir(gd), *path = intent_path(gd, pid);
	struct intent in;
	int fd, rc;

	*fresh = 0;
	if ((rc = intent_lock(&fd, dir, err)) == 0) {
		intent_clean_stale(dir, time(NULL));
		if (intent_load(&in, path, err) != 0 ||
		    in.pid != pid || in.start != start) {
			error_clear(err);	/* unreadable: start over */
			intent_release(&in);
			in.pid = pid;
			in.start = start;
			job_request_random(in.request);
			*fresh = 1;
		}
		intent_add_push(&in, p);
		rc = intent_save(&in, path, err);
		intent_release(&in);
		intent_unlock(fd);
	}
	free(path);
	free(dir);
	return rc;
}

static void
rotate_log(const char *path)
{
	struct stat sb;
	char *old;

	if (stat(path, &sb) == 0 && sb.st_size > LOG_MAX) {
		old = xasprintf("%s.old", path);
		(void)rename(path, old);
		free(old);
	}
}

/* `dotgit-deploy [-C DIR] [-c FILE] hook post-push PID`, detached. */
static void
start_watcher(struct ctx *ctx, long pid)
{
	char *argv[10], *self = NULL, *log, pidbuf[32];
	struct error err;
	int n = 0;

	error_clear(&err);
	if (install_self_path(&self, &err) < 0) {
		error_print(&err);
		return;
	}
	snprintf(pidbuf, sizeof(pidbuf), "%ld", pid);
	argv[n++] = self;
	if (ctx->dir != NULL) {
		argv[n++] = (char *)"-C";
		argv[n++] = (char *)ctx->dir;
	}
	if (ctx->config_file != NULL) {
		argv[n++] = (char *)"-c";
		argv[n++] = (char *)ctx->config_file;
	}
	argv[n++] = (char *)"hook";
	argv[n++] = (char *)"post-push";
	argv[n++] = pidbuf;
	argv[n] = NULL;
	log = log_path(ctx);
	rotate_log(log);
	if (watch_spawn(argv, log, &err) < 0)
		error_print(&err);
	free(log);
	free(self);
}

/* Say which refs only the watcher can confirm, and where it reports. */
static void
say_deferred(struct ctx *ctx, const struct intent_push *p)
{
	char *label, *log = log_path(ctx);
	size_t i;

	for (i = 0; i < p->nrefs; i++) {
		if (!is_url_push(p) &&
		    strncmp(p->refs[i].ref, "refs/heads/", 11) == 0)
			continue;
		label = hook_ref_label(p->refs[i].ref);
		log_info("%s: deploys once the push has succeeded (see '%s')",
		    label, log);
		free(label);
	}
	free(log);
}

/* Record the refs a rule maps, for a push to the configured remote. */
static int
record_mapped(struct ctx *ctx, struct intent_push *p,
    const struct git_push_argv *a, long pid, struct error *err)
{
	struct config cfg = { 0 };
	const char *want;
	int fresh = 0, rc = -1;

	if (ctx_load_config(ctx, &cfg, err) < 0)
		goto out;
	want = cfg.hook_remote != NULL ? cfg.hook_remote : "origin";
	rc = 0;
	if (!remote_matches(ctx->repo, want, p)) {
		log_verbose("not a push to remote '%s' ([hook] remote): "
		    "nothing to deploy", want);
		goto out;
	}
	keep_mapped(p, &cfg, ctx->repo);
	if (p->nrefs == 0)
		goto out;
	collect_options(p, ctx->repo, a);
	if ((rc = record(ctx, p, pid, &fresh, err)) < 0)
		goto out;
	if (fresh)
		start_watcher(ctx, pid);
	say_deferred(ctx, p);
out:
	config_release(&cfg);
	return rc;
}

static int
pre_push_record(struct ctx *ctx, struct intent_push *p, const char *input,
    size_t len, struct error *err)
{
	struct git_push_argv a;
	long pid;
	int rc = 0;

	parse_push_input(p, input, len);
	pid = find_git_push(&a);
	if (p->nrefs == 0 || a.dry_run)
		;
	else if (strchr(p->remote, '\n') != NULL ||
	    strchr(p->url, '\n') != NULL)
		rc = error_set(err, EXIT_FAIL, "cannot record a push to a "
		    "URL holding a newline");
	else if ((rc = open_repo(ctx, err)) == 0)
		rc = record_mapped(ctx, p, &a, pid, err);
	client_git_push_argv_release(&a);
	return rc;
}

int
client_pre_push(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	struct intent_push p = { 0 };
	char *input = NULL;
	size_t len = 0;
	int status;

	if (argc < 3)
		return error_set(err, EXIT_USAGE, "usage: dotgit-deploy hook "
		    "pre-push REMOTE URL");
	signal(SIGPIPE, SIG_IGN);
	if (hook_read_input(&input, &len, 0, err) < 0)
		error_print(err);
	error_clear(err);
	status = run_chained(ctx, "pre-push", argv + 1, input, len);
	p.remote = xstrdup(argv[1]);
	p.url = xstrdup(argv[2]);
	/* the chained hook stops the push: then there is nothing to record */
	if (status == 0 && pre_push_record(ctx, &p, input, len, err) < 0)
		error_print(err);
	error_clear(err);
	intent_push_release(&p);
	free(input);
	return status;
}

/* ---- reference-transaction ---- */

/* What a push does to a tracking ref: from nothing (git 2.39 gives no
 * old id on push) to an id, under refs/remotes/. */
static void
tracking_updates(struct ref_update **out, size_t *n, const char *input,
    size_t len)
{
	const char *p = input, *end = input + len, *nl;
	struct ref_update up;
	struct error err;

	*out = NULL;
	*n = 0;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		error_clear(&err);
		if (plan_parse_line(&up, p, (size_t)(nl - p), &err) < 0)
			continue;
		if (repo_oid_is_zero(up.old) && !repo_oid_is_zero(up.new) &&
		    strncmp(up.ref, "refs/remotes/", 13) == 0) {
			*out = xreallocarray(*out, *n + 1, sizeof(**out));
			(*out)[(*n)++] = up;
		} else
			plan_update_release(&up);
	}
}

/* The recorded ref that tracking ref update `up` confirms, or NULL; the
 * latest pre-push run first (git runs one per URL). */
static struct intent_ref *
match_tracking(struct intent *in, const struct ref_update *up, size_t *push)
{
	const char *rest = up->ref + 13;	/* after refs/remotes/ */
	struct intent_push *p;
	struct intent_ref *r;
	size_t i, j, n;

	for (i = in->npushes; i > 0; i--) {
		p = &in->pushes[i - 1];
		n = strlen(p->remote);
		if (is_url_push(p) || strncmp(rest, p->remote, n) != 0 ||
		    rest[n] != '/')
			continue;
		for (j = 0; j < p->nrefs; j++) {
			r = &p->refs[j];
			if (r->done ||
			    strncmp(r->ref, "refs/heads/", 11) != 0 ||
			    strcmp(r->ref + 11, rest + n + 1) != 0 ||
			    strcmp(r->local, up->new) != 0)
				continue;
			*push = i - 1;
			return r;
		}
	}
	return NULL;
}

/* The tracking ref's newest reflog entry must be git push's. */
static int
moved_by_push(struct repo *repo, const char *ref)
{
	struct error err;
	char *msg = NULL;
	int yes;

	error_clear(&err);
	if (repo_reflog_message(&msg, repo, ref, &err) < 0)
		return 0;
	yes = msg != NULL && strncmp(msg, "update by push", 14) == 0;
	if (!yes)
		log_verbose("%s moved, but not by a push: not confirmed", ref);
	free(msg);
	return yes;
}

struct claim {
	size_t			push;
	struct intent_ref	ref;	/* ref.ref borrowed from the intent */
};

/* Mark what the updates confirm as done; *claims: what to deploy. */
static int
confirm(struct intent *in, struct repo *repo, const struct ref_update *ups,
    size_t n, struct claim **claims, size_t *nclaims)
{
	struct intent_ref *r;
	size_t i, push;
	int changed = 0;

	for (i = 0; i < n; i++) {
		if ((r = match_tracking(in, &ups[i], &push)) == NULL ||
		    !moved_by_push(repo, ups[i].ref))
			continue;
		changed = 1;
		if (!intent_already_done(in, r->ref, r->local)) {
			*claims = xreallocarray(*claims, *nclaims + 1,
			    sizeof(**claims));
			(*claims)[*nclaims].push = push;
			(*claims)[(*nclaims)++].ref = *r;
		}
		r->done = 1;
	}
	return changed;
}

/* Deliver the claims, one group per pre-push run (its options). */
static void
deliver_claims(struct ctx *ctx, const struct intent *in,
    const struct claim *claims, size_t n)
{
	struct intent_ref *refs = xcalloc(n, sizeof(*refs));
	size_t p, i, k;

	for (p = 0; p < in->npushes; p++) {
		for (i = 0, k = 0; i < n; i++)
			if (claims[i].push == p)
				refs[k++] = claims[i].ref;
		if (k > 0)
			(void)deliver_refs(ctx, in, &in->pushes[p], refs, k);
	}
	free(refs);
}

/*
 * 0 when it is certain, without libgit2, that git process `pid` recorded
 * no push: there is no file of its in the common git dir that the hook's
 * environment names. 1 when there is one, or when only opening the
 * repository can tell.
 */
static int
maybe_recorded(const struct ctx *ctx, long pid)
{
	struct stat sb;
	char *gd, *path;
	int yes;

	if (ctx->repo != NULL || ctx->dir != NULL ||
	    (gd = intent_hook_common_dir()) == NULL)
		return 1;
	path = intent_path(gd, pid);
	yes = lstat(path, &sb) == 0 || errno != ENOENT;
	free(path);
	free(gd);
	return yes;
}

static int
confirm_pushed(struct ctx *ctx, const struct ref_update *ups, size_t n,
    struct error *err)
{
	struct git_push_argv a;
	struct claim *claims = NULL;
	struct intent in = { 0 };
	char *dir = NULL, *path = NULL;
	size_t nclaims = 0;
	int fd = -1, rc = -1;
	long pid = find_git_push(&a);

	client_git_push_argv_release(&a);
	if (!maybe_recorded(ctx, pid))		/* a fetch, a branch ... */
		return 0;
	if (open_repo(ctx, err) < 0)
		return -1;
	path = intent_path(repo_common_dir(ctx->repo), pid);
	if (access(path, F_OK) != 0) {		/* not a recorded push */
		free(path);
		return 0;
	}
	dir = intent_dir(repo_common_dir(ctx->repo));
	if (intent_lock(&fd, dir, err) < 0 ||
	    (rc = intent_load(&in, path, err)) != 0) {
		if (rc == DD_ENOTFOUND)
			rc = 0;		/* no push of ours recorded */
		goto out;
	}
	if (in.pid == pid && in.start == proc_start(pid, NULL) &&
	    confirm(&in, ctx->repo, ups, n, &claims, &nclaims))
		rc = intent_save(&in, path, err);
	intent_unlock(fd);
	fd = -1;
	if (rc == 0 && nclaims > 0)
		deliver_claims(ctx, &in, claims, nclaims);
out:
	intent_unlock(fd);
	intent_release(&in);
	free(claims);
	free(dir);
	free(path);
	return rc < 0 ? -1 : 0;
}

int
client_reference_transaction(struct ctx *ctx, int argc, char **argv,
    struct error *err)
{
	struct ref_update *ups = NULL;
	char *input = NULL;
	size_t len = 0, n = 0;
	int status;

	if (argc < 2)
		return error_set(err, EXIT_USAGE, "usage: dotgit-deploy hook "
		    "reference-transaction STATE");
	signal(SIGPIPE, SIG_IGN);
	hook_watchdog();
	if (hook_read_input(&input, &len, 0, err) < 0)
		error_print(err);
	error_clear(err);
	status = run_chained(ctx, "reference-transaction", argv + 1, input,
	    len);
	if (strcmp(argv[1], "committed") == 0)
		tracking_updates(&ups, &n, input, len);
	if (n > 0 && confirm_pushed(ctx, ups, n, err) < 0)
		error_print(err);
	error_clear(err);
	hook_updates_free(ups, n);
	free(input);
	return status;
}

/* ---- post-push: the watcher ---- */

/* The URL for a log line: escaped, without a user:password@ part. */
static char *
display_url(const char *url)
{
	const char *scheme = strstr(url, "://"), *at, *slash;
	char *bare, *out;

	if (scheme != NULL && (at = strchr(scheme + 3, '@')) != NULL &&
	    ((slash = strchr(scheme + 3, '/')) == NULL || at < slash)) {
		bare = xasprintf("%.*s%s", (int)(scheme + 3 - url), url,
		    at + 1);
		out = log_escape(bare, 200);
		free(bare);
		return out;
	}
	return log_escape(url, 200);
}

static void
say_started(const struct intent *in, size_t pending)
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);
	log_info("%s: git push %ld ended: checking %zu ref%s on the remote",
	    when, in->pid, pending, pending == 1 ? "" : "s");
}

/* Ask the remote about the refs still pending in one pre-push run and
 * deploy those it has exactly as pushed. */
static void
settle_push(struct ctx *ctx, struct intent *in, struct intent_push *p)
{
	char (*oids)[OID_HEXSZ + 1], **names, *label, *url;
	struct intent_ref *refs;
	struct error err;
	size_t i, n = 0, k = 0;
	int rc;

	names = xcalloc(p->nrefs, sizeof(*names));
	refs = xcalloc(p->nrefs, sizeof(*refs));
	oids = xcalloc(p->nrefs, sizeof(*oids));
	for (i = 0; i < p->nrefs; i++)
		if (!p->refs[i].done)
			names[n++] = p->refs[i].ref;
	error_clear(&err);
	rc = n > 0 ? watch_ls_remote(oids, p->url, names, n,
	    LS_REMOTE_TIMEOUT, &err) : 0;
	url = display_url(p->url);
	for (i = 0, n = 0; i < p->nrefs; i++) {
		if (p->refs[i].done)
			continue;
		label = hook_ref_label(p->refs[i].ref);
		if (rc < 0)
			log_error("%s: not deployed: cannot check '%s': %s",
			    label, url, err.msg);
		else if (strcasecmp(oids[n], p->refs[i].local) != 0)
			log_info("%s: not deployed: '%s' has %.7s, not the "
			    "pushed %.7s (the push did not succeed)", label,
			    url, oids[n][0] ? oids[n] : "no such ref",
			    p->refs[i].local);
		else if (!intent_already_done(in, p->refs[i].ref,
		    p->refs[i].local))
			refs[k++] = p->refs[i];
		p->refs[i].done = rc == 0 &&
		    strcasecmp(oids[n], p->refs[i].local) == 0;
		n++;
		free(label);
	}
	if (k > 0)
		(void)deliver_refs(ctx, in, p, refs, k);
	free(url);
	free(oids);
	free(refs);
	free(names);
}

static size_t
count_pending(const struct intent *in)
{
	size_t i, j, n = 0;

	for (i = 0; i < in->npushes; i++)
		for (j = 0; j < in->pushes[i].nrefs; j++)
			n += !in->pushes[i].refs[j].done;
	return n;
}

/* Whether git push `pid`, started at `start`, still runs after waiting
 * for it up to max_wait seconds (0: not at all). */
static int
push_still_runs(long pid, unsigned long long start, int max_wait)
{
	if (max_wait > 0)
		return watch_wait_exit(pid, start, max_wait) < 0;
	return proc_start(pid, NULL) == start;
}

/* The push outlived the wait: its refs may still be on their way, so
 * nothing is deployed now and the record stays for a later settle. */
static void
say_left(long pid, int max_wait)
{
	log_error("git push %ld still runs after %d seconds: nothing "
	    "deployed for it now; its record is kept", pid, max_wait);
	log_hint("once it has ended, run 'dotgit-deploy hook post-push' "
	    "in this repository to deploy what it pushed");
}

int
client_settle(struct ctx *ctx, long pid, int max_wait, struct error *err)
{
	const char *gd = repo_common_dir(ctx->repo);
	char *path = intent_path(gd, pid), *dir = intent_dir(gd);
	struct intent in;
	size_t i, pending;
	int fd, rc;

	if ((rc = intent_load(&in, path, err)) != 0) {
		if (rc == DD_ENOTFOUND)
			rc = 0;		/* nothing recorded */
		goto out;
	}
	if (push_still_runs(pid, in.start, max_wait)) {
		if (max_wait > 0)
			say_left(pid, max_wait);
		rc = 1;			/* still running: not ours yet */
		goto out;
	}
	intent_release(&in);
	/* take the file (nobody else will see it), then settle it */
	if ((rc = intent_lock(&fd, dir, err)) < 0)
		goto out;
	if ((rc = intent_load(&in, path, err)) == DD_ENOTFOUND)
		rc = 0;			/* settled meanwhile */
	else if (rc == 0 && unlink(path) < 0)
		rc = error_set(err, EXIT_FAIL, "cannot remove '%s': %s",
		    path, strerror(errno));
	intent_unlock(fd);
	if (rc == 0 && (pending = count_pending(&in)) > 0) {
		say_started(&in, pending);
		for (i = 0; i < in.npushes; i++)
			settle_push(ctx, &in, &in.pushes[i]);
	}
out:
	intent_release(&in);
	free(dir);
	free(path);
	return rc < 0 ? -1 : rc;
}

/* Every recorded push that has ended (a watcher that never ran, or one
 * that gave up waiting). */
static int
settle_all(struct ctx *ctx, struct error *err)
{
	char *dir = intent_dir(repo_common_dir(ctx->repo)), *end;
	struct dirent *de;
	DIR *d;
	long pid;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return 0;
	}
	while ((de = readdir(d)) != NULL && rc >= 0) {
		pid = strtol(de->d_name, &end, 10);
		if (pid > 0 && *end == '\0')
			rc = client_settle(ctx, pid, 0, err);
	}
	closedir(d);
	free(dir);
	return rc < 0 ? -1 : 0;
}

int
client_post_push(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	char *end;
	long pid;

	signal(SIGPIPE, SIG_IGN);
	hook_watchdog();
	if (argc > 2)
		return error_set(err, EXIT_USAGE, "usage: dotgit-deploy hook "
		    "post-push [PID]");
	if (open_repo(ctx, err) < 0)
		return -1;
	if (argc < 2)
		return settle_all(ctx, err);
	pid = strtol(argv[1], &end, 10);
	if (pid <= 0 || *end != '\0')
		return error_set(err, EXIT_USAGE, "'%.64s' is not a process "
		    "id", argv[1]);
	return client_settle(ctx, pid, INTENT_MAX_AGE, err) < 0 ? -1 : 0;
}
