/* SPDX-License-Identifier: ISC */
/* config-find.c -- which files make the configuration; the API key */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "xmalloc.h"
#ifndef DD_SYSCONFDIR
#define DD_SYSCONFDIR "/etc"
#endif

static char	*path_join(const char *dir, const char *name);
static size_t	base_sources(struct config_source *src, char **paths);
static size_t	repo_sources(struct config_source *src, char **paths, size_t n,
		    const char *git_dir, const char *workdir, unsigned deny,
		    unsigned flags);
static int	load_sources(struct config *out, struct config_source *src,
		    char **paths, size_t n, struct error *err);
static int	key_valid(const char *k);
static char	*first_line(char *buf);
static int	key_file_open(const char *path, struct error *err);
static int	key_file_read(char **out, const char *path, struct error *err);
static void	no_core_dumps(void);

static char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	return xasprintf("%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" :
	    "/", name);
}

const char *
config_system_file(void)
{
	return DD_SYSCONFDIR "/dotgit-deploy/config.ini";
}

/* The system and user files (never tracked); returns how many. */
static size_t
base_sources(struct config_source *src, char **paths)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	size_t n = 0;

	paths[n] = xstrdup(config_system_file());
	src[n].layer = CONFIG_SYSTEM;
	n++;
	if (xdg != NULL && xdg[0] == '/')
		paths[n] = path_join(xdg, "dotgit-deploy/config.ini");
	else if (home != NULL && home[0] == '/')
		paths[n] = path_join(home, ".config/dotgit-deploy/config.ini");
	else
		return n;
	src[n].layer = CONFIG_USER;
	return n + 1;
}

/* The repository's files after n others; `deny` and `flags` for both. */
static size_t
repo_sources(struct config_source *src, char **paths, size_t n,
    const char *git_dir, const char *workdir, unsigned deny, unsigned flags)
{
	if (git_dir != NULL) {
		paths[n] = path_join(git_dir, "dotgit-deploy.ini");
		src[n].layer = CONFIG_REPO;
		src[n].deny = deny;
		src[n++].flags = flags;
	}
	if (workdir != NULL) {
		paths[n] = path_join(workdir, ".dotgit-deploy.ini");
		src[n].layer = CONFIG_WORKTREE;
		src[n].deny = deny;
		src[n++].flags = flags;
	}
	return n;
}

static int
load_sources(struct config *out, struct config_source *src, char **paths,
    size_t n, struct error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		src[i].path = paths[i];
	rc = config_load_layers(out, src, n, err);
	for (i = 0; i < n; i++)
		free(paths[i]);
	return rc;
}

int
config_load_at(struct config *out, const char *explicit,
    const char *git_dir, const char *workdir, struct error *err)
{
	struct config_source src[4];
	char *paths[4];
	size_t n;

	memset(src, 0, sizeof(src));
	if (explicit != NULL)
		return config_load(out, explicit, err);
	n = base_sources(src, paths);
	n = repo_sources(src, paths, n, git_dir, workdir, 0, 0);
	return load_sources(out, src, paths, n, err);
}

int
config_load_daemon(struct config *out, const char *explicit,
    struct error *err)
{
	struct config_source src[4];
	char *paths[4];
	size_t n = 1, i;

	memset(src, 0, sizeof(src));
	if (explicit != NULL) {
		paths[0] = xstrdup(explicit);
		src[0].layer = CONFIG_COMMAND;
	} else
		n = base_sources(src, paths);
	for (i = 0; i < n; i++)
		src[i].flags = CONFIG_SOURCE_BASE;
	return load_sources(out, src, paths, n, err);
}

int
config_load_for_repo(struct config *out, const struct config *base,
    const char *git_dir, const char *workdir, struct error *err)
{
	struct config_source *src;
	char **paths;
	size_t i, n = 0;
	int rc;

	src = xcalloc(base->nfiles + 2, sizeof(*src));
	paths = xcalloc(base->nfiles + 2, sizeof(*paths));
	for (i = 0; i < base->nfiles; i++) {
		if (base->files[i].text == NULL ||
		    base->files[i].layer == CONFIG_REPO ||
		    base->files[i].layer == CONFIG_WORKTREE)
			continue;
		paths[n] = xstrdup(base->files[i].path);
		src[n].layer = base->files[i].layer;
		src[n++].text = base->files[i].text;
	}
	n = repo_sources(src, paths, n, git_dir, workdir,
	    CONFIG_API | CONFIG_DAEMON | CONFIG_NOTIFY, CONFIG_SOURCE_DAEMON);
	rc = load_sources(out, src, paths, n, err);
	free(paths);
	free(src);
	return rc;
}

/* The API key. */

/* Printable ASCII without blanks: safe in an Authorization header. */
static int
key_valid(const char *k)
{
	const unsigned char *u = (const unsigned char *)k;

	for (; *u != '\0'; u++)
		if (*u <= 0x20 || *u >= 0x7f)
			return 0;
	return 1;
}

/* The first line of buf, trimmed, in place. */
static char *
first_line(char *buf)
{
	char *e;

	buf[strcspn(buf, "\n")] = '\0';
	while (isspace((unsigned char)*buf))
		buf++;
	for (e = buf + strlen(buf); e > buf && isspace((unsigned char)e[-1]);
	    e--)
		e[-1] = '\0';
	return buf;
}

static int
key_file_open(const char *path, struct error *err)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return error_set(err, EXIT_USAGE, "cannot open key file '%s': "
		    "%s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, EXIT_USAGE, "key file '%s' is not a "
		    "regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		error_set(err, EXIT_USAGE, "key file '%s' is open to group or "
		    "others (mode %04o)", path, (unsigned)(st.st_mode & 07777));
		error_hint(err, "chmod 600 %s", path);
		return -1;
	}
	return fd;
}

static int
key_file_read(char **out, const char *path, struct error *err)
{
	char buf[4097], *key;
	size_t len = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = key_file_open(path, err)) < 0)
		return -1;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len,
	    sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_set(err, EXIT_FAIL, "cannot read key file '%s': "
			    "%s", path, strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (memchr(buf, '\n', len) == NULL && len == sizeof(buf) - 1)
		error_set(err, EXIT_USAGE, "key file '%s': the first line is "
		    "too long", path);
	else if (*(key = first_line(buf)) == '\0')
		error_set(err, EXIT_USAGE, "key file '%s' is empty", path);
	else if (!key_valid(key))
		error_set(err, EXIT_USAGE, "key file '%s': the key holds "
		    "blanks or control characters", path);
	else {
		*out = xstrdup(key);
		rc = 0;
	}
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* A process that holds the key never dumps core (it would be in the
 * dump): not dumpable, and no core file. Not fatal when refused. */
static void
no_core_dumps(void)
{
	struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		log_debug("cannot make the process undumpable: %s",
		    strerror(errno));
	if (setrlimit(RLIMIT_CORE, &none) < 0)
		log_debug("cannot set RLIMIT_CORE to 0: %s", strerror(errno));
}

int
config_read_key(char **out, const struct config *cfg, struct error *err)
{
	const char *env = getenv("DOTGIT_API_KEY");
	char *key = NULL;

	no_core_dumps();
	*out = NULL;
	if (env != NULL && *env != '\0') {
		if (!key_valid(env))
			return error_set(err, EXIT_USAGE, "DOTGIT_API_KEY "
			    "holds blanks or control characters");
		key = xstrdup(env);
	} else if (cfg->key_file == NULL) {
		error_set(err, EXIT_USAGE, "no API key: set DOTGIT_API_KEY "
		    "or [api] key_file");
		error_hint(err, "put the key alone in a file with mode 0600 "
		    "and name it in [api] key_file");
		return -1;
	} else if (key_file_read(&key, cfg->key_file, err) < 0)
		return -1;
	log_set_secret(key);
	*out = key;
	return 0;
}
