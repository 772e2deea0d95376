/* SPDX-License-Identifier: ISC */
/* unit_util.h -- helpers shared by unit tests: temp dirs, files, stderr,
 * real git */
#ifndef DD_UNIT_UTIL_H
#define DD_UNIT_UTIL_H

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int
unit_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh directory under $TMPDIR (or /tmp); caller frees. */
static inline char *
unit_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *p;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&p, "%s/dd-unit-XXXXXX", base) < 0 ||
	    mkdtemp(p) == NULL)
		abort();
	return p;
}

/* Remove dir and all below it. */
static inline int
unit_rm_rf(const char *dir)
{
	return nftw(dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* unit_rm_rf, then free the path. */
static inline void
unit_rmtree(char *dir)
{
	if (dir == NULL)
		return;
	unit_rm_rf(dir);
	free(dir);
}

/* Whole file as a string (NULL if it cannot be read); caller frees. */
static inline char *
unit_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;

	if (f == NULL)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = calloc(1, 1);
	}
	fclose(f);
	return buf;
}

static inline void
unit_spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

/* Entries in a directory but "." and "..". */
static inline int
unit_count(const char *dir)
{
	int n = 0;
	DIR *d;
	struct dirent *de;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Send stderr to a file until unit_stderr_end, which returns what was
 * written (caller frees). */
static int unit_saved_stderr = -1;
static char unit_stderr_path[256];

static inline void
unit_stderr_begin(const char *dir)
{
	int fd;

	fflush(stderr);
	snprintf(unit_stderr_path, sizeof(unit_stderr_path), "%s/.stderr",
	    dir);
	fd = open(unit_stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	unit_saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static inline char *
unit_stderr_end(void)
{
	char *s;

	fflush(stderr);
	dup2(unit_saved_stderr, 2);
	close(unit_saved_stderr);
	unit_saved_stderr = -1;
	s = unit_slurp(unit_stderr_path);
	unlink(unit_stderr_path);
	return s;
}

extern char **environ;

#define UNIT_GIT_MAXARGS	32

/* Run `git -C dir args...` (NULL-terminated); its stdout, trailing
 * newlines cut, into out unless out is NULL. Returns git's exit status,
 * or -1 if it could not be run. */
static inline int
unit_git(char *out, size_t outsz, const char *dir, ...)
{
	const char *argv[UNIT_GIT_MAXARGS];
	posix_spawn_file_actions_t fa;
	char sink[512];
	va_list ap;
	size_t n = 0, got = 0;
	ssize_t r;
	int fd[2], status, rc;
	pid_t pid;

	argv[n++] = "git";
	argv[n++] = "-C";
	argv[n++] = dir;
	va_start(ap, dir);
	while ((argv[n] = va_arg(ap, const char *)) != NULL &&
	    n < UNIT_GIT_MAXARGS - 1)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (pipe(fd) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	rc = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)argv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	while (out != NULL && got + 1 < outsz &&
	    (r = read(fd[0], out + got, outsz - got - 1)) > 0)
		got += (size_t)r;
	while (read(fd[0], sink, sizeof(sink)) > 0)
		;
	close(fd[0]);
	if (out != NULL && outsz > 0) {
		out[got] = '\0';
		while (got > 0 && out[got - 1] == '\n')
			out[--got] = '\0';
	}
	if (rc != 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* unit_git that must exit 0; GITOUT also keeps its stdout in buf (an
 * array). Use them where cmocka.h is included. */
#define GIT(dir, ...) \
	assert_int_equal(unit_git(NULL, 0, (dir), __VA_ARGS__, \
	    (char *)NULL), 0)
#define GITOUT(buf, dir, ...) \
	assert_int_equal(unit_git((buf), sizeof(buf), (dir), __VA_ARGS__, \
	    (char *)NULL), 0)

/* Make git leave system config alone and commit as a fixed author. */
static inline void
unit_git_identity(void)
{
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@example.com", 1);
}

#endif
