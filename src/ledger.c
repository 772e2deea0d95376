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
	NSUBS
};

static const char *const sub_names[NSUBS] = {
	"tmp", "idem", "deployed", "seen"
};

/* Big enough for any record we write; longer files are corrupt. */
#define RECORD_MAX	512

struct ledger {
	char	*root;			/* DIR/ledger */
	char	*paths[NSUBS];
	int	 fd[NSUBS];
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
	l->root = xasprintf("%s/ledger", dir);
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

/* Replace sub/name with text: tmp file, fsync, rename, fsync dir. */
static int
put(struct ledger *l, int sub, const char *name, const char *text,
    struct error *err)
{
	char *tmp = xasprintf("%s.%ld", name, (long)getpid());
	int fd, rc = -1;

	fd = openat(l->fd[SUB_TMP], tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		goto fail;
	if (fsio_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		goto fail;
	}
	if (close(fd) < 0 ||
	    renameat(l->fd[SUB_TMP], tmp, l->fd[sub], name) < 0 ||
	    fsync(l->fd[sub]) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	error_set(err, EXIT_FAIL, "cannot write ledger record '%s/%s': %s",
	    l->paths[sub], name, strerror(errno));
	unlinkat(l->fd[SUB_TMP], tmp, 0);
out:
	free(tmp);
	return rc;
}

/* Read sub/name into buf: 0 read, 1 no such record, 2 corrupt, -1 error. */
static int
get(struct ledger *l, int sub, const char *name, char *buf, size_t size,
    struct error *err)
{
	ssize_t r;
	size_t len = 0;
	int fd;

	fd = openat(l->fd[sub], name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return error_set(err, EXIT_FAIL, "cannot read ledger record "
		    "'%s/%s': %s", l->paths[sub], name, strerror(errno));
	while (len < size - 1) {
		if ((r = read(fd, buf + len, size - 1 - len)) < 0 &&
		    errno == EINTR)
			continue;
		if (r < 0) {
			error_set(err, EXIT_FAIL, "cannot read ledger record "
			    "'%s/%s': %s", l->paths[sub], name,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	if (len == size - 1 || strlen(buf) != len || len == 0 ||
	    buf[len - 1] != '\n')
		return 2;
	buf[len - 1] = '\0';
	return 0;
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
	if ((r = get(l, SUB_IDEM, name, rec, sizeof(rec), err)) < 0)
		return -1;
	if (r == 1)
		return 0;
	if (r == 2 || parse_idem(rec, state, &id, &t) < 0) {
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
ledger_intent(struct ledger *l, const char *key, struct error *err)
{
	char name[HASH_SHA256_HEXSZ + 1], rec[64];

	key_name(name, key);
	snprintf(rec, sizeof(rec), "intent %lld\n", (long long)time(NULL));
	return put(l, SUB_IDEM, name, rec, err);
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

/* "<commit>" or "<commit> <generation>"; 0 read, 1 none or corrupt. */
static int
get_commit(struct ledger *l, int sub, const char *name,
    char out[OID_HEXSZ + 1], unsigned long long *gen, struct error *err)
{
	char rec[RECORD_MAX], *end;
	int r;

	out[0] = '\0';
	*gen = 0;
	if ((r = get(l, sub, name, rec, sizeof(rec), err)) < 0)
		return -1;
	if (r == 1)
		return 1;
	if (r == 0 && strlen(rec) > OID_HEXSZ && rec[OID_HEXSZ] == ' ') {
		rec[OID_HEXSZ] = '\0';
		errno = 0;
		*gen = strtoull(rec + OID_HEXSZ + 1, &end, 10);
		if (errno != 0 || *end != '\0' || end == rec + OID_HEXSZ + 1)
			r = 2;
	}
	if (r == 2 || !repo_oid_valid(rec)) {
		corrupt(l, sub, name, "none");
		*gen = 0;
		return 1;
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
		return errno == ENOENT ? 1 : -1;
	return 0;
}
