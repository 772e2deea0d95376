/* SPDX-License-Identifier: ISC */
/* test_queue.c -- the spool: put, list, transitions, crashes, bad files */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue.h"
#include "unit_util.h"
#include "xmalloc.h"

#define C1 "0123456789abcdef0123456789abcdef01234567"
#define C2 "89abcdef0123456789abcdef0123456789abcdef"
#define C3 "fedcba9876543210fedcba9876543210fedcba98"

struct fixture {
	char		*dir;
	struct queue	*q;
	struct error	 err;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	umask(022);
	f->dir = unit_tmpdir();
	error_clear(&f->err);
	/* the daemon's start: mkdtemp's 0700 becomes the layout's 2750 */
	unit_stderr_begin(f->dir);
	if (queue_open(&f->q, f->dir, QUEUE_OPEN_CREATE, &f->err) < 0)
		return -1;
	free(unit_stderr_end());
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	queue_free(f->q);
	unit_rmtree(f->dir);
	free(f);
	return 0;
}

static void
sample(struct job *job, const char *branch, const char *commit)
{
	memset(job, 0, sizeof(*job));
	job_request_random(job->request);
	memset(job->old, '0', OID_HEXSZ);
	memcpy(job->new, commit, sizeof(job->new));
	job->project = xstrdup("proj_8f2a9c");
	job->repo = xstrdup("/srv/git/app.git");
	job->ref = xasprintf("refs/heads/%s", branch);
	job->branch = xstrdup(branch);
	job->environment = xstrdup("production");
	memcpy(job->commit, commit, sizeof(job->commit));
	vars_set(&job->env_vars, "NEXT_PUBLIC_API_URL",
	    "https://api.example.com");
	job->planned_at = 1767225600;
	job_set_idem_key(job);
}

static char *
path_of(struct fixture *f, const char *sub, const char *name)
{
	return xasprintf("%s/%s/%s", f->dir, sub, name);
}

static int
exists(struct fixture *f, const char *sub, const char *name)
{
	struct stat st;
	char *p = path_of(f, sub, name);
	int r = lstat(p, &st) == 0;

	free(p);
	return r;
}

/* Put a sample job; returns its id (allocated). */
static char *
put(struct fixture *f, const char *branch, const char *commit)
{
	struct job job;
	char *id;

	sample(&job, branch, commit);
	assert_int_equal(queue_put(f->q, &job, &f->err), 0);
	id = xstrdup(job.id);
	job_release(&job);
	return id;
}

static void
test_put_writes_job_file(void **state)
{
	static const char *const keys[] = { "attempts", "branch", "commit",
	    "deployment_id", "env_vars", "environment", "idempotency_key",
	    "last_error", "new", "next_attempt", "old", "options", "paths",
	    "planned_at", "project", "project_is_name", "ref", "repo",
	    "request", "source", "version" };
	struct fixture *f = *state;
	struct job job;
	struct stat st;
	json_t *root;
	const char *k;
	json_t *v;
	char *p, *text;
	size_t i = 0;

	sample(&job, "main", C1);
	assert_int_equal(queue_put(f->q, &job, &f->err), 0);
	assert_non_null(job.id);
	assert_int_equal(job.queue_state, QUEUE_NEW);
	/* <16-digit usec>.<pid>.<counter> */
	assert_int_equal(strspn(job.id, "0123456789"), 16);
	assert_int_equal(job.id[16], '.');
	assert_int_equal(unit_count(queue_path(f->q, QUEUE_NEW)), 1);
	p = xasprintf("%s/tmp", f->dir);
	assert_int_equal(unit_count(p), 0);
	free(p);

	p = path_of(f, "new", job.id);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	text = unit_slurp(p);
	free(p);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_object_size(root), 21);
	json_object_foreach(root, k, v)
		assert_string_equal(k, keys[i++]);
	assert_string_equal(json_string_value(json_object_get(root,
	    "commit")), C1);
	assert_string_equal(json_string_value(json_object_get(root,
	    "idempotency_key")), job.idem_key);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    root, "env_vars"), "NEXT_PUBLIC_API_URL")),
	    "https://api.example.com");
	assert_true(json_is_null(json_object_get(root, "deployment_id")));
	assert_null(strstr(text, "gl_api_"));
	assert_null(strstr(text, "Bearer"));
	json_decref(root);
	free(text);

	assert_int_equal(stat(queue_path(f->q, QUEUE_NEW), &st), 0);
	assert_int_equal(st.st_mode & 07777, 03770);
	job_release(&job);
}

static void
test_list_in_arrival_order(void **state)
{
	struct fixture *f = *state;
	char *ids[3];
	struct job *jobs;
	size_t n, i;

	ids[0] = put(f, "main", C1);
	ids[1] = put(f, "release/1", C2);
	ids[2] = put(f, "feature/x", C3);
	assert_true(strcmp(ids[0], ids[1]) < 0);
	assert_true(strcmp(ids[1], ids[2]) < 0);
	assert_int_equal(queue_list(f->q, QUEUE_NEW, &jobs, &n, &f->err), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(jobs[i].id, ids[i]);
		assert_int_equal(jobs[i].queue_state, QUEUE_NEW);
	}
	assert_string_equal(jobs[1].branch, "release/1");
	assert_string_equal(jobs[1].ref, "refs/heads/release/1");
	assert_string_equal(jobs[2].commit, C3);
	assert_string_equal(vars_get(&jobs[0].env_vars,
	    "NEXT_PUBLIC_API_URL"), "https://api.example.com");
	queue_jobs_free(jobs, n);
	assert_int_equal(queue_list(f->q, QUEUE_CUR, &jobs, &n, &f->err), 0);
	assert_int_equal(n, 0);
	queue_jobs_free(jobs, n);
	for (i = 0; i < 3; i++)
		free(ids[i]);
}

static void
test_take_update_finish(void **state)
{
	struct fixture *f = *state;
	struct job *jobs, stale;
	size_t n;
	char *id = put(f, "main", C1);

	assert_int_equal(queue_list(f->q, QUEUE_NEW, &jobs, &n, &f->err), 0);
	assert_int_equal(n, 1);
	job_copy(&stale, &jobs[0]);
	assert_int_equal(queue_take(f->q, &jobs[0], &f->err), 0);
	assert_int_equal(jobs[0].queue_state, QUEUE_CUR);
	assert_true(exists(f, "cur", id));
	assert_false(exists(f, "new", id));
	/* someone else's copy of the listing: already taken */
	assert_int_equal(queue_take(f->q, &stale, &f->err), DD_ENOTFOUND);
	job_release(&stale);

	jobs[0].attempts = 2;
	jobs[0].next_attempt = 1767225700;
	jobs[0].last_error = xstrdup("HTTP 503: unavailable");
	assert_int_equal(queue_update(f->q, &jobs[0], &f->err), 0);
	assert_true(exists(f, "cur", id));
	jobs[0].deployment_id = xstrdup("dep_9x2k4m");
	assert_int_equal(queue_finish(f->q, &jobs[0], &f->err), 0);
	assert_int_equal(jobs[0].queue_state, QUEUE_DONE);
	assert_false(exists(f, "cur", id));
	queue_jobs_free(jobs, n);

	assert_int_equal(queue_list(f->q, QUEUE_DONE, &jobs, &n, &f->err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(jobs[0].id, id);
	assert_int_equal(jobs[0].attempts, 2);
	assert_int_equal(jobs[0].next_attempt, 1767225700);
	assert_string_equal(jobs[0].deployment_id, "dep_9x2k4m");
	assert_string_equal(jobs[0].last_error, "HTTP 503: unavailable");
	queue_jobs_free(jobs, n);
	free(id);
}

static void
test_fail_retry_drop(void **state)
{
	struct fixture *f = *state;
	struct job job;
	char *id = put(f, "main", C1), *prefix, *msg;

	assert_int_equal(queue_find(f->q, id, &job, &f->err), 0);
	assert_int_equal(queue_take(f->q, &job, &f->err), 0);
	/* in flight: neither retried nor dropped */
	assert_int_equal(queue_drop(f->q, &job, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "it is in-flight"));
	job.attempts = 7;
	job.next_attempt = 99;
	assert_int_equal(queue_fail(f->q, &job, "HTTP 422: Validation failed",
	    &f->err), 0);
	assert_true(exists(f, "failed", id));
	job_release(&job);

	/* a unique prefix finds it */
	prefix = xstrndup(id, strlen(id) - 2);
	assert_int_equal(queue_find(f->q, prefix, &job, &f->err), 0);
	free(prefix);
	assert_string_equal(job.id, id);
	assert_int_equal(job.queue_state, QUEUE_FAILED);
	assert_string_equal(job.last_error, "HTTP 422: Validation failed");
	assert_int_equal(queue_retry(f->q, &job, &f->err), 0);
	job_release(&job);
	assert_false(exists(f, "failed", id));
	assert_int_equal(queue_find(f->q, id, &job, &f->err), 0);
	assert_int_equal(job.queue_state, QUEUE_NEW);
	assert_int_equal(job.attempts, 0);
	assert_int_equal(job.next_attempt, 0);
	/* pending: cannot be retried, can be dropped */
	assert_int_equal(queue_retry(f->q, &job, &f->err), -1);
	msg = xasprintf("cannot retry job '%s': it is pending", id);
	assert_string_equal(f->err.msg, msg);
	free(msg);
	assert_int_equal(queue_drop(f->q, &job, &f->err), 0);
	assert_int_equal(job.queue_state, QUEUE_NONE);
	assert_false(exists(f, "new", id));
	job_release(&job);
	assert_int_equal(queue_find(f->q, id, &job, &f->err),
	    DD_ENOTFOUND);
	assert_int_equal(f->err.exit, EXIT_FAIL);
	msg = xasprintf("no job '%s' in the queue", id);
	assert_string_equal(f->err.msg, msg);
	free(msg);
	free(id);
}

static void
test_drop_failed_and_find_ambiguous(void **state)
{
	struct fixture *f = *state;
	struct job job;
	char *a = put(f, "main", C1), *b = put(f, "main", C2);

	/* every id starts with the same digits */
	assert_int_equal(queue_find(f->q, "1", &job, &f->err), -1);
	assert_int_equal(f->err.exit, EXIT_USAGE);
	assert_string_equal(f->err.msg, "job id '1' is ambiguous: 2 jobs "
	    "start with it");
	assert_int_equal(queue_find(f->q, "", &job, &f->err), -1);
	assert_int_equal(queue_find(f->q, "x/../../etc", &job, &f->err),
	    DD_ENOTFOUND);
	assert_int_equal(queue_find(f->q, b, &job, &f->err), 0);
	assert_int_equal(queue_take(f->q, &job, &f->err), 0);
	assert_int_equal(queue_fail(f->q, &job, "gave up", &f->err), 0);
	assert_int_equal(queue_drop(f->q, &job, &f->err), 0);
	job_release(&job);
	assert_int_equal(unit_count(queue_path(f->q, QUEUE_FAILED)), 0);
	assert_int_equal(unit_count(queue_path(f->q, QUEUE_NEW)), 1);
	free(a);
	free(b);
}

static void
test_supersede(void **state)
{
	struct fixture *f = *state;
	struct job *jobs;
	size_t n;
	char *old = put(f, "main", C1), *newer = put(f, "main", C2), *msg;

	assert_int_equal(queue_list(f->q, QUEUE_NEW, &jobs, &n, &f->err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(queue_supersede(f->q, &jobs[0], newer, &f->err), 0);
	queue_jobs_free(jobs, n);
	assert_true(exists(f, "done", old));
	assert_false(exists(f, "new", old));
	assert_true(exists(f, "new", newer));
	assert_int_equal(queue_list(f->q, QUEUE_DONE, &jobs, &n, &f->err), 0);
	assert_int_equal(n, 1);
	msg = xasprintf("superseded by %s", newer);
	assert_string_equal(jobs[0].last_error, msg);
	assert_null(jobs[0].deployment_id);
	free(msg);
	queue_jobs_free(jobs, n);
	free(old);
	free(newer);
}

/* Each way a job ends, as the daemon ends it, and what the queue says of
 * it: deployed (after a retry), skipped, superseded, failed, refused. */
static void
test_outcomes(void **state)
{
	static const char *const want[] = { "deployed", "skipped",
	    "superseded", "failed", "refused" };
	struct fixture *f = *state;
	struct job *jobs, job, *bad;
	struct queue_junk *junk;
	size_t n, nbad, njunk, i;
	const char *d;
	char *ids[5], *p, **names;

	for (i = 0; i < 5; i++)
		ids[i] = put(f, i == 4 ? "evil" : "main", i == 2 ? C2 : C1);
	assert_int_equal(queue_list(f->q, QUEUE_NEW, &jobs, &n, &f->err), 0);
	assert_int_equal(n, 5);
	assert_int_equal(queue_outcome(&jobs[0], &d), QUEUE_OUTCOME_NONE);
	assert_null(d);
	for (i = 0; i < 4; i++)
		if (i != 2)
			assert_int_equal(queue_take(f->q, &jobs[i], &f->err),
			    0);
	jobs[0].last_error = xstrdup("HTTP 503: unavailable");
	jobs[0].deployment_id = xstrdup("dep_9x2k4m");
	assert_int_equal(queue_finish(f->q, &jobs[0], &f->err), 0);
	jobs[1].last_error = xstrdup("no change under web/ since 0123456");
	assert_int_equal(queue_finish(f->q, &jobs[1], &f->err), 0);
	assert_int_equal(queue_supersede(f->q, &jobs[2], ids[3], &f->err), 0);
	assert_int_equal(queue_fail(f->q, &jobs[3], "HTTP 422: no", &f->err),
	    0);
	assert_int_equal(queue_refuse(f->q, &jobs[4], "not served", &f->err),
	    0);
	queue_jobs_free(jobs, n);

	for (i = 0; i < 5; i++) {
		assert_int_equal(queue_find(f->q, ids[i], &job, &f->err), 0);
		assert_string_equal(queue_outcome_name(queue_outcome(&job,
		    &d)), want[i]);
		assert_string_equal(d, i == 0 ? "dep_9x2k4m" : i == 1 ?
		    "no change under web/ since 0123456" : i == 2 ? ids[3] :
		    i == 3 ? "HTTP 422: no" : "not served");
		job_release(&job);
	}
	/* bad/: the refused job and a file that is not one, left there */
	p = path_of(f, "bad", "notes");
	unit_spit(p, "hello");
	free(p);
	assert_int_equal(queue_list_bad(f->q, &bad, &nbad, &junk, &njunk,
	    &f->err), 0);
	assert_int_equal(nbad, 1);
	assert_string_equal(bad[0].id, ids[4]);
	assert_int_equal(bad[0].queue_state, QUEUE_BAD);
	assert_string_equal(queue_state_name(bad[0].queue_state), "bad");
	assert_int_equal(njunk, 1);
	assert_string_equal(junk[0].name, "notes");
	assert_string_equal(junk[0].why, "not a job file name");
	queue_jobs_free(bad, nbad);
	queue_junk_free(junk, njunk);
	assert_true(exists(f, "bad", "notes"));
	assert_true(exists(f, "bad", ids[4]));
	/* the names of a state, nothing read */
	assert_int_equal(queue_names(f->q, QUEUE_DONE, &names, &n, &f->err),
	    0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_string_equal(names[i], ids[i]);
		free(names[i]);
	}
	free(names);
	for (i = 0; i < 5; i++)
		free(ids[i]);
}

static void
set_old(const char *path)
{
	struct timespec ts[2];

	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 2 * QUEUE_TMP_MAX_AGE;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
test_recover_after_crash(void **state)
{
	struct fixture *f = *state;
	struct job job;
	size_t moved;
	char *a = put(f, "main", C1), *b = put(f, "main", C2), *p;

	assert_int_equal(queue_find(f->q, a, &job, &f->err), 0);
	assert_int_equal(queue_take(f->q, &job, &f->err), 0);
	job_release(&job);
	/* a crash: one job in cur/, a half-written file and a rewrite in
	 * tmp/ from long ago, and one being written right now */
	p = path_of(f, "tmp", "1767225600000000.1.1");
	unit_spit(p, "{\"version\": 1, \"proj");
	set_old(p);
	free(p);
	p = path_of(f, "tmp", "1767225600000000.1.2.1.w");
	unit_spit(p, "{}");
	set_old(p);
	free(p);
	p = path_of(f, "tmp", "9999999999999999.1.1");
	unit_spit(p, "{}");
	free(p);
	queue_free(f->q);

	assert_int_equal(queue_open(&f->q, f->dir, QUEUE_OPEN_CREATE,
	    &f->err), 0);
	assert_int_equal(queue_recover(f->q, &moved, &f->err), 0);
	assert_int_equal(moved, 1);
	assert_true(exists(f, "new", a));
	assert_true(exists(f, "new", b));
	assert_int_equal(unit_count(queue_path(f->q, QUEUE_CUR)), 0);
	assert_false(exists(f, "tmp", "1767225600000000.1.1"));
	assert_false(exists(f, "tmp", "1767225600000000.1.2.1.w"));
	assert_true(exists(f, "tmp", "9999999999999999.1.1"));
	assert_int_equal(queue_recover(f->q, &moved, &f->err), 0);
	assert_int_equal(moved, 0);
	free(a);
	free(b);
}

static void
test_bad_files_moved_aside(void **state)
{
	static const char *const bad[] = { "1767225600000000.1.1",
	    "1767225600000000.1.2", "README", "1767225600000000.1.3",
	    "1767225600000000.1.4", "1767225600000000.1.5" };
	struct fixture *f = *state;
	struct job *jobs;
	size_t n, i;
	char *a = put(f, "main", C1), *b, *p, *log;

	p = path_of(f, "new", bad[0]);
	unit_spit(p, "not json at all");
	free(p);
	p = path_of(f, "new", bad[1]);
	unit_spit(p, "{\"version\": 1}");
	free(p);
	p = path_of(f, "new", bad[2]);
	unit_spit(p, "hello");
	free(p);
	p = path_of(f, "new", bad[3]);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	p = path_of(f, "new", bad[4]);
	assert_int_equal(symlink(a, p), 0);
	free(p);
	p = path_of(f, "new", bad[5]);
	unit_spit(p, "{\"a\": 1}\n");
	free(p);
	b = put(f, "main", C2);

	unit_stderr_begin(f->dir);
	assert_int_equal(queue_list(f->q, QUEUE_NEW, &jobs, &n, &f->err), 0);
	log = unit_stderr_end();
	assert_int_equal(n, 2);
	assert_string_equal(jobs[0].id, a);
	assert_string_equal(jobs[1].id, b);
	queue_jobs_free(jobs, n);
	for (i = 0; i < 6; i++) {
		assert_true(exists(f, "bad", bad[i]));
		assert_false(exists(f, "new", bad[i]));
	}
	p = xasprintf("dotgit-deploy: warning: queue: moved '%s/new/README' "
	    "to '%s/bad': not a job file name\n", f->dir, f->dir);
	assert_non_null(strstr(log, p));
	free(p);
	assert_non_null(strstr(log, "/new/1767225600000000.1.1' to "));
	assert_non_null(strstr(log, "not JSON"));
	assert_non_null(strstr(log, "not a job"));
	assert_non_null(strstr(log, "not a regular file"));
	free(log);
	free(a);
	free(b);
}

/* A job file of exactly QUEUE_FILE_MAX bytes is read (the buffer grows
 * from the file's size); one byte more is "too big"; a NUL is refused. */
static void
test_file_sizes(void **state)
{
	struct fixture *f = *state;
	struct job *jobs;
	size_t n, len;
	char *a = put(f, "main", C1), *p, *text, *log;
	FILE *fp;

	p = path_of(f, "new", a);
	text = unit_slurp(p);
	len = strlen(text);
	text = xreallocarray(text, QUEUE_FILE_MAX + 2, 1);
	memset(text + len, ' ', QUEUE_FILE_MAX - len);
	text[QUEUE_FILE_MAX] = '\0';
	unit_spit(p, text);		/* the job, padded to the cap */
	free(p);
	p = path_of(f, "new", "1767225600000000.2.1");
	text[QUEUE_FILE_MAX] = ' ';
	text[QUEUE_FILE_MAX + 1] = '\0';
	unit_spit(p, text);		/* one byte past it */
	free(p);
	p = path_of(f, "new", "1767225600000000.2.2");
	assert_non_null(fp = fopen(p, "w"));
	fwrite("{\0}", 1, 3, fp);
	fclose(fp);
	free(p);
	unit_stderr_begin(f->dir);
	assert_int_equal(queue_list(f->q, QUEUE_NEW, &jobs, &n, &f->err), 0);
	log = unit_stderr_end();
	assert_int_equal(n, 1);
	assert_string_equal(jobs[0].id, a);
	queue_jobs_free(jobs, n);
	assert_true(exists(f, "bad", "1767225600000000.2.1"));
	assert_true(exists(f, "bad", "1767225600000000.2.2"));
	assert_non_null(strstr(log, "1767225600000000.2.1' to '"));
	assert_non_null(strstr(log, "too big"));
	assert_non_null(strstr(log, "contains a NUL byte"));
	free(log);
	free(text);
	free(a);
}

static void
test_done_keeps_newest(void **state)
{
	struct fixture *f = *state;
	struct job job;
	char *first = NULL, *id;
	size_t i;

	/* pruned once in a while: down to QUEUE_DONE_KEEP when it may hold
	 * QUEUE_DONE_SLACK more */
	for (i = 0; i < QUEUE_DONE_KEEP + QUEUE_DONE_SLACK + 3; i++) {
		id = put(f, "main", C1);
		assert_int_equal(queue_find(f->q, id, &job, &f->err), 0);
		assert_int_equal(queue_take(f->q, &job, &f->err), 0);
		assert_int_equal(queue_finish(f->q, &job, &f->err), 0);
		job_release(&job);
		if (first == NULL)
			first = id;
		else
			free(id);
	}
	assert_int_equal(unit_count(queue_path(f->q, QUEUE_DONE)),
	    QUEUE_DONE_KEEP + 3);
	assert_false(exists(f, "done", first));
	free(first);
}

static void
test_unicode_and_bad_utf8(void **state)
{
	struct fixture *f = *state;
	struct job job, *jobs;
	size_t n;

	sample(&job, "feat/caf\xc3\xa9", C1);
	assert_int_equal(queue_put(f->q, &job, &f->err), 0);
	job_release(&job);
	sample(&job, "feat/\xff\xfe", C2);
	assert_int_equal(queue_put(f->q, &job, &f->err), -1);
	assert_null(job.id);
	assert_string_equal(f->err.msg, "cannot queue the job: a field is "
	    "not valid UTF-8");
	job_release(&job);
	sample(&job, "main", C3);
	vars_set(&job.env_vars, "BAD", "\xc3(");
	assert_int_equal(queue_put(f->q, &job, &f->err), -1);
	job_release(&job);
	assert_int_equal(queue_list(f->q, QUEUE_NEW, &jobs, &n, &f->err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(jobs[0].branch, "feat/caf\xc3\xa9");
	queue_jobs_free(jobs, n);
	assert_int_equal(unit_count(queue_path(f->q, QUEUE_NONE)) , 6);
}

/* Two processes putting at once: every job lands, every id unique. */
static void
test_concurrent_puts(void **state)
{
	struct fixture *f = *state;
	struct job *jobs;
	pid_t pids[2];
	size_t n, i;
	int k, status;

	for (k = 0; k < 2; k++) {
		if ((pids[k] = fork()) == 0) {
			struct queue *q;
			struct error err;
			struct job job;
			int j, bad = 0;

			error_clear(&err);
			if (queue_open(&q, f->dir, 0, &err) < 0)
				_exit(2);
			for (j = 0; j < 50; j++) {
				sample(&job, k ? "b" : "a", C1);
				bad |= queue_put(q, &job, &err) < 0;
				job_release(&job);
			}
			queue_free(q);
			_exit(bad);
		}
		assert_true(pids[k] > 0);
	}
	for (k = 0; k < 2; k++) {
		assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(queue_list(f->q, QUEUE_NEW, &jobs, &n, &f->err), 0);
	assert_int_equal(n, 100);
	for (i = 1; i < n; i++)
		assert_true(strcmp(jobs[i - 1].id, jobs[i].id) < 0);
	queue_jobs_free(jobs, n);
}

static void
test_one_daemon_per_queue(void **state)
{
	struct fixture *f = *state;
	struct queue *other;
	char *msg;

	assert_int_equal(queue_lock(f->q, &f->err), 0);
	assert_int_equal(queue_lock(f->q, &f->err), 0);
	assert_int_equal(queue_open(&other, f->dir, 0, &f->err), 0);
	assert_int_equal(queue_lock(other, &f->err), -1);
	msg = xasprintf("queue '%s' is in use by another daemon (pid %ld)",
	    f->dir, (long)getpid());
	assert_string_equal(f->err.msg, msg);
	free(msg);
	/* the lock goes with the handle */
	queue_free(f->q);
	assert_int_equal(queue_lock(other, &f->err), 0);
	f->q = other;
}

#define MEMBER		65534	/* nobody / nogroup: a git user of the group */
#define HINT_START	"start the daemon (systemctl start dotgit-deploy) " \
			"or run 'dotgit-deploy queue init' as its user"
#define HINT_INIT	"run 'dotgit-deploy queue init' as the daemon's " \
			"user (or root) to set the modes"

static const char *const subdirs[] = {
	"tmp", "new", "cur", "failed", "done", "bad"
};

static mode_t
mode_of(const char *dir, const char *name)
{
	struct stat st;
	char *p = xasprintf("%s/%s", dir, name);

	assert_int_equal(lstat(p, &st), 0);
	free(p);
	return st.st_mode & 07777;
}

/* The layout of queue.h, whatever the umask. */
static void
assert_layout(const char *root)
{
	struct stat st;
	size_t i;

	assert_int_equal(stat(root, &st), 0);
	assert_int_equal(st.st_mode & 07777, 02750);
	for (i = 0; i < 6; i++)
		assert_int_equal(mode_of(root, subdirs[i]),
		    i < 2 ? 03770 : 02750);
}

/* A spool made by the daemon, closed again; allocated. */
static char *
fresh_spool(struct fixture *f, const char *name)
{
	struct queue *q;
	char *root = xasprintf("%s/%s", f->dir, name);

	unit_stderr_begin(f->dir);
	assert_int_equal(queue_open(&q, root, QUEUE_OPEN_CREATE, &f->err), 0);
	free(unit_stderr_end());
	queue_free(q);
	return root;
}

/* queue_open(flags) refuses with exactly msg (and hint, if not NULL). */
static void
assert_refused(struct fixture *f, const char *root, int flags,
    const char *msg, const char *hint)
{
	struct queue *q;
	char *log;

	unit_stderr_begin(f->dir);
	assert_int_equal(queue_open(&q, root, flags, &f->err), -1);
	log = unit_stderr_end();
	assert_null(q);
	assert_string_equal(f->err.msg, msg);
	if (hint != NULL)
		assert_string_equal(f->err.hint, hint);
	/* refused before anything below DIR changed */
	assert_string_equal(log, "");
	free(log);
}

static void
test_open_fails_cleanly(void **state)
{
	struct fixture *f = *state;
	struct queue *q;
	struct stat st;
	char *p = xasprintf("%s/file", f->dir), *msg;

	unit_spit(p, "x");
	assert_int_equal(queue_open(&q, p, 0, &f->err), -1);
	assert_null(q);
	msg = xasprintf("cannot open queue directory '%s': Not a directory",
	    p);
	assert_string_equal(f->err.msg, msg);
	free(msg);
	free(p);
	p = xasprintf("%s/no/such/dir", f->dir);
	assert_int_equal(queue_open(&q, p, QUEUE_OPEN_CREATE, &f->err), -1);
	msg = xasprintf("cannot create queue directory '%s': No such file or "
	    "directory", p);
	assert_string_equal(f->err.msg, msg);
	free(msg);
	free(p);
	/* without QUEUE_OPEN_CREATE (a hook, `queue`) nothing is made */
	p = xasprintf("%s/spool/", f->dir);
	msg = xasprintf("queue directory '%s/spool' does not exist: nothing "
	    "queued", f->dir);
	assert_refused(f, p, 0, msg, HINT_START);
	free(msg);
	assert_int_equal(lstat(p, &st), -1);
	/* with it, a missing DIR whose parent exists is made, and all in it */
	unit_stderr_begin(f->dir);
	assert_int_equal(queue_open(&q, p, QUEUE_OPEN_CREATE, &f->err), 0);
	free(unit_stderr_end());
	assert_string_equal(queue_path(q, QUEUE_FAILED) + strlen(f->dir),
	    "/spool/failed");
	queue_free(q);
	p[strlen(p) - 1] = '\0';
	assert_int_equal(unit_count(p), 6);
	assert_layout(p);
	free(p);
}

static void
test_create_makes_the_layout_whatever_the_umask(void **state)
{
	struct fixture *f = *state;
	struct queue *q;
	char *root = xasprintf("%s/spool", f->dir), *log, *line;

	umask(077);
	unit_stderr_begin(f->dir);
	assert_int_equal(queue_open(&q, root, QUEUE_OPEN_CREATE, &f->err), 0);
	log = unit_stderr_end();
	umask(022);
	queue_free(q);
	assert_layout(root);
	line = xasprintf("dotgit-deploy: queue: created '%s' (mode 2750)\n"
	    "dotgit-deploy: queue: created '%s/tmp' (mode 3770)\n", root,
	    root);
	assert_non_null(strstr(log, line));
	free(line);
	line = xasprintf("created '%s/bad' (mode 2750)\n", root);
	assert_non_null(strstr(log, line));
	free(line);
	free(log);
	/* a second time there is nothing to do, and nothing is said */
	unit_stderr_begin(f->dir);
	assert_int_equal(queue_open(&q, root, QUEUE_OPEN_CREATE, &f->err), 0);
	log = unit_stderr_end();
	assert_string_equal(log, "");
	free(log);
	queue_free(q);
	/* a hook (no flag) takes it as it is */
	assert_int_equal(queue_open(&q, root, 0, &f->err), 0);
	queue_free(q);
	free(root);
}

/* The layout before this one: 2770 everywhere, one group. */
static void
test_old_shared_layout_is_refused_then_fixed(void **state)
{
	struct fixture *f = *state;
	struct queue *q;
	char *root = xasprintf("%s/old", f->dir), *p, *msg, *log;
	size_t i;

	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(chmod(root, 02770), 0);
	for (i = 0; i < 6; i++) {
		p = xasprintf("%s/%s", root, subdirs[i]);
		assert_int_equal(mkdir(p, 0700), 0);
		assert_int_equal(chmod(p, 02770), 0);
		free(p);
	}
	msg = xasprintf("queue directory '%s' is writable by its group (mode "
	    "2770): members could replace its subdirectories", root);
	assert_refused(f, root, 0, msg, HINT_INIT);
	free(msg);
	unit_stderr_begin(f->dir);
	assert_int_equal(queue_open(&q, root, QUEUE_OPEN_CREATE, &f->err), 0);
	log = unit_stderr_end();
	queue_free(q);
	assert_layout(root);
	msg = xasprintf("dotgit-deploy: queue: '%s': mode 2770 -> 2750\n"
	    "dotgit-deploy: queue: '%s/tmp': mode 2770 -> 3770\n"
	    "dotgit-deploy: queue: '%s/new': mode 2770 -> 3770\n"
	    "dotgit-deploy: queue: '%s/cur': mode 2770 -> 2750\n", root, root,
	    root, root);
	assert_non_null(strstr(log, msg));
	free(msg);
	free(log);
	assert_int_equal(queue_open(&q, root, 0, &f->err), 0);
	queue_free(q);
	free(root);
}

/* A member replaced a subdirectory with a link: refused by everyone,
 * nothing written where it points. */
static void
test_linked_subdir_is_refused(void **state)
{
	struct fixture *f = *state;
	char *root, *p, *target, *msg;
	size_t i;

	for (i = 0; i < 6; i++) {
		root = fresh_spool(f, subdirs[i]);
		target = xasprintf("%s/target-%s", f->dir, subdirs[i]);
		assert_int_equal(mkdir(target, 0755), 0);
		p = xasprintf("%s/%s", root, subdirs[i]);
		assert_int_equal(rmdir(p), 0);
		assert_int_equal(symlink(target, p), 0);
		msg = xasprintf("queue directory '%s' is a symbolic link: "
		    "refusing to use it", p);
		assert_refused(f, root, 0, msg, "someone replaced it: remove "
		    "it, then run 'dotgit-deploy queue init' as the daemon's "
		    "user");
		assert_refused(f, root, QUEUE_OPEN_CREATE, msg, NULL);
		assert_int_equal(mode_of(root, subdirs[i]) & 0777, 0777);
		assert_int_equal(unit_count(target), 0);
		free(msg);
		free(p);
		free(target);
		free(root);
	}
	root = fresh_spool(f, "file");
	p = xasprintf("%s/cur", root);
	assert_int_equal(rmdir(p), 0);
	unit_spit(p, "{}");
	msg = xasprintf("queue directory '%s' is not a directory: refusing to "
	    "use it", p);
	assert_refused(f, root, QUEUE_OPEN_CREATE, msg, NULL);
	free(msg);
	free(p);
	free(root);
}

static void
test_subdir_of_another_user_is_refused(void **state)
{
	struct fixture *f = *state;
	struct passwd *pw;
	char *root = fresh_spool(f, "spool"), *p, *msg, who[64], me[64];

	p = xasprintf("%s/bad", root);
	assert_int_equal(chown(p, MEMBER, (gid_t)-1), 0);
	pw = getpwuid(MEMBER);
	snprintf(who, sizeof(who), "%s", pw != NULL ? pw->pw_name :
	    "uid 65534");
	pw = getpwuid(getuid());
	snprintf(me, sizeof(me), "%s", pw->pw_name);
	msg = xasprintf("queue directory '%s' belongs to user %s, not to %s, "
	    "the owner of '%s'", p, who, me, root);
	assert_refused(f, root, 0, msg, NULL);
	/* the daemon neither adopts it nor sets other modes first */
	free(p);
	p = xasprintf("%s/cur", root);
	assert_int_equal(chmod(p, 02770), 0);
	assert_refused(f, root, QUEUE_OPEN_CREATE, msg, NULL);
	assert_int_equal(mode_of(root, "cur"), 02770);
	free(msg);
	free(p);
	free(root);
}

static void
test_wrong_modes_are_refused(void **state)
{
	static const struct {
		const char	*name;
		mode_t		 mode;
		const char	*what;
	} cases[] = {
		{ "new", 02770, "group-writable without the sticky bit (mode "
		    "2770): members could remove each other's jobs" },
		{ "tmp", 03777, "writable by others (mode 3777): anyone could "
		    "change the queue" },
		{ "failed", 02770, "writable by its group (mode 2770): only "
		    "the daemon may write there" },
		{ NULL, 02757, "writable by others (mode 2757): members could "
		    "replace its subdirectories" },
	};
	struct fixture *f = *state;
	struct queue *q;
	char *root, *p, *msg;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		root = fresh_spool(f, "spool");
		p = cases[i].name == NULL ? xstrdup(root) :
		    xasprintf("%s/%s", root, cases[i].name);
		assert_int_equal(chmod(p, cases[i].mode), 0);
		msg = xasprintf("queue directory '%s' is %s", p,
		    cases[i].what);
		assert_refused(f, root, 0, msg, HINT_INIT);
		unit_stderr_begin(f->dir);
		assert_int_equal(queue_open(&q, root, QUEUE_OPEN_CREATE,
		    &f->err), 0);
		free(unit_stderr_end());
		queue_free(q);
		assert_layout(root);
		unit_rm_rf(root);
		free(msg);
		free(p);
		free(root);
	}
}

static void
test_lock_is_not_followed(void **state)
{
	struct fixture *f = *state;
	char *target = xasprintf("%s/target", f->dir);
	char *lock = xasprintf("%s/lock", f->dir), *msg, *text;

	unit_spit(target, "precious\n");
	assert_int_equal(symlink(target, lock), 0);
	assert_int_equal(queue_lock(f->q, &f->err), -1);
	msg = xasprintf("'%s/lock' is a symbolic link: refusing to use it",
	    f->dir);
	assert_string_equal(f->err.msg, msg);
	free(msg);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(link(target, lock), 0);
	assert_int_equal(queue_lock(f->q, &f->err), -1);
	msg = xasprintf("'%s/lock' is not a file of the queue's owner: "
	    "refusing to use it", f->dir);
	assert_string_equal(f->err.msg, msg);
	free(msg);
	text = unit_slurp(target);
	assert_string_equal(text, "precious\n");
	free(text);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(queue_lock(f->q, &f->err), 0);
	free(lock);
	free(target);
}

/* A job file has one link; another link is not a job, and what it links
 * to is left as it is. */
static void
test_hard_linked_job_is_moved_aside(void **state)
{
	struct fixture *f = *state;
	struct job *jobs;
	size_t n;
	char *id = put(f, "main", C1), *p, *outside, *log, *before, *after;

	p = path_of(f, "new", id);
	outside = xasprintf("%s/outside", f->dir);
	assert_int_equal(link(p, outside), 0);
	before = unit_slurp(outside);
	unit_stderr_begin(f->dir);
	assert_int_equal(queue_list(f->q, QUEUE_NEW, &jobs, &n, &f->err), 0);
	log = unit_stderr_end();
	assert_int_equal(n, 0);
	queue_jobs_free(jobs, n);
	assert_non_null(strstr(log, "not a regular file with one link"));
	assert_true(exists(f, "bad", id));
	after = unit_slurp(outside);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(log);
	free(outside);
	free(p);
	free(id);
}

/* tmp/ is the members': a file planted under the name of the daemon's
 * next rewrite is not written through. */
static void
test_rewrite_makes_its_own_file(void **state)
{
	struct fixture *f = *state;
	struct job job;
	struct stat st, planted;
	char *id = put(f, "main", C1), *name, *p, buf[16];
	ssize_t n;
	int fd;

	name = xasprintf("%s.%ld.w", id, (long)getpid());
	p = path_of(f, "tmp", name);
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0666);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "planted", 7), 7);
	assert_int_equal(fchown(fd, MEMBER, MEMBER), 0);
	assert_int_equal(fstat(fd, &planted), 0);
	assert_int_equal(queue_find(f->q, id, &job, &f->err), 0);
	assert_int_equal(queue_take(f->q, &job, &f->err), 0);
	job.attempts = 3;
	assert_int_equal(queue_update(f->q, &job, &f->err), 0);
	job_release(&job);
	free(p);
	p = path_of(f, "cur", id);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, getuid());
	assert_true(st.st_ino != planted.st_ino);
	n = pread(fd, buf, sizeof(buf), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(buf, "planted", 7);
	close(fd);
	free(p);
	free(name);
	free(id);
}

/* In a child as the member: each check's number on the first failure. */
static int
as_member(const char *dir, const char *failed_id, const char *root_id)
{
	struct queue *q;
	struct error err;
	struct job job;

	error_clear(&err);
	if (setgroups(0, NULL) < 0 || setgid(MEMBER) < 0 ||
	    setuid(MEMBER) < 0)
		return 1;
	if (queue_open(&q, dir, 0, &err) < 0)
		return 2;
	sample(&job, "member", C3);
	if (queue_put(q, &job, &err) < 0)
		return 3;
	job_release(&job);
	if (queue_find(q, failed_id, &job, &err) < 0 ||
	    queue_retry(q, &job, &err) == 0 ||
	    strstr(err.msg, "is written by the daemon's user") == NULL ||
	    strstr(err.hint, "run as the daemon's user") == NULL)
		return 4;
	if (queue_drop(q, &job, &err) == 0 ||
	    strstr(err.msg, "is written by the daemon's user") == NULL)
		return 5;
	job_release(&job);
	if (queue_find(q, root_id, &job, &err) < 0 ||
	    queue_drop(q, &job, &err) == 0 ||
	    strstr(err.msg, "another user queued it") == NULL)
		return 6;
	job_release(&job);
	queue_free(q);
	if (queue_open(&q, dir, QUEUE_OPEN_CREATE, &err) == 0 ||
	    strstr(err.msg, "only its owner (the daemon's user) or root "
	    "may set it up") == NULL)
		return 7;
	return 0;
}

/* A git user of the spool's group queues; the daemon takes it. The
 * member changes nothing else. */
static void
test_member_queues_and_the_daemon_takes(void **state)
{
	struct fixture *f = *state;
	struct job job, *jobs;
	struct stat st;
	size_t n, i;
	char *failed, *pending, *p;
	pid_t pid;
	int status;

	unit_stderr_begin(f->dir);
	assert_int_equal(queue_init(NULL, f->dir, MEMBER, &f->err), 0);
	free(unit_stderr_end());
	failed = put(f, "main", C1);
	pending = put(f, "main", C2);
	assert_int_equal(queue_find(f->q, failed, &job, &f->err), 0);
	assert_int_equal(queue_take(f->q, &job, &f->err), 0);
	assert_int_equal(queue_fail(f->q, &job, "gave up", &f->err), 0);
	job_release(&job);
	if ((pid = fork()) == 0)
		_exit(as_member(f->dir, failed, pending));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(exists(f, "failed", failed));
	assert_true(exists(f, "new", pending));
	assert_int_equal(queue_list(f->q, QUEUE_NEW, &jobs, &n, &f->err), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n && strcmp(jobs[i].branch, "member") != 0; i++)
		;
	assert_true(i < n);
	p = path_of(f, "new", jobs[i].id);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, MEMBER);
	assert_int_equal(st.st_mode & 07777, 0640);
	free(p);
	assert_int_equal(queue_take(f->q, &jobs[i], &f->err), 0);
	assert_int_equal(queue_finish(f->q, &jobs[i], &f->err), 0);
	p = path_of(f, "done", jobs[i].id);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, getuid());
	free(p);
	queue_jobs_free(jobs, n);
	free(failed);
	free(pending);
}

/* A push of many refs: staged jobs are invisible until published all at
 * once; what is never published is taken back. */
static void
test_stage_and_publish(void **state)
{
	struct fixture *f = *state;
	struct queue *q2;
	struct job job;
	char *tmp = xasprintf("%s/tmp", f->dir);
	size_t i;

	for (i = 0; i < 3; i++) {
		sample(&job, "main", C1);
		assert_int_equal(queue_stage(f->q, &job, &f->err), 0);
		assert_non_null(job.id);
		assert_int_equal(job.queue_state, QUEUE_NONE);
		job_release(&job);
	}
	assert_int_equal(unit_count(queue_path(f->q, QUEUE_NEW)), 0);
	assert_int_equal(unit_count(tmp), 3);
	assert_int_equal(queue_publish(f->q, &f->err), 0);
	assert_int_equal(unit_count(queue_path(f->q, QUEUE_NEW)), 3);
	assert_int_equal(unit_count(tmp), 0);
	assert_int_equal(queue_publish(f->q, &f->err), 0);	/* nothing */
	/* a process that stages and never publishes leaves nothing */
	assert_int_equal(queue_open(&q2, f->dir, 0, &f->err), 0);
	sample(&job, "main", C1);
	assert_int_equal(queue_stage(q2, &job, &f->err), 0);
	job_release(&job);
	assert_int_equal(unit_count(tmp), 1);
	queue_free(q2);
	assert_int_equal(unit_count(tmp), 0);
	assert_int_equal(unit_count(queue_path(f->q, QUEUE_NEW)), 3);
	free(tmp);
}

/* Stage n jobs; with `lose` >= 0 the file of that one is removed from
 * tmp/ before queue_publish. */
static int
stage_and_publish(struct fixture *f, size_t n, long lose)
{
	struct job job;
	char *path;
	size_t i;

	for (i = 0; i < n; i++) {
		sample(&job, "main", C1);
		assert_int_equal(queue_stage(f->q, &job, &f->err), 0);
		if ((long)i == lose) {
			path = xasprintf("%s/tmp/%s", f->dir, job.id);
			assert_int_equal(unlink(path), 0);
			free(path);
		}
		job_release(&job);
	}
	return queue_publish(f->q, &f->err);
}

/* A push of many refs (synced at once, syncfs) and of a few (each file
 * synced): all published, or -- a file gone before it was durable --
 * none, each taken back from new/ or tmp/. */
static void
test_publish_many_or_none(void **state)
{
	struct fixture *f = *state;
	char *tmp = xasprintf("%s/tmp", f->dir);
	const char *new = queue_path(f->q, QUEUE_NEW);

	assert_int_equal(stage_and_publish(f, 70, -1), 0);
	assert_int_equal(unit_count(new), 70);
	assert_int_equal(unit_count(tmp), 0);
	assert_int_equal(stage_and_publish(f, 3, 1), -1);
	assert_non_null(strstr(f->err.msg, "cannot write '"));
	assert_non_null(strstr(f->err.msg, "': No such file or directory"));
	assert_int_equal(stage_and_publish(f, 70, 40), -1);
	assert_non_null(strstr(f->err.msg, "cannot move into place '"));
	assert_int_equal(unit_count(new), 70);
	assert_int_equal(unit_count(tmp), 0);
	free(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_writes_job_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_in_arrival_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_take_update_finish,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_retry_drop,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_drop_failed_and_find_ambiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outcomes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_supersede,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_after_crash,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files_moved_aside,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_sizes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_done_keeps_newest,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unicode_and_bad_utf8,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_many_or_none,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stage_and_publish,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_puts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_daemon_per_queue,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_fails_cleanly,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_makes_the_layout_whatever_the_umask, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_old_shared_layout_is_refused_then_fixed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_linked_subdir_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_subdir_of_another_user_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_modes_are_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_is_not_followed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hard_linked_job_is_moved_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_rewrite_makes_its_own_file, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_member_queues_and_the_daemon_takes, setup, teardown),
	};

	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
