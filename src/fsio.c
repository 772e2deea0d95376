/* SPDX-License-Identifier: ISC */
/* fsio.c -- write everything; open or make (ledger) directories */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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
