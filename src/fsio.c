/* fsio.c -- write everything; open or make (ledger) directories */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsio.h"

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
fsio_read_at(int dirfd, const char *name, size_t cap, char **out,
    size_t *len, const char **why)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	char *buf;
	int fd, saved;

	*out = NULL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 1 : errno == ELOOP ? 2 : -1;
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
		return 2;
	}
	buf = malloc((size_t)st.st_size + 2);
	if (buf == NULL) {
		close(fd);
		return -1;
	}
	/* one byte more than the size: a file that grew is read whole */
	while (n <= (size_t)st.st_size) {
		r = read(fd, buf + n, (size_t)st.st_size + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	saved = errno;
	close(fd);
	if (r < 0 || n > (size_t)st.st_size) {
		free(buf);
		if (r < 0) {
			errno = saved;
			return -1;
		}
		if (why != NULL)
			*why = "changing while read";
		return 2;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		free(buf);
		if (why != NULL)
			*why = "contains a NUL byte";
		return 2;
	}
	*out = buf;
	if (len != NULL)
		*len = n;
	return 0;
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
	if (sync && fsync(dirfd) < 0)
		return -1;
	return 0;
fail:
	unlinkat(tmpfd, tmpname, 0);
	errno = saved;
	return -1;
}
