/* SPDX-License-Identifier: ISC */
/* fsio.h -- small file-system helpers */
#ifndef DD_FSIO_H
#define DD_FSIO_H

#include <stddef.h>

/* write(2) until done, through EINTR; 0 or -1 (errno). */
int	fsio_write_all(int fd, const void *buf, size_t len);

/*
 * Open directory `path` (O_RDONLY|O_DIRECTORY|O_CLOEXEC), creating it if
 * it is missing, and its parent too when `parent` is not NULL and also
 * missing. A directory made here gets the user and group permissions and
 * the set-group-id bit of `like` (none for others), or 0750 when `like` is
 * NULL, whatever the umask. It follows links: for the ledger's own
 * directories only; the spool, shared with the git users, is opened by
 * queue_open without following any (queue.h).
 * Returns the fd, or -1 with errno set and *failed (may be NULL) naming
 * the path that failed (path or parent).
 */
int	fsio_open_dir(const char *path, const char *parent, const char *like,
	    const char **failed);

#endif
