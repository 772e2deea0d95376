/* SPDX-License-Identifier: ISC */
/* fsio.c -- read and write whole files; open or make (ledger) directories */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "fsio.h"

static void	*reallocf_(void *p, size_t size);
static int	make(const char *path, const char *like);
static int	sync_dir_of(int dirfd, const char *name);
static int	name_cmp(const void *a, const void *b);
static void	names_free(char **names, size_t n);

/* realloc, freeing the old block when it fails */
static void *
reallocf_(void *p, size_t size)
{
	void *q = realloc(p, size);

	if (q == NULL)
		free(p);
	return q;
}

int
fsio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t r;

	while (len > 0) {
		if ((r = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* mkdir with the permissions of `like` (see fsio.h); EEXIST is fine. */
static int
make(const char *path, const char *like)
{
	struct stat st;
	mode_t mode = 0750;

	if (like != NULL && stat(like, &st) == 0)
		mode = (st.st_mode & (S_ISGID | S_IRWXU | S_IRWXG)) | S_IRWXU;
	if (mkdir(path, mode) < 0)
		return errno == EEXIST ? 0 : -1;
	/* the umask took bits away: give them back (best effort) */
	if (chmod(path, mode) < 0)
		errno = 0;
	return 0;
}

int
fsio_open_dir(const char *path, const char *parent, const char *like,
    const char **failed)
{
	int fd;

	if (failed != NULL)
		*failed = path;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (make(path, like) < 0) {
		if (errno != ENOENT || parent == NULL)
			return -1;
		if (make(parent, NULL) < 0) {
			if (failed != NULL)
				*failed = parent;
			return -1;
		}
		if (make(path, like) < 0)
			return -1;
	}
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
fsio_read_fd(int fd, size_t cap, int drain, char **out, size_t *len)
{
	struct stat st;
	size_t n = 0, size = 4096;
	char *buf, spill[4096];
	ssize_t r = 0;
	int more = 0, saved;

	*out = NULL;
	*len = 0;
	/* a regular file is read into a buffer of its size (and one byte,
	 * to see it end); anything else grows one doubling at a time */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		size = (size_t)st.st_size < cap ? (size_t)st.st_size + 1 : cap;
	if (size > cap)
		size = cap;
	if ((buf = malloc(size + 1)) == NULL)
		return -1;
	for (;;) {
		if (n == size && size < cap) {
			size = size > cap / 2 ? cap : size * 2;
			if ((buf = reallocf_(buf, size + 1)) == NULL)
				return -1;
		}
		if (n < size)
			r = read(fd, buf + n, size - n);
		else if (drain || !more)
			r = read(fd, spill, drain ? sizeof(spill) : 1);
		else
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n < size)
			n += (size_t)r;
		else
			more = 1;
	}
	if (r < 0) {
		saved = errno;
		free(buf);
		errno = saved;
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return more;
}

int
fsio_read_at(int dirfd, const char *name, size_t cap, char **out,
    size_t *len, const char **why)
{
	struct stat st;
	size_t n;
	char *buf;
	int fd, r, saved;

	*out = NULL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? DD_ENOTFOUND : errno == ELOOP ?
		    DD_EINVALID : DD_ERROR;
	if (fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > cap) {
		close(fd);
		if (why != NULL)
			*why = !S_ISREG(st.st_mode) ? "not a regular file" :
			    "too big";
		return DD_EINVALID;
	}
	r = fsio_read_fd(fd, cap, 0, &buf, &n);
	saved = errno;
	close(fd);
	if (r < 0) {
		errno = saved;
		return -1;
	}
	if (r > 0 || strlen(buf) != n) {
		free(buf);
		if (why != NULL)
			*why = r > 0 ? "too big" : "contains a NUL byte";
		return DD_EINVALID;
	}
	*out = buf;
	if (len != NULL)
		*len = n;
	return 0;
}

/* fsync the directory holding dirfd/name: dirfd itself, or with
 * AT_FDCWD the one name's path leads to. */
static int
sync_dir_of(int dirfd, const char *name)
{
	const char *slash = strrchr(name, '/');
	char *dir;
	int fd, rc;

	if (dirfd != AT_FDCWD)
		return fsync(dirfd);
	if (slash == NULL)
		dir = strdup(".");
	else if (slash == name)
		dir = strdup("/");
	else
		dir = strndup(name, (size_t)(slash - name));
	if (dir == NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Free names[0..n) and names. */
static void
names_free(char **names, size_t n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}

int
fsio_list_at(int dirfd, int (*keep)(const char *), char ***out, size_t *n)
{
	struct dirent *de;
	char **names = NULL, **grown, *name;
	size_t len = 0, cap = 0;
	DIR *d;
	int fd, saved;

	*out = NULL;
	*n = 0;
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    (keep != NULL && !keep(de->d_name)))
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			if ((grown = reallocarray(names, cap,
			    sizeof(*names))) == NULL)
				goto oom;
			names = grown;
		}
		if ((name = strdup(de->d_name)) == NULL)
			goto oom;
		names[len++] = name;
	}
	closedir(d);
	if (len > 1)
		qsort(names, len, sizeof(*names), name_cmp);
	*out = names;
	*n = len;
	return 0;
oom:
	names_free(names, len);
	closedir(d);
	errno = ENOMEM;
	return -1;
}

int
fsio_datasync_at(int dirfd, const char *name)
{
	int fd, rc, saved;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	rc = fdatasync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
fsio_replace_at(int tmpfd, const char *tmpname, int dirfd, const char *name,
    const void *buf, size_t len, mode_t mode, int sync)
{
	int fd, saved;

	if (unlinkat(tmpfd, tmpname, 0) < 0 && errno != ENOENT)
		return -1;
	fd = openat(tmpfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (fsio_write_all(fd, buf, len) < 0 || (sync && fsync(fd) < 0)) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		saved = errno;
		goto fail;
	}
	if (renameat(tmpfd, tmpname, dirfd, name) < 0) {
		saved = errno;
		goto fail;
	}
	if (sync && sync_dir_of(dirfd, name) < 0)
		return -1;
	return 0;
fail:
	unlinkat(tmpfd, tmpname, 0);
	errno = saved;
	return -1;
}
