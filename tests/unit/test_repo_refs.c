/* test_repo_refs.c -- repo_list_refs on a repository made with real git */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "repo.h"
#include "xmalloc.h"

/* Run `git -C dir args...`; its first line of stdout into out. */
static int
git_run(char *out, size_t outsz, const char *dir, ...)
{
	const char *argv[16];
	va_list ap;
	size_t n = 0, got = 0;
	ssize_t r;
	int fd[2], status;
	pid_t pid;

	argv[n++] = "git";
	argv[n++] = "-C";
	argv[n++] = dir;
	va_start(ap, dir);
	while ((argv[n] = va_arg(ap, const char *)) != NULL && n < 15)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (pipe(fd) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execvp("git", (char *const *)argv);
		_exit(127);
	}
	close(fd[1]);
	while (out != NULL && got + 1 < outsz &&
	    (r = read(fd[0], out + got, outsz - got - 1)) > 0)
		got += (size_t)r;
	close(fd[0]);
	if (out != NULL) {
		out[got] = '\0';
		out[strcspn(out, "\n")] = '\0';
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define GIT(dir, ...) \
	assert_int_equal(git_run(NULL, 0, (dir), __VA_ARGS__, (char *)NULL), 0)
#define GITOUT(buf, dir, ...) \
	assert_int_equal(git_run((buf), sizeof(buf), (dir), __VA_ARGS__, \
	    (char *)NULL), 0)

static void
test_list_refs(void **state)
{
	char tmpl[] = "/tmp/dd-refs-XXXXXX", main_id[64], tag_id[64];
	struct repo_ref *refs = NULL;
	struct repo *r = NULL;
	struct error err;
	size_t n = 0;
	char *d;

	(void)state;
	d = mkdtemp(tmpl);
	assert_non_null(d);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@x", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@x", 1);
	GIT(d, "init", "-q", "-b", "main");
	GIT(d, "commit", "-q", "--allow-empty", "-m", "one");
	GIT(d, "branch", "feature/x");
	GIT(d, "tag", "-a", "-m", "annotated", "v1");
	GIT(d, "update-ref", "refs/remotes/origin/main", "HEAD");
	GIT(d, "symbolic-ref", "refs/heads/alias", "refs/heads/main");
	GIT(d, "pack-refs", "--all");
	GIT(d, "branch", "loose");
	GITOUT(main_id, d, "rev-parse", "main");
	GITOUT(tag_id, d, "rev-parse", "v1");

	error_clear(&err);
	assert_int_equal(repo_open(&r, d, &err), 0);
	if (repo_list_refs(&refs, &n, r, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n, 5);
	assert_string_equal(refs[0].name, "refs/heads/alias");
	assert_string_equal(refs[0].oid, main_id);
	assert_string_equal(refs[1].name, "refs/heads/feature/x");
	assert_string_equal(refs[2].name, "refs/heads/loose");
	assert_string_equal(refs[3].name, "refs/heads/main");
	assert_string_equal(refs[3].oid, main_id);
	assert_string_equal(refs[4].name, "refs/tags/v1");
	assert_string_equal(refs[4].oid, tag_id);	/* not peeled */
	repo_refs_free(refs, n);
	repo_free(r);
	{
		char *argv[] = { (char *)"rm", (char *)"-rf", d, NULL };
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			execvp("rm", argv);
			_exit(127);
		}
		waitpid(pid, &st, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_refs),
	};

	return cmocka_run_group_tests_name("repo_refs", tests, NULL, NULL);
}
