/* SPDX-License-Identifier: ISC */
/* queue.h -- durable job files: a maildir-style spool directory */
#ifndef DD_QUEUE_H
#define DD_QUEUE_H

#include <sys/types.h>

#include <stddef.h>

#include "error.h"
#include "job.h"

/*
 * Layout of a queue directory DIR, shared by the git users' hooks (members
 * of DIR's group) and the daemon (DIR's owner); job files are 0640 and
 * hold no secret:
 *   DIR      2750  only the owner adds, removes or renames entries
 *   tmp/     3770  files being written; renamed away once complete
 *   new/     3770  pending jobs, one JSON file each (job_to_json), by id
 *   cur/     2750  jobs a worker took and is sending (in flight)
 *   failed/  2750  jobs given up on; `dotgit-deploy queue retry ID`
 *   done/    2750  sent, skipped or superseded jobs, the newest
 *                  QUEUE_DONE_KEEP (queue_outcome tells which)
 *   bad/     2750  claims the daemon refused (queue_refuse), and files
 *                  found in new/, cur/, failed/ or done/ that are not
 *                  jobs
 *   lock     0640  held by the running daemon (queue_lock)
 * tmp/ and new/ are group-writable with the sticky bit: a member makes and
 * renames its own files there and cannot remove or rename another's. The
 * rest is written by the owner alone.
 *
 * Nothing below DIR is reached by path: every subdirectory is opened
 * relative to DIR's descriptor without following a link
 * (O_NOFOLLOW|O_DIRECTORY), checked (a directory of DIR's owner, modes as
 * above), scanned through its descriptor and changed by *at(2) calls, so
 * a member who managed to put a link in place is refused, never followed.
 *
 * Every change of state is a rename(2), so a crash never leaves half a
 * job; a rewrite (queue_update) is a whole new file renamed over the old.
 *
 * Job ids are "<unix-usec>.<pid>.<counter>" with the microseconds padded
 * to 16 digits, so sorting ids as strings sorts jobs by arrival.
 *
 * Waking the daemon needs no call: it watches new/ with inotify for
 * IN_MOVED_TO (queue_put, queue_retry and queue_defer all end with a
 * rename into new/) and rescans; without inotify it polls queue_list.
 *
 * A struct queue belongs to the process that opened it (the pid is part of
 * the ids it makes): after fork(), open another one.
 */

enum queue_state {
	QUEUE_NONE = 0,		/* not (or no longer) in the queue */
	QUEUE_NEW,		/* pending */
	QUEUE_CUR,		/* in flight */
	QUEUE_FAILED,
	QUEUE_DONE,
	QUEUE_BAD,		/* refused (queue_refuse); never sent */
};

#define QUEUE_DONE_KEEP		100
/* done/ is pruned once it may hold this many more (not at every job). */
#define QUEUE_DONE_SLACK	50
/* Files in tmp/ older than this are left by a crash: queue_recover
 * removes them (a writer renames its file within milliseconds). */
#define QUEUE_TMP_MAX_AGE	3600
/* A job file is a few hundred bytes; anything this big is not one. */
#define QUEUE_FILE_MAX		(1024 * 1024)

struct queue;

/* queue_open flags */
#define QUEUE_OPEN_CREATE	0x1	/* make what is missing, fix modes */

/*
 * Open DIR and check the layout above. Refused, with an error naming the
 * path, what is wrong and what to run: a DIR writable by its group or
 * others; a subdirectory that is a link or not a directory, that is not
 * DIR's owner's, that others may write, or that its group may write
 * (tmp/ and new/: without the sticky bit). Nothing is created: a missing
 * DIR is "queue directory '<DIR>' does not exist: nothing queued".
 *
 * With QUEUE_OPEN_CREATE (the daemon, `queue init`), run as DIR's owner or
 * root: DIR (not its parents) and its subdirectories are made if missing,
 * and the modes (and the group, DIR's) of what is there are set to the
 * layout's exactly, each change logged. DIR's mode is set first; below
 * it nothing is made or changed unless every subdirectory there is a
 * directory of DIR's owner: a link or another user's is refused, never
 * taken over.
 */
int	queue_open(struct queue **out, const char *dir, int flags,
	    struct error *);
/*
 * `dotgit-deploy queue init`: queue_open(QUEUE_OPEN_CREATE) after giving
 * DIR to `group` ((gid_t)-1: keep DIR's group, or the creator's for a new
 * DIR). *out (may be NULL) gets the open queue.
 */
int	queue_init(struct queue **out, const char *dir, gid_t group,
	    struct error *);
/* The owner and group of DIR, once open. */
void	queue_owner(const struct queue *, uid_t *, gid_t *);
void	queue_free(struct queue *);
/* The directory of a state (new/ is the one to watch); DIR itself for
 * QUEUE_NONE. */
const char *queue_path(const struct queue *, enum queue_state);
/* "pending", "in-flight", "failed", "done", "bad" ("none" for
 * QUEUE_NONE). */
const char *queue_state_name(enum queue_state);

/* What became of a job, as its state and its fields tell. */
enum queue_outcome {
	QUEUE_OUTCOME_NONE,		/* pending or in flight: not yet */
	QUEUE_OUTCOME_DEPLOYED,		/* done: the API made deployment_id */
	QUEUE_OUTCOME_SKIPPED,		/* done, not sent: last_error says
					 * why (a rule, a filter, a marker,
					 * already sent) */
	QUEUE_OUTCOME_SUPERSEDED,	/* done: a newer job of the same
					 * branch and environment replaced
					 * it */
	QUEUE_OUTCOME_FAILED,		/* failed/: given up on */
	QUEUE_OUTCOME_REFUSED,		/* bad/: the daemon refused the claim */
	QUEUE_OUTCOME_DONE,		/* done, none of the above recorded */
};

/* The outcome; *detail (may be NULL) gets what goes with it, pointing
 * into job: the deployment id, the reason, the id of the superseding
 * job, the last error (NULL if none). */
enum queue_outcome queue_outcome(const struct job *, const char **detail);
/* "deployed", "skipped", "superseded", "failed", "refused", "done"; NULL
 * for QUEUE_OUTCOME_NONE. */
const char *queue_outcome_name(enum queue_outcome);

/*
 * Assign job->id, write tmp/ID (O_EXCL), fsync, rename into new/ID, fsync
 * new/. On failure job->id is NULL again and nothing is left behind.
 */
int	queue_put(struct queue *, struct job *, struct error *);
/*
 * The same for a push of many refs, with one sync of new/ for them all:
 * queue_stage writes each job to tmp/ under its new id (the daemon cannot
 * see it yet); queue_publish makes every staged file durable (an
 * fdatasync each after all are written, one syncfs(2) for a push of
 * many), renames them into new/ and fsyncs new/ once. On failure
 * nothing staged is left (each file is taken back). queue_free takes
 * back what was staged and never published.
 */
int	queue_stage(struct queue *, struct job *, struct error *);
int	queue_publish(struct queue *, struct error *);

/*
 * The jobs in one state, sorted by id (arrival order); *out is allocated
 * (free with queue_jobs_free), each job's queue_state set. Files that are
 * not jobs (wrong name, not a regular file, too big, not JSON, wrong
 * fields) are moved to bad/ with a warning naming the file and the reason,
 * and left out.
 */
int	queue_list(struct queue *, enum queue_state, struct job **out,
	    size_t *n, struct error *);
void	queue_jobs_free(struct job *, size_t);

/* A file in bad/ that is not a job, and why not. */
struct queue_junk {
	char	*name;
	char	*why;
};

/*
 * What bad/ holds, by name, with nothing moved or changed: the claims
 * the daemon refused, as jobs (queue_state QUEUE_BAD, last_error says
 * why) in *jobs, and the files that are not jobs in *junk. Free with
 * queue_jobs_free and queue_junk_free.
 */
int	queue_list_bad(struct queue *, struct job **jobs, size_t *njobs,
	    struct queue_junk **junk, size_t *njunk, struct error *);
void	queue_junk_free(struct queue_junk *, size_t);

/* The ids of the jobs in one state (QUEUE_NEW to QUEUE_BAD), sorted,
 * nothing read or moved; free with each name then the array. */
int	queue_names(struct queue *, enum queue_state, char ***out, size_t *n,
	    struct error *);

/*
 * The job whose id is `id` or, failing that, starts with `id` (a unique
 * prefix), in any state, bad/ included. DD_ENOTFOUND with "no job
 * '<id>' in the queue"; -1 (EXIT_USAGE) if the prefix is ambiguous.
 */
int	queue_find(struct queue *, const char *id, struct job *out,
	    struct error *);

/*
 * Worker transitions. queue_take moves a pending job to cur/: 0 taken,
 * DD_ENOTFOUND if it is gone (another worker took it, or it was dropped),
 * -1 error. The
 * others write the job as it is now (attempts, next_attempt, last_error,
 * deployment_id...) and then rename it, fsyncing the target directory.
 */
int	queue_take(struct queue *, struct job *, struct error *);
/* Rewrite the job in place, in the directory of job->queue_state. */
int	queue_update(struct queue *, struct job *, struct error *);
/* cur/ -> new/, e.g. after a temporary failure with next_attempt set. */
int	queue_defer(struct queue *, struct job *, struct error *);
/* cur/ -> done/ (done/ is pruned to the newest QUEUE_DONE_KEEP once it
 * may hold QUEUE_DONE_SLACK more). */
int	queue_finish(struct queue *, struct job *, struct error *);
/* cur/ -> failed/ with last_error = reason. */
int	queue_fail(struct queue *, struct job *, const char *reason,
	    struct error *);
/* new/ or cur/ -> done/ with last_error "superseded by <by_id>"; a
 * pending job is taken first: DD_ENOTFOUND if it is gone. */
int	queue_supersede(struct queue *, struct job *, const char *by_id,
	    struct error *);

/* new/ or cur/ -> bad/ with last_error = reason: a claim the daemon
 * refused; it is never sent. A pending job is taken first: DD_ENOTFOUND
 * if it is gone. */
int	queue_refuse(struct queue *, struct job *, const char *reason,
	    struct error *);

/*
 * Group commit, for the daemon: from now on the worker transitions
 * (queue_take ... queue_finish, and the rewrites) are not fsynced one by
 * one; queue_sync makes everything written so far durable at once
 * (syncfs), the way a database commits a batch. queue_put, what a hook
 * reports as "queued", stays durable by itself.
 */
void	queue_group_commit(struct queue *);
int	queue_sync(struct queue *, struct error *);

/*
 * Take DIR/lock (flock, exclusive, not waiting) for as long as the queue
 * is open: the one daemon that may work the queue. The lock is opened
 * relative to DIR without following a link and must be a regular file
 * with one link, DIR's owner's or ours. Fails with "queue
 * '<dir>' is in use by another daemon (pid N)" when another holds it.
 */
int	queue_lock(struct queue *, struct error *);

/*
 * At daemon start, with the lock held: every file in cur/ goes back to
 * new/ (a crash while sending; the ledger keeps it from being sent twice)
 * and stale files in tmp/ are removed. *moved (may be NULL) counts the
 * jobs put back.
 */
int	queue_recover(struct queue *, size_t *moved, struct error *);

/*
 * failed/ -> new/ with attempts and next_attempt reset. Only DIR's owner
 * (the daemon's user) or root may: anyone else gets "... is written by
 * the daemon's user only" and a hint to run it as that user.
 */
int	queue_retry(struct queue *, struct job *, struct error *);
/* Delete a pending or failed job; the same rule as queue_retry. */
int	queue_drop(struct queue *, struct job *, struct error *);

#endif
