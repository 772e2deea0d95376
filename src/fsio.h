/* SPDX-License-Identifier: ISC */
/* fsio.h -- small file-system helpers */
#ifndef DD_FSIO_H
#define DD_FSIO_H

#include <stddef.h>
#include <sys/types.h>

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

/*
 * Read fd to its end into *out (allocated, NUL-terminated; *len without
 * the NUL), keeping at most `cap` bytes: 0 if it all fit, 1 if there was
 * more -- read and dropped when `drain` (a pipe's writer is not left
 * blocked), else not read; -1 (errno) with *out NULL on a read error.
 */
int	fsio_read_fd(int fd, size_t cap, int drain, char **out, size_t *len);
/*
 * Read dirfd/name whole, not following a link: 0 with *out allocated
 * (NUL-terminated; *len without the NUL, may be NULL); DD_ENOTFOUND if it
 * does not exist; DD_EINVALID if it is a link, not a regular file, larger
 * than `cap` bytes or holds a NUL byte (*why, may be NULL, says which);
 * DD_ERROR (errno). What is read is sized by the file, not by the cap.
 */
int	fsio_read_at(int dirfd, const char *name, size_t cap, char **out,
	    size_t *len, const char **why);
/*
 * Replace dirfd/name with buf atomically: write it to tmpfd/tmpname
 * (a stale file of that name is removed first, the new one made with
 * O_EXCL and `mode`), fsync it when `sync`, rename it into place, fsync
 * dirfd when `sync` (with AT_FDCWD, the directory name is in). 0, or
 * -1 (errno) with nothing left in tmpfd.
 */
int	fsio_replace_at(int tmpfd, const char *tmpname, int dirfd,
	    const char *name, const void *buf, size_t len, mode_t mode,
	    int sync);
/*
 * The names in directory dirfd but "." and "..", those keep() accepts
 * (keep NULL: all), sorted (strcmp). Read through a description of its
 * own, so each listing starts at the beginning. 0, or -1 (errno) with
 * nothing to free; strv_free(*out, *n) frees them.
 */
int	fsio_list_at(int dirfd, int (*keep)(const char *), char ***out,
	    size_t *n);
/* fdatasync dirfd/name (not through a link) by a descriptor of its own:
 * a file written earlier, made durable with others of a batch. 0, or
 * -1 (errno). */
int	fsio_datasync_at(int dirfd, const char *name);

#endif
