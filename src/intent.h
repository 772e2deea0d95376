/* SPDX-License-Identifier: ISC */
/* intent.h -- what a client `git push` is about to push, until confirmed */
#ifndef DD_INTENT_H
#define DD_INTENT_H

#include <stddef.h>
#include <time.h>

#include "error.h"
#include "job.h"
#include "repo.h"

/* Files older than this are left over from pushes that never ended. */
#define INTENT_MAX_AGE	3600

/* One ref pre-push was told about. */
struct intent_ref {
	int	 done;			/* confirmed (or given up) already */
	char	 local[OID_HEXSZ + 1];	/* what is pushed */
	char	 remote[OID_HEXSZ + 1];	/* what the remote had (or zeros) */
	char	*ref;			/* the remote's ref: refs/heads/x */
};

/* One run of pre-push: git runs it once per URL pushed to. */
struct intent_push {
	char			 *remote;	/* remote name, or the URL */
	char			 *url;
	char			**options;	/* push options (-o) */
	size_t			  noptions;
	struct intent_ref	 *refs;
	size_t			  nrefs;
};

/* Everything one `git push` process recorded. */
struct intent {
	long			 pid;		/* of the git push */
	unsigned long long	 start;		/* its start time, /proc */
	/* the deploy request this push is (job.h): every ref it deploys,
	 * confirmed by reference-transaction or by the watcher, goes with
	 * it, so the two never make two deployments of one thing */
	char			 request[JOB_REQUEST_HEXSZ + 1];
	struct intent_push	*pushes;
	size_t			 npushes;
};

/* <git_dir>dotgit-deploy/pushes and the file for a push; allocated. */
char	*intent_dir(const char *git_dir);
char	*intent_path(const char *git_dir, long pid);

/*
 * The common git dir of the repository git runs a hook for, found without
 * libgit2 the way git leaves it: GIT_DIR when set (git sets it for a
 * linked worktree, a submodule, --git-dir), else ./.git, as git runs hooks
 * at the top of the work tree -- a directory, or a file "gitdir: <dir>" --
 * and then that dir's "commondir" file. With a trailing '/', allocated;
 * NULL when unsure (GIT_COMMON_DIR set, GIT_WORK_TREE without GIT_DIR, no
 * .git here, no objects directory): then only opening the repository can
 * tell.
 */
char	*intent_hook_common_dir(void);

/* Text form, one item per line (see intent.c); allocated. */
char	*intent_format(const struct intent *);
int	 intent_parse(struct intent *out, const char *text, struct error *);
/* Read a file; DD_ENOTFOUND when it does not exist (*out empty). */
int	 intent_load(struct intent *out, const char *path, struct error *);
/* Write atomically (temporary file, rename). */
int	 intent_save(const struct intent *, const char *path, struct error *);
void	 intent_release(struct intent *);

/* Add a push (copied) to the intent. */
void	 intent_add_push(struct intent *, const struct intent_push *);
void	 intent_push_release(struct intent_push *);
/* 1 if an entry for this ref and commit is already done (a push to
 * several URLs deploys once). */
int	 intent_already_done(const struct intent *, const char *ref,
	    const char *local);

/* Exclusive lock on the directory's lock file (created as needed). */
int	 intent_lock(int *fd, const char *dir, struct error *);
void	 intent_unlock(int fd);
/* Remove files in dir last changed before now - INTENT_MAX_AGE, but for
 * those of a push that still runs (a watcher that gave up keeps it). */
void	 intent_clean_stale(const char *dir, time_t now);

#endif
