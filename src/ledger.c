/* SPDX-License-Identifier: ISC */
/* ledger.c -- idempotency records and last deployed/seen commits */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsio.h"
#include "hash.h"
#include "ledger.h"
#include "log.h"
#include "xmalloc.h"

enum {
	SUB_TMP,
	SUB_IDEM,
	SUB_DEPLOYED,
	SUB_SEEN,
	SUB_HISTORY,
	NSUBS
};

static const char *const sub_names[NSUBS] = {
	"tmp", "idem", "deployed", "seen", "history"
};

/* Big enough for any record we write; longer files are corrupt. */
#define RECORD_MAX	512

#define LEDGER_SUBDIR	"ledger"	/* DIR/ledger/ holds it all */
/* One record added in about this many prunes the history (by chance:
 * its microsecond; the daemon prunes daily too). */
#define LEDGER_HISTORY_PRUNE_EVERY	32

/* A record written under group commit, not yet synced. */
struct written {
	int	 sub;
	char	*name;
};

struct ledger {
	char	*root;			/* DIR/ledger */
	char	*paths[NSUBS];
	int	 fd[NSUBS];
	long	 pid;			/* names of our tmp/ files */
	int	 grouped;		/* ledger_group_commit: no fsync */
	struct written	*written;	/* records put since the last sync */
	size_t		 nwritten;
};

static void	 key_name(char [HASH_SHA256_HEXSZ + 1], const char *);
static void	 pair_name(char [HASH_SHA256_HEXSZ + 1], const char *,
		    const char *);
static int	 put(struct ledger *, int, const char *, const char *,
		    struct error *);
static int	 get(struct ledger *, int, const char *, char *, size_t,
		    struct error *);
static int	 get_commit(struct ledger *, int, const char *,
		    char [OID_HEXSZ + 1], unsigned long long *, struct error *);
static int	 set_commit(struct ledger *, int, const char *,
		    const char *, unsigned long long, struct error *);

static int	make_dir(const char *dir, const char *like);
static void	corrupt(struct ledger *l, int sub, const char *name,
		    const char *taken);
static int	parse_idem(char *rec, enum ledger_state *state, char **dep_id,
		    long long *when);
static int	prune_dir(struct ledger *l, int sub, long long max_age,
		    size_t *count, struct error *err);
static int	history_name_valid(const char *s);
static int	history_read(struct ledger *l, const char *name,
		    struct job *out);
static int	history_names(struct ledger *l, char ***out, size_t *n,
		    struct error *err);
static void	written_clear(struct ledger *l);

/* Make dir if missing: private, or with the permissions of `like`. */
static int
make_dir(const char *dir, const char *like)
{
	int fd;

	if (like != NULL)
		fd = fsio_open_dir(dir, NULL, like, NULL);
	else {
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int
ledger_open(struct ledger **out, const char *dir, const char *like,
    struct error *err)
{
	struct ledger *l;
	const char *failed = dir;
	int i;

	*out = NULL;
	l = xcalloc(1, sizeof(*l));
	for (i = 0; i < NSUBS; i++)
		l->fd[i] = -1;
	l->root = xasprintf("%s/" LEDGER_SUBDIR, dir);
	l->pid = (long)getpid();
	/* DIR/ledger/ and below take DIR's permissions */
	if (make_dir(dir, like) < 0 || (failed = l->root,
	    make_dir(l->root, dir)) < 0)
		goto fail;
	for (i = 0; i < NSUBS; i++) {
		l->paths[i] = xasprintf("%s/%s", l->root, sub_names[i]);
		if ((l->fd[i] = fsio_open_dir(l->paths[i], NULL, dir,
		    &failed)) < 0)
			goto fail;
	}
	*out = l;
	return 0;
fail:
	error_set(err, EXIT_FAIL, "cannot open ledger directory '%s': %s",
	    failed, strerror(errno));
	ledger_free(l);
	return -1;
}

void
ledger_free(struct ledger *l)
{
	int i;

	if (l == NULL)
		return;
	for (i = 0; i < NSUBS; i++) {
		if (l->fd[i] >= 0)
			close(l->fd[i]);
		free(l->paths[i]);
	}
	written_clear(l);
	free(l->root);
	free(l);
}

/* The file name for an idempotency key. */
static void
key_name(char out[HASH_SHA256_HEXSZ + 1], const char *key)
{
	size_t n = strspn(key, "0123456789abcdef");

	if (n == HASH_SHA256_HEXSZ && key[n] == '\0')
		memcpy(out, key, HASH_SHA256_HEXSZ + 1);
	else
		hash_sha256_hex(out, key, strlen(key));
}

/* The file name for a pair of strings: sha256 of "a\0b". */
static void
pair_name(char out[HASH_SHA256_HEXSZ + 1], const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *buf = xmalloc(la + lb + 1);

	memcpy(buf, a, la + 1);
	memcpy(buf + la + 1, b, lb);
	hash_sha256_hex(out, buf, la + 1 + lb);
	free(buf);
}

/* Replace sub/name with text: tmp file, fsync, rename, fsync dir (not
 * one by one under group commit: ledger_sync). */
static int
put(struct ledger *l, int sub, const char *name, const char *text,
    struct error *err)
{
	char *tmp = xasprintf("%s.%ld", name, l->pid);
	int rc = 0;

	if (fsio_replace_at(l->fd[SUB_TMP], tmp, l->fd[sub], name, text,
	    strlen(text), 0640, !l->grouped) < 0)
		rc = error_set(err, EXIT_FAIL, "cannot write ledger record "
		    "'%s/%s': %s", l->paths[sub], name, strerror(errno));
	else if (l->grouped) {
		l->written = xreallocarray(l->written, l->nwritten + 1,
		    sizeof(*l->written));
		l->written[l->nwritten].sub = sub;
		l->written[l->nwritten++].name = xstrdup(name);
	}
	free(tmp);
	return rc;
}

/* Read sub/name into buf, without its final newline: 0 read,
 * DD_ENOTFOUND no such record, DD_EINVALID corrupt, DD_ERROR. */
static int
get(struct ledger *l, int sub, const char *name, char *buf, size_t size,
    struct error *err)
{
	char *text;
	size_t len;
	int r;

	r = fsio_read_at(l->fd[sub], name, size - 1, &text, &len, NULL);
	if (r == DD_ERROR)
		return error_set(err, EXIT_FAIL, "cannot read ledger record "
		    "'%s/%s': %s", l->paths[sub], name, strerror(errno));
	if (r != 0)
		return r;
	r = len == 0 || text[len - 1] != '\n' ? DD_EINVALID : 0;
	if (r == 0) {
		memcpy(buf, text, len - 1);
		buf[len - 1] = '\0';
	}
	free(text);
	return r;
}

static void
corrupt(struct ledger *l, int sub, const char *name, const char *taken)
{
	log_warnx("ledger: record '%s/%s' is corrupt; taken as %s",
	    l->paths[sub], name, taken);
}

/* Parse "intent <t>" or "sent <t> <id>"; 0 or -1. */
static int
parse_idem(char *rec, enum ledger_state *state, char **dep_id,
    long long *when)
{
	char *end, *p;

	if (strncmp(rec, "intent ", 7) == 0) {
		*state = LEDGER_INTENT;
		p = rec + 7;
	} else if (strncmp(rec, "sent ", 5) == 0) {
		*state = LEDGER_SENT;
		p = rec + 5;
	} else
		return -1;
	errno = 0;
	*when = strtoll(p, &end, 10);
	if (errno != 0 || end == p || *when < 0)
		return -1;
	if (*state == LEDGER_INTENT)
		return *end == '\0' ? 0 : -1;
	if (*end != ' ' || end[1] == '\0' || strchr(end + 1, ' ') != NULL)
		return -1;
	*dep_id = xstrdup(end + 1);
	return 0;
}

int
ledger_get(struct ledger *l, const char *key, enum ledger_state *state,
    char **dep_id, long long *when, struct error *err)
{
	char name[HASH_SHA256_HEXSZ + 1], rec[RECORD_MAX];
	char *id = NULL;
	long long t = 0;
	int r;

	*state = LEDGER_NONE;
	if (dep_id != NULL)
		*dep_id = NULL;
	if (when != NULL)
		*when = 0;
	key_name(name, key);
	if ((r = get(l, SUB_IDEM, name, rec, sizeof(rec), err)) == DD_ERROR)
		return -1;
	if (r == DD_ENOTFOUND)
		return 0;
	if (r == DD_EINVALID || parse_idem(rec, state, &id, &t) < 0) {
		corrupt(l, SUB_IDEM, name, "intent");
		*state = LEDGER_INTENT;
		t = 0;
	}
	if (dep_id != NULL)
		*dep_id = id;
	else
		free(id);
	if (when != NULL)
		*when = t;
	return 0;
}

int
ledger_sent(struct ledger *l, const char *key, const char *dep_id,
    struct error *err)
{
	char name[HASH_SHA256_HEXSZ + 1];
	const unsigned char *p;
	char *rec, *e;
	int rc;

	for (p = (const unsigned char *)dep_id; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			break;
	if (*dep_id == '\0' || *p != '\0' || p - (const unsigned char *)
	    dep_id > RECORD_MAX - 64) {
		e = log_escape(dep_id, 64);
		error_set(err, EXIT_FAIL, "deployment id '%s' is not a "
		    "plain token", e);
		free(e);
		return -1;
	}
	key_name(name, key);
	rec = xasprintf("sent %lld %s\n", (long long)time(NULL), dep_id);
	rc = put(l, SUB_IDEM, name, rec, err);
	free(rec);
	return rc;
}

/* Remove regular files in sub/ not modified for max_age seconds. */
static int
prune_dir(struct ledger *l, int sub, long long max_age, size_t *count,
    struct error *err)
{
	struct dirent *de;
	struct stat st;
	long long now = (long long)time(NULL);
	DIR *d;

	if ((d = opendir(l->paths[sub])) == NULL)
		return error_set(err, EXIT_FAIL, "cannot read ledger "
		    "directory '%s': %s", l->paths[sub], strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    fstatat(l->fd[sub], de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
		    (long long)st.st_mtime > now - max_age)
			continue;
		if (unlinkat(l->fd[sub], de->d_name, 0) == 0 &&
		    sub == SUB_IDEM)
			(*count)++;
	}
	closedir(d);
	return 0;
}

int
ledger_prune(struct ledger *l, long long max_age, size_t *removed,
    struct error *err)
{
	size_t count = 0;
	int rc;

	rc = prune_dir(l, SUB_IDEM, max_age, &count, err);
	if (rc == 0)
		rc = prune_dir(l, SUB_TMP, max_age, &count, err);
	if (removed != NULL)
		*removed = count;
	return rc;
}

/* "<commit>" or "<commit> <generation>"; 0 read, DD_ENOTFOUND none or
 * corrupt, DD_ERROR. */
static int
get_commit(struct ledger *l, int sub, const char *name,
    char out[OID_HEXSZ + 1], unsigned long long *gen, struct error *err)
{
	char rec[RECORD_MAX], *end;
	int r;

	out[0] = '\0';
	*gen = 0;
	if ((r = get(l, sub, name, rec, sizeof(rec), err)) == DD_ERROR ||
	    r == DD_ENOTFOUND)
		return r;
	if (r == 0 && strlen(rec) > OID_HEXSZ && rec[OID_HEXSZ] == ' ') {
		rec[OID_HEXSZ] = '\0';
		errno = 0;
		*gen = strtoull(rec + OID_HEXSZ + 1, &end, 10);
		if (errno != 0 || *end != '\0' || end == rec + OID_HEXSZ + 1)
			r = DD_EINVALID;
	}
	if (r == DD_EINVALID || !repo_oid_valid(rec)) {
		corrupt(l, sub, name, "none");
		*gen = 0;
		return DD_ENOTFOUND;
	}
	memcpy(out, rec, OID_HEXSZ + 1);
	return 0;
}

static int
set_commit(struct ledger *l, int sub, const char *name, const char *commit,
    unsigned long long gen, struct error *err)
{
	char rec[OID_HEXSZ + 32];
	char *e;

	if (!repo_oid_valid(commit)) {
		e = log_escape(commit, 64);
		error_set(err, EXIT_FAIL, "'%s' is not a commit id", e);
		free(e);
		return -1;
	}
	if (gen > 0)
		snprintf(rec, sizeof(rec), "%s %llu\n", commit, gen);
	else
		snprintf(rec, sizeof(rec), "%s\n", commit);
	return put(l, sub, name, rec, err);
}

int
ledger_last_deployed(struct ledger *l, const char *project,
    const char *environment, char out[OID_HEXSZ + 1], struct error *err)
{
	char name[HASH_SHA256_HEXSZ + 1];
	unsigned long long gen;

	pair_name(name, project, environment);
	return get_commit(l, SUB_DEPLOYED, name, out, &gen, err);
}

int
ledger_set_last_deployed(struct ledger *l, const char *project,
    const char *environment, const char *commit, struct error *err)
{
	char name[HASH_SHA256_HEXSZ + 1];

	pair_name(name, project, environment);
	return set_commit(l, SUB_DEPLOYED, name, commit, 0, err);
}

int
ledger_last_seen(struct ledger *l, const char *repo, const char *ref,
    char out[OID_HEXSZ + 1], unsigned long long *gen, struct error *err)
{
	char name[HASH_SHA256_HEXSZ + 1];

	pair_name(name, repo, ref);
	return get_commit(l, SUB_SEEN, name, out, gen, err);
}

int
ledger_set_last_seen(struct ledger *l, const char *repo, const char *ref,
    const char *commit, unsigned long long gen, struct error *err)
{
	char name[HASH_SHA256_HEXSZ + 1];

	pair_name(name, repo, ref);
	return set_commit(l, SUB_SEEN, name, commit, gen, err);
}

int
ledger_forget_seen(struct ledger *l, const char *repo, const char *ref)
{
	char name[HASH_SHA256_HEXSZ + 1];

	pair_name(name, repo, ref);
	if (unlinkat(l->fd[SUB_SEEN], name, 0) < 0)
		return errno == ENOENT ? DD_ENOTFOUND : DD_ERROR;
	return 0;
}

void
ledger_group_commit(struct ledger *l)
{
	l->grouped = 1;
}

static void
written_clear(struct ledger *l)
{
	size_t i;

	for (i = 0; i < l->nwritten; i++)
		free(l->written[i].name);
	free(l->written);
	l->written = NULL;
	l->nwritten = 0;
}

int
ledger_sync(struct ledger *l, struct error *err)
{
	if (l->nwritten == 0)
		return 0;
	if (syncfs(l->fd[SUB_TMP]) < 0)
		return error_set(err, EXIT_FAIL, "cannot sync the ledger "
		    "'%s': %s", l->root, strerror(errno));
	written_clear(l);
	return 0;
}

int
ledger_sync_written(struct ledger *l, struct error *err)
{
	int touched[NSUBS] = { 0 }, i, rc = 0;
	size_t k;

	for (k = 0; k < l->nwritten && rc == 0; k++) {
		if (fsio_datasync_at(l->fd[l->written[k].sub],
		    l->written[k].name) < 0)
			rc = error_set(err, EXIT_FAIL, "cannot sync ledger "
			    "record '%s/%s': %s", l->paths[l->written[k].sub],
			    l->written[k].name, strerror(errno));
		touched[l->written[k].sub] = 1;
	}
	for (i = 0; i < NSUBS && rc == 0; i++)
		if (touched[i] && fsync(l->fd[i]) < 0)
			rc = error_set(err, EXIT_FAIL, "cannot sync ledger "
			    "directory '%s': %s", l->paths[i],
			    strerror(errno));
	written_clear(l);	/* synced, or reported once */
	return rc;
}

/* A record's name: 16 digits of microseconds, '.', the deployment id. */
static int
history_name_valid(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n == 16 && s[16] == '.' && s[17] != '\0' &&
	    strchr(s, '/') == NULL;
}

int
ledger_history_add(struct ledger *l, struct job *job, struct error *err)
{
	struct error perr;
	struct timespec ts;
	char *name;
	int rc;

	if (job->deployment_id == NULL || strchr(job->deployment_id, '/'))
		return error_set(err, EXIT_FAIL, "a history record needs a "
		    "deployment id");
	clock_gettime(CLOCK_REALTIME, &ts);
	name = xasprintf("%016lld.%s", (long long)ts.tv_sec * 1000000 +
	    ts.tv_nsec / 1000, job->deployment_id);
	free(job->id);
	job->id = name;
	if (job->deployed_at == 0)
		job->deployed_at = (long long)ts.tv_sec;
	if ((rc = ledger_history_update(l, job, err)) < 0) {
		free(job->id);
		job->id = NULL;
	} else if (ts.tv_nsec / 1000 % LEDGER_HISTORY_PRUNE_EVERY == 0) {
		error_clear(&perr);
		if (ledger_history_prune(l, LEDGER_HISTORY_KEEP, &perr) < 0)
			log_warnx("%s", perr.msg);
	}
	return rc;
}

int
ledger_history_update(struct ledger *l, const struct job *job,
    struct error *err)
{
	char *json;
	int rc;

	if (job->id == NULL || !history_name_valid(job->id))
		return error_set(err, EXIT_FAIL, "not a history record");
	if ((json = job_to_json(job)) == NULL)
		return error_set(err, EXIT_FAIL, "cannot record deployment "
		    "'%s': a field is not valid UTF-8", job->deployment_id);
	rc = put(l, SUB_HISTORY, job->id, json, err);
	free(json);
	return rc;
}

/* Read one record; 0, or DD_ENOTFOUND when there is none, or it is not
 * one (warned). */
static int
history_read(struct ledger *l, const char *name, struct job *out)
{
	const char *why = NULL;
	struct error jerr;
	char *text, *e;
	int r;

	memset(out, 0, sizeof(*out));
	r = fsio_read_at(l->fd[SUB_HISTORY], name, LEDGER_RECORD_MAX, &text,
	    NULL, &why);
	if (r == DD_ENOTFOUND)
		return DD_ENOTFOUND;
	error_clear(&jerr);
	if (r == 0 && job_from_json(out, text, &jerr) == 0 &&
	    out->deployment_id != NULL && out->status != NULL) {
		free(text);
		out->id = xstrdup(name);
		return 0;
	}
	e = log_escape(name, 100);
	log_warnx("ledger: history record '%s/%s' is not one: %s",
	    l->paths[SUB_HISTORY], e, r == DD_ERROR ? strerror(errno) :
	    why ? why : jerr.msg[0] ? jerr.msg : "no deployment");
	free(e);
	if (r == 0)
		free(text);
	job_release(out);
	return DD_ENOTFOUND;
}

int
ledger_history_get(struct ledger *l, const char *name, struct job *out,
    struct error *err)
{
	char *e;

	if (!history_name_valid(name) || history_read(l, name, out) != 0) {
		e = log_escape(name, 100);
		error_set(err, EXIT_FAIL, "no history record '%s'", e);
		free(e);
		return DD_ENOTFOUND;
	}
	return 0;
}

/* The names of the history records, oldest first (they sort by time). */
static int
history_names(struct ledger *l, char ***out, size_t *n, struct error *err)
{
	if (fsio_list_at(l->fd[SUB_HISTORY], history_name_valid, out, n) < 0)
		return error_set(err, EXIT_FAIL, "cannot read '%s': %s",
		    l->paths[SUB_HISTORY], strerror(errno));
	return 0;
}

int
ledger_history_list(struct ledger *l, struct job **out, size_t *n,
    struct error *err)
{
	char **names;
	size_t nn, i;

	*out = NULL;
	*n = 0;
	if (history_names(l, &names, &nn, err) < 0)
		return -1;
	*out = xcalloc(nn + 1, sizeof(**out));
	for (i = 0; i < nn; i++)
		if (history_read(l, names[i], &(*out)[*n]) == 0)
			(*n)++;
	strv_free(names, nn);
	return 0;
}

int
ledger_history_prune(struct ledger *l, size_t keep, struct error *err)
{
	char **names;
	size_t n, i;

	/* by name alone: nothing need be read */
	if (history_names(l, &names, &n, err) < 0)
		return -1;
	for (i = 0; i + keep < n; i++)
		if (unlinkat(l->fd[SUB_HISTORY], names[i], 0) < 0 &&
		    errno != ENOENT)
			log_warn("ledger: cannot remove '%s/%s'",
			    l->paths[SUB_HISTORY], names[i]);
	strv_free(names, n);
	return 0;
}

char *
ledger_daemon_dir(const char *configured)
{
	const char *s;

	if (configured != NULL)
		return xstrdup(configured);
	if ((s = getenv("STATE_DIRECTORY")) != NULL && s[0] == '/')
		return xstrndup(s, strcspn(s, ":"));
	if ((s = getenv("XDG_STATE_HOME")) != NULL && s[0] == '/')
		return xasprintf("%s/dotgit-deploy", s);
	if ((s = getenv("HOME")) != NULL && s[0] == '/')
		return xasprintf("%s/.local/state/dotgit-deploy", s);
	return NULL;
}

int
ledger_open_for(struct ledger **out, char **dir, const struct config *cfg,
    const char *common_dir, int make, struct error *err)
{
	struct stat st;
	char *root;
	int missing;

	*out = NULL;
	if (config_queue_mode(cfg)) {
		if ((*dir = ledger_daemon_dir(cfg->state_dir)) == NULL)
			return error_set(err, EXIT_USAGE, "no directory for "
			    "the daemon's state: set [daemon] state = DIR");
		/* the daemon's: read, never made here */
		if (stat(*dir, &st) < 0) {
			error_set(err, EXIT_FAIL, "no history in '%s': %s",
			    *dir, strerror(errno));
			error_hint(err, "the daemon records there; set "
			    "[daemon] state as its unit does");
			return -1;
		}
		if (ledger_open(out, *dir, NULL, err) < 0) {
			error_hint(err, "run as the daemon's user or root");
			return -1;
		}
		return 0;
	}
	if (common_dir == NULL)
		return error_set(err, EXIT_USAGE, "no repository: its history "
		    "is kept in it");
	*dir = xasprintf("%s%s", common_dir, LEDGER_REPO_DIR);
	if (!make) {
		root = xasprintf("%s/" LEDGER_SUBDIR, *dir);
		missing = stat(root, &st) < 0 && errno == ENOENT;
		free(root);
		if (missing)
			return DD_ENOTFOUND;
	}
	return ledger_open(out, *dir, common_dir, err);
}

