/* test_queue.c -- the spool: put, list, transitions, crashes, bad files */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

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
	chmod(f->dir, 0750);		/* mkdtemp made it 0700 */
	error_clear(&f->err);
	if (queue_open(&f->q, f->dir, &f->err) < 0)
		return -1;
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
	assert_int_equal(st.st_mode & 07777, 0750);
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
	assert_int_equal(queue_take(f->q, &stale, &f->err), 1);
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
	    QUEUE_NOTFOUND);
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
	    QUEUE_NOTFOUND);
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

	assert_int_equal(queue_open(&f->q, f->dir, &f->err), 0);
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

static void
test_done_keeps_newest(void **state)
{
	struct fixture *f = *state;
	struct job job;
	char *first = NULL, *id;
	size_t i;

	for (i = 0; i < QUEUE_DONE_KEEP + 3; i++) {
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
	    QUEUE_DONE_KEEP);
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
			if (queue_open(&q, f->dir, &err) < 0)
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

/* The packaged spool is 2770, one group for the hooks and the daemon:
 * what we make below it stays group-writable whatever the umask. */
static void
test_shared_spool_stays_group_writable(void **state)
{
	struct fixture *f = *state;
	struct queue *q;
	struct stat st;
	char *root = xasprintf("%s/shared", f->dir), *p;

	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(chmod(root, 02770), 0);
	umask(027);
	assert_int_equal(queue_open(&q, root, &f->err), 0);
	umask(022);
	assert_int_equal(stat(queue_path(q, QUEUE_NEW), &st), 0);
	assert_int_equal(st.st_mode & 07777, 02770);
	queue_free(q);
	p = xasprintf("%s/tmp", root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 02770);
	free(p);
	free(root);
}

static void
test_one_daemon_per_queue(void **state)
{
	struct fixture *f = *state;
	struct queue *other;
	char *msg;

	assert_int_equal(queue_lock(f->q, &f->err), 0);
	assert_int_equal(queue_lock(f->q, &f->err), 0);
	assert_int_equal(queue_open(&other, f->dir, &f->err), 0);
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

static void
test_open_fails_cleanly(void **state)
{
	struct fixture *f = *state;
	struct queue *q;
	char *p = xasprintf("%s/file", f->dir), *msg;

	unit_spit(p, "x");
	assert_int_equal(queue_open(&q, p, &f->err), -1);
	assert_null(q);
	assert_non_null(strstr(f->err.msg, "cannot open queue directory"));
	assert_non_null(strstr(f->err.msg, "Not a directory"));
	free(p);
	p = xasprintf("%s/no/such/dir", f->dir);
	assert_int_equal(queue_open(&q, p, &f->err), -1);
	msg = xasprintf("cannot open queue directory '%s': No such file or "
	    "directory", p);
	assert_string_equal(f->err.msg, msg);
	free(msg);
	free(p);
	/* a missing DIR whose parent exists is made, with everything in it */
	p = xasprintf("%s/spool/", f->dir);
	assert_int_equal(queue_open(&q, p, &f->err), 0);
	assert_string_equal(queue_path(q, QUEUE_FAILED) + strlen(f->dir),
	    "/spool/failed");
	queue_free(q);
	p[strlen(p) - 1] = '\0';
	assert_int_equal(unit_count(p), 6);
	free(p);
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
		cmocka_unit_test_setup_teardown(test_supersede,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_after_crash,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files_moved_aside,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_keeps_newest,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unicode_and_bad_utf8,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_puts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_shared_spool_stays_group_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_daemon_per_queue,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_fails_cleanly,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
