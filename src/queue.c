/* SPDX-License-Identifier: ISC */
/* queue.c -- the spool: tmp/ new/ cur/ failed/ done/ bad/ (see queue.h) */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsio.h"
#include "log.h"
#include "queue.h"
#include "xmalloc.h"

/* Indexes into queue->fd: tmp/, the states (enum queue_state), bad/. */
enum {
	DIR_TMP = QUEUE_NONE,
	DIR_BAD = QUEUE_BAD,
	NDIRS
};

/* A push staging this many jobs syncs them with one syncfs (sync_staged). */
#define QUEUE_SYNCFS_MIN	64

/* The modes of the layout (queue.h). */
#define MODE_ROOT	02750
#define MODE_DROP	03770	/* members drop files: tmp/ new/ */
#define MODE_OWN	02750	/* the daemon's alone */

static const struct {
	const char	*name;
	mode_t		 mode;
} layout[NDIRS] = {
	{ "tmp", MODE_DROP }, { "new", MODE_DROP }, { "cur", MODE_OWN },
	{ "failed", MODE_OWN }, { "done", MODE_OWN }, { "bad", MODE_OWN },
};

static const char *const state_names[] = {
	"none", "pending", "in-flight", "failed", "done", "bad"
};

static const char *const outcome_names[] = {
	NULL, "deployed", "skipped", "superseded", "failed", "refused", "done"
};

/* The last_error of a superseded job: this, then the newer job's id. */
#define SUPERSEDED_BY	"superseded by "

#define HINT_START	"start the daemon (systemctl start dotgit-deploy) " \
			"or run 'dotgit-deploy queue init' as its user"
#define HINT_INIT	"run 'dotgit-deploy queue init' as the daemon's " \
			"user (or root) to set the modes"

struct queue {
	char	*root;
	char	*paths[NDIRS];
	int	 rootfd;
	int	 fd[NDIRS];
	int	 lockfd;
	int	 flags;
	uid_t	 owner;			/* DIR's */
	gid_t	 group;
	long	 pid;
	int	 grouped;		/* queue_group_commit: no fsync */
	char	**staged;		/* queue_stage: ids in tmp/ */
	size_t	  nstaged;
	long	 ndone;			/* files in done/ by our count; -1 ? */
};

/* Per process, so two handles on one directory never make the same id. */
static long long	last_usec;
static unsigned int	seq;

struct match;

static int	 sys_error(struct error *, const char *, const struct queue *,
		    int, const char *);
static int	 id_valid(const char *);
static int	 scan(const struct queue *, int, char ***, size_t *,
		    struct error *);
static int	 read_job(struct queue *, int, const char *, struct job *,
		    char **);
static int	 load(struct queue *, int, const char *, struct job *);
static enum queue_outcome done_outcome(const struct job *, const char **);
static int	 write_tmp(struct queue *, const char *, const char *, int,
		    struct error *);
static int	 rewrite(struct queue *, const struct job *, struct error *);
static int	 move(struct queue *, struct job *, int, struct error *);
static int	 want_state(const struct job *, int, const char *,
		    struct error *);
static void	 prune_done(struct queue *);
static void	 unstage(struct queue *, size_t);

static void	user_name(char *buf, size_t size, uid_t uid);
static void	group_name(char *buf, size_t size, gid_t gid);
static const char *dir_path(const struct queue *q, int i);
static int	root_error(const struct queue *q, struct error *err);
static int	sub_error(const struct queue *q, int i, struct error *err);
static int	mode_error(const struct queue *q, int i, const struct stat *st,
		    const char *what, const char *why, struct error *err);
static int	check_root(const struct queue *q, const struct stat *st,
		    struct error *err);
static int	check_owner(const struct queue *q, int i,
		    const struct stat *st, struct error *err);
static int	check_mode(const struct queue *q, int i, const struct stat *st,
		    struct error *err);
static int	fix_dir(const struct queue *q, int i, int fd, struct stat *st,
		    gid_t gid, mode_t mode, int made, struct error *err);
static int	may_set_up(const struct queue *q, const struct stat *st,
		    struct error *err);
static int	open_root(struct queue *q, struct stat *st, int *made,
		    struct error *err);
static int	open_sub_fd(const struct queue *q, int i);
static int	find_sub(struct queue *q, int i, struct stat *st,
		    struct error *err);
static int	make_sub(struct queue *q, int i, struct stat *st,
		    struct error *err);
static int	set_up(struct queue *q, struct stat *st, struct error *err);
static int	open_all(struct queue *q, gid_t gid, struct error *err);
static int	open_queue(struct queue **out, const char *dir, int flags,
		    gid_t gid, struct error *err);
static int	open_lock(struct queue *q, struct error *err);
static void	make_id(const struct queue *q, char *buf, size_t size);
static int	sync_fd(const struct queue *q, int fd);
static int	sync_staged(struct queue *q, struct error *err);
static void	move_bad(struct queue *q, int dir, const char *name,
		    const char *why);
static int	read_entry(int dirfd, const char *name, char **out,
		    const char **why);
static int	match_dir(struct queue *q, int dir, const char *id,
		    struct match *m, struct error *err);
static int	close_job(struct queue *q, struct job *job, const char *verb,
		    char *reason, int to, struct error *err);
static int	owner_only(const struct queue *q, int dir, const char *verb,
		    const struct job *job, struct error *err);
static int	may_change(const struct queue *q, int dir, const char *verb,
		    const struct job *job, struct error *err);
static int	clean_tmp(struct queue *q, struct error *err);


/* "<what> '<dir>/<name>': <strerror>" as EXIT_FAIL; returns -1. */
static int
sys_error(struct error *err, const char *what, const struct queue *q,
    int dir, const char *name)
{
	const char *why = strerror(errno);
	char *e = log_escape(name, 128);

	error_set(err, EXIT_FAIL, "%s '%s/%s': %s", what, q->paths[dir], e,
	    why);
	free(e);
	return -1;
}

/* "name" or "uid N": who a uid is, for messages. */
static void
user_name(char *buf, size_t size, uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "uid %lu", (unsigned long)uid);
}

static void
group_name(char *buf, size_t size, gid_t gid)
{
	struct group *gr = getgrgid(gid);

	if (gr != NULL)
		snprintf(buf, size, "%s", gr->gr_name);
	else
		snprintf(buf, size, "gid %lu", (unsigned long)gid);
}

/* The root or a subdirectory, by index (-1: the root). */
static const char *
dir_path(const struct queue *q, int i)
{
	return i < 0 ? q->root : q->paths[i];
}

/* Why DIR cannot be opened, as the error to show. */
static int
root_error(const struct queue *q, struct error *err)
{
	int saved = errno;

	if (saved == ENOENT) {
		error_set(err, EXIT_FAIL, "queue directory '%s' does not "
		    "exist: nothing queued", q->root);
		error_hint(err, HINT_START);
		return -1;
	}
	error_set(err, EXIT_FAIL, "cannot open queue directory '%s': %s",
	    q->root, strerror(saved));
	if (saved == EACCES)
		error_hint(err, "add this user to the group of '%s' "
		    "(usermod -aG GROUP USER)", q->root);
	return -1;
}

/* Why subdirectory i cannot be opened: what is there instead. */
static int
sub_error(const struct queue *q, int i, struct error *err)
{
	struct stat st;
	int saved = errno;
	const char *what = NULL;

	if ((saved == ELOOP || saved == ENOTDIR) &&
	    fstatat(q->rootfd, layout[i].name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		what = S_ISLNK(st.st_mode) ? "a symbolic link" :
		    "not a directory";
	if (what != NULL) {
		error_set(err, EXIT_FAIL, "queue directory '%s' is %s: "
		    "refusing to use it", q->paths[i], what);
		error_hint(err, "someone replaced it: remove it, then run "
		    "'dotgit-deploy queue init' as the daemon's user");
	} else if (saved == ENOENT) {
		error_set(err, EXIT_FAIL, "queue directory '%s' is missing",
		    q->paths[i]);
		error_hint(err, HINT_START);
	} else
		error_set(err, EXIT_FAIL, "cannot open queue directory "
		    "'%s': %s", q->paths[i], strerror(saved));
	return -1;
}

static int
mode_error(const struct queue *q, int i, const struct stat *st,
    const char *what, const char *why, struct error *err)
{
	error_set(err, EXIT_FAIL, "queue directory '%s' is %s (mode %04o): "
	    "%s", dir_path(q, i), what, (unsigned int)(st->st_mode & 07777),
	    why);
	error_hint(err, HINT_INIT);
	return -1;
}

/* DIR: not writable by group or others, or members could replace what
 * is in it. */
static int
check_root(const struct queue *q, const struct stat *st, struct error *err)
{
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return mode_error(q, -1, st, st->st_mode & S_IWOTH ?
		    "writable by others" : "writable by its group",
		    "members could replace its subdirectories", err);
	return 0;
}

/* Subdirectory i: DIR's owner's. */
static int
check_owner(const struct queue *q, int i, const struct stat *st,
    struct error *err)
{
	char who[64], owner[64];

	if (st->st_uid == q->owner)
		return 0;
	user_name(who, sizeof(who), st->st_uid);
	user_name(owner, sizeof(owner), q->owner);
	error_set(err, EXIT_FAIL, "queue directory '%s' belongs to user %s, "
	    "not to %s, the owner of '%s'", q->paths[i], who, owner, q->root);
	error_hint(err, "remove it (or chown -R %s it), then run "
	    "'dotgit-deploy queue init' as the daemon's user", owner);
	return -1;
}

/* Subdirectory i: tmp/ and new/ sticky if group-writable, the others
 * not group-writable, none writable by others. */
static int
check_mode(const struct queue *q, int i, const struct stat *st,
    struct error *err)
{
	mode_t m = st->st_mode;

	if (m & S_IWOTH)
		return mode_error(q, i, st, "writable by others", "anyone "
		    "could change the queue", err);
	if (layout[i].mode == MODE_DROP && (m & S_IWGRP) && !(m & S_ISVTX))
		return mode_error(q, i, st, "group-writable without the "
		    "sticky bit", "members could remove each other's jobs",
		    err);
	if (layout[i].mode != MODE_DROP && (m & S_IWGRP))
		return mode_error(q, i, st, "writable by its group", "only "
		    "the daemon may write there", err);
	return 0;
}

/*
 * Give directory fd (index i, -1 for DIR) group `gid` ((gid_t)-1: keep)
 * and `mode`; *st is updated. Each change is logged, or the whole as
 * "created" when `made`.
 */
static int
fix_dir(const struct queue *q, int i, int fd, struct stat *st, gid_t gid,
    mode_t mode, int made, struct error *err)
{
	char from[64], to[64];

	if (gid != (gid_t)-1 && st->st_gid != gid) {
		group_name(from, sizeof(from), st->st_gid);
		group_name(to, sizeof(to), gid);
		if (fchown(fd, (uid_t)-1, gid) < 0)
			return error_set(err, EXIT_FAIL, "cannot give '%s' "
			    "to group %s: %s", dir_path(q, i), to,
			    strerror(errno));
		if (!made)
			log_info("queue: '%s': group %s -> %s",
			    dir_path(q, i), from, to);
	}
	if ((st->st_mode & 07777) != mode) {
		if (fchmod(fd, mode) < 0)
			return error_set(err, EXIT_FAIL, "cannot set the mode "
			    "of '%s': %s", dir_path(q, i), strerror(errno));
		if (!made)
			log_info("queue: '%s': mode %04o -> %04o",
			    dir_path(q, i), (unsigned int)(st->st_mode & 07777),
			    (unsigned int)mode);
	}
	if (fstat(fd, st) < 0)
		return error_set(err, EXIT_FAIL, "cannot stat '%s': %s",
		    dir_path(q, i), strerror(errno));
	if (made)
		log_info("queue: created '%s' (mode %04o)", dir_path(q, i),
		    (unsigned int)(st->st_mode & 07777));
	return 0;
}

/* QUEUE_OPEN_CREATE: only DIR's owner (the daemon's user) or root sets
 * the spool up. */
static int
may_set_up(const struct queue *q, const struct stat *st, struct error *err)
{
	uid_t euid = geteuid();
	char who[64], me[64];

	if (st->st_uid == euid || euid == 0)
		return 0;
	user_name(who, sizeof(who), st->st_uid);
	user_name(me, sizeof(me), euid);
	error_set(err, EXIT_FAIL, "queue directory '%s' belongs to user %s, "
	    "not to %s: only its owner (the daemon's user) or root may set "
	    "it up", q->root, who, me);
	error_hint(err, "run 'dotgit-deploy queue init' as %s, and the "
	    "daemon as that user", who);
	return -1;
}

/* Open DIR (making it with QUEUE_OPEN_CREATE); *made says so. */
static int
open_root(struct queue *q, struct stat *st, int *made, struct error *err)
{
	*made = 0;
	if ((q->flags & QUEUE_OPEN_CREATE) && mkdir(q->root, 0700) == 0)
		*made = 1;
	else if ((q->flags & QUEUE_OPEN_CREATE) && errno != EEXIST)
		return error_set(err, EXIT_FAIL, "cannot create queue "
		    "directory '%s': %s", q->root, strerror(errno));
	/* DIR itself comes from the configuration: a link there is the
	 * administrator's */
	if ((q->rootfd = open(q->root, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return root_error(q, err);
	if (fstat(q->rootfd, st) < 0)
		return error_set(err, EXIT_FAIL, "cannot stat '%s': %s",
		    q->root, strerror(errno));
	q->owner = st->st_uid;
	q->group = st->st_gid;
	if ((q->flags & QUEUE_OPEN_CREATE) && may_set_up(q, st, err) < 0)
		return -1;
	return 0;
}

static int
open_sub_fd(const struct queue *q, int i)
{
	return openat(q->rootfd, layout[i].name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
}

/* Open subdirectory i and check whose it is; with QUEUE_OPEN_CREATE a
 * missing one is left for make_sub (fd -1). */
static int
find_sub(struct queue *q, int i, struct stat *st, struct error *err)
{
	memset(st, 0, sizeof(*st));
	if ((q->fd[i] = open_sub_fd(q, i)) < 0) {
		if (errno == ENOENT && (q->flags & QUEUE_OPEN_CREATE))
			return 0;
		return sub_error(q, i, err);
	}
	if (fstat(q->fd[i], st) < 0)
		return error_set(err, EXIT_FAIL, "cannot stat '%s': %s",
		    q->paths[i], strerror(errno));
	return check_owner(q, i, st, err);
}

/* Make subdirectory i, DIR's owner's. */
static int
make_sub(struct queue *q, int i, struct stat *st, struct error *err)
{
	if (mkdirat(q->rootfd, layout[i].name, 0700) < 0 && errno != EEXIST)
		return error_set(err, EXIT_FAIL, "cannot create queue "
		    "directory '%s': %s", q->paths[i], strerror(errno));
	if ((q->fd[i] = open_sub_fd(q, i)) < 0)
		return sub_error(q, i, err);
	if (fstat(q->fd[i], st) < 0)
		return error_set(err, EXIT_FAIL, "cannot stat '%s': %s",
		    q->paths[i], strerror(errno));
	/* root making it in the spool of the daemon's user */
	if (st->st_uid != q->owner && fchown(q->fd[i], q->owner,
	    (gid_t)-1) < 0)
		return error_set(err, EXIT_FAIL, "cannot give '%s' to the "
		    "owner of '%s': %s", q->paths[i], q->root,
		    strerror(errno));
	st->st_uid = q->owner;
	return 0;
}

/* QUEUE_OPEN_CREATE, once everything there passed find_sub: make what
 * is missing, set the group and modes of the rest. */
static int
set_up(struct queue *q, struct stat *st, struct error *err)
{
	int i, fresh;

	for (i = 0; i < NDIRS; i++) {
		fresh = q->fd[i] < 0;
		if ((fresh && make_sub(q, i, &st[i], err) < 0) ||
		    fix_dir(q, i, q->fd[i], &st[i], q->group, layout[i].mode,
		    fresh, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * Open and check everything, then (QUEUE_OPEN_CREATE) make and fix, then
 * check the modes. Below DIR, a spool refused for a link or an owner is
 * not touched; DIR itself is closed to members first (QUEUE_OPEN_CREATE),
 * so that what they put there stays until it is removed.
 */
static int
open_all(struct queue *q, gid_t gid, struct error *err)
{
	struct stat rst, st[NDIRS];
	int i, made;

	if (open_root(q, &rst, &made, err) < 0)
		return -1;
	if (q->flags & QUEUE_OPEN_CREATE) {
		if (fix_dir(q, -1, q->rootfd, &rst, gid, MODE_ROOT, made,
		    err) < 0)
			return -1;
		q->group = rst.st_gid;
	}
	for (i = 0; i < NDIRS; i++)
		if (find_sub(q, i, &st[i], err) < 0)
			return -1;
	if ((q->flags & QUEUE_OPEN_CREATE) && set_up(q, st, err) < 0)
		return -1;
	if (check_root(q, &rst, err) < 0)
		return -1;
	for (i = 0; i < NDIRS; i++)
		if (check_mode(q, i, &st[i], err) < 0)
			return -1;
	return 0;
}

static int
open_queue(struct queue **out, const char *dir, int flags, gid_t gid,
    struct error *err)
{
	struct queue *q;
	size_t len = strlen(dir);
	int i;

	*out = NULL;
	q = xcalloc(1, sizeof(*q));
	for (i = 0; i < NDIRS; i++)
		q->fd[i] = -1;
	q->rootfd = q->lockfd = -1;
	q->ndone = -1;
	q->flags = flags;
	while (len > 1 && dir[len - 1] == '/')
		len--;
	q->root = xstrndup(dir, len);
	q->pid = (long)getpid();
	for (i = 0; i < NDIRS; i++)
		q->paths[i] = xasprintf("%s/%s", strcmp(q->root, "/") == 0 ?
		    "" : q->root, layout[i].name);
	if (open_all(q, gid, err) < 0) {
		queue_free(q);
		return -1;
	}
	*out = q;
	return 0;
}

int
queue_open(struct queue **out, const char *dir, int flags,
    struct error *err)
{
	return open_queue(out, dir, flags, (gid_t)-1, err);
}

int
queue_init(struct queue **out, const char *dir, gid_t group,
    struct error *err)
{
	struct queue *q;

	if (out != NULL)
		*out = NULL;
	if (open_queue(&q, dir, QUEUE_OPEN_CREATE, group, err) < 0)
		return -1;
	if (out != NULL)
		*out = q;
	else
		queue_free(q);
	return 0;
}

void
queue_owner(const struct queue *q, uid_t *uid, gid_t *gid)
{
	*uid = q->owner;
	*gid = q->group;
}

void
queue_free(struct queue *q)
{
	int i;

	if (q == NULL)
		return;
	if (q->nstaged > 0 && q->fd[DIR_TMP] >= 0)
		unstage(q, 0);		/* never published: not queued */
	for (i = 0; i < NDIRS; i++) {
		if (q->fd[i] >= 0)
			close(q->fd[i]);
		free(q->paths[i]);
	}
	if (q->lockfd >= 0)
		close(q->lockfd);
	if (q->rootfd >= 0)
		close(q->rootfd);
	free(q->root);
	free(q);
}

/* DIR/lock: a regular file with one link, DIR's owner's or ours. */
static int
open_lock(struct queue *q, struct error *err)
{
	struct stat st;
	int fd;

	fd = openat(q->rootfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	if (fd < 0 && errno == ELOOP)
		return error_set(err, EXIT_FAIL, "'%s/lock' is a symbolic "
		    "link: refusing to use it", q->root);
	if (fd < 0)
		return error_set(err, EXIT_FAIL, "cannot open '%s/lock': %s",
		    q->root, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_uid != q->owner && st.st_uid != geteuid())) {
		close(fd);
		return error_set(err, EXIT_FAIL, "'%s/lock' is not a file of "
		    "the queue's owner: refusing to use it", q->root);
	}
	return fd;
}

int
queue_lock(struct queue *q, struct error *err)
{
	char buf[32];
	ssize_t n;
	int fd;

	if (q->lockfd >= 0)
		return 0;
	if ((fd = open_lock(q, err)) < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int saved = errno;

		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		close(fd);
		if (saved != EWOULDBLOCK)
			return error_set(err, EXIT_FAIL, "cannot lock queue "
			    "'%s': %s", q->root, strerror(saved));
		return error_set(err, EXIT_FAIL, "queue '%s' is in use by "
		    "another daemon (pid %s)", q->root,
		    buf[0] != '\0' && strspn(buf, "0123456789") ==
		    strlen(buf) ? buf : "unknown");
	}
	/* the holder's pid, for the message above; best effort */
	n = snprintf(buf, sizeof(buf), "%ld\n", q->pid);
	if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) < 0)
		log_warn("queue: cannot write '%s/lock'", q->root);
	q->lockfd = fd;
	return 0;
}

const char *
queue_path(const struct queue *q, enum queue_state state)
{
	if (state < QUEUE_NEW || state > QUEUE_BAD)
		return q->root;
	return q->paths[state];
}

const char *
queue_state_name(enum queue_state state)
{
	if (state < QUEUE_NONE || state > QUEUE_BAD)
		return "none";
	return state_names[state];
}

/* A done job: superseded, deployed, skipped (in that order: a job
 * deployed after a retry keeps its last error). */
static enum queue_outcome
done_outcome(const struct job *job, const char **detail)
{
	size_t len = strlen(SUPERSEDED_BY);

	*detail = job->last_error;
	if (job->last_error != NULL &&
	    strncmp(job->last_error, SUPERSEDED_BY, len) == 0) {
		*detail = job->last_error + len;
		return QUEUE_OUTCOME_SUPERSEDED;
	}
	if (job->deployment_id != NULL) {
		*detail = job->deployment_id;
		return QUEUE_OUTCOME_DEPLOYED;
	}
	return job->last_error != NULL ? QUEUE_OUTCOME_SKIPPED :
	    QUEUE_OUTCOME_DONE;
}

enum queue_outcome
queue_outcome(const struct job *job, const char **detail)
{
	const char *d = job->last_error;
	enum queue_outcome o;

	switch (job->queue_state) {
	case QUEUE_FAILED:
		o = QUEUE_OUTCOME_FAILED;
		break;
	case QUEUE_BAD:
		o = QUEUE_OUTCOME_REFUSED;
		break;
	case QUEUE_DONE:
		o = done_outcome(job, &d);
		break;
	default:
		o = QUEUE_OUTCOME_NONE;
		break;
	}
	if (detail != NULL)
		*detail = d;
	return o;
}

const char *
queue_outcome_name(enum queue_outcome o)
{
	if (o < QUEUE_OUTCOME_NONE || o > QUEUE_OUTCOME_DONE)
		return NULL;
	return outcome_names[o];
}

/* 16 digits, '.', 1-10 digits, '.', 1-10 digits. */
static int
id_valid(const char *s)
{
	static const int width[3][2] = { { 16, 16 }, { 1, 10 }, { 1, 10 } };
	size_t n;
	int i;

	for (i = 0; i < 3; i++) {
		n = strspn(s, "0123456789");
		if (n < (size_t)width[i][0] || n > (size_t)width[i][1])
			return 0;
		s += n;
		if (*s != (i < 2 ? '.' : '\0'))
			return 0;
		s++;
	}
	return 1;
}

static void
make_id(const struct queue *q, char *buf, size_t size)
{
	struct timespec ts;
	long long usec;

	clock_gettime(CLOCK_REALTIME, &ts);
	usec = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (usec <= last_usec)
		usec = last_usec + 1;
	last_usec = usec;
	snprintf(buf, size, "%016lld.%ld.%u", usec, q->pid, ++seq);
}

/* fsync(fd), unless the caller syncs a whole batch (queue_sync). */
static int
sync_fd(const struct queue *q, int fd)
{
	return q->grouped ? 0 : fsync(fd);
}

/*
 * Create tmp/<name> (open flags `flags` besides O_WRONLY|O_CREAT) holding
 * text, fsynced (sync_fd) and closed. 1 if it exists and flags has
 * O_EXCL; -1 with err filled and nothing left behind.
 */
static int
write_tmp(struct queue *q, const char *name, const char *text, int flags,
    struct error *err)
{
	int fd, saved;

	fd = openat(q->fd[DIR_TMP], name, O_WRONLY | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | flags, 0640);
	if (fd < 0) {
		if (errno == EEXIST && (flags & O_EXCL))
			return 1;
		return sys_error(err, "cannot create", q, DIR_TMP, name);
	}
	if (fsio_write_all(fd, text, strlen(text)) < 0 || sync_fd(q, fd) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		goto fail;
	}
	if (close(fd) < 0)
		goto fail;
	return 0;
fail:
	sys_error(err, "cannot write", q, DIR_TMP, name);
	unlinkat(q->fd[DIR_TMP], name, 0);
	return -1;
}

int
queue_stage(struct queue *q, struct job *job, struct error *err)
{
	char id[64];
	char *json;
	int r, tries = 0, grouped = q->grouped;

	if ((json = job_to_json(job)) == NULL)
		return error_set(err, EXIT_FAIL, "cannot queue the job: a "
		    "field is not valid UTF-8");
	q->grouped = 1;			/* queue_publish syncs them */
	do
		make_id(q, id, sizeof(id));
	while ((r = write_tmp(q, id, json, O_EXCL, err)) == 1 && ++tries < 8);
	q->grouped = grouped;
	free(json);
	if (r == 1)
		return error_set(err, EXIT_FAIL, "cannot create a unique "
		    "file in '%s'", q->paths[DIR_TMP]);
	if (r < 0)
		return -1;
	q->staged = xreallocarray(q->staged, q->nstaged + 1,
	    sizeof(*q->staged));
	q->staged[q->nstaged++] = xstrdup(id);
	free(job->id);
	job->id = xstrdup(id);
	job->queue_state = QUEUE_NONE;	/* not yet */
	return 0;
}

/*
 * Make every staged file durable before any is renamed. An fdatasync
 * each: made after all the writes, they share the filesystem's journal
 * commits, and each waits for its own file only. From QUEUE_SYNCFS_MIN
 * files on (a push of many refs), one syncfs(2) of tmp/'s filesystem
 * instead (since Linux 5.8 it reports a writeback error seen since tmp/
 * was opened): it also writes any other process's dirty data there, so
 * it is kept for pushes whose fdatasyncs would cost more than that
 * usually does. Without syncfs (ENOSYS), an fdatasync each.
 */
static int
sync_staged(struct queue *q, struct error *err)
{
	size_t i;

	if (q->nstaged >= QUEUE_SYNCFS_MIN) {
		if (syncfs(q->fd[DIR_TMP]) == 0)
			return 0;
		if (errno != ENOSYS)
			return error_set(err, EXIT_FAIL, "cannot sync '%s': "
			    "%s", q->paths[DIR_TMP], strerror(errno));
	}
	for (i = 0; i < q->nstaged; i++)
		if (fsio_datasync_at(q->fd[DIR_TMP], q->staged[i]) < 0)
			return sys_error(err, "cannot write", q, DIR_TMP,
			    q->staged[i]);
	return 0;
}

/* Take the staged files back: from new/ the first `placed`, tmp/ the
 * rest. */
static void
unstage(struct queue *q, size_t placed)
{
	size_t i;

	for (i = 0; i < q->nstaged; i++) {
		unlinkat(q->fd[i < placed ? QUEUE_NEW : DIR_TMP],
		    q->staged[i], 0);
		free(q->staged[i]);
	}
	free(q->staged);
	q->staged = NULL;
	q->nstaged = 0;
}

int
queue_publish(struct queue *q, struct error *err)
{
	size_t i, placed = 0;

	if (q->nstaged > 0 && sync_staged(q, err) < 0)
		goto fail;
	for (; placed < q->nstaged; placed++)
		if (renameat(q->fd[DIR_TMP], q->staged[placed],
		    q->fd[QUEUE_NEW], q->staged[placed]) < 0) {
			sys_error(err, "cannot move into place", q, DIR_TMP,
			    q->staged[placed]);
			goto fail;
		}
	if (q->nstaged > 0 && fsync(q->fd[QUEUE_NEW]) < 0) {
		error_set(err, EXIT_FAIL, "cannot sync '%s': %s",
		    q->paths[QUEUE_NEW], strerror(errno));
		goto fail;
	}
	for (i = 0; i < q->nstaged; i++)
		free(q->staged[i]);
	free(q->staged);
	q->staged = NULL;
	q->nstaged = 0;
	return 0;
fail:
	/* Not durable: take them back so the caller's report is true. */
	unstage(q, placed);
	return -1;
}

int
queue_put(struct queue *q, struct job *job, struct error *err)
{
	if (queue_stage(q, job, err) < 0)
		return -1;
	if (queue_publish(q, err) < 0) {
		free(job->id);
		job->id = NULL;
		return -1;
	}
	job->queue_state = QUEUE_NEW;
	return 0;
}

/* The entries of a directory but "." and "..", sorted. */
static int
scan(const struct queue *q, int dir, char ***out, size_t *n,
    struct error *err)
{
	if (fsio_list_at(q->fd[dir], NULL, out, n) < 0)
		return error_set(err, EXIT_FAIL, "cannot read queue "
		    "directory '%s': %s", q->paths[dir], strerror(errno));
	return 0;
}

static void
move_bad(struct queue *q, int dir, const char *name, const char *why)
{
	char *ename = log_escape(name, 128), *ewhy = log_escape(why, 200);

	if (renameat(q->fd[dir], name, q->fd[DIR_BAD], name) == 0)
		log_warnx("queue: moved '%s/%s' to '%s': %s", q->paths[dir],
		    ename, q->paths[DIR_BAD], ewhy);
	else if (errno != ENOENT)
		log_warn("queue: '%s/%s' is not a job (%s) and cannot be "
		    "moved to '%s'", q->paths[dir], ename, ewhy,
		    q->paths[DIR_BAD]);
	free(ename);
	free(ewhy);
}

/*
 * Read dir/name whole. 0 with *out allocated; DD_ENOTFOUND if it
 * vanished; DD_EINVALID if it is not a job file (*why says why);
 * DD_ERROR if it cannot be read (errno).
 */
static int
read_entry(int dirfd, const char *name, char **out, const char **why)
{
	struct stat st;
	char *buf;
	size_t len;
	int fd, r, saved;

	*out = NULL;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? DD_ENOTFOUND : DD_ERROR;
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return DD_EINVALID;
	}
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? DD_ENOTFOUND : DD_ERROR;
	/* what was opened, not what was there a moment ago; a job file is
	 * made by rename and has one link: more is a link to a file that
	 * is not a job */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		*why = "not a regular file with one link";
		return DD_EINVALID;
	}
	/* a buffer of the file's size, not of the cap */
	r = fsio_read_fd(fd, QUEUE_FILE_MAX, 0, &buf, &len);
	saved = errno;
	close(fd);
	if (r < 0) {
		errno = saved;
		return DD_ERROR;
	}
	*why = r > 0 ? "too big" : strlen(buf) != len ?
	    "contains a NUL byte" : NULL;
	if (*why != NULL) {
		free(buf);
		return DD_EINVALID;
	}
	*out = buf;
	return 0;
}

/*
 * Read dir/name into job. 0 loaded; DD_ENOTFOUND vanished or unreadable
 * (warned); DD_EINVALID not a job, *why (allocated) says why.
 */
static int
read_job(struct queue *q, int dir, const char *name, struct job *job,
    char **why)
{
	struct error jerr;
	const char *w = NULL;
	char *text, *ename;
	int r;

	memset(job, 0, sizeof(*job));
	*why = NULL;
	if (!id_valid(name)) {
		*why = xstrdup("not a job file name");
		return DD_EINVALID;
	}
	if ((r = read_entry(q->fd[dir], name, &text, &w)) == DD_EINVALID) {
		*why = xstrdup(w);
		return DD_EINVALID;
	}
	if (r == DD_ERROR) {
		ename = log_escape(name, 128);
		log_warn("queue: cannot read '%s/%s'", q->paths[dir], ename);
		free(ename);
	}
	if (r != 0)
		return DD_ENOTFOUND;
	error_clear(&jerr);
	r = job_from_json(job, text, &jerr);
	free(text);
	if (r < 0) {
		*why = xstrdup(jerr.msg);
		return DD_EINVALID;
	}
	job->id = xstrdup(name);
	job->queue_state = dir;
	return 0;
}

/*
 * Load dir/name into job. 0 loaded; 1 skipped: vanished, moved to bad/
 * (left there when it is in bad/) or unreadable (warned).
 */
static int
load(struct queue *q, int dir, const char *name, struct job *job)
{
	char *why;
	int r = read_job(q, dir, name, job, &why);

	if (r == DD_EINVALID && dir != DIR_BAD)
		move_bad(q, dir, name, why);
	free(why);
	return r == 0 ? 0 : 1;
}

int
queue_list(struct queue *q, enum queue_state state, struct job **out,
    size_t *n, struct error *err)
{
	struct job *jobs;
	char **names;
	size_t i, len, k = 0;

	*out = NULL;
	*n = 0;
	if (state < QUEUE_NEW || state > QUEUE_DONE)
		return error_set(err, EXIT_FAIL, "no such queue state");
	if (scan(q, state, &names, &len, err) < 0)
		return -1;
	jobs = xcalloc(len, sizeof(*jobs));
	for (i = 0; i < len; i++)
		if (load(q, state, names[i], &jobs[k]) == 0)
			k++;
	strv_free(names, len);
	*out = jobs;
	*n = k;
	return 0;
}

void
queue_jobs_free(struct job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		job_release(&jobs[i]);
	free(jobs);
}

int
queue_list_bad(struct queue *q, struct job **jobs, size_t *njobs,
    struct queue_junk **junk, size_t *njunk, struct error *err)
{
	struct queue_junk *k;
	char **names, *why;
	size_t i, n;
	int r;

	*jobs = NULL;
	*junk = NULL;
	*njobs = *njunk = 0;
	if (scan(q, DIR_BAD, &names, &n, err) < 0)
		return -1;
	*jobs = xcalloc(n, sizeof(**jobs));
	*junk = xcalloc(n, sizeof(**junk));
	for (i = 0; i < n; i++) {
		r = read_job(q, DIR_BAD, names[i], &(*jobs)[*njobs], &why);
		if (r == 0)
			(*njobs)++;
		else if (r == DD_EINVALID) {
			k = &(*junk)[(*njunk)++];
			k->name = xstrdup(names[i]);
			k->why = why;
		}
	}
	strv_free(names, n);
	return 0;
}

void
queue_junk_free(struct queue_junk *junk, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(junk[i].name);
		free(junk[i].why);
	}
	free(junk);
}

int
queue_names(struct queue *q, enum queue_state state, char ***out,
    size_t *n, struct error *err)
{
	size_t i, k = 0;

	if (state < QUEUE_NEW || state > QUEUE_BAD)
		return error_set(err, EXIT_FAIL, "no such queue state");
	if (scan(q, state, out, n, err) < 0)
		return -1;
	for (i = 0; i < *n; i++) {
		if (id_valid((*out)[i]))
			(*out)[k++] = (*out)[i];
		else
			free((*out)[i]);
	}
	*n = k;
	return 0;
}

/* Where `id` is, exactly or as a prefix: dir and name, or a count. */
struct match {
	int	 dir;
	char	*name;
	size_t	 count;
	int	 exact;
};

static int
match_dir(struct queue *q, int dir, const char *id, struct match *m,
    struct error *err)
{
	char **names;
	size_t i, n, idlen = strlen(id);

	if (scan(q, dir, &names, &n, err) < 0)
		return -1;
	for (i = 0; i < n && !m->exact; i++) {
		if (strncmp(names[i], id, idlen) != 0 || !id_valid(names[i]))
			continue;
		/* a job moving between states while we look is one job */
		if (m->name != NULL && strcmp(m->name, names[i]) == 0)
			continue;
		m->exact = names[i][idlen] == '\0';
		if (m->exact || m->name == NULL) {
			free(m->name);
			m->name = xstrdup(names[i]);
			m->dir = dir;
		}
		m->count = m->exact ? 1 : m->count + 1;
	}
	strv_free(names, n);
	return 0;
}

int
queue_find(struct queue *q, const char *id, struct job *out,
    struct error *err)
{
	struct match m = { 0 };
	char *eid = log_escape(id, 64);
	int dir, rc = -1;

	memset(out, 0, sizeof(*out));
	if (*id == '\0') {
		error_set(err, EXIT_USAGE, "empty job id");
		goto out;
	}
	for (dir = QUEUE_NEW; dir <= QUEUE_BAD && !m.exact; dir++)
		if (match_dir(q, dir, id, &m, err) < 0)
			goto out;
	if (m.count > 1) {
		error_set(err, EXIT_USAGE, "job id '%s' is ambiguous: %zu "
		    "jobs start with it", eid, m.count);
		goto out;
	}
	if (m.count == 0 || load(q, m.dir, m.name, out) != 0) {
		error_set(err, EXIT_FAIL, "no job '%s' in the queue", eid);
		rc = DD_ENOTFOUND;
		goto out;
	}
	rc = 0;
out:
	free(m.name);
	free(eid);
	return rc;
}

/* Write the job as it is now over its file, atomically. */
static int
rewrite(struct queue *q, const struct job *job, struct error *err)
{
	int dir = job->queue_state;
	char *json, *tmp;
	int r, rc = -1;

	if ((json = job_to_json(job)) == NULL)
		return error_set(err, EXIT_FAIL, "cannot write job '%s': a "
		    "field is not valid UTF-8", job->id);
	tmp = xasprintf("%s.%ld.w", job->id, q->pid);
	/* tmp/ is the members' too: a file of this name left there by
	 * anyone goes first, ours is made afresh */
	if (unlinkat(q->fd[DIR_TMP], tmp, 0) < 0 && errno != ENOENT) {
		sys_error(err, "cannot remove", q, DIR_TMP, tmp);
		goto out;
	}
	if ((r = write_tmp(q, tmp, json, O_EXCL, err)) != 0) {
		if (r == 1)
			error_set(err, EXIT_FAIL, "cannot create '%s/%s': "
			    "someone else made it", q->paths[DIR_TMP], tmp);
		goto out;
	}
	if (renameat(q->fd[DIR_TMP], tmp, q->fd[dir], job->id) < 0) {
		sys_error(err, "cannot move into place", q, DIR_TMP, tmp);
		unlinkat(q->fd[DIR_TMP], tmp, 0);
		goto out;
	}
	if (sync_fd(q, q->fd[dir]) < 0) {
		error_set(err, EXIT_FAIL, "cannot sync '%s': %s",
		    q->paths[dir], strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(json);
	return rc;
}

/* Rewrite the job, then rename it into `to` and make that durable. */
static int
move(struct queue *q, struct job *job, int to, struct error *err)
{
	if (rewrite(q, job, err) < 0)
		return -1;
	if (renameat(q->fd[job->queue_state], job->id, q->fd[to],
	    job->id) < 0)
		return sys_error(err, "cannot move job", q, job->queue_state,
		    job->id);
	job->queue_state = to;
	if (to == QUEUE_DONE && q->ndone >= 0)
		q->ndone++;
	if (sync_fd(q, q->fd[to]) < 0)
		return error_set(err, EXIT_FAIL, "cannot sync '%s': %s",
		    q->paths[to], strerror(errno));
	return 0;
}

/* Fail unless job->queue_state is one of the states in mask. */
static int
want_state(const struct job *job, int mask, const char *verb,
    struct error *err)
{
	if (job->id == NULL || job->queue_state < QUEUE_NEW ||
	    job->queue_state > QUEUE_BAD)
		return error_set(err, EXIT_FAIL, "cannot %s a job that is "
		    "not in the queue", verb);
	if (mask & (1 << job->queue_state))
		return 0;
	return error_set(err, EXIT_FAIL, "cannot %s job '%s': it is %s",
	    verb, job->id, state_names[job->queue_state]);
}

#define ONLY(s)	(1 << (s))
#define ANY	(ONLY(QUEUE_NEW) | ONLY(QUEUE_CUR) | ONLY(QUEUE_FAILED) | \
		 ONLY(QUEUE_DONE))

int
queue_take(struct queue *q, struct job *job, struct error *err)
{
	if (want_state(job, ONLY(QUEUE_NEW), "take", err) < 0)
		return -1;
	/* not synced: a take lost in a crash leaves the job pending, which
	 * is where queue_recover would put it anyway */
	if (renameat(q->fd[QUEUE_NEW], job->id, q->fd[QUEUE_CUR],
	    job->id) < 0) {
		if (errno == ENOENT)
			return DD_ENOTFOUND;
		return sys_error(err, "cannot take job", q, QUEUE_NEW,
		    job->id);
	}
	job->queue_state = QUEUE_CUR;
	return 0;
}

int
queue_update(struct queue *q, struct job *job, struct error *err)
{
	if (want_state(job, ANY, "update", err) < 0)
		return -1;
	return rewrite(q, job, err);
}

int
queue_defer(struct queue *q, struct job *job, struct error *err)
{
	if (want_state(job, ONLY(QUEUE_CUR), "defer", err) < 0)
		return -1;
	return move(q, job, QUEUE_NEW, err);
}

int
queue_finish(struct queue *q, struct job *job, struct error *err)
{
	if (want_state(job, ONLY(QUEUE_CUR), "finish", err) < 0 ||
	    move(q, job, QUEUE_DONE, err) < 0)
		return -1;
	prune_done(q);
	return 0;
}

int
queue_fail(struct queue *q, struct job *job, const char *reason,
    struct error *err)
{
	if (want_state(job, ONLY(QUEUE_CUR), "fail", err) < 0)
		return -1;
	free(job->last_error);
	job->last_error = xstrdup(reason);
	return move(q, job, QUEUE_FAILED, err);
}

/* new/ or cur/ -> `to`, with last_error = reason (taken: allocated); a
 * pending job is taken first: DD_ENOTFOUND if it is gone. */
static int
close_job(struct queue *q, struct job *job, const char *verb, char *reason,
    int to, struct error *err)
{
	int r = 0;

	if (want_state(job, ONLY(QUEUE_NEW) | ONLY(QUEUE_CUR), verb, err) < 0)
		r = -1;
	else if (job->queue_state == QUEUE_NEW)
		r = queue_take(q, job, err);
	if (r != 0) {
		free(reason);
		return r;
	}
	free(job->last_error);
	job->last_error = reason;
	return move(q, job, to, err);
}

int
queue_supersede(struct queue *q, struct job *job, const char *by_id,
    struct error *err)
{
	int r;

	if ((r = close_job(q, job, "supersede", xasprintf(SUPERSEDED_BY "%s",
	    by_id), QUEUE_DONE, err)) != 0)
		return r;
	prune_done(q);
	return 0;
}

/* What a member who may not change dir gets, instead of EACCES. */
static int
owner_only(const struct queue *q, int dir, const char *verb,
    const struct job *job, struct error *err)
{
	char owner[64];

	user_name(owner, sizeof(owner), q->owner);
	if (dir == QUEUE_NEW)
		error_set(err, EXIT_FAIL, "cannot %s job '%s': another user "
		    "queued it, and only they or the daemon's user (%s) may "
		    "remove it from '%s'", verb, job->id, owner, q->paths[dir]);
	else
		error_set(err, EXIT_FAIL, "cannot %s job '%s': '%s' is "
		    "written by the daemon's user (%s) only", verb, job->id,
		    q->paths[dir], owner);
	error_hint(err, "run as the daemon's user (%s) or root", owner);
	return -1;
}

/* Fail with owner_only unless we may change the entries of dir. */
static int
may_change(const struct queue *q, int dir, const char *verb,
    const struct job *job, struct error *err)
{
	if (faccessat(q->fd[dir], ".", W_OK, AT_EACCESS) == 0)
		return 0;
	if (errno != EACCES && errno != EPERM)
		return error_set(err, EXIT_FAIL, "cannot %s job '%s': %s: %s",
		    verb, job->id, q->paths[dir], strerror(errno));
	return owner_only(q, dir, verb, job, err);
}

int
queue_retry(struct queue *q, struct job *job, struct error *err)
{
	if (want_state(job, ONLY(QUEUE_FAILED), "retry", err) < 0 ||
	    may_change(q, QUEUE_FAILED, "retry", job, err) < 0 ||
	    may_change(q, QUEUE_NEW, "retry", job, err) < 0)
		return -1;
	job->attempts = 0;
	job->next_attempt = 0;
	return move(q, job, QUEUE_NEW, err);
}

int
queue_drop(struct queue *q, struct job *job, struct error *err)
{
	int dir = job->queue_state;

	if (want_state(job, ONLY(QUEUE_NEW) | ONLY(QUEUE_FAILED), "drop",
	    err) < 0 || may_change(q, dir, "drop", job, err) < 0)
		return -1;
	if (unlinkat(q->fd[dir], job->id, 0) < 0) {
		if (errno == ENOENT)
			return error_set(err, EXIT_FAIL, "cannot drop job "
			    "'%s': it is no longer %s", job->id,
			    state_names[dir]);
		/* new/ is sticky: another member's job */
		if (errno == EPERM || errno == EACCES)
			return owner_only(q, dir, "drop", job, err);
		return sys_error(err, "cannot remove", q, dir, job->id);
	}
	job->queue_state = QUEUE_NONE;
	if (fsync(q->fd[dir]) < 0)
		return error_set(err, EXIT_FAIL, "cannot sync '%s': %s",
		    q->paths[dir], strerror(errno));
	return 0;
}

/* Keep the newest QUEUE_DONE_KEEP jobs in done/; best effort. done/ is
 * listed only when our count says it may hold QUEUE_DONE_SLACK more. */
static void
prune_done(struct queue *q)
{
	struct error err;
	char **names;
	size_t i, n, valid = 0;

	if (q->ndone >= 0 && q->ndone < QUEUE_DONE_KEEP + QUEUE_DONE_SLACK)
		return;
	error_clear(&err);
	if (scan(q, QUEUE_DONE, &names, &n, &err) < 0) {
		log_warnx("queue: %s", err.msg);
		return;
	}
	for (i = 0; i < n; i++)
		valid += id_valid(names[i]);
	for (i = 0; i < n && valid > QUEUE_DONE_KEEP; i++) {
		if (!id_valid(names[i]))
			continue;
		if (unlinkat(q->fd[QUEUE_DONE], names[i], 0) < 0 &&
		    errno != ENOENT)
			log_warn("queue: cannot remove '%s/%s'",
			    q->paths[QUEUE_DONE], names[i]);
		valid--;
	}
	q->ndone = (long)valid;
	strv_free(names, n);
}

/* Remove files in tmp/ older than QUEUE_TMP_MAX_AGE. */
static int
clean_tmp(struct queue *q, struct error *err)
{
	struct stat st;
	char **names;
	size_t i, n;
	time_t now = time(NULL);

	if (scan(q, DIR_TMP, &names, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (fstatat(q->fd[DIR_TMP], names[i], &st,
		    AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode) ||
		    st.st_mtime > now - QUEUE_TMP_MAX_AGE)
			continue;
		if (unlinkat(q->fd[DIR_TMP], names[i], 0) < 0 &&
		    errno != ENOENT) {
			char *e = log_escape(names[i], 128);

			log_warn("queue: cannot remove '%s/%s'",
			    q->paths[DIR_TMP], e);
			free(e);
		}
	}
	strv_free(names, n);
	return 0;
}

int
queue_recover(struct queue *q, size_t *moved, struct error *err)
{
	char **names;
	size_t i, n, count = 0;
	int rc = 0;

	if (moved != NULL)
		*moved = 0;
	if (scan(q, QUEUE_CUR, &names, &n, err) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		if (renameat(q->fd[QUEUE_CUR], names[i], q->fd[QUEUE_NEW],
		    names[i]) == 0)
			count++;
		else if (errno != ENOENT)
			rc = sys_error(err, "cannot move job back", q,
			    QUEUE_CUR, names[i]);
	}
	strv_free(names, n);
	if (count > 0 && rc == 0 && fsync(q->fd[QUEUE_NEW]) < 0)
		rc = error_set(err, EXIT_FAIL, "cannot sync '%s': %s",
		    q->paths[QUEUE_NEW], strerror(errno));
	if (moved != NULL)
		*moved = count;
	if (rc < 0)
		return -1;
	return clean_tmp(q, err);
}

int
queue_refuse(struct queue *q, struct job *job, const char *reason,
    struct error *err)
{
	int r;

	if ((r = close_job(q, job, "refuse", xstrdup(reason), DIR_BAD,
	    err)) != 0)
		return r;
	job->queue_state = QUEUE_NONE;
	return 0;
}

void
queue_group_commit(struct queue *q)
{
	q->grouped = 1;
}

int
queue_sync(struct queue *q, struct error *err)
{
	if (syncfs(q->rootfd) < 0)
		return error_set(err, EXIT_FAIL, "cannot sync the queue "
		    "'%s': %s", q->root, strerror(errno));
	return 0;
}
