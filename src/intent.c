/* SPDX-License-Identifier: ISC */
/*
 * intent.c -- the files in $GIT_DIR/dotgit-deploy/pushes/, one per running
 * `git push`, named by its pid. pre-push writes what it is about to push;
 * reference-transaction and the post-push watcher confirm and remove.
 *
 *	dotgit-deploy push 1
 *	pid <pid> <start time>
 *	request <request id>
 *	push <remote name or URL>		(one per pre-push run)
 *	url <URL>
 *	option <push option>			(any number)
 *	ref pending|done <local oid> <remote oid> <remote ref>
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsio.h"
#include "intent.h"
#include "proc.h"
#include "xmalloc.h"

#define INTENT_MAGIC	"dotgit-deploy push 1"
#define INTENT_MAXFILE	(16u << 20)
#define GITFILE_MAX	4096	/* a .git file: "gitdir: <path>" */

static void	append(char **buf, size_t *len, const char *s);
static void	appendf(char **buf, size_t *len, const char *key,
		    const char *value);
static int	parse_ref(struct intent_push *p, char *v);
static int	parse_line(struct intent *in, char *line);
static char	*read_gitfile(const char *path);
static char	*dot_git(void);
static int	make_dir(const char *dir, struct error *err);
static int	push_running(const char *path);

char *
intent_dir(const char *git_dir)
{
	return xasprintf("%sdotgit-deploy/pushes", git_dir);
}

char *
intent_path(const char *git_dir, long pid)
{
	return xasprintf("%sdotgit-deploy/pushes/%ld", git_dir, pid);
}

static void
append(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s);

	*buf = xreallocarray(*buf, *len + n + 1, 1);
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

static void
appendf(char **buf, size_t *len, const char *key, const char *value)
{
	char *line = xasprintf("%s %s\n", key, value);

	append(buf, len, line);
	free(line);
}

char *
intent_format(const struct intent *in)
{
	const struct intent_push *p;
	char *buf = NULL, *line;
	size_t len = 0, i, j;

	line = xasprintf(INTENT_MAGIC "\npid %ld %llu\n%s%s%s", in->pid,
	    in->start, in->request[0] ? "request " : "", in->request,
	    in->request[0] ? "\n" : "");
	append(&buf, &len, line);
	free(line);
	for (i = 0; i < in->npushes; i++) {
		p = &in->pushes[i];
		appendf(&buf, &len, "push", p->remote);
		appendf(&buf, &len, "url", p->url);
		for (j = 0; j < p->noptions; j++)
			appendf(&buf, &len, "option", p->options[j]);
		for (j = 0; j < p->nrefs; j++) {
			line = xasprintf("ref %s %s %s %s\n",
			    p->refs[j].done ? "done" : "pending",
			    p->refs[j].local, p->refs[j].remote,
			    p->refs[j].ref);
			append(&buf, &len, line);
			free(line);
		}
	}
	return buf;
}

static int
parse_ref(struct intent_push *p, char *v)
{
	struct intent_ref r = { 0 };
	char *f[3], *s = v;
	int i;

	for (i = 0; i < 3; i++) {
		f[i] = s;
		if ((s = strchr(s, ' ')) == NULL)
			return -1;
		*s++ = '\0';
	}
	if ((strcmp(f[0], "done") != 0 && strcmp(f[0], "pending") != 0) ||
	    !repo_oid_valid(f[1]) || !repo_oid_valid(f[2]) || *s == '\0')
		return -1;
	r.done = strcmp(f[0], "done") == 0;
	memcpy(r.local, f[1], OID_HEXSZ + 1);
	memcpy(r.remote, f[2], OID_HEXSZ + 1);
	r.ref = xstrdup(s);
	p->refs = xreallocarray(p->refs, p->nrefs + 1, sizeof(*p->refs));
	p->refs[p->nrefs++] = r;
	return 0;
}

static int
parse_line(struct intent *in, char *line)
{
	struct intent_push *p = in->npushes ? &in->pushes[in->npushes - 1] :
	    NULL;
	char *v = strchr(line, ' ');

	if (v == NULL)
		return -1;
	*v++ = '\0';
	if (strcmp(line, "pid") == 0)
		return sscanf(v, "%ld %llu", &in->pid, &in->start) == 2 ?
		    0 : -1;
	if (strcmp(line, "request") == 0) {
		if (!job_request_valid(v))
			return -1;
		memcpy(in->request, v, sizeof(in->request));
		return 0;
	}
	if (strcmp(line, "push") == 0) {
		in->pushes = xreallocarray(in->pushes, in->npushes + 1,
		    sizeof(*in->pushes));
		p = &in->pushes[in->npushes++];
		memset(p, 0, sizeof(*p));
		p->remote = xstrdup(v);
		p->url = xstrdup("");
		return 0;
	}
	if (p == NULL)
		return -1;
	if (strcmp(line, "url") == 0) {
		free(p->url);
		p->url = xstrdup(v);
	} else if (strcmp(line, "option") == 0) {
		p->options = xreallocarray(p->options, p->noptions + 1,
		    sizeof(*p->options));
		p->options[p->noptions++] = xstrdup(v);
	} else if (strcmp(line, "ref") != 0 || parse_ref(p, v) < 0)
		return -1;
	return 0;
}

int
intent_parse(struct intent *out, const char *text, struct error *err)
{
	char *copy = xstrdup(text), *line, *next;
	size_t lineno = 1;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	next = copy;
	line = strsep(&next, "\n");
	if (strcmp(line, INTENT_MAGIC) != 0)
		rc = error_set(err, EXIT_FAIL, "not a push record");
	while (rc == 0 && (line = strsep(&next, "\n")) != NULL) {
		lineno++;
		if (*line != '\0' && parse_line(out, line) < 0)
			rc = error_set(err, EXIT_FAIL, "bad push record line "
			    "%zu", lineno);
	}
	free(copy);
	if (rc < 0)
		intent_release(out);
	return rc;
}

/* The git dir a ".git" file names ("gitdir: <dir>", relative to the
 * directory holding the file), or NULL. */
static char *
read_gitfile(const char *path)
{
	char buf[GITFILE_MAX + 1];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || n > GITFILE_MAX)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strncmp(buf, "gitdir: ", 8) != 0 || buf[8] == '\0')
		return NULL;
	return xstrdup(buf + 8);
}

/* ./.git: the git dir itself, or a file naming it (a linked worktree, a
 * submodule, --separate-git-dir); NULL when there is none. */
static char *
dot_git(void)
{
	struct stat sb;

	if (stat(".git", &sb) < 0)
		return NULL;
	if (S_ISDIR(sb.st_mode))
		return xstrdup(".git");
	return S_ISREG(sb.st_mode) ? read_gitfile(".git") : NULL;
}

char *
intent_hook_common_dir(void)
{
	const char *gd = getenv("GIT_DIR");
	char *dir, *common, *objects, *out = NULL;
	struct stat sb;

	if (getenv("GIT_COMMON_DIR") != NULL)
		return NULL;
	if (gd != NULL && *gd != '\0')
		dir = xstrdup(gd);
	else if (gd != NULL || getenv("GIT_WORK_TREE") != NULL ||
	    (dir = dot_git()) == NULL)
		return NULL;
	common = repo_common_dir_of(dir);
	/* what git would take for a repository (but for a moved object
	 * directory, which only makes this unsure) */
	objects = xasprintf("%s/objects", common);
	if (stat(objects, &sb) == 0 && S_ISDIR(sb.st_mode))
		out = xasprintf("%s%s", common, strcmp(common, "/") ? "/" : "");
	free(objects);
	free(common);
	free(dir);
	return out;
}

int
intent_load(struct intent *out, const char *path, struct error *err)
{
	char *buf;
	size_t len;
	int fd, rc, r;

	memset(out, 0, sizeof(*out));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return DD_ENOTFOUND;
		return error_set(err, EXIT_FAIL, "cannot read '%s': %s", path,
		    strerror(errno));
	}
	r = fsio_read_fd(fd, INTENT_MAXFILE, 0, &buf, &len);
	close(fd);
	rc = r < 0 ? error_set(err, EXIT_FAIL, "cannot read '%s': %s", path,
	    strerror(errno)) : intent_parse(out, buf, err);
	free(buf);
	if (rc < 0)
		return error_wrap(err, "'%s'", path);
	return 0;
}

int
intent_save(const struct intent *in, const char *path, struct error *err)
{
	char *text = intent_format(in), *tmp = xasprintf("%s.tmp", path);
	int rc = 0;

	/* not synced: a push's record is worth nothing after a crash */
	if (fsio_replace_at(AT_FDCWD, tmp, AT_FDCWD, path, text, strlen(text),
	    0600, 0) < 0)
		rc = error_set(err, EXIT_FAIL, "cannot write '%s': %s", path,
		    strerror(errno));
	free(tmp);
	free(text);
	return rc;
}

void
intent_push_release(struct intent_push *p)
{
	size_t i;

	free(p->remote);
	free(p->url);
	for (i = 0; i < p->noptions; i++)
		free(p->options[i]);
	free(p->options);
	for (i = 0; i < p->nrefs; i++)
		free(p->refs[i].ref);
	free(p->refs);
	memset(p, 0, sizeof(*p));
}

void
intent_release(struct intent *in)
{
	size_t i;

	for (i = 0; i < in->npushes; i++)
		intent_push_release(&in->pushes[i]);
	free(in->pushes);
	memset(in, 0, sizeof(*in));
}

void
intent_add_push(struct intent *in, const struct intent_push *src)
{
	struct intent_push *p;
	size_t i;

	in->pushes = xreallocarray(in->pushes, in->npushes + 1,
	    sizeof(*in->pushes));
	p = &in->pushes[in->npushes++];
	p->remote = xstrdup(src->remote);
	p->url = xstrdup(src->url);
	p->noptions = src->noptions;
	p->options = xcalloc(src->noptions, sizeof(*p->options));
	for (i = 0; i < src->noptions; i++)
		p->options[i] = xstrdup(src->options[i]);
	p->nrefs = src->nrefs;
	p->refs = xcalloc(src->nrefs, sizeof(*p->refs));
	for (i = 0; i < src->nrefs; i++) {
		p->refs[i] = src->refs[i];
		p->refs[i].ref = xstrdup(src->refs[i].ref);
	}
}

int
intent_already_done(const struct intent *in, const char *ref,
    const char *local)
{
	const struct intent_ref *r;
	size_t i, j;

	for (i = 0; i < in->npushes; i++)
		for (j = 0; j < in->pushes[i].nrefs; j++) {
			r = &in->pushes[i].refs[j];
			if (r->done && strcmp(r->ref, ref) == 0 &&
			    strcmp(r->local, local) == 0)
				return 1;
		}
	return 0;
}

/* mkdir -p for the few levels below the git directory. */
static int
make_dir(const char *dir, struct error *err)
{
	char *p = xstrdup(dir), *s = strrchr(p, '/');
	int rc = 0;

	if (mkdir(dir, 0700) == 0 || errno == EEXIST) {
		free(p);
		return 0;
	}
	if (errno == ENOENT && s != NULL) {
		*s = '\0';
		(void)mkdir(p, 0777);
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			rc = -1;
	} else
		rc = -1;
	free(p);
	if (rc < 0)
		return error_set(err, EXIT_FAIL, "cannot create '%s': %s",
		    dir, strerror(errno));
	return 0;
}

int
intent_lock(int *fd, const char *dir, struct error *err)
{
	char *path = xasprintf("%s/.lock", dir);

	*fd = -1;
	if (make_dir(dir, err) < 0) {
		free(path);
		return -1;
	}
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0 || flock(*fd, LOCK_EX) < 0) {
		error_set(err, EXIT_FAIL, "cannot lock '%s': %s", path,
		    strerror(errno));
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

void
intent_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* 1 if the file records a push whose git process still runs. */
static int
push_running(const char *path)
{
	struct error err;
	struct intent in;
	int yes;

	error_clear(&err);
	if (intent_load(&in, path, &err) != 0)
		return 0;
	yes = in.start != 0 && proc_start(in.pid, NULL) == in.start;
	intent_release(&in);
	return yes;
}

void
intent_clean_stale(const char *dir, time_t now)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	char *p;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".lock") == 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    sb.st_mtime < now - INTENT_MAX_AGE && !push_running(p))
			(void)unlink(p);
		free(p);
	}
	closedir(d);
}
