/* SPDX-License-Identifier: ISC */
/* test_client.c -- git push command lines and push records */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "intent.h"
#include "proc.h"
#include "xmalloc.h"
#include "unit_util.h"

#define A40 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B40 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define Z40 "0000000000000000000000000000000000000000"

/* Parse words as /proc/PID/cmdline holds them (NUL after each). */
static void
parse_words(struct git_push_argv *a, const char *const *words)
{
	char buf[1024];
	size_t len = 0, n;

	for (; *words != NULL; words++) {
		n = strlen(*words) + 1;
		memcpy(buf + len, *words, n);
		len += n;
	}
	client_parse_git_argv(a, buf, len);
}

static void
test_plain_push(void **state)
{
	static const char *const w[] = { "git", "push", "origin", "main",
	    NULL };
	struct git_push_argv a;

	(void)state;
	parse_words(&a, w);
	assert_true(a.is_push);
	assert_false(a.dry_run);
	assert_int_equal(a.noptions, 0);
	client_git_push_argv_release(&a);
}

static void
test_every_option_spelling(void **state)
{
	static const char *const w[] = { "/usr/lib/git-core/git", "-C", "push",
	    "-c", "push.pushOption=from-c", "--git-dir", "x", "push", "-q",
	    "-o", "a=1", "-oshort", "-qo", "cluster", "--push-option=long",
	    "--push-option", "sep", "--push-opt=abbr", "--repo", "-o",
	    "origin", "--", "-o", "not-an-option", NULL };
	struct git_push_argv a;

	(void)state;
	parse_words(&a, w);
	assert_true(a.is_push);
	assert_int_equal(a.noptions, 6);
	assert_string_equal(a.options[0], "a=1");
	assert_string_equal(a.options[1], "short");
	assert_string_equal(a.options[2], "cluster");
	assert_string_equal(a.options[3], "long");
	assert_string_equal(a.options[4], "sep");
	assert_string_equal(a.options[5], "abbr");
	assert_int_equal(a.nconfig, 1);
	assert_string_equal(a.config[0], "from-c");
	client_git_push_argv_release(&a);
}

static void
test_dry_run_and_reset(void **state)
{
	static const char *const w1[] = { "git", "push", "-qn", "-o", "x",
	    "--no-push-option", "origin", NULL };
	static const char *const w2[] = { "git", "push", "--dry-run", NULL };
	static const char *const w3[] = { "git-push", "--dry", "-o", "y",
	    NULL };
	struct git_push_argv a;

	(void)state;
	parse_words(&a, w1);
	assert_true(a.dry_run);
	assert_int_equal(a.noptions, 0);
	client_git_push_argv_release(&a);
	parse_words(&a, w2);
	assert_true(a.dry_run);
	client_git_push_argv_release(&a);
	parse_words(&a, w3);
	assert_true(a.is_push);
	assert_true(a.dry_run);
	assert_int_equal(a.noptions, 1);
	client_git_push_argv_release(&a);
}

static void
test_not_a_push(void **state)
{
	static const char *const w1[] = { "git", "fetch", "-o", "x", NULL };
	static const char *const w2[] = { "git", "-C", "push", "status",
	    NULL };
	static const char *const w3[] = { "/bin/sh", "hook", NULL };
	struct git_push_argv a;

	(void)state;
	parse_words(&a, w1);
	assert_false(a.is_push);
	assert_int_equal(a.noptions, 0);
	client_git_push_argv_release(&a);
	parse_words(&a, w2);
	assert_false(a.is_push);
	client_git_push_argv_release(&a);
	parse_words(&a, w3);
	assert_false(a.is_push);
	client_git_push_argv_release(&a);
	client_parse_git_argv(&a, "", 0);
	assert_false(a.is_push);
	client_git_push_argv_release(&a);
}

static void
make_intent(struct intent *in)
{
	struct intent_ref refs[2] = {
		{ 0, A40, Z40, (char *)"refs/heads/main" },
		{ 1, B40, A40, (char *)"refs/tags/v1 with space" },
	};
	char *opts[] = { (char *)"deploy.env.A=1 2", (char *)"deploy.skip" };
	struct intent_push p = { (char *)"origin", (char *)"/srv/app git",
	    opts, 2, refs, 2 };

	memset(in, 0, sizeof(*in));
	in->pid = 4242;
	in->start = 123456789ULL;
	memcpy(in->request, "00112233445566778899aabbccddeeff", 33);
	intent_add_push(in, &p);
	p.remote = p.url;
	p.noptions = 0;
	p.nrefs = 1;
	intent_add_push(in, &p);
}

static void
test_intent_round_trip(void **state)
{
	struct intent in, out;
	struct error err;
	char *text, *again;

	(void)state;
	error_clear(&err);
	make_intent(&in);
	text = intent_format(&in);
	assert_int_equal(intent_parse(&out, text, &err), 0);
	assert_int_equal(out.pid, 4242);
	assert_true(out.start == 123456789ULL);
	assert_string_equal(out.request, "00112233445566778899aabbccddeeff");
	assert_int_equal(out.npushes, 2);
	assert_string_equal(out.pushes[0].remote, "origin");
	assert_string_equal(out.pushes[0].url, "/srv/app git");
	assert_int_equal(out.pushes[0].noptions, 2);
	assert_string_equal(out.pushes[0].options[0], "deploy.env.A=1 2");
	assert_int_equal(out.pushes[0].nrefs, 2);
	assert_false(out.pushes[0].refs[0].done);
	assert_true(out.pushes[0].refs[1].done);
	assert_string_equal(out.pushes[0].refs[1].ref,
	    "refs/tags/v1 with space");
	assert_string_equal(out.pushes[1].remote, "/srv/app git");
	again = intent_format(&out);
	assert_string_equal(text, again);
	assert_true(intent_already_done(&out, "refs/tags/v1 with space",
	    B40));
	assert_false(intent_already_done(&out, "refs/heads/main", A40));
	free(again);
	free(text);
	intent_release(&out);
	intent_release(&in);
}

static void
test_intent_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"something else\n",
		"dotgit-deploy push 1\nurl x\n",
		"dotgit-deploy push 1\npid x y\n",
		"dotgit-deploy push 1\npush o\nref maybe " A40 " " Z40 " r\n",
		"dotgit-deploy push 1\npush o\nref done " A40 " " Z40 "\n",
		"dotgit-deploy push 1\npush o\nref done nothex " Z40 " r\n",
		"dotgit-deploy push 1\nwhat is this\n",
		NULL
	};
	struct intent out;
	struct error err;
	size_t i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		error_clear(&err);
		assert_int_equal(intent_parse(&out, bad[i], &err), -1);
		assert_true(err.msg[0] != '\0');
		assert_int_equal(out.npushes, 0);
	}
}

static void
test_proc_start_of_self(void **state)
{
	long ppid = 0;

	(void)state;
	assert_true(proc_start((long)getpid(), &ppid) > 0);
	assert_int_equal(ppid, (long)getppid());
	assert_true(proc_start(0x7ffffff0L, NULL) == 0);
}

/* intent_hook_common_dir() run in `cwd` with GIT_DIR = git_dir (NULL:
 * unset): 1 if it names `want` (NULL: it must be unsure). */
static int
common_dir_is(const char *cwd, const char *git_dir, const char *want)
{
	char here[PATH_MAX], a[PATH_MAX], b[PATH_MAX], *got;
	int same;

	assert_non_null(getcwd(here, sizeof(here)));
	assert_int_equal(chdir(cwd), 0);
	if (git_dir != NULL)
		setenv("GIT_DIR", git_dir, 1);
	got = intent_hook_common_dir();
	unsetenv("GIT_DIR");
	assert_int_equal(chdir(here), 0);
	if (want == NULL || got == NULL) {
		same = want == NULL && got == NULL;
		free(got);
		return same;
	}
	/* relative to cwd, and with a trailing '/' */
	same = got[strlen(got) - 1] == '/';
	if (got[0] != '/') {
		char *abs = xasprintf("%s/%s", cwd, got);

		free(got);
		got = abs;
	}
	same = same && realpath(got, a) != NULL && realpath(want, b) != NULL &&
	    strcmp(a, b) == 0;
	free(got);
	return same;
}

/* Where the pushes are recorded, found as git leaves a hook, no libgit2:
 * a work tree, a linked worktree (its .git file, or GIT_DIR as git sets
 * it), a separate git dir; unsure cases say so. */
static void
test_hook_common_dir(void **state)
{
	char *t = unit_tmpdir(), *main_wt = xasprintf("%s/main", t);
	char *linked = xasprintf("%s/linked", t), *sep = xasprintf("%s/sep", t);
	char *common = xasprintf("%s/.git", main_wt);
	char *lgd = xasprintf("%s/.git/worktrees/linked", main_wt);
	char *sepgd = xasprintf("%s/sep.git", t), *gitfile;

	(void)state;
	unsetenv("GIT_DIR");
	unsetenv("GIT_COMMON_DIR");
	unsetenv("GIT_WORK_TREE");
	unit_git_identity();
	GIT(t, "init", "-q", "-b", "main", "main");
	GIT(main_wt, "commit", "-q", "--allow-empty", "-m", "one");
	GIT(main_wt, "worktree", "add", "-q", "-b", "other", linked);
	GIT(t, "init", "-q", "--separate-git-dir", sepgd, "sep");

	assert_true(common_dir_is(main_wt, NULL, common));
	assert_true(common_dir_is(main_wt, ".git", common));
	assert_true(common_dir_is(linked, NULL, common));	/* .git file */
	assert_true(common_dir_is(linked, lgd, common));	/* commondir */
	assert_true(common_dir_is(sep, NULL, sepgd));
	assert_true(common_dir_is(t, sepgd, sepgd));

	/* unsure: only libgit2 can tell */
	assert_true(common_dir_is(t, NULL, NULL));		/* no .git */
	assert_true(common_dir_is(main_wt, "", NULL));
	setenv("GIT_COMMON_DIR", common, 1);
	assert_true(common_dir_is(linked, lgd, NULL));
	unsetenv("GIT_COMMON_DIR");
	setenv("GIT_WORK_TREE", main_wt, 1);
	assert_true(common_dir_is(main_wt, NULL, NULL));
	unsetenv("GIT_WORK_TREE");
	gitfile = xasprintf("%s/.git", sep);
	unit_spit(gitfile, "not a gitdir line\n");
	assert_true(common_dir_is(sep, NULL, NULL));
	unit_spit(gitfile, "gitdir: nowhere\n");
	assert_true(common_dir_is(sep, NULL, NULL));

	free(gitfile);
	free(sepgd);
	free(lgd);
	free(common);
	free(sep);
	free(linked);
	free(main_wt);
	unit_rmtree(t);
}

/* Record a push of `local` to refs/heads/main of `url` by process pid;
 * the record's path (allocated). */
static char *
record_push(const char *common, long pid, const char *url,
    const char *local)
{
	struct intent_ref ref = { 0, "", Z40, (char *)"refs/heads/main" };
	struct intent_push p = { (char *)url, (char *)url, NULL, 0, &ref, 1 };
	char *dir = intent_dir(common), *path = intent_path(common, pid);
	struct intent in = { 0 };
	struct error err;
	int fd;

	error_clear(&err);
	memcpy(ref.local, local, OID_HEXSZ + 1);
	in.pid = pid;
	in.start = proc_start(pid, NULL);
	assert_true(in.start > 0);
	intent_add_push(&in, &p);
	assert_int_equal(intent_lock(&fd, dir, &err), 0);
	assert_int_equal(intent_save(&in, path, &err), 0);
	intent_unlock(fd);
	intent_release(&in);
	free(dir);
	return path;
}

/* A push that outlives the watcher's wait deploys nothing then: its record
 * stays (stale cleaning too keeps it) and says what to run; once it has
 * ended, a settle without waiting takes the record and asks the remote. */
static void
test_settle_keeps_a_push_that_still_runs(void **state)
{
	char *t = unit_tmpdir(), *work = xasprintf("%s/work", t);
	char *bare = xasprintf("%s/srv.git", t), *path, *before, *after;
	char *text, *dir, head[64], pushed[64];
	struct ctx ctx = { 0 };
	struct error err;
	pid_t child;
	int ws;

	(void)state;
	unit_git_identity();
	GIT(t, "init", "-q", "--bare", "-b", "main", "srv.git");
	GIT(t, "init", "-q", "-b", "main", "work");
	GIT(work, "commit", "-q", "--allow-empty", "-m", "one");
	GITOUT(head, work, "rev-parse", "HEAD");
	GIT(work, "push", "-q", bare, "main");
	GIT(work, "commit", "-q", "--allow-empty", "-m", "two");
	GITOUT(pushed, work, "rev-parse", "HEAD");
	error_clear(&err);
	assert_int_equal(repo_open(&ctx.repo, work, &err), 0);
	if ((child = fork()) == 0)	/* the "git push" that goes on */
		for (;;)
			pause();
	assert_true(child > 0);
	path = record_push(repo_common_dir(ctx.repo), (long)child, bare,
	    pushed);
	before = unit_slurp(path);

	unit_stderr_begin(t);
	assert_int_equal(client_settle(&ctx, (long)child, 1, &err), 1);
	text = unit_stderr_end();
	assert_non_null(strstr(text, "still runs after 1 seconds: nothing "
	    "deployed for it now"));
	assert_non_null(strstr(text, "run 'dotgit-deploy hook post-push'"));
	assert_null(strstr(text, "checking"));
	after = unit_slurp(path);
	assert_non_null(after);
	assert_string_equal(before, after);
	free(after);
	free(text);
	dir = intent_dir(repo_common_dir(ctx.repo));
	intent_clean_stale(dir, time(NULL) + 2 * INTENT_MAX_AGE);
	assert_int_equal(access(path, F_OK), 0);

	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &ws, 0), child);
	unit_stderr_begin(t);
	assert_int_equal(client_settle(&ctx, (long)child, 0, &err), 0);
	text = unit_stderr_end();
	assert_int_equal(access(path, F_OK), -1);
	assert_non_null(strstr(text, "checking 1 ref on the remote"));
	/* the remote has the first commit, not the pushed one (short ids) */
	head[7] = pushed[7] = '\0';
	assert_non_null(strstr(text, head));
	assert_non_null(strstr(text, pushed));
	assert_non_null(strstr(text, "(the push did not succeed)"));

	free(text);
	free(before);
	free(path);
	free(dir);
	repo_free(ctx.repo);
	free(bare);
	free(work);
	unit_rmtree(t);
}

/* Stale records go, but for a push that still runs. */
static void
test_clean_stale_keeps_running_pushes(void **state)
{
	struct timeval old[2] = { { 1000, 0 }, { 1000, 0 } };
	char *t = unit_tmpdir(), *gd = xasprintf("%s/", t);
	char *dir = intent_dir(gd), *mine, *gone, *text;
	long self = (long)getpid();
	struct error err;
	int fd;

	(void)state;
	error_clear(&err);
	assert_int_equal(intent_lock(&fd, dir, &err), 0);
	intent_unlock(fd);
	mine = intent_path(gd, self);
	text = xasprintf("dotgit-deploy push 1\npid %ld %llu\n", self,
	    proc_start(self, NULL));
	unit_spit(mine, text);
	gone = intent_path(gd, 2147483000L);
	unit_spit(gone, "dotgit-deploy push 1\npid 2147483000 1\n");
	assert_int_equal(utimes(mine, old), 0);
	assert_int_equal(utimes(gone, old), 0);
	intent_clean_stale(dir, time(NULL));
	assert_int_equal(access(mine, F_OK), 0);
	assert_int_equal(access(gone, F_OK), -1);
	free(text);
	free(gone);
	free(mine);
	free(dir);
	free(gd);
	unit_rmtree(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_push),
		cmocka_unit_test(test_every_option_spelling),
		cmocka_unit_test(test_dry_run_and_reset),
		cmocka_unit_test(test_not_a_push),
		cmocka_unit_test(test_intent_round_trip),
		cmocka_unit_test(test_intent_rejects_garbage),
		cmocka_unit_test(test_proc_start_of_self),
		cmocka_unit_test(test_hook_common_dir),
		cmocka_unit_test(test_settle_keeps_a_push_that_still_runs),
		cmocka_unit_test(test_clean_stale_keeps_running_pushes),
	};

	return cmocka_run_group_tests_name("client", tests, NULL, NULL);
}
