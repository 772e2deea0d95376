/* unit_util.h -- helpers shared by unit tests: temp dirs, files, stderr */
#ifndef DD_UNIT_UTIL_H
#define DD_UNIT_UTIL_H

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
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

static inline void
unit_rmtree(char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
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

#endif
