/* SPDX-License-Identifier: ISC */
/* install.c -- link the hooks to this binary, chain what was there, undo */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsio.h"
#include "hook.h"
#include "hooks.h"
#include "install.h"
#include "log.h"
#include "xmalloc.h"

#define STATE_DIR	"dotgit-deploy"
#define STATE_FILE	"install.state"
#define STATE_HEADER	"# dotgit-deploy install-hook: what uninstall-hook " \
			"undoes; do not edit\n"
#define MAX_HOOKS	HOOK_COUNT

/* What install-hook did, so that uninstall-hook can undo exactly that. */
struct state {
	char	 *path;			/* the state file */
	char	 *hooks_dir;		/* where the links are */
	char	**created;		/* directories we made, parents first */
	size_t	  ncreated;
	char	 *hook[MAX_HOOKS];	/* link target per hook_kinds[i] */
	int	  have_config;		/* we recorded the setting */
	char	 *config_prev;		/* its value before, NULL: unset */
};

struct install {
	struct repo	*repo;
	struct state	 st;
	const char	*dir;		/* hooks directory */
	const char	*binary;	/* link target */
	FILE		*out;
	int		 changed;	/* anything done or undone */
};

static char	*escape_value(const char *s);
static char	*unescape_value(const char *s);
static void	state_release(struct state *st);
static void	state_line(struct state *st, char *line);
static int	state_load(struct state *st, const char *git_dir,
		    struct error *err);
static int	state_empty(const struct state *st);
static char	*state_text(const struct state *st);
static int	state_save(const struct state *st, struct error *err);
static int	binary_path(char **out, const char *given, struct error *err);
static int	make_dirs(struct state *st, const char *dir, struct error *err);
static char	*link_target(const char *path);
static int	is_ours(const struct install *in, int i, const char *target);
static int	put_link(const char *target, const char *path,
		    struct error *err);
static int	chain_existing(struct install *in, const char *name,
		    const char *path, const char *chained, struct error *err);
static int	install_one(struct install *in, const char *name,
		    struct error *err);
static int	git_true(const char *v);
static int	enable_push_options(struct install *in, struct error *err);
static int	on_side(int i, enum install_side side);
static enum install_side default_side(struct repo *repo,
		    enum install_side side);
static int	check_install(struct install *in, enum install_side side,
		    struct error *err);
static int	restore_push_options(struct install *in, struct error *err);
static int	unchain(struct install *in, const char *name, const char *path,
		    struct error *err);
static int	uninstall_one(struct install *in, const char *name,
		    struct error *err);
static void	remove_created(struct state *st);

/* Escape '\' and newline so that a value fits on one line. */
static char *
escape_value(const char *s)
{
	char *out = xmalloc(strlen(s) * 2 + 1), *p = out;

	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '\n') {
			*p++ = '\\';
			*p++ = *s == '\n' ? 'n' : '\\';
		} else
			*p++ = *s;
	}
	*p = '\0';
	return out;
}

static char *
unescape_value(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *p = out;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			*p++ = *s == 'n' ? '\n' : *s;
		} else
			*p++ = *s;
	}
	*p = '\0';
	return out;
}

static void
state_release(struct state *st)
{
	size_t i;

	free(st->path);
	free(st->hooks_dir);
	for (i = 0; i < st->ncreated; i++)
		free(st->created[i]);
	free(st->created);
	for (i = 0; i < MAX_HOOKS; i++)
		free(st->hook[i]);
	free(st->config_prev);
	memset(st, 0, sizeof(*st));
}

static void
state_line(struct state *st, char *line)
{
	char *sp = strchr(line, ' '), *target;
	int i;

	if (line[0] == '#' || sp == NULL)
		return;
	*sp++ = '\0';
	if (strcmp(line, "hooks-dir") == 0) {
		free(st->hooks_dir);
		st->hooks_dir = xstrdup(sp);
	} else if (strcmp(line, "created-dir") == 0) {
		st->created = xreallocarray(st->created, st->ncreated + 1,
		    sizeof(*st->created));
		st->created[st->ncreated++] = xstrdup(sp);
	} else if (strcmp(line, "hook") == 0) {
		if ((target = strchr(sp, ' ')) == NULL)
			return;
		*target++ = '\0';
		if ((i = hook_kind_find(sp)) >= 0) {
			free(st->hook[i]);
			st->hook[i] = xstrdup(target);
		}
	} else if (strcmp(line, "config-unset") == 0) {
		st->have_config = 1;
	} else if (strcmp(line, "config-value") == 0) {
		st->have_config = 1;
		free(st->config_prev);
		st->config_prev = unescape_value(sp);
	}
}

/* Read the state file; a missing one is an empty state. */
static int
state_load(struct state *st, const char *git_dir, struct error *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	memset(st, 0, sizeof(*st));
	st->path = xasprintf("%s%s/%s", git_dir, STATE_DIR, STATE_FILE);
	if ((f = fopen(st->path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		return error_set(err, EXIT_FAIL, "cannot read '%s': %s",
		    st->path, strerror(errno));
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		state_line(st, line);
	}
	free(line);
	fclose(f);
	return 0;
}

static int
state_empty(const struct state *st)
{
	int i;

	for (i = 0; i < MAX_HOOKS; i++)
		if (st->hook[i] != NULL)
			return 0;
	return !st->have_config;
}

/* The state file's text (allocated). */
static char *
state_text(const struct state *st)
{
	char *text = NULL, *v;
	size_t i, len = 0;
	FILE *f;

	if ((f = open_memstream(&text, &len)) == NULL)
		xoom();
	fputs(STATE_HEADER, f);
	fprintf(f, "hooks-dir %s\n", st->hooks_dir);
	for (i = 0; i < st->ncreated; i++)
		fprintf(f, "created-dir %s\n", st->created[i]);
	for (i = 0; i < MAX_HOOKS; i++)
		if (st->hook[i] != NULL)
			fprintf(f, "hook %s %s\n", hook_kinds[i].name,
			    st->hook[i]);
	if (st->have_config && st->config_prev == NULL)
		fprintf(f, "config-unset %s\n", INSTALL_PUSH_OPTIONS_KEY);
	else if (st->have_config) {
		v = escape_value(st->config_prev);
		fprintf(f, "config-value %s\n", v);
		free(v);
	}
	if (fclose(f) != 0)
		xoom();
	return text;
}

/* Write the state file atomically, or remove it when nothing is left. */
static int
state_save(const struct state *st, struct error *err)
{
	char *dir = xstrdup(st->path), *tmp, *text;
	int rc = -1;

	*strrchr(dir, '/') = '\0';
	if (state_empty(st)) {
		if (unlink(st->path) < 0 && errno != ENOENT)
			error_set(err, EXIT_FAIL, "cannot remove '%s': %s",
			    st->path, strerror(errno));
		else
			rc = 0;
		(void)rmdir(dir);	/* only if nothing else is there */
		free(dir);
		return rc;
	}
	tmp = xasprintf("%s.tmp", st->path);
	text = state_text(st);
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		error_set(err, EXIT_FAIL, "cannot create '%s': %s", dir,
		    strerror(errno));
	else if (fsio_replace_at(AT_FDCWD, tmp, AT_FDCWD, st->path, text,
	    strlen(text), 0666, 1) < 0)
		error_set(err, EXIT_FAIL, "cannot write '%s': %s", st->path,
		    strerror(errno));
	else
		rc = 0;
	free(text);
	free(tmp);
	free(dir);
	return rc;
}

int
install_self_path(char **out, struct error *err)
{
	char buf[PATH_MAX];

	if (realpath("/proc/self/exe", buf) == NULL)
		return error_set(err, EXIT_FAIL, "cannot find this program's "
		    "path in /proc/self/exe: %s", strerror(errno));
	*out = xstrdup(buf);
	return 0;
}

/* An absolute path to an executable file: --binary PATH. */
static int
binary_path(char **out, const char *given, struct error *err)
{
	char cwd[PATH_MAX];
	struct stat sb;

	if (given == NULL)
		return install_self_path(out, err);
	if (stat(given, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    access(given, X_OK) < 0)
		return error_set(err, EXIT_USAGE, "'%s' is not an executable "
		    "file", given);
	if (given[0] == '/') {
		*out = xstrdup(given);
		return 0;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return error_set(err, EXIT_FAIL, "cannot get the current "
		    "directory: %s", strerror(errno));
	*out = xasprintf("%s/%s", cwd, given);
	return 0;
}

/* mkdir -p, remembering each directory made (parents first). */
static int
make_dirs(struct state *st, const char *dir, struct error *err)
{
	char *p = xstrdup(dir), *s, c;
	struct stat sb;
	int rc = 0;

	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (stat(p, &sb) < 0) {
			if (mkdir(p, 0777) < 0)
				rc = error_set(err, EXIT_FAIL, "cannot create "
				    "'%s': %s", p, strerror(errno));
			else {
				st->created = xreallocarray(st->created,
				    st->ncreated + 1, sizeof(*st->created));
				st->created[st->ncreated++] = xstrdup(p);
			}
		} else if (!S_ISDIR(sb.st_mode))
			rc = error_set(err, EXIT_FAIL, "'%s' is not a "
			    "directory", p);
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/* The target of a symlink (allocated), or NULL when path is not one. */
static char *
link_target(const char *path)
{
	char buf[PATH_MAX];
	ssize_t n;

	if ((n = readlink(path, buf, sizeof(buf) - 1)) < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* A link to this binary, to what we installed, or to another build of
 * dotgit-deploy. */
static int
is_ours(const struct install *in, int i, const char *target)
{
	const char *base;

	if (target == NULL)
		return 0;
	if (strcmp(target, in->binary) == 0 ||
	    (in->st.hook[i] != NULL && strcmp(target, in->st.hook[i]) == 0))
		return 1;
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	return strncmp(base, "dotgit-deploy", 13) == 0;
}

/* Point path at target, replacing whatever link is there atomically. */
static int
put_link(const char *target, const char *path, struct error *err)
{
	char *tmp = xasprintf("%s.dotgit-deploy-tmp", path);
	int rc = 0;

	(void)unlink(tmp);
	if (symlink(target, tmp) < 0 || rename(tmp, path) < 0) {
		rc = error_set(err, EXIT_FAIL, "cannot create the hook '%s': "
		    "%s", path, strerror(errno));
		(void)unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* Move an existing hook aside so that it keeps running, chained. */
static int
chain_existing(struct install *in, const char *name, const char *path,
    const char *chained, struct error *err)
{
	struct stat sb;

	if (lstat(path, &sb) < 0)
		return 0;
	if (S_ISDIR(sb.st_mode))
		return error_set(err, EXIT_FAIL, "cannot install '%s': it is "
		    "a directory", path);
	if (lstat(chained, &sb) == 0)
		return error_set(err, EXIT_FAIL, "cannot keep the existing "
		    "'%s': '%s' is already there", path, chained);
	if (rename(path, chained) < 0)
		return error_set(err, EXIT_FAIL, "cannot rename '%s': %s",
		    path, strerror(errno));
	fprintf(in->out, "kept the existing %s hook as '%s': it runs "
	    "first, with the same arguments and input\n", name, chained);
	return 1;
}

static int
install_one(struct install *in, const char *name, struct error *err)
{
	char *path = xasprintf("%s/%s", in->dir, name), *target;
	char *chained = xasprintf("%s%s", path, HOOK_CHAINED_SUFFIX);
	char *want = xstrdup(in->binary);
	int i = hook_kind_find(name), moved, rc = 0;

	target = link_target(path);
	if (is_ours(in, i, target) && strcmp(target, want) == 0)
		fprintf(in->out, "%s already installed in '%s'\n", name,
		    in->dir);
	else if (is_ours(in, i, target)) {
		if ((rc = put_link(want, path, err)) == 0)
			fprintf(in->out, "updated %s in '%s': '%s' (was "
			    "'%s')\n", name, in->dir, want, target);
	} else if ((moved = chain_existing(in, name, path, chained,
	    err)) < 0)
		rc = -1;
	else if ((rc = put_link(want, path, err)) < 0) {
		if (moved)
			(void)rename(chained, path);
	} else
		fprintf(in->out, "installed %s in '%s': a link to '%s'\n",
		    name, in->dir, want);
	if (rc == 0 && (target == NULL || strcmp(target, want) != 0))
		in->changed = 1;
	if (rc == 0) {
		free(in->st.hook[i]);
		in->st.hook[i] = xstrdup(want);
	}
	free(want);
	free(target);
	free(chained);
	free(path);
	return rc;
}

static int
git_true(const char *v)
{
	return v != NULL && (strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0 ||
	    strcmp(v, "1") == 0);
}

/* receive.advertisePushOptions=true, remembering the value before. */
static int
enable_push_options(struct install *in, struct error *err)
{
	char *local = NULL, *now = NULL;
	int rc = -1;

	if (repo_config_get_local(&local, in->repo, INSTALL_PUSH_OPTIONS_KEY,
	    err) < 0 || repo_config_get(&now, in->repo,
	    INSTALL_PUSH_OPTIONS_KEY, err) < 0)
		goto out;
	if (!in->st.have_config) {
		in->st.have_config = 1;
		in->st.config_prev = local;
		local = NULL;
	}
	if (git_true(now))
		rc = 0;
	else if (repo_config_set(in->repo, INSTALL_PUSH_OPTIONS_KEY, "true",
	    err) == 0) {
		fprintf(in->out, "set %s=true (was %s%s%s) so that 'git push "
		    "-o deploy...' reaches the hook\n",
		    INSTALL_PUSH_OPTIONS_KEY, now ? "'" : "unset",
		    now ? now : "", now ? "'" : "");
		in->changed = 1;
		rc = 0;
	}
out:
	free(local);
	free(now);
	return rc;
}

/* Hook i is one the side installs (INSTALL_ALL: every one). */
static int
on_side(int i, enum install_side side)
{
	if (side == INSTALL_SERVER)
		return hook_kinds[i].side == HOOK_SERVER;
	if (side == INSTALL_CLIENT)
		return hook_kinds[i].side == HOOK_CLIENT;
	return 1;
}

static enum install_side
default_side(struct repo *repo, enum install_side side)
{
	if (side != INSTALL_DEFAULT)
		return side;
	return repo_workdir(repo) == NULL ? INSTALL_SERVER : INSTALL_CLIENT;
}

static int
check_install(struct install *in, enum install_side side, struct error *err)
{
	const char *gd = repo_common_dir(in->repo);

	if (side == INSTALL_CLIENT && repo_workdir(in->repo) == NULL) {
		error_set(err, EXIT_USAGE, "'%s' is a bare repository: the "
		    "client hooks deploy what you push from a clone, and "
		    "nobody pushes from a bare repository", gd);
		error_hint(err, "use --server to deploy what others push to "
		    "it, or run install-hook --client in your clone");
		return -1;
	}
	if (strchr(in->dir, '\n') != NULL || strchr(in->binary, '\n'))
		return error_set(err, EXIT_FAIL, "cannot install hooks: a "
		    "path holds a newline");
	if (in->st.hooks_dir != NULL && strcmp(in->st.hooks_dir,
	    in->dir) != 0) {
		error_set(err, EXIT_FAIL, "hooks were installed in '%s' but "
		    "the hooks directory is now '%s'", in->st.hooks_dir,
		    in->dir);
		error_hint(err, "run 'dotgit-deploy uninstall-hook' first, "
		    "then install again");
		return -1;
	}
	return 0;
}

int
install_hooks(struct repo *repo, enum install_side side, const char *binary,
    FILE *out, struct error *err)
{
	struct install in = { .repo = repo, .out = out };
	char *dir = NULL, *bin = NULL;
	int i;
	int rc = -1;

	side = default_side(repo, side);
	if (state_load(&in.st, repo_common_dir(repo), err) < 0 ||
	    binary_path(&bin, binary, err) < 0 ||
	    repo_hooks_dir(&dir, repo, err) < 0)
		goto out;
	in.dir = dir;
	in.binary = bin;
	if (check_install(&in, side, err) < 0)
		goto out;
	if (in.st.hooks_dir == NULL)
		in.st.hooks_dir = xstrdup(dir);
	if (make_dirs(&in.st, dir, err) < 0)
		goto save;
	for (i = 0; i < HOOK_COUNT; i++)
		if (on_side(i, side) &&
		    install_one(&in, hook_kinds[i].name, err) < 0)
			goto save;
	if (side == INSTALL_SERVER && enable_push_options(&in, err) < 0)
		goto save;
	rc = 0;
save:
	if (state_save(&in.st, rc == 0 ? err : &(struct error){ 0 }) < 0)
		rc = -1;
out:
	state_release(&in.st);
	free(dir);
	free(bin);
	return rc;
}

/* Put the setting back as it was before install-hook. */
static int
restore_push_options(struct install *in, struct error *err)
{
	const char *prev = in->st.config_prev;
	char *now = NULL;
	int rc;

	if (repo_config_get_local(&now, in->repo, INSTALL_PUSH_OPTIONS_KEY,
	    err) < 0)
		return -1;
	if ((now == NULL && prev == NULL) ||
	    (now != NULL && prev != NULL && strcmp(now, prev) == 0))
		rc = 0;
	else if (now != NULL && strcmp(now, "true") != 0) {
		fprintf(in->out, "left %s='%s' alone: it changed since "
		    "install-hook\n", INSTALL_PUSH_OPTIONS_KEY, now);
		rc = 0;
	} else if (prev == NULL) {
		if ((rc = repo_config_unset(in->repo,
		    INSTALL_PUSH_OPTIONS_KEY, err)) == 0)
			fprintf(in->out, "restored %s: unset again\n",
			    INSTALL_PUSH_OPTIONS_KEY);
	} else if ((rc = repo_config_set(in->repo, INSTALL_PUSH_OPTIONS_KEY,
	    prev, err)) == 0)
		fprintf(in->out, "restored %s='%s'\n",
		    INSTALL_PUSH_OPTIONS_KEY, prev);
	if (rc == 0) {
		in->changed = 1;
		in->st.have_config = 0;
		free(in->st.config_prev);
		in->st.config_prev = NULL;
	}
	free(now);
	return rc;
}

/* Put the chained hook back under its own name, if it is there. */
static int
unchain(struct install *in, const char *name, const char *path,
    struct error *err)
{
	char *chained = xasprintf("%s%s", path, HOOK_CHAINED_SUFFIX);
	struct stat sb;
	int rc = 0;

	if (lstat(chained, &sb) == 0) {
		if (rename(chained, path) < 0)
			rc = error_set(err, EXIT_FAIL, "cannot rename '%s' "
			    "back: %s", chained, strerror(errno));
		else {
			fprintf(in->out, "restored the earlier %s hook "
			    "(kept as '%s')\n", name, chained);
			in->changed = 1;
		}
	}
	free(chained);
	return rc;
}

static int
uninstall_one(struct install *in, const char *name, struct error *err)
{
	char *path = xasprintf("%s/%s", in->dir, name), *target;
	int i = hook_kind_find(name), rc = 0;
	struct stat sb;

	target = link_target(path);
	if (is_ours(in, i, target)) {
		if (unlink(path) < 0)
			rc = error_set(err, EXIT_FAIL, "cannot remove '%s': "
			    "%s", path, strerror(errno));
		else {
			fprintf(in->out, "removed %s from '%s'\n", name,
			    in->dir);
			in->changed = 1;
		}
	} else if (lstat(path, &sb) == 0) {
		if (in->st.hook[i] != NULL)
			fprintf(in->out, "left %s in '%s' alone: it is no "
			    "longer a link to dotgit-deploy\n", name,
			    in->dir);
		goto out;
	}
	if (rc == 0)
		rc = unchain(in, name, path, err);
	if (rc == 0) {
		free(in->st.hook[i]);
		in->st.hook[i] = NULL;
	}
out:
	free(target);
	free(path);
	return rc;
}

/* Remove the directories install-hook made, if they are empty again. */
static void
remove_created(struct state *st)
{
	size_t i;

	for (i = st->ncreated; i > 0; i--) {
		if (rmdir(st->created[i - 1]) < 0)
			break;
		free(st->created[i - 1]);
		st->ncreated--;
	}
}

int
uninstall_hooks(struct repo *repo, enum install_side side, FILE *out,
    struct error *err)
{
	struct install in = { .repo = repo, .out = out };
	int i;
	char *dir = NULL;
	int rc = -1;

	if (side == INSTALL_DEFAULT)
		side = INSTALL_ALL;
	if (state_load(&in.st, repo_common_dir(repo), err) < 0 ||
	    install_self_path(&dir, err) < 0)
		goto out;
	in.binary = dir;
	dir = NULL;
	if (in.st.hooks_dir != NULL)
		dir = xstrdup(in.st.hooks_dir);
	else if (repo_hooks_dir(&dir, repo, err) < 0)
		goto out;
	in.dir = dir;
	for (i = 0; i < HOOK_COUNT; i++)
		if (on_side(i, side) &&
		    uninstall_one(&in, hook_kinds[i].name, err) < 0)
			goto save;
	if (side != INSTALL_CLIENT && in.st.have_config &&
	    in.st.hook[hook_kind_find("post-receive")] == NULL &&
	    restore_push_options(&in, err) < 0)
		goto save;
	if (state_empty(&in.st))
		remove_created(&in.st);
	if (!in.changed)
		fprintf(out, "no dotgit-deploy hook in '%s': nothing to "
		    "undo\n", dir);
	rc = 0;
save:
	if (in.st.path != NULL &&
	    state_save(&in.st, rc == 0 ? err : &(struct error){ 0 }) < 0)
		rc = -1;
out:
	state_release(&in.st);
	free((char *)in.binary);
	free(dir);
	return rc;
}
