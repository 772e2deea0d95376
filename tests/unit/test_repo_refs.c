/* SPDX-License-Identifier: ISC */
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
#include <unistd.h>

#include "error.h"
#include "repo.h"
#include "xmalloc.h"
#include "unit_util.h"

static void
test_list_refs(void **state)
{
	char main_id[64], tag_id[64];
	struct repo_ref *refs = NULL;
	struct repo *r = NULL;
	struct error err;
	size_t n = 0;
	char *d;

	(void)state;
	d = unit_tmpdir();
	unit_git_identity();
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
	unit_rmtree(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_refs),
	};

	return cmocka_run_group_tests_name("repo_refs", tests, NULL, NULL);
}
