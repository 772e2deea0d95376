/* SPDX-License-Identifier: ISC */
/* served.c -- [daemon] repos: which repositories, followed how */
#include <sys/stat.h>

#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "repo.h"
#include "served.h"
#include "xmalloc.h"

#define SELF_NAME	"dotgit-deploy"

static char	*real_dir(const char *path);
static int	is_self(const char *path);
static int	hooked(struct repo *repo);
static int	is_repo_itself(struct repo *repo, const char *path);
static void	add(struct served *s, const char *path);
static int	names(const char *path, const char *real);

/* "<real path>/" of path, or NULL. */
static char *
real_dir(const char *path)
{
	char *real = realpath(path, NULL), *out;

	if (real == NULL)
		return NULL;
	out = xasprintf("%s%s", real, strcmp(real, "/") == 0 ? "" : "/");
	free(real);
	return out;
}

/* 1 if path resolves to this program: the same file as /proc/self/exe,
 * or a file named like it (another installed copy). */
static int
is_self(const char *path)
{
	struct stat a, b;
	char *real, *base;
	int same;

	if (stat(path, &a) < 0)
		return 0;
	if (stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return 1;
	if ((real = realpath(path, NULL)) == NULL)
		return 0;
	base = strrchr(real, '/');
	same = base != NULL && strcmp(base + 1, SELF_NAME) == 0;
	free(real);
	return same;
}

/* 1 if the repository's post-receive hook is this program. */
static int
hooked(struct repo *repo)
{
	struct error err;
	char *dir = NULL, *hook;
	int yes;

	error_clear(&err);
	if (repo_hooks_dir(&dir, repo, &err) < 0) {
		log_debug("%s: %s", repo_git_dir(repo), err.msg);
		return 0;
	}
	hook = xasprintf("%s/post-receive", dir);
	yes = is_self(hook);
	free(hook);
	free(dir);
	return yes;
}

/* 1 if the repository opened from path is path itself (not a parent). */
static int
is_repo_itself(struct repo *repo, const char *path)
{
	char *real = real_dir(path);
	const char *dirs[2] = { repo_git_dir(repo), repo_workdir(repo) };
	char *d;
	size_t i;
	int same = 0;

	for (i = 0; real != NULL && i < 2 && !same; i++) {
		if (dirs[i] == NULL || (d = real_dir(dirs[i])) == NULL)
			continue;
		same = strcmp(real, d) == 0;
		free(d);
	}
	free(real);
	return same;
}

static void
add(struct served *s, const char *path)
{
	struct served_repo *r;
	struct repo *repo = NULL;
	struct error err;
	char *gd;

	error_clear(&err);
	if (repo_open(&repo, path, &err) < 0 ||
	    !is_repo_itself(repo, path) ||
	    (gd = real_dir(repo_git_dir(repo))) == NULL) {
		log_debug("'%s' is not a repository: %s", path,
		    err.msg[0] ? err.msg : "inside another one");
		repo_free(repo);
		return;
	}
	if (served_find(s, gd) != NULL) {	/* two globs, one repo */
		free(gd);
		repo_free(repo);
		return;
	}
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	r = &s->v[s->n++];
	r->git_dir = gd;
	r->path = xstrdup(path);
	r->workdir = repo_workdir(repo) != NULL ?
	    xstrdup(repo_workdir(repo)) : NULL;
	r->hooked = hooked(repo);
	repo_free(repo);
}

void
served_scan(struct served *s, const struct config *cfg)
{
	glob_t g;
	size_t i, j;
	int r;

	served_release(s);
	for (i = 0; i < cfg->nrepos; i++) {
		memset(&g, 0, sizeof(g));
		r = glob(cfg->repos[i], GLOB_ONLYDIR, NULL, &g);
		if (r == 0)
			for (j = 0; j < g.gl_pathc; j++)
				add(s, g.gl_pathv[j]);
		else if (r == GLOB_NOMATCH)
			log_debug("no repository matches '%s'",
			    cfg->repos[i]);
		else
			log_warnx("cannot expand '%s'", cfg->repos[i]);
		globfree(&g);
	}
}

void
served_release(struct served *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].git_dir);
		free(s->v[i].path);
		free(s->v[i].workdir);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* 1 if the glob match `path` is the repository at git dir `real`. */
static int
names(const char *path, const char *real)
{
	char *m = real_dir(path), *dotgit;
	int yes;

	if (m == NULL)
		return 0;
	dotgit = xasprintf("%s.git/", m);
	yes = strcmp(m, real) == 0 || strcmp(dotgit, real) == 0;
	free(dotgit);
	free(m);
	return yes;
}

int
served_listed(const struct config *cfg, const char *git_dir)
{
	char *real = real_dir(git_dir);
	size_t i, j;
	glob_t g;
	int found = 0;

	for (i = 0; real != NULL && i < cfg->nrepos && !found; i++) {
		memset(&g, 0, sizeof(g));
		if (glob(cfg->repos[i], GLOB_ONLYDIR, NULL, &g) == 0)
			for (j = 0; j < g.gl_pathc && !found; j++)
				found = names(g.gl_pathv[j], real);
		globfree(&g);
	}
	free(real);
	return found;
}

const struct served_repo *
served_find(const struct served *s, const char *git_dir)
{
	char *real;
	size_t i;
	const struct served_repo *found = NULL;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].git_dir, git_dir) == 0)
			return &s->v[i];
	if ((real = real_dir(git_dir)) == NULL)
		return NULL;
	for (i = 0; i < s->n && found == NULL; i++)
		if (strcmp(s->v[i].git_dir, real) == 0)
			found = &s->v[i];
	free(real);
	return found;
}
