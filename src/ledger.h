/* SPDX-License-Identifier: ISC */
/* ledger.h -- what was sent and what was deployed, durable across crashes */
#ifndef DD_LEDGER_H
#define DD_LEDGER_H

#include <stddef.h>

#include "error.h"
#include "config.h"
#include "job.h"
#include "repo.h"

/* The most a history record may hold (a job with its env vars). */
#define LEDGER_RECORD_MAX	(1024 * 1024)
/* History records kept (ledger_history_prune). */
#define LEDGER_HISTORY_KEEP	1000

/*
 * Files under DIR/ledger/, each written to
 * tmp/, fsynced and renamed into place (then the directory fsynced):
 *   idem/<key>        "intent <unix>\n" or "sent <unix> <deployment id>\n"
 *   deployed/<hash>   "<commit>\n": last commit deployed to (project, env)
 *   seen/<hash>       "<commit> <generation>\n": last head seen for
 *                     (repo, ref) by the repository watcher
 * <key> is the idempotency key itself when it is 64 lowercase hex digits
 * (job->idem_key always is), else its sha256; <hash> is the sha256 of the
 * two strings joined by a NUL byte, so any string makes a safe name.
 *
 * The worker's protocol: ledger_get; SENT: never send again, finish the
 * job; else send with the key as Idempotency-Key, and on 201 ledger_sent.
 * A job whose request went out but whose 201 was not recorded (a crash)
 * is sent again with the same Idempotency-Key: the platform answers with
 * the first deployment instead of making a second one. INTENT is what an
 * unreadable record (or an older version's "intent" one) reads as: send
 * again, with the same key.
 */

enum ledger_state {
	LEDGER_NONE = 0,
	LEDGER_INTENT,
	LEDGER_SENT,
};

struct ledger;

/*
 * Where it lives: the daemon's private state directory ([daemon] state),
 * or a repository's <common git dir>dotgit-deploy/ for the hooks in
 * direct mode and `deploy`. Open DIR/ledger/, creating DIR (not its
 * parents: with the permissions of `like`, or 0700 when NULL) and what is
 * below (with DIR's permissions).
 */
int	ledger_open(struct ledger **out, const char *dir, const char *like,
	    struct error *);
void	ledger_free(struct ledger *);
/* Under a repository's common git dir: its own ledger (direct mode,
 * the client hooks, `deploy`). */
#define LEDGER_REPO_DIR		"dotgit-deploy"

/*
 * The ledger a repository's deployments are recorded in: the daemon's
 * (ledger_daemon_dir) in queue mode -- read or written there, never
 * made -- else <common_dir>LEDGER_REPO_DIR, made with the repository's
 * permissions when `make`, else DD_ENOTFOUND if it is not there.
 * *dir (allocated) names it for messages.
 */
int	ledger_open_for(struct ledger **out, char **dir, const struct config *,
	    const char *common_dir, int make, struct error *);

/*
 * Where the daemon keeps its ledger: [daemon] state (`configured`), else
 * systemd's StateDirectory= ($STATE_DIRECTORY), else the XDG state
 * directory ($XDG_STATE_HOME or ~/.local/state)/dotgit-deploy of the
 * user. Allocated; NULL when none can be named. (A command run by the
 * admin, say `history`, finds the packaged daemon's through [daemon]
 * state = /var/lib/dotgit-deploy in the configuration.)
 */
char	*ledger_daemon_dir(const char *configured);

/*
 * Group commit (see queue_group_commit): records are written and renamed
 * into place without a sync each; nothing is to do when nothing was
 * written since the last sync. ledger_sync makes them durable with one
 * syncfs of the filesystem: the daemon, for a batch of jobs.
 * ledger_sync_written fdatasyncs just the records written, then each
 * directory they are in, once: a push's few records (deliver.c), whose
 * sync must not wait for other processes' dirty data as syncfs does;
 * made after the writes, the syncs share the filesystem's journal
 * commits. Either way the records are synced once, or reported once.
 */
void	ledger_group_commit(struct ledger *);
int	ledger_sync(struct ledger *, struct error *);
int	ledger_sync_written(struct ledger *, struct error *);

/*
 * The state of an idempotency key; *dep_id (may be NULL) is the
 * deployment id when SENT (allocated), else NULL; *when (may be NULL) the
 * Unix time it was recorded, 0 if NONE. An unreadable record is reported
 * with a warning and taken as INTENT: sending again with the same key is
 * safe, never sending is not.
 */
int	ledger_get(struct ledger *, const char *key, enum ledger_state *state,
	    char **dep_id, long long *when, struct error *);
/* Record the 201: dep_id is a non-empty token (no space or control). */
int	ledger_sent(struct ledger *, const char *key, const char *dep_id,
	    struct error *);
/* Remove key records (and files a crash left in tmp/) older than max_age
 * seconds by mtime; *removed (may be NULL) counts the key records. A key
 * pruned is forgotten: keep max_age well above how long a push may be
 * replayed (e.g. 30 days). */
int	ledger_prune(struct ledger *, long long max_age, size_t *removed,
	    struct error *);

/* Last commit deployed to (project, environment): 0 found, DD_ENOTFOUND
 * none. */
int	ledger_last_deployed(struct ledger *, const char *project,
	    const char *environment, char out[OID_HEXSZ + 1], struct error *);
int	ledger_set_last_deployed(struct ledger *, const char *project,
	    const char *environment, const char *commit, struct error *);
/*
 * Last head seen by the repository watcher for (repo, ref), and how many
 * changes of it were seen (the generation: a change seen again after a
 * crash has the same one, so the same request id): 0 found,
 * DD_ENOTFOUND none (*gen 0).
 */
int	ledger_last_seen(struct ledger *, const char *repo, const char *ref,
	    char out[OID_HEXSZ + 1], unsigned long long *gen, struct error *);
int	ledger_set_last_seen(struct ledger *, const char *repo,
	    const char *ref, const char *commit, unsigned long long gen,
	    struct error *);
/* Remove the record: 0, DD_ENOTFOUND if there was none, DD_ERROR
 * (errno). */
int	ledger_forget_seen(struct ledger *, const char *repo,
	    const char *ref);

/*
 * History: every deployment made through this ledger, as its planned job
 * (job.h) with deployment_id, status, url and deployed_at, in history/
 * under a name that sorts by time ("<16-digit usec>.<deployment id>",
 * job->id). ledger_history_add names and writes a new one;
 * ledger_history_update rewrites job->id's; ledger_history_list reads
 * them all, oldest first (*out allocated: job_release each and free);
 * ledger_history_prune keeps the newest `keep`.
 */
int	ledger_history_add(struct ledger *, struct job *, struct error *);
int	ledger_history_update(struct ledger *, const struct job *,
	    struct error *);
/* Record `name`; DD_ENOTFOUND when there is none (or it is bad). */
int	ledger_history_get(struct ledger *, const char *name, struct job *out,
	    struct error *);
int	ledger_history_list(struct ledger *, struct job **out, size_t *n,
	    struct error *);
int	ledger_history_prune(struct ledger *, size_t keep, struct error *);

#endif
