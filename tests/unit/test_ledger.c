/* SPDX-License-Identifier: ISC */
/* test_ledger.c -- idempotency records, last deployed and seen commits */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ledger.h"
#include "unit_util.h"
#include "xmalloc.h"

#define KEY "4f9a0c7d2e1b3a5968f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a291"
#define K2 "5e0b1d8e3f2c4b6a7980e1d2c3b4a5968f7e6d5c4b3a29180f7e6d5c4b3a2918"
#define C1 "0123456789abcdef0123456789abcdef01234567"
#define C2 "89abcdef0123456789abcdef0123456789abcdef"

struct fixture {
	char		*dir;
	struct ledger	*l;
	struct error	 err;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = unit_tmpdir();
	error_clear(&f->err);
	if (ledger_open(&f->l, f->dir, NULL, &f->err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	ledger_free(f->l);
	unit_rmtree(f->dir);
	free(f);
	return 0;
}

static void
reopen(struct fixture *f)
{
	ledger_free(f->l);
	assert_int_equal(ledger_open(&f->l, f->dir, NULL, &f->err), 0);
}

/* A deployment as the worker records it. */
static void
history_job(struct job *j, int i)
{
	memset(j, 0, sizeof(*j));
	j->deployment_id = xasprintf("dep_%d", i);
	j->status = xstrdup("queued");
	j->environment = xstrdup("production");
	j->branch = xstrdup("main");
	j->project = xstrdup("proj_1");
	memcpy(j->commit, i % 2 ? C1 : C2, sizeof(j->commit));
	memcpy(j->new, j->commit, sizeof(j->new));
	memcpy(j->old, i % 2 ? C2 : C1, sizeof(j->old));
	memcpy(j->request, "0123456789abcdef0123456789abcdef",
	    sizeof(j->request));
	j->repo = xstrdup("/srv/git/app.git/");
	j->ref = xstrdup("refs/heads/main");
}

static void
test_history_add_update_list_prune(void **state)
{
	struct fixture *f = *state;
	struct job j, *v;
	size_t n, i;
	char *junk;

	for (i = 0; i < 5; i++) {
		history_job(&j, (int)i);
		assert_int_equal(ledger_history_add(f->l, &j, &f->err), 0);
		assert_non_null(j.id);
		assert_true(j.deployed_at > 0);
		if (i == 3) {		/* followed to its end */
			free(j.status);
			j.status = xstrdup("ready");
			assert_int_equal(ledger_history_update(f->l, &j,
			    &f->err), 0);
		}
		job_release(&j);
	}
	/* not a record: skipped by the listing, left by the prune */
	junk = xasprintf("%s/ledger/history/notes.txt", f->dir);
	unit_spit(junk, "x\n");
	reopen(f);
	assert_int_equal(ledger_history_list(f->l, &v, &n, &f->err), 0);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {	/* oldest first */
		char want[32];

		snprintf(want, sizeof(want), "dep_%zu", i);
		assert_string_equal(v[i].deployment_id, want);
	}
	assert_string_equal(v[3].status, "ready");
	assert_int_equal(ledger_history_get(f->l, v[3].id, &j, &f->err), 0);
	assert_string_equal(j.deployment_id, "dep_3");
	job_release(&j);
	assert_int_equal(ledger_history_get(f->l, "0000000000000000.nope", &j,
	    &f->err), DD_ENOTFOUND);
	for (i = 0; i < n; i++)
		job_release(&v[i]);
	free(v);
	assert_int_equal(ledger_history_prune(f->l, 2, &f->err), 0);
	assert_int_equal(ledger_history_list(f->l, &v, &n, &f->err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].deployment_id, "dep_3");
	assert_string_equal(v[1].deployment_id, "dep_4");
	for (i = 0; i < n; i++)
		job_release(&v[i]);
	free(v);
	assert_int_equal(access(junk, F_OK), 0);
	free(junk);
}

static void
test_intent_then_sent_survive_reopen(void **state)
{
	struct fixture *f = *state;
	enum ledger_state st;
	long long when, before = (long long)time(NULL);
	char *dep, *p;

	assert_int_equal(ledger_get(f->l, KEY, &st, &dep, &when, &f->err), 0);
	assert_int_equal(st, LEDGER_NONE);
	assert_null(dep);
	assert_int_equal(when, 0);

	/* an "intent" record (written by an older version) */
	p = xasprintf("%s/ledger/idem/%s", f->dir, KEY);
	dep = xasprintf("intent %lld\n", before);
	unit_spit(p, dep);
	free(dep);
	free(p);
	reopen(f);
	assert_int_equal(ledger_get(f->l, KEY, &st, &dep, &when, &f->err), 0);
	assert_int_equal(st, LEDGER_INTENT);
	assert_null(dep);
	assert_true(when >= before && when <= (long long)time(NULL));

	assert_int_equal(ledger_sent(f->l, KEY, "dep_9x2k4m", &f->err), 0);
	reopen(f);
	assert_int_equal(ledger_get(f->l, KEY, &st, &dep, NULL, &f->err), 0);
	assert_int_equal(st, LEDGER_SENT);
	assert_string_equal(dep, "dep_9x2k4m");
	free(dep);
	/* the record is a file named by the key itself, nothing left in tmp */
	p = xasprintf("%s/ledger/idem/%s", f->dir, KEY);
	dep = unit_slurp(p);
	assert_non_null(dep);
	assert_int_equal(strncmp(dep, "sent ", 5), 0);
	assert_non_null(strstr(dep, " dep_9x2k4m\n"));
	free(dep);
	free(p);
	p = xasprintf("%s/ledger/tmp", f->dir);
	assert_int_equal(unit_count(p), 0);
	free(p);
}

static void
test_odd_keys_and_bad_ids(void **state)
{
	struct fixture *f = *state;
	enum ledger_state st;
	char *dep, *p;

	assert_int_equal(ledger_sent(f->l, "../../etc/passwd\n", "dep_0",
	    &f->err), 0);
	assert_int_equal(ledger_sent(f->l, "a/b", "dep_1", &f->err), 0);
	p = xasprintf("%s/ledger/idem", f->dir);
	assert_int_equal(unit_count(p), 2);
	free(p);
	assert_int_equal(ledger_get(f->l, "../../etc/passwd\n", &st, NULL,
	    NULL, &f->err), 0);
	assert_int_equal(st, LEDGER_SENT);
	assert_int_equal(ledger_get(f->l, "a/b", &st, &dep, NULL, &f->err), 0);
	assert_int_equal(st, LEDGER_SENT);
	assert_string_equal(dep, "dep_1");
	free(dep);
	assert_int_equal(ledger_get(f->l, "a/c", &st, NULL, NULL, &f->err), 0);
	assert_int_equal(st, LEDGER_NONE);

	assert_int_equal(ledger_sent(f->l, KEY, "dep 1", &f->err), -1);
	assert_string_equal(f->err.msg, "deployment id 'dep 1' is not a "
	    "plain token");
	assert_int_equal(ledger_sent(f->l, KEY, "", &f->err), -1);
	assert_int_equal(ledger_sent(f->l, KEY, "dep\n2", &f->err), -1);
	assert_string_equal(f->err.msg, "deployment id 'dep\\x0a2' is not a "
	    "plain token");
	assert_int_equal(ledger_get(f->l, KEY, &st, NULL, NULL, &f->err), 0);
	assert_int_equal(st, LEDGER_NONE);
}

/* Replace every file in dir with a record that is not a commit. */
static void
spoil_all(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char *p;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		unit_spit(p, "zz\n");
		free(p);
	}
	closedir(d);
}

static void
test_corrupt_record_is_intent(void **state)
{
	struct fixture *f = *state;
	enum ledger_state st;
	char *dep, *p, *log;
	char out[OID_HEXSZ + 1];

	p = xasprintf("%s/ledger/idem/%s", f->dir, KEY);
	unit_spit(p, "sent 12");
	free(p);
	unit_stderr_begin(f->dir);
	assert_int_equal(ledger_get(f->l, KEY, &st, &dep, NULL, &f->err), 0);
	log = unit_stderr_end();
	assert_int_equal(st, LEDGER_INTENT);
	assert_null(dep);
	assert_non_null(strstr(log, "warning: ledger: record '"));
	assert_non_null(strstr(log, KEY "' is corrupt; taken as intent\n"));
	free(log);

	assert_int_equal(ledger_set_last_deployed(f->l, "p", "production", C1,
	    &f->err), 0);
	p = xasprintf("%s/ledger/deployed", f->dir);
	assert_int_equal(unit_count(p), 1);
	free(p);
	/* overwrite the one record with garbage */
	p = xasprintf("%s/ledger/deployed", f->dir);
	spoil_all(p);
	free(p);
	unit_stderr_begin(f->dir);
	assert_int_equal(ledger_last_deployed(f->l, "p", "production", out,
	    &f->err), DD_ENOTFOUND);
	log = unit_stderr_end();
	assert_string_equal(out, "");
	assert_non_null(strstr(log, "is corrupt; taken as none"));
	free(log);
}

static void
test_last_deployed_round_trip(void **state)
{
	struct fixture *f = *state;
	char out[OID_HEXSZ + 1];

	assert_int_equal(ledger_last_deployed(f->l, "proj_8f2a9c",
	    "production", out, &f->err), DD_ENOTFOUND);
	assert_int_equal(ledger_set_last_deployed(f->l, "proj_8f2a9c",
	    "production", C1, &f->err), 0);
	assert_int_equal(ledger_set_last_deployed(f->l, "proj_8f2a9c",
	    "staging", C2, &f->err), 0);
	reopen(f);
	assert_int_equal(ledger_last_deployed(f->l, "proj_8f2a9c",
	    "production", out, &f->err), 0);
	assert_string_equal(out, C1);
	assert_int_equal(ledger_last_deployed(f->l, "proj_8f2a9c",
	    "staging", out, &f->err), 0);
	assert_string_equal(out, C2);
	assert_int_equal(ledger_last_deployed(f->l, "proj_other",
	    "production", out, &f->err), DD_ENOTFOUND);
	assert_int_equal(ledger_set_last_deployed(f->l, "proj_8f2a9c",
	    "production", C2, &f->err), 0);
	assert_int_equal(ledger_last_deployed(f->l, "proj_8f2a9c",
	    "production", out, &f->err), 0);
	assert_string_equal(out, C2);
	assert_int_equal(ledger_set_last_deployed(f->l, "p", "production",
	    "HEAD", &f->err), -1);
	assert_string_equal(f->err.msg, "'HEAD' is not a commit id");
}

static void
test_last_seen_odd_names(void **state)
{
	static const char *const refs[] = { "refs/heads/main",
	    "refs/heads/../../x", "refs/heads/\xff\n\x1b[31m", "refs/tags/v1",
	    "" };
	struct fixture *f = *state;
	char out[OID_HEXSZ + 1];
	size_t i;

	unsigned long long gen;

	for (i = 0; i < 5; i++)
		assert_int_equal(ledger_set_last_seen(f->l, "/srv/git/a b.git",
		    refs[i], i % 2 ? C2 : C1, i, &f->err), 0);
	/* the pair is joined unambiguously: ("ab","c") is not ("a","bc") */
	assert_int_equal(ledger_set_last_seen(f->l, "ab", "c", C1, 7,
	    &f->err), 0);
	assert_int_equal(ledger_last_seen(f->l, "a", "bc", out, &gen,
	    &f->err), DD_ENOTFOUND);
	assert_int_equal(gen, 0);
	reopen(f);
	for (i = 0; i < 5; i++) {
		assert_int_equal(ledger_last_seen(f->l, "/srv/git/a b.git",
		    refs[i], out, &gen, &f->err), 0);
		assert_string_equal(out, i % 2 ? C2 : C1);
		assert_int_equal(gen, i);
	}
	assert_int_equal(ledger_last_seen(f->l, "/srv/git/other.git",
	    refs[0], out, &gen, &f->err), DD_ENOTFOUND);
	/* generation 0 is written as records were before generations */
	assert_int_equal(ledger_set_last_seen(f->l, "x", "y", C2, 0,
	    &f->err), 0);
	assert_int_equal(ledger_last_seen(f->l, "x", "y", out, &gen,
	    &f->err), 0);
	assert_string_equal(out, C2);
	assert_int_equal(gen, 0);
	assert_int_equal(ledger_forget_seen(f->l, "ab", "c"), 0);
	assert_int_equal(ledger_forget_seen(f->l, "ab", "c"), DD_ENOTFOUND);
	assert_int_equal(ledger_last_seen(f->l, "ab", "c", out, &gen,
	    &f->err), DD_ENOTFOUND);
	/* seen and deployed are apart */
	assert_int_equal(ledger_last_deployed(f->l, "/srv/git/a b.git",
	    refs[0], out, &f->err), DD_ENOTFOUND);
}

static void
test_prune_old_keys(void **state)
{
	struct fixture *f = *state;
	struct timespec ts[2];
	enum ledger_state st;
	size_t removed;
	char *p;

	assert_int_equal(ledger_sent(f->l, KEY, "dep_old", &f->err), 0);
	assert_int_equal(ledger_sent(f->l, "fresh", "dep_new", &f->err), 0);
	p = xasprintf("%s/ledger/idem/%s", f->dir, KEY);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 40 * 86400;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);
	assert_int_equal(ledger_prune(f->l, 30 * 86400, &removed, &f->err),
	    0);
	assert_int_equal(removed, 1);
	assert_int_equal(ledger_get(f->l, KEY, &st, NULL, NULL, &f->err), 0);
	assert_int_equal(st, LEDGER_NONE);
	assert_int_equal(ledger_get(f->l, "fresh", &st, NULL, NULL, &f->err),
	    0);
	assert_int_equal(st, LEDGER_SENT);
}

/* The daemon's state is private; a repository's takes the repository's
 * permissions (a shared repository stays group-writable). */
static void
test_state_permissions(void **state)
{
	struct fixture *f = *state;
	struct ledger *l;
	struct stat st;
	char *priv = xasprintf("%s/state", f->dir);
	char *repo = xasprintf("%s/repo.git", f->dir);
	char *mine = xasprintf("%s/repo.git/dotgit-deploy", f->dir), *p;

	umask(022);
	assert_int_equal(ledger_open(&l, priv, NULL, &f->err), 0);
	ledger_free(l);
	assert_int_equal(stat(priv, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(mkdir(repo, 0700), 0);
	assert_int_equal(chmod(repo, 02770), 0);
	umask(077);
	assert_int_equal(ledger_open(&l, mine, repo, &f->err), 0);
	umask(022);
	ledger_free(l);
	p = xasprintf("%s/ledger/idem", mine);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 02770);
	free(p);
	free(mine);
	free(repo);
	free(priv);
}

/* Group commit (a push, the daemon): the records are in place at once,
 * read back in the same run and after a reopen, none left in tmp/, and
 * one ledger_sync makes them durable (again: nothing to do). */
static void
test_group_commit(void **state)
{
	struct fixture *f = *state;
	enum ledger_state st;
	char last[OID_HEXSZ + 1], *dep, *tmp;

	ledger_group_commit(f->l);
	assert_int_equal(ledger_sync(f->l, &f->err), 0);	/* nothing */
	assert_int_equal(ledger_set_last_deployed(f->l, "prj", "production",
	    C1, &f->err), 0);
	assert_int_equal(ledger_sent(f->l, KEY, "dep_1", &f->err), 0);
	assert_int_equal(ledger_get(f->l, KEY, &st, &dep, NULL, &f->err), 0);
	assert_int_equal(st, LEDGER_SENT);
	assert_string_equal(dep, "dep_1");
	free(dep);
	assert_int_equal(ledger_sync(f->l, &f->err), 0);
	assert_int_equal(ledger_sync(f->l, &f->err), 0);
	tmp = xasprintf("%s/ledger/tmp", f->dir);
	assert_int_equal(unit_count(tmp), 0);
	free(tmp);
	/* a push's sync: just the records written since, by name */
	assert_int_equal(ledger_sent(f->l, K2, "dep_2", &f->err), 0);
	tmp = xasprintf("%s/ledger/idem/%s", f->dir, K2);
	assert_int_equal(unlink(tmp), 0);
	assert_int_equal(ledger_sync_written(f->l, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "cannot sync ledger record '"));
	assert_non_null(strstr(f->err.msg, K2 "': No such file"));
	free(tmp);
	assert_int_equal(ledger_sent(f->l, K2, "dep_2", &f->err), 0);
	assert_int_equal(ledger_sync_written(f->l, &f->err), 0);
	assert_int_equal(ledger_sync_written(f->l, &f->err), 0);
	reopen(f);
	assert_int_equal(ledger_get(f->l, K2, &st, &dep, NULL, &f->err), 0);
	assert_string_equal(dep, "dep_2");
	free(dep);
	assert_int_equal(ledger_last_deployed(f->l, "prj", "production",
	    last, &f->err), 0);
	assert_string_equal(last, C1);
	assert_int_equal(ledger_get(f->l, KEY, &st, &dep, NULL, &f->err), 0);
	assert_int_equal(st, LEDGER_SENT);
	assert_string_equal(dep, "dep_1");
	free(dep);
}

static void
test_open_failure(void **state)
{
	struct fixture *f = *state;
	struct ledger *l;
	char *p = xasprintf("%s/missing/parent", f->dir);

	assert_int_equal(ledger_open(&l, p, NULL, &f->err), -1);
	assert_null(l);
	assert_non_null(strstr(f->err.msg, "cannot open ledger directory '"));
	assert_non_null(strstr(f->err.msg, "': No such file or directory"));
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_intent_then_sent_survive_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_odd_keys_and_bad_ids,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_record_is_intent,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_deployed_round_trip,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_seen_odd_names,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_old_keys,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_state_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_history_add_update_list_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_failure,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("ledger", tests, NULL, NULL);
}
