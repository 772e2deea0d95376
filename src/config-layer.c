/* SPDX-License-Identifier: ISC */
/* config-layer.c -- read the files of a configuration, each as far as
 * it is trusted, into one */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config-layer.h"
#include "fsio.h"
#include "log.h"
#include "xmalloc.h"

/*
 * config_load_layers() reads each source in turn into one struct config
 * (config.c parses a file; a later file's keys overwrite); here is what
 * decides how far a file is trusted, which of its sections are refused,
 * and the order problems are shown in.
 */
#define FILE_MAX_BYTES	(4 << 20)

/* Problems. */

struct ordered {
	struct config_problem	pb;
	size_t			file;
	size_t			seq;
};

static int	ordered_cmp(const void *a, const void *b);
static size_t	file_rank(const struct config *cfg, const char *path);
static void	sort_problems(struct config *cfg);
static int	first_error(const struct config *cfg, struct error *err);
static int	read_fd(char **out, size_t *outlen, struct stat *st, int fd,
		    const char *path, struct error *err);
static struct config_file *file_add(struct loader *ld,
		    const struct config_source *src, enum config_trust trust,
		    char *why);
static void	looked_add(struct loader *ld, const char *path);
static char	*repo_distrust(const struct stat *st, int daemon);
static void	refuse(struct loader *ld, struct config_file *f);
static void	skip_tracked(struct loader *ld, struct config_file *f);
static void	judge(struct loader *ld, const struct config_source *src,
		    struct config_file *f, const struct stat *st);
static char	*deny_why(const struct config_source *src,
		    const struct config_file *f);
static void	load_text(struct loader *ld, const struct config_source *src,
		    const char *buf, size_t len, const struct stat *st);
static int	load_source(struct loader *ld, const struct config_source *src,
		    struct error *err);
static size_t	last_file(const struct config *cfg, enum config_trust trust);
static void	pick_main_file(struct config *cfg);

static int
ordered_cmp(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;
	unsigned lx = x->pb.line ? (unsigned)x->pb.line : UINT_MAX;
	unsigned ly = y->pb.line ? (unsigned)y->pb.line : UINT_MAX;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Where a file stands in the order read (the last such entry). */
static size_t
file_rank(const struct config *cfg, const char *path)
{
	size_t i;

	for (i = cfg->nfiles; i > 0; i--)
		if (strcmp(cfg->files[i - 1].path, path) == 0)
			return i - 1;
	return cfg->nfiles;
}

/* File by file in the order read; in a file by line, in the order found
 * on a line; problems of the whole file last. */
static void
sort_problems(struct config *cfg)
{
	struct ordered *o;
	size_t i;

	if (cfg->nproblems < 2)
		return;
	o = xcalloc(cfg->nproblems, sizeof(*o));
	for (i = 0; i < cfg->nproblems; i++) {
		o[i].pb = cfg->problems[i];
		o[i].file = file_rank(cfg, o[i].pb.file);
		o[i].seq = i;
	}
	qsort(o, cfg->nproblems, sizeof(*o), ordered_cmp);
	for (i = 0; i < cfg->nproblems; i++)
		cfg->problems[i] = o[i].pb;
	free(o);
}

static int
first_error(const struct config *cfg, struct error *err)
{
	const struct config_problem *pb = NULL;
	size_t i, n = 0;

	for (i = 0; i < cfg->nproblems; i++)
		if (!cfg->problems[i].warning && n++ == 0)
			pb = &cfg->problems[i];
	if (pb == NULL)
		return 0;
	if (pb->line > 0)
		error_set(err, EXIT_USAGE, "%s:%d: %s", pb->file, pb->line,
		    pb->msg);
	else
		error_set(err, EXIT_USAGE, "%s: %s", pb->file, pb->msg);
	if (n > 1)
		error_hint(err, "%zu more error%s; 'dotgit-deploy config "
		    "check' shows them all", n - 1, n > 2 ? "s" : "");
	return -1;
}

/* Loading. */

/* The whole of an open file (closed here), at most FILE_MAX_BYTES. */
static int
read_fd(char **out, size_t *outlen, struct stat *st, int fd,
    const char *path, struct error *err)
{
	int r, saved;

	*out = NULL;
	if (fstat(fd, st) == 0 && S_ISDIR(st->st_mode)) {
		close(fd);
		return error_set(err, EXIT_USAGE, "cannot read config '%s': "
		    "%s", path, strerror(EISDIR));
	}
	r = fsio_read_fd(fd, FILE_MAX_BYTES, 0, out, outlen);
	saved = errno;
	close(fd);
	if (r < 0)
		return error_set(err, EXIT_USAGE, "cannot read config '%s': "
		    "%s", path, strerror(saved));
	if (r > 0) {
		free(*out);
		*out = NULL;
		return error_set(err, EXIT_USAGE, "config '%s' is larger "
		    "than %d MiB", path, FILE_MAX_BYTES >> 20);
	}
	return 0;
}

static struct config_file *
file_add(struct loader *ld, const struct config_source *src,
    enum config_trust trust, char *why)
{
	struct config *cfg = ld->cfg;
	struct config_file *f;

	cfg->files = xreallocarray(cfg->files, cfg->nfiles + 1,
	    sizeof(*cfg->files));
	f = &cfg->files[cfg->nfiles];
	f->path = xstrdup(src->path);
	f->layer = src->layer;
	f->trust = trust;
	f->why = why;
	f->text = NULL;
	ld->file = cfg->nfiles++;
	return f;
}

static void
looked_add(struct loader *ld, const char *path)
{
	char *next;

	next = xasprintf("%s%s'%s'", ld->looked ? ld->looked : "",
	    ld->looked ? ", " : "", path);
	free(ld->looked);
	ld->looked = next;
}

/* Why a repository file is not trusted, or NULL. Allocated. */
static char *
repo_distrust(const struct stat *st, int daemon)
{
	uid_t me = geteuid();

	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return xasprintf("writable by group or others (mode %04o)",
		    (unsigned)(st->st_mode & 07777));
	if (!daemon && st->st_uid != me && st->st_uid != 0)
		return xasprintf("owned by uid %lu, not by you (uid %lu) or "
		    "root", (unsigned long)st->st_uid, (unsigned long)me);
	return NULL;
}

/* A repository file others may write, for the daemon: not read. */
static void
refuse(struct loader *ld, struct config_file *f)
{
	char *e = log_escape(f->path, 0);

	f->trust = CONFIG_IGNORED;
	free(ld->refused);
	ld->refused = xasprintf("'%s' is %s: refused, as jobs from this "
	    "repository could not be trusted; run 'chmod go-w %s'", e, f->why,
	    e);
	config_problem_add(ld, f->path, 0, 0, "%s", ld->refused);
	free(e);
}

/* [policy] tracked_config = false: a tracked file is not read. */
static void
skip_tracked(struct loader *ld, struct config_file *f)
{
	const char *at = config_origin(ld->cfg, "policy", "tracked_config");

	free(f->why);
	f->why = xasprintf("[policy] tracked_config = false at %s",
	    at != NULL ? at : "?");
	f->trust = CONFIG_IGNORED;
}

/* How far a file is trusted; st is NULL for text given as a string. */
static void
judge(struct loader *ld, const struct config_source *src,
    struct config_file *f, const struct stat *st)
{
	int daemon = (src->flags & CONFIG_SOURCE_DAEMON) != 0;

	if (src->layer == CONFIG_WORKTREE)
		f->trust = CONFIG_TRACKED;
	else if (src->layer == CONFIG_REPO && st != NULL &&
	    (f->why = repo_distrust(st, daemon)) != NULL) {
		if (daemon) {
			refuse(ld, f);
			return;
		}
		f->trust = CONFIG_TRACKED;
	}
	if (f->trust == CONFIG_TRACKED && !ld->cfg->tracked_config)
		skip_tracked(ld, f);
}

/* Why a file may not set the sections in `deny`, for the warnings. */
static char *
deny_why(const struct config_source *src, const struct config_file *f)
{
	static const char only[] = "may only set [project], [branch], [tag] "
	    "and [environment]";

	if (f->trust == CONFIG_TRACKED && f->why == NULL)
		return xasprintf("a tracked file %s", only);
	if (f->trust == CONFIG_TRACKED)
		return xasprintf("it is %s, so it %s", f->why, only);
	if (src->flags & CONFIG_SOURCE_DAEMON)
		return xstrdup("the daemon's [api], [daemon] and [notify] come "
		    "from its own configuration");
	return xstrdup("this file may not set it");
}

static void
load_text(struct loader *ld, const struct config_source *src,
    const char *buf, size_t len, const struct stat *st)
{
	struct config_file *f = file_add(ld, src, CONFIG_TRUSTED, NULL);
	unsigned deny = src->deny;
	char *why;

	judge(ld, src, f, st);
	if (f->trust == CONFIG_IGNORED)
		return;
	f->text = xstrndup(buf, len);
	if (f->trust == CONFIG_TRACKED)
		deny |= CONFIG_TRACKED_DENY;
	why = deny_why(src, f);
	config_parse(ld, buf, len, src->path, deny, why);
	free(why);
}

static int
load_source(struct loader *ld, const struct config_source *src,
    struct error *err)
{
	struct stat st;
	char *buf, *e;
	size_t len = 0;
	int fd, optional = src->layer != CONFIG_COMMAND;

	if (src->text != NULL) {
		load_text(ld, src, src->text, strlen(src->text), NULL);
		return 0;
	}
	if ((fd = open(src->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (optional && (errno == ENOENT || errno == ENOTDIR)) {
			looked_add(ld, src->path);
			return 0;
		}
		if (!optional || errno != EACCES)
			return error_set(err, EXIT_USAGE, "cannot open config "
			    "'%s': %s", src->path, strerror(errno));
		file_add(ld, src, CONFIG_IGNORED, xstrdup(strerror(errno)));
		e = log_escape(src->path, 0);
		config_problem_add(ld, src->path, 0, 1, "cannot read '%s': %s; "
		    "skipped", e, strerror(EACCES));
		free(e);
		return 0;
	}
	if (read_fd(&buf, &len, &st, fd, src->path, err) < 0)
		return -1;
	load_text(ld, src, buf, len, &st);
	free(buf);
	return 0;
}

/* The last file read of that trust, or cfg->nfiles. */
static size_t
last_file(const struct config *cfg, enum config_trust trust)
{
	size_t i;

	for (i = cfg->nfiles; i > 0; i--)
		if (cfg->files[i - 1].trust == trust)
			return i - 1;
	return cfg->nfiles;
}

/* The file a missing setting would go in: the last trusted one read,
 * else the last tracked one, else the last one. */
static void
pick_main_file(struct config *cfg)
{
	size_t pick = last_file(cfg, CONFIG_TRUSTED);

	if (pick == cfg->nfiles)
		pick = last_file(cfg, CONFIG_TRACKED);
	if (pick == cfg->nfiles)
		pick = cfg->nfiles - 1;
	cfg->file = xstrdup(cfg->files[pick].path);
}

int
config_load_layers(struct config *out, const struct config_source *src,
    size_t n, struct error *err)
{
	struct loader ld;
	size_t i;
	int rc = 0;

	config_defaults(out);
	memset(&ld, 0, sizeof(ld));
	ld.cfg = out;
	for (i = 0; i < n && rc == 0; i++) {
		ld.base |= (src[i].flags & CONFIG_SOURCE_BASE) != 0;
		rc = load_source(&ld, &src[i], err);
	}
	if (rc == 0 && out->nfiles == 0) {
		rc = error_set(err, EXIT_USAGE, "no configuration found; "
		    "looked for %s", ld.looked ? ld.looked : "nothing");
		error_hint(err, "create one (see config/dotgit-deploy.ini) "
		    "or name it with -c FILE");
	}
	if (rc == 0 && ld.refused != NULL)	/* that says it all */
		rc = error_set(err, EXIT_USAGE, "%s", ld.refused);
	if (rc == 0) {
		pick_main_file(out);
		config_finish(&ld);
		sort_problems(out);
		rc = first_error(out, err);
	}
	free(ld.looked);
	free(ld.refused);
	free(ld.rule_env);
	free(ld.project_file);
	return rc;
}

int
config_load(struct config *out, const char *path, struct error *err)
{
	struct config_source src = { path, CONFIG_COMMAND, 0, 0, NULL };

	return config_load_layers(out, &src, 1, err);
}

int
config_load_string(struct config *out, const char *text, const char *name,
    struct error *err)
{
	struct config_source src = { name, CONFIG_COMMAND, 0, 0, text };

	return config_load_layers(out, &src, 1, err);
}

const char *
config_layer_name(enum config_layer layer)
{
	switch (layer) {
	case CONFIG_SYSTEM:
		return "system";
	case CONFIG_USER:
		return "user";
	case CONFIG_REPO:
		return "repository";
	case CONFIG_WORKTREE:
		return "work tree";
	case CONFIG_COMMAND:
		return "-c";
	}
	return "?";
}

const char *
config_trust_name(enum config_trust trust)
{
	return trust == CONFIG_TRUSTED ? "trusted" :
	    trust == CONFIG_TRACKED ? "tracked" : "ignored";
}
