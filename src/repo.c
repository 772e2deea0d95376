/* SPDX-License-Identifier: ISC */
/* repo.c -- the repository through libgit2 1.5 (the only user of git2.h) */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "dl-git2.h"	/* libgit2, loaded on first use: sym_git_*() */
#include "log.h"
#include "repo.h"
#include "xmalloc.h"

#define ESCMAX	200		/* bytes of a user string shown in errors */
#define ESCBUF	(ESCMAX * 4 + 8)

struct repo {
	git_repository	*git;
	char		*git_dir;	/* absolute, trailing '/' */
	char		*common_dir;	/* absolute, trailing '/' */
	char		*workdir;	/* the same, or NULL if bare */
};

static const char *esc(char [ESCBUF], const char *);
static int	git_fail(struct error *, const char *, ...) PRINTFLIKE(2, 3);
static int	open_dir(git_repository **, const char *, struct error *);
static int	open_env(git_repository **, struct error *);
static int	open_env_manual(git_repository **, struct error *);
static int	open_failed(struct error *, int, const char *, int);
static int	check_common_dir(git_repository *, struct error *);
static int	across_fs(void);
static int	refuse_sha256(const char *, int, int, const char *,
		    struct error *);
static int	refuse_format(const char *, const char *, struct error *);
static char	*strip_slash(const char *);
static int	expand_home(char **, const char *, struct error *);
static int	unborn(struct repo *, struct error *);
static int	detached(git_reference *, struct error *);
static int	peel_commit(git_commit **, git_object *, const char *,
		    struct error *);
static int	lookup_commit(git_commit **, struct repo *, const char *,
		    struct error *);
static int	ref_commit(char *, struct repo *, const char *, const char *,
		    const char *, struct error *);
static int	named_ref_commit(char *, struct repo *, const char *,
		    const char *, const char *, struct error *);
static int	commit_tree(git_tree **, struct repo *, const char *,
		    struct error *);
static int	pathspec(char ***, char *const *, size_t, struct error *);

static long	foreign_owner(const char *dir);
static int	config_string(char **out, git_config *cfg, const char *key,
		    struct error *err);
static int	ref_target(git_oid *out, struct repo *r, const char *full,
		    struct error *err);
static int	ref_cmp(const void *a, const void *b);
static int	add_ref(struct repo_ref **out, size_t *n, git_reference *ref);
static int	local_config(git_config **out, struct repo *r, int snapshot,
		    struct error *err);

/* A terminal-safe copy of a user string, in buf. */
static const char *
esc(char buf[ESCBUF], const char *s)
{
	char *e = log_escape(s, ESCMAX);

	snprintf(buf, ESCBUF, "%s", e);
	free(e);
	return buf;
}

/* "<what>: <libgit2's last message>" (escaped: it may quote user input). */
static int
git_fail(struct error *err, const char *fmt, ...)
{
	const git_error *e = sym_git_error_last();
	char what[512], buf[ESCBUF];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return error_set(err, EXIT_FAIL, "%s: %s", what,
	    esc(buf, e != NULL && e->message != NULL ? e->message :
	    "unknown libgit2 error"));
}

/* Off for the daemon: it opens only what [daemon] repos lists. */
static int owner_validation = 1;

void
repo_trust_owners(void)
{
	owner_validation = 0;
}

int
repo_open(struct repo **out, const char *dir, struct error *err)
{
	git_repository *git = NULL;
	struct repo *r;
	int rc;

	*out = NULL;
	if (dl_git2_load(err) < 0)
		return -1;
	if (sym_git_libgit2_init() < 0)
		return git_fail(err, "cannot initialize libgit2");
	if (!owner_validation)
		sym_git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	rc = dir != NULL ? open_dir(&git, dir, err) : open_env(&git, err);
	if (rc < 0) {
		sym_git_repository_free(git);
		sym_git_libgit2_shutdown();
		return -1;
	}
	r = xcalloc(1, sizeof(*r));
	r->git = git;
	r->git_dir = xstrdup(sym_git_repository_path(git));
	r->common_dir = xstrdup(sym_git_repository_commondir(git));
	if (sym_git_repository_workdir(git) != NULL)
		r->workdir = xstrdup(sym_git_repository_workdir(git));
	*out = r;
	return 0;
}

void
repo_free(struct repo *r)
{
	if (r == NULL)
		return;
	sym_git_repository_free(r->git);
	free(r->git_dir);
	free(r->common_dir);
	free(r->workdir);
	free(r);
	sym_git_libgit2_shutdown();
}

/* Like `git -C dir`: discover upward from dir. */
static int
open_dir(git_repository **git, const char *dir, struct error *err)
{
	const char *ceiling = getenv("GIT_CEILING_DIRECTORIES");
	struct stat st;
	char buf[ESCBUF];
	int rc;

	if (stat(dir, &st) < 0)
		return error_set(err, EXIT_FAIL, "cannot change to '%s': %s",
		    esc(buf, dir), strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return error_set(err, EXIT_FAIL, "cannot change to '%s': %s",
		    esc(buf, dir), strerror(ENOTDIR));
	if (refuse_sha256(dir, 1, 0, ceiling, err) < 0)
		return -1;
	rc = sym_git_repository_open_ext(git, dir, 0, ceiling);
	return rc < 0 ? open_failed(err, rc, dir, 1) : 0;
}

/* The environment of a hook (GIT_DIR=.), or discovery from the cwd. */
static int
open_env(git_repository **git, struct error *err)
{
	const char *gd = getenv("GIT_DIR");
	char cwd[PATH_MAX];
	int rc;

	/* libgit2 1.5: "GIT_WORK_TREE unimplemented", even when empty */
	if (getenv("GIT_WORK_TREE") != NULL ||
	    getenv("GIT_COMMON_DIR") != NULL)
		return open_env_manual(git, err);
	if (gd == NULL && getcwd(cwd, sizeof(cwd)) == NULL)
		snprintf(cwd, sizeof(cwd), ".");
	if (refuse_sha256(gd != NULL ? gd : cwd, gd == NULL, across_fs(),
	    getenv("GIT_CEILING_DIRECTORIES"), err) < 0)
		return -1;
	rc = sym_git_repository_open_ext(git, NULL,
	    GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	return rc < 0 ? open_failed(err, rc, gd != NULL ? gd : cwd, 0) : 0;
}

/* GIT_DIR opened as is (or discovered) and GIT_WORK_TREE applied here. */
static int
open_env_manual(git_repository **git, struct error *err)
{
	const char *gd = getenv("GIT_DIR"), *wt = getenv("GIT_WORK_TREE");
	const char *ceiling = getenv("GIT_CEILING_DIRECTORIES");
	char buf[ESCBUF], cwd[PATH_MAX];
	int rc, across = across_fs();

	if (gd != NULL && *gd != '\0') {
		if (refuse_sha256(gd, 0, 0, NULL, err) < 0)
			return -1;
		rc = sym_git_repository_open_ext(git, gd,
		    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
		if (rc < 0)
			return open_failed(err, rc, gd, 0);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			snprintf(cwd, sizeof(cwd), ".");
		if (refuse_sha256(cwd, 1, across, ceiling, err) < 0)
			return -1;
		rc = sym_git_repository_open_ext(git, cwd, across ?
		    GIT_REPOSITORY_OPEN_CROSS_FS : 0, ceiling);
		if (rc < 0)
			return open_failed(err, rc, cwd, 0);
	}
	if (wt != NULL && *wt != '\0' &&
	    sym_git_repository_set_workdir(*git, wt, 0) < 0)
		return git_fail(err, "cannot use GIT_WORK_TREE '%s'",
		    esc(buf, wt));
	return check_common_dir(*git, err);
}

static int
across_fs(void)
{
	const char *v = getenv("GIT_DISCOVERY_ACROSS_FILESYSTEM");

	return v != NULL && (strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0 ||
	    strcmp(v, "1") == 0);
}

/* libgit2 cannot take GIT_COMMON_DIR: accept it only when it agrees. */
static int
check_common_dir(git_repository *git, struct error *err)
{
	const char *cd = getenv("GIT_COMMON_DIR");
	char a[PATH_MAX], b[PATH_MAX], buf[ESCBUF];

	if (cd == NULL || *cd == '\0')
		return 0;
	if (realpath(cd, a) == NULL)
		return error_set(err, EXIT_FAIL, "cannot use GIT_COMMON_DIR "
		    "'%s': %s", esc(buf, cd), strerror(errno));
	if (realpath(sym_git_repository_commondir(git), b) == NULL ||
	    strcmp(a, b) != 0)
		return error_set(err, EXIT_FAIL, "cannot use GIT_COMMON_DIR "
		    "'%s': it is not the common directory of '%s' and "
		    "libgit2 1.5 cannot override it", esc(buf, cd),
		    sym_git_repository_path(git));
	return 0;
}

/* The owner of the repository at dir (itself, or dir/.git), when it is
 * not us: -1 otherwise. libgit2, like git, will not open it then. */
static long
foreign_owner(const char *dir)
{
	static const char *const probe[] = { "/HEAD", "/.git/HEAD", NULL };
	struct stat st;
	char *p;
	size_t i;
	int found;

	for (i = 0; probe[i] != NULL; i++) {
		p = xasprintf("%s%s", dir, probe[i]);
		found = stat(p, &st) == 0;
		free(p);
		if (found)
			return st.st_uid != geteuid() ? (long)st.st_uid : -1;
	}
	return -1;
}

static int
open_failed(struct error *err, int rc, const char *path, int from_c)
{
	char buf[ESCBUF];
	long owner;

	if (rc == GIT_ENOTFOUND && (owner = foreign_owner(path)) >= 0) {
		error_set(err, EXIT_FAIL, "cannot open repository '%s': it "
		    "belongs to uid %ld, not to you, and libgit2 (like git) "
		    "refuses it", esc(buf, path), owner);
		error_hint(err, "run as its owner, or add it to safe.directory "
		    "in your ~/.gitconfig");
		return -1;
	}
	if (rc != GIT_ENOTFOUND)
		return git_fail(err, "cannot open repository '%s'",
		    esc(buf, path));
	error_set(err, EXIT_FAIL, "not a git repository: '%s'",
	    esc(buf, path));
	if (from_c)
		error_hint(err, "-C DIR must name a directory inside a git "
		    "repository");
	else
		error_hint(err, "run it inside a git repository, or name one "
		    "with -C DIR");
	return -1;
}

/*
 * Refuse a sha256 repository before libgit2 opens it: libgit2 1.5 would
 * only say "unsupported extension name extensions.objectformat" (and leak
 * in its extension check). `start` is the git dir itself, or with
 * `search` where discovery starts. Anything unclear is left to the open.
 */
static int
refuse_sha256(const char *start, int search, int across,
    const char *ceiling, struct error *err)
{
	git_buf found = { 0 };
	git_config *cfg = NULL;
	git_buf fmt = { 0 };
	char *common = NULL, *path;
	int rc = 0;

	if (search) {
		if (sym_git_repository_discover(&found, start, across,
		    ceiling) < 0)
			goto out;
		start = found.ptr;
	}
	common = repo_common_dir_of(start);
	path = xasprintf("%s/config", common);
	if (sym_git_config_open_ondisk(&cfg, path) == 0 &&
	    sym_git_config_get_string_buf(&fmt, cfg,
	    "extensions.objectformat") == 0 &&
	    strcasecmp(fmt.ptr, "sha1") != 0)
		rc = refuse_format(common, fmt.ptr, err);
	free(path);
out:
	sym_git_error_clear();
	sym_git_config_free(cfg);
	sym_git_buf_dispose(&fmt);
	sym_git_buf_dispose(&found);
	free(common);
	return rc;
}

static int
refuse_format(const char *common, const char *fmt, struct error *err)
{
	char real[PATH_MAX], buf[ESCBUF], *shown;

	shown = strip_slash(realpath(common, real) != NULL ? real : common);
	error_set(err, EXIT_FAIL, "'%s' is a %.32s repository; dotgit-deploy "
	    "(libgit2 1.5) supports sha1 repositories only", esc(buf, shown),
	    fmt);
	free(shown);
	return -1;
}

char *
repo_common_dir_of(const char *gd)
{
	char line[PATH_MAX], *path = xasprintf("%s/commondir", gd);
	FILE *f = fopen(path, "r");

	free(path);
	if (f == NULL)
		return strip_slash(gd);
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if (line[0] == '\0')
		return strip_slash(gd);
	if (line[0] == '/')
		return strip_slash(line);
	return xasprintf("%s/%s", gd, line);
}

/* Copy of a path without its trailing '/' (but "/" stays). */
static char *
strip_slash(const char *path)
{
	char *s = xstrdup(path);
	size_t n = strlen(s);

	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

const char *
repo_git_dir(const struct repo *r)
{
	return r->git_dir;
}

const char *
repo_common_dir(const struct repo *r)
{
	return r->common_dir;
}

const char *
repo_workdir(const struct repo *r)
{
	return r->workdir;
}

int
repo_hooks_dir(char **out, struct repo *r, struct error *err)
{
	char *hp, *path;

	*out = NULL;
	if (repo_config_get(&hp, r, "core.hooksPath", err) < 0)
		return -1;
	if (hp == NULL || *hp == '\0') {
		free(hp);
		path = xasprintf("%shooks", r->common_dir);
	} else if (hp[0] == '~') {
		if (expand_home(&path, hp, err) < 0) {
			free(hp);
			return error_wrap(err, "reading core.hooksPath");
		}
		free(hp);
	} else if (hp[0] == '/') {
		path = hp;
	} else {
		/* git 2.39 runs hooks from the work tree top, or from the
		 * git directory when bare, and finds them from there */
		path = xasprintf("%s%s", r->workdir != NULL ? r->workdir :
		    r->git_dir, hp);
		free(hp);
	}
	*out = strip_slash(path);
	free(path);
	return 0;
}

/* "~/x" (HOME) and "~user/x", as git expands pathname config values. */
static int
expand_home(char **out, const char *p, struct error *err)
{
	const char *rest = strchr(p, '/'), *home;
	struct passwd *pw;
	char *user, buf[ESCBUF];

	if (rest == NULL)
		rest = p + strlen(p);
	if (rest == p + 1) {
		if ((home = getenv("HOME")) == NULL || *home == '\0') {
			error_set(err, EXIT_FAIL, "cannot expand '%s': HOME is "
			    "not set", esc(buf, p));
			return -1;
		}
	} else {
		user = xstrndup(p + 1, (size_t)(rest - p - 1));
		pw = getpwnam(user);
		free(user);
		if (pw == NULL) {
			error_set(err, EXIT_FAIL, "cannot expand '%s': no such "
			    "user", esc(buf, p));
			return -1;
		}
		home = pw->pw_dir;
	}
	*out = xasprintf("%s%s", home, rest);
	return 0;
}

/* The string at key in cfg (NULL if unset) into out; frees cfg. */
static int
config_string(char **out, git_config *cfg, const char *key,
    struct error *err)
{
	const char *v;
	char buf[ESCBUF];
	int rc;

	rc = sym_git_config_get_string(&v, cfg, key);
	if (rc == 0)
		*out = xstrdup(v);
	else if (rc != GIT_ENOTFOUND)
		git_fail(err, "reading git config '%s'", esc(buf, key));
	sym_git_config_free(cfg);
	return rc == 0 || rc == GIT_ENOTFOUND ? 0 : -1;
}

int
repo_config_get(char **out, struct repo *r, const char *key,
    struct error *err)
{
	git_config *cfg = NULL;

	*out = NULL;
	if (sym_git_repository_config_snapshot(&cfg, r->git) < 0)
		return git_fail(err, "reading git config");
	return config_string(out, cfg, key, err);
}

int
repo_config_set(struct repo *r, const char *key, const char *value,
    struct error *err)
{
	git_config *cfg = NULL;
	char buf[ESCBUF];
	int rc;

	if (sym_git_repository_config(&cfg, r->git) < 0)
		return git_fail(err, "reading git config");
	rc = sym_git_config_set_string(cfg, key, value);
	if (rc < 0)
		git_fail(err, "setting git config '%s'", esc(buf, key));
	sym_git_config_free(cfg);
	return rc < 0 ? -1 : 0;
}

int
repo_current_branch(char **out, struct repo *r, struct error *err)
{
	git_reference *head = NULL;
	const char *name;
	char buf[ESCBUF];
	int rc;

	*out = NULL;
	rc = sym_git_repository_head(&head, r->git);
	if (rc == GIT_EUNBORNBRANCH)
		return unborn(r, err);
	if (rc < 0)
		return git_fail(err, "reading HEAD");
	name = sym_git_reference_name(head);
	if (sym_git_repository_head_detached(r->git) == 1 ||
	    strcmp(name, "HEAD") == 0)
		rc = detached(head, err);
	else if (!sym_git_reference_is_branch(head))
		rc = error_set(err, EXIT_FAIL, "HEAD points at '%s', not at a "
		    "branch", esc(buf, name));
	else
		*out = xstrdup(name + strlen("refs/heads/"));
	sym_git_reference_free(head);
	return rc < 0 ? -1 : 0;
}

/* "branch 'main' has no commits yet" */
static int
unborn(struct repo *r, struct error *err)
{
	git_reference *head = NULL;
	const char *target;
	char buf[ESCBUF];

	if (sym_git_reference_lookup(&head, r->git, "HEAD") < 0)
		return git_fail(err, "reading HEAD");
	target = sym_git_reference_symbolic_target(head);
	if (target == NULL)
		target = "HEAD";
	else if (strncmp(target, "refs/heads/", 11) == 0)
		target += 11;
	error_set(err, EXIT_FAIL, "branch '%s' has no commits yet",
	    esc(buf, target));
	sym_git_reference_free(head);
	return -1;
}

static int
detached(git_reference *head, struct error *err)
{
	git_object *obj = NULL;
	git_buf short_id = { 0 };
	char hex[8];

	sym_git_oid_tostr(hex, sizeof(hex), sym_git_reference_target(head));
	if (sym_git_object_lookup(&obj, sym_git_reference_owner(head),
	    sym_git_reference_target(head), GIT_OBJECT_ANY) == 0 &&
	    sym_git_object_short_id(&short_id, obj) == 0)
		snprintf(hex, sizeof(hex), "%.7s", short_id.ptr);
	error_set(err, EXIT_FAIL, "HEAD is detached at %s; name a branch: "
	    "dotgit-deploy deploy BRANCH", short_id.ptr != NULL ?
	    short_id.ptr : hex);
	sym_git_buf_dispose(&short_id);
	sym_git_object_free(obj);
	return -1;
}

int
repo_branch_commit(char out[OID_HEXSZ + 1], struct repo *r,
    const char *branch, struct error *err)
{
	return named_ref_commit(out, r, "refs/heads/", branch, "branch", err);
}

int
repo_tag_commit(char out[OID_HEXSZ + 1], struct repo *r, const char *tag,
    struct error *err)
{
	return named_ref_commit(out, r, "refs/tags/", tag, "tag", err);
}

static int
named_ref_commit(char *out, struct repo *r, const char *prefix,
    const char *name, const char *kind, struct error *err)
{
	char *full = xasprintf("%s%s", prefix, name);
	int rc;

	rc = ref_commit(out, r, full, kind, name, err);
	free(full);
	return rc;
}

/* The commit a ref peels to; errors say "<kind> '<shown>'". */
static int
ref_commit(char *out, struct repo *r, const char *full, const char *kind,
    const char *shown, struct error *err)
{
	git_reference *ref = NULL, *res = NULL;
	git_object *obj = NULL;
	git_commit *commit = NULL;
	char buf[ESCBUF], what[ESCBUF + 32];
	int rc;

	out[0] = '\0';
	esc(buf, shown);
	if ((rc = sym_git_reference_lookup(&ref, r->git, full)) == 0)
		rc = sym_git_reference_resolve(&res, ref);
	if (rc == GIT_ENOTFOUND) {
		error_set(err, EXIT_FAIL, "no %s '%s'", kind, buf);
		rc = DD_ENOTFOUND;
	} else if (rc == GIT_EINVALIDSPEC) {
		rc = error_set(err, EXIT_FAIL, "invalid %s name '%s'", kind,
		    buf);
	} else if (rc < 0) {
		rc = git_fail(err, "reading ref '%s'", esc(buf, full));
	} else if (sym_git_object_lookup(&obj, r->git,
	    sym_git_reference_target(res), GIT_OBJECT_ANY) < 0) {
		rc = git_fail(err, "reading ref '%s'", esc(buf, full));
	} else {
		snprintf(what, sizeof(what), "%s '%s'", kind, buf);
		if ((rc = peel_commit(&commit, obj, what, err)) == 0)
			sym_git_oid_tostr(out, OID_HEXSZ + 1,
			    sym_git_commit_id(commit));
	}
	sym_git_commit_free(commit);
	sym_git_object_free(obj);
	sym_git_reference_free(res);
	sym_git_reference_free(ref);
	return rc;
}

/* obj (a commit, or a tag of one) to its commit; else "<what> is a tree,
 * not a commit" or "<what> points at a blob, not a commit". */
static int
peel_commit(git_commit **out, git_object *obj, const char *what,
    struct error *err)
{
	git_object *target = NULL;
	git_object_t type = sym_git_object_type(obj);

	*out = NULL;
	if (sym_git_object_peel(&target, obj, GIT_OBJECT_COMMIT) == 0) {
		*out = (git_commit *)target;
		return 0;
	}
	if (type != GIT_OBJECT_TAG)
		return error_set(err, EXIT_FAIL, "%s is a %s, not a commit",
		    what, sym_git_object_type2string(type));
	if (sym_git_tag_peel(&target, (git_tag *)obj) < 0)
		return git_fail(err, "reading %s", what);
	error_set(err, EXIT_FAIL, "%s points at a %s, not a commit", what,
	    sym_git_object_type2string(sym_git_object_type(target)));
	sym_git_object_free(target);
	return -1;
}

int
repo_resolve(char out[OID_HEXSZ + 1], struct repo *r, const char *rev,
    struct error *err)
{
	git_object *obj = NULL;
	git_commit *commit = NULL;
	char buf[ESCBUF], what[ESCBUF + 32];
	int rc;

	out[0] = '\0';
	esc(buf, rev);
	rc = sym_git_revparse_single(&obj, r->git, rev);
	if (rc == GIT_ENOTFOUND) {
		error_set(err, EXIT_FAIL, "unknown revision '%s'", buf);
		return DD_ENOTFOUND;
	}
	if (rc == GIT_EAMBIGUOUS)
		return git_fail(err, "ambiguous revision '%s'", buf);
	if (rc == GIT_EINVALIDSPEC)
		return error_set(err, EXIT_FAIL, "invalid revision '%s'", buf);
	if (rc < 0)
		return git_fail(err, "resolving revision '%s'", buf);
	snprintf(what, sizeof(what), "revision '%s'", buf);
	if ((rc = peel_commit(&commit, obj, what, err)) == 0)
		sym_git_oid_tostr(out, OID_HEXSZ + 1,
		    sym_git_commit_id(commit));
	sym_git_commit_free(commit);
	sym_git_object_free(obj);
	return rc;
}

/* The commit the object `hex` stands for. */
static int
lookup_commit(git_commit **out, struct repo *r, const char *hex,
    struct error *err)
{
	git_object *obj = NULL;
	git_oid oid;
	char buf[ESCBUF], what[ESCBUF + 32];
	int rc;

	*out = NULL;
	esc(buf, hex);
	if (!repo_oid_valid(hex) || sym_git_oid_fromstr(&oid, hex) < 0)
		return error_set(err, EXIT_FAIL, "invalid object id '%s'", buf);
	rc = sym_git_object_lookup(&obj, r->git, &oid, GIT_OBJECT_ANY);
	if (rc == GIT_ENOTFOUND) {
		error_set(err, EXIT_FAIL, "object %s is not in the repository",
		    buf);
		return DD_ENOTFOUND;
	}
	if (rc < 0)
		return git_fail(err, "reading object %s", buf);
	snprintf(what, sizeof(what), "object %s", buf);
	rc = peel_commit(out, obj, what, err);
	sym_git_object_free(obj);
	return rc;
}

int
repo_peel_commit(char out[OID_HEXSZ + 1], struct repo *r, const char *hex,
    struct error *err)
{
	git_commit *commit;
	int rc;

	out[0] = '\0';
	if ((rc = lookup_commit(&commit, r, hex, err)) < 0)
		return rc;
	sym_git_oid_tostr(out, OID_HEXSZ + 1, sym_git_commit_id(commit));
	sym_git_commit_free(commit);
	return 0;
}

/* The object a ref points at (symbolic refs resolved). */
static int
ref_target(git_oid *out, struct repo *r, const char *full,
    struct error *err)
{
	git_reference *ref = NULL, *res = NULL;
	char buf[ESCBUF];
	int rc;

	esc(buf, full);
	if ((rc = sym_git_reference_lookup(&ref, r->git, full)) == 0)
		rc = sym_git_reference_resolve(&res, ref);
	if (rc == GIT_ENOTFOUND) {
		error_set(err, EXIT_FAIL, "no ref '%s'", buf);
		rc = DD_ENOTFOUND;
	} else if (rc < 0)
		rc = git_fail(err, "reading ref '%s'", buf);
	else
		*out = *sym_git_reference_target(res);
	sym_git_reference_free(res);
	sym_git_reference_free(ref);
	return rc;
}

int
repo_ref_holds(int *out, struct repo *r, const char *fullref,
    const char *hex, struct error *err)
{
	git_commit *pushed = NULL;
	git_oid at, want;
	int rc;

	*out = 0;
	if ((rc = ref_target(&at, r, fullref, err)) < 0)
		return rc;
	if (!repo_oid_valid(hex) || sym_git_oid_fromstr(&want, hex) < 0)
		return error_set(err, EXIT_FAIL, "invalid object id");
	if (sym_git_oid_equal(&at, &want) || strncmp(fullref, "refs/tags/",
	    10) == 0) {
		*out = sym_git_oid_equal(&at, &want);
		return 0;
	}
	if ((rc = lookup_commit(&pushed, r, hex, err)) < 0)
		return rc;
	if (sym_git_oid_equal(&at, sym_git_commit_id(pushed)))
		*out = 1;
	else if ((rc = sym_git_graph_descendant_of(r->git, &at,
	    sym_git_commit_id(pushed))) < 0)
		rc = git_fail(err, "reading the history of '%s'", fullref);
	else {
		*out = rc;
		rc = 0;
	}
	sym_git_commit_free(pushed);
	return rc;
}

int
repo_commit_message(char **out, struct repo *r, const char *hex,
    struct error *err)
{
	git_commit *commit;
	const char *msg;
	int rc;

	*out = NULL;
	if ((rc = lookup_commit(&commit, r, hex, err)) < 0)
		return rc;
	msg = sym_git_commit_message(commit);
	*out = xstrdup(msg != NULL ? msg : "");
	sym_git_commit_free(commit);
	return 0;
}

/* The tree of commit `hex`; NULL (the empty tree) for NULL or zeros. */
static int
commit_tree(git_tree **out, struct repo *r, const char *hex,
    struct error *err)
{
	git_commit *commit;
	char buf[ESCBUF];
	int rc;

	*out = NULL;
	if (hex == NULL || repo_oid_is_zero(hex))
		return 0;
	if ((rc = lookup_commit(&commit, r, hex, err)) < 0)
		return rc;
	if ((rc = sym_git_commit_tree(out, commit)) < 0)
		rc = git_fail(err, "reading the tree of %s", esc(buf, hex));
	sym_git_commit_free(commit);
	return rc;
}

int
repo_paths_changed(int *out, struct repo *r, const char *old_hex,
    const char *new_hex, char *const *paths, size_t npaths,
    struct error *err)
{
	git_tree *old = NULL, *new = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	char **specs = NULL;
	int rc, n;

	*out = 1;
	if ((n = pathspec(&specs, paths, npaths, err)) < 0)
		return -1;
	if ((rc = commit_tree(&old, r, old_hex, err)) < 0 ||
	    (rc = commit_tree(&new, r, new_hex, err)) < 0)
		goto out;
	sym_git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.pathspec.strings = specs;
	opts.pathspec.count = (size_t)n;
	if ((rc = sym_git_diff_tree_to_tree(&diff, r->git, old, new,
	    &opts)) < 0) {
		rc = git_fail(err, "comparing trees");
		goto out;
	}
	*out = sym_git_diff_num_deltas(diff) > 0;
out:
	sym_git_diff_free(diff);
	sym_git_tree_free(new);
	sym_git_tree_free(old);
	free(specs);
	return rc < 0 ? rc : 0;
}

/*
 * Our path filters as libgit2 pathspecs (pointers into paths; the array
 * is allocated). Returns the count: 0 when an entry names the whole tree.
 */
static int
pathspec(char ***out, char *const *paths, size_t npaths, struct error *err)
{
	char buf[ESCBUF];
	const char *p;
	size_t i;
	int n = 0;

	*out = xcalloc(npaths + 1, sizeof(**out));
	for (i = 0; i < npaths; i++) {
		p = paths[i];
		while (*p == '/' || (p[0] == '.' && p[1] == '/'))
			p += *p == '/' ? 1 : 2;
		if (*p == ':') {
			free(*out);
			*out = NULL;
			return error_set(err, EXIT_USAGE, "path filter '%s': "
			    "pathspec magic (':!', ':(exclude)') is not "
			    "supported", esc(buf, paths[i]));
		}
		if (*p == '\0' || strcmp(p, ".") == 0)
			return 0;
		(*out)[n++] = (char *)p;
	}
	return n;
}

static int
ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct repo_ref *)a)->name,
	    ((const struct repo_ref *)b)->name);
}

/* Add ref to the list if it is a branch or a tag. */
static int
add_ref(struct repo_ref **out, size_t *n, git_reference *ref)
{
	const char *name = sym_git_reference_name(ref);
	git_reference *res = NULL;
	int rc;

	if (strncmp(name, "refs/heads/", 11) != 0 &&
	    strncmp(name, "refs/tags/", 10) != 0)
		return 0;
	if ((rc = sym_git_reference_resolve(&res, ref)) < 0)
		return rc == GIT_ENOTFOUND ? 0 : rc;	/* dangling */
	*out = xreallocarray(*out, *n + 1, sizeof(**out));
	(*out)[*n].name = xstrdup(name);
	sym_git_oid_tostr((*out)[*n].oid, OID_HEXSZ + 1,
	    sym_git_reference_target(res));
	(*n)++;
	sym_git_reference_free(res);
	return 0;
}

int
repo_list_refs(struct repo_ref **out, size_t *n, struct repo *r,
    struct error *err)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	int rc;

	*out = NULL;
	*n = 0;
	if (sym_git_reference_iterator_new(&it, r->git) < 0)
		return git_fail(err, "listing the refs of '%s'", r->git_dir);
	while ((rc = sym_git_reference_next(&ref, it)) == 0) {
		rc = add_ref(out, n, ref);
		sym_git_reference_free(ref);
		if (rc < 0)
			break;
	}
	sym_git_reference_iterator_free(it);
	if (rc < 0 && rc != GIT_ITEROVER) {
		repo_refs_free(*out, *n);
		*out = NULL;
		*n = 0;
		return git_fail(err, "listing the refs of '%s'", r->git_dir);
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), ref_cmp);
	return 0;
}

void
repo_refs_free(struct repo_ref *refs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(refs[i].name);
	free(refs);
}

int
repo_oid_valid(const char *hex)
{
	size_t i;

	for (i = 0; i < OID_HEXSZ; i++)
		if (hex[i] == '\0' || strchr("0123456789abcdefABCDEF",
		    hex[i]) == NULL)
			return 0;
	return hex[OID_HEXSZ] == '\0';
}

int
repo_oid_is_zero(const char *hex)
{
	return strspn(hex, "0") == OID_HEXSZ && hex[OID_HEXSZ] == '\0';
}

/* -- for the hooks (install.c, client.c) -- */

int
repo_reflog_message(char **out, struct repo *r, const char *ref,
    struct error *err)
{
	const git_reflog_entry *e;
	git_reflog *log = NULL;
	const char *msg;
	char buf[ESCBUF];

	*out = NULL;
	if (sym_git_reflog_read(&log, r->git, ref) < 0)
		return git_fail(err, "reading the reflog of '%s'",
		    esc(buf, ref));
	if ((e = sym_git_reflog_entry_byindex(log, 0)) != NULL &&
	    (msg = sym_git_reflog_entry_message(e)) != NULL)
		*out = xstrdup(msg);
	sym_git_reflog_free(log);
	return 0;
}

int
repo_config_get_all(char ***out, size_t *n, struct repo *r, const char *key,
    struct error *err)
{
	git_config_iterator *it = NULL;
	git_config_entry *e;
	git_config *cfg = NULL;
	char buf[ESCBUF];
	int rc;

	*out = NULL;
	*n = 0;
	if (sym_git_repository_config_snapshot(&cfg, r->git) < 0)
		return git_fail(err, "reading git config");
	if ((rc = sym_git_config_multivar_iterator_new(&it, cfg, key,
	    NULL)) == 0) {
		while ((rc = sym_git_config_next(&e, it)) == 0) {
			*out = xreallocarray(*out, *n + 1, sizeof(**out));
			(*out)[(*n)++] = xstrdup(e->value ? e->value : "");
		}
		sym_git_config_iterator_free(it);
	}
	if (rc != 0 && rc != GIT_ITEROVER && rc != GIT_ENOTFOUND)
		git_fail(err, "reading git config '%s'", esc(buf, key));
	sym_git_config_free(cfg);
	return rc == 0 || rc == GIT_ITEROVER || rc == GIT_ENOTFOUND ? 0 : -1;
}

/* The repository's own config file, as a config object of its own. */
static int
local_config(git_config **out, struct repo *r, int snapshot,
    struct error *err)
{
	git_config *all = NULL;
	int rc;

	*out = NULL;
	rc = snapshot ? sym_git_repository_config_snapshot(&all, r->git) :
	    sym_git_repository_config(&all, r->git);
	if (rc < 0)
		return git_fail(err, "reading git config");
	rc = sym_git_config_open_level(out, all, GIT_CONFIG_LEVEL_LOCAL);
	sym_git_config_free(all);
	if (rc < 0)
		return git_fail(err, "reading the repository's git config");
	return 0;
}

int
repo_config_get_local(char **out, struct repo *r, const char *key,
    struct error *err)
{
	git_config *cfg;

	*out = NULL;
	if (local_config(&cfg, r, 1, err) < 0)
		return -1;
	return config_string(out, cfg, key, err);
}

int
repo_config_unset(struct repo *r, const char *key, struct error *err)
{
	git_config *cfg;
	char buf[ESCBUF];
	int rc;

	if (local_config(&cfg, r, 0, err) < 0)
		return -1;
	rc = sym_git_config_delete_multivar(cfg, key, ".*");
	if (rc < 0 && rc != GIT_ENOTFOUND)
		git_fail(err, "removing git config '%s'", esc(buf, key));
	sym_git_config_free(cfg);
	return rc == 0 || rc == GIT_ENOTFOUND ? 0 : -1;
}
