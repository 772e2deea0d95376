/* queue.h -- durable job files: a maildir-style spool directory */
#ifndef DD_QUEUE_H
#define DD_QUEUE_H

#include <stddef.h>

#include "error.h"
#include "job.h"

/*
 * Layout of a queue directory DIR (dirs 0750, files 0640, less umask;
 * job files hold no secret):
 *   tmp/     files being written; renamed away once complete
 *   new/     pending jobs, one JSON file each (job_to_json), named by id
 *   cur/     jobs a worker took and is sending (in flight)
 *   failed/  jobs given up on; `dotgit-deploy queue retry ID` revives them
 *   done/    sent or superseded jobs, the newest QUEUE_DONE_KEEP kept
 *   bad/     files found in new/, cur/, failed/ or done/ that are not jobs
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
};

#define QUEUE_DONE_KEEP		100
/* Files in tmp/ older than this are left by a crash: queue_recover
 * removes them (a writer renames its file within milliseconds). */
#define QUEUE_TMP_MAX_AGE	3600
/* A job file is a few hundred bytes; anything this big is not one. */
#define QUEUE_FILE_MAX		(1024 * 1024)
/* Returned by queue_find when no job matches. */
#define QUEUE_NOTFOUND		(-2)

struct queue;

/* Open DIR, creating it (not its parents) and its subdirectories. */
int	queue_open(struct queue **out, const char *dir, struct error *);
void	queue_free(struct queue *);
/* The directory of a state (new/ is the one to watch); DIR itself for
 * QUEUE_NONE. */
const char *queue_path(const struct queue *, enum queue_state);
/* "pending", "in-flight", "failed", "done" ("none" for QUEUE_NONE). */
const char *queue_state_name(enum queue_state);

/*
 * Assign job->id, write tmp/ID (O_EXCL), fsync, rename into new/ID, fsync
 * new/. On failure job->id is NULL again and nothing is left behind.
 */
int	queue_put(struct queue *, struct job *, struct error *);

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

/*
 * The job whose id is `id` or, failing that, starts with `id` (a unique
 * prefix), in any state. QUEUE_NOTFOUND with "no job '<id>' in the queue";
 * -1 (EXIT_USAGE) if the prefix is ambiguous.
 */
int	queue_find(struct queue *, const char *id, struct job *out,
	    struct error *);

/*
 * Worker transitions. queue_take moves a pending job to cur/: 0 taken, 1
 * if it is gone (another worker took it, or it was dropped), -1 error. The
 * others write the job as it is now (attempts, next_attempt, last_error,
 * deployment_id...) and then rename it, fsyncing the target directory.
 */
int	queue_take(struct queue *, struct job *, struct error *);
/* Rewrite the job in place, in the directory of job->queue_state. */
int	queue_update(struct queue *, struct job *, struct error *);
/* cur/ -> new/, e.g. after a temporary failure with next_attempt set. */
int	queue_defer(struct queue *, struct job *, struct error *);
/* cur/ -> done/ (prunes done/ to the newest QUEUE_DONE_KEEP). */
int	queue_finish(struct queue *, struct job *, struct error *);
/* cur/ -> failed/ with last_error = reason. */
int	queue_fail(struct queue *, struct job *, const char *reason,
	    struct error *);
/* new/ or cur/ -> done/ with last_error "superseded by <by_id>"; a
 * pending job is taken first: 1 if it is gone. */
int	queue_supersede(struct queue *, struct job *, const char *by_id,
	    struct error *);

/* new/ or cur/ -> bad/ with last_error = reason: a claim the daemon
 * refused; it is never sent. A pending job is taken first: 1 if it is
 * gone. */
int	queue_refuse(struct queue *, struct job *, const char *reason,
	    struct error *);

/*
 * Take DIR/lock (flock, exclusive, not waiting) for as long as the queue
 * is open: the one daemon that may work the queue. Fails with "queue
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

/* failed/ -> new/ with attempts and next_attempt reset. */
int	queue_retry(struct queue *, struct job *, struct error *);
/* Delete a pending or failed job. */
int	queue_drop(struct queue *, struct job *, struct error *);

#endif
