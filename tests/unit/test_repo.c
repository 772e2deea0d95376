/* SPDX-License-Identifier: ISC */
/* test_repo.c -- repo.c against real repositories built with real git */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "repo.h"
#include "xmalloc.h"
#include "unit_util.h"

#define HEX20	"0123456789abcdefABCD"
#define ZERO20	"00000000000000000000"

static char root[PATH_MAX];	/* realpath of this run's temp dir */

static void
write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f;

	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(path);
}

/* A fresh directory under root; caller frees the path. */
static char *
tdir(const char *name)
{
	char *path = xasprintf("%s/%s", root, name);

	assert_int_equal(mkdir(path, 0700), 0);
	return path;
}

/*
 * A non-bare repository on main: c1 (a.txt, README.md, web/index.html,
 * website/x.txt), c2 (web/index.html changed, message with a body),
 * c3 (README.md changed), c4 (website/x.txt changed).
 */
static char *
make_repo(const char *name)
{
	char *d = tdir(name), *web = xasprintf("%s/web", d);
	char *site = xasprintf("%s/website", d);

	GIT(d, "init", "-q", "-b", "main");
	assert_int_equal(mkdir(web, 0700), 0);
	assert_int_equal(mkdir(site, 0700), 0);
	write_file(d, "a.txt", "a\n");
	write_file(d, "README.md", "readme\n");
	write_file(d, "web/index.html", "<p>1</p>\n");
	write_file(d, "website/x.txt", "x\n");
	GIT(d, "add", "-A");
	GIT(d, "commit", "-q", "-m", "first");
	write_file(d, "web/index.html", "<p>2</p>\n");
	GIT(d, "commit", "-q", "-a", "-m", "second", "-m", "body line");
	write_file(d, "README.md", "readme 2\n");
	GIT(d, "commit", "-q", "-a", "-m", "third");
	write_file(d, "website/x.txt", "x 2\n");
	GIT(d, "commit", "-q", "-a", "-m", "fourth");
	free(web);
	free(site);
	return d;
}

static struct repo *
open_ok(const char *dir)
{
	struct repo *r = NULL;
	struct error err;

	error_clear(&err);
	if (repo_open(&r, dir, &err) < 0)
		fail_msg("repo_open(%s): %s", dir ? dir : "NULL", err.msg);
	assert_non_null(r);
	return r;
}

static void
assert_path(const char *got, const char *dir, const char *tail)
{
	char *want = xasprintf("%s%s", dir, tail);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(want);
}

static void
assert_branch(struct repo *r, const char *want)
{
	struct error err;
	char *b = NULL;

	error_clear(&err);
	if (repo_current_branch(&b, r, &err) < 0)
		fail_msg("current branch: %s", err.msg);
	assert_string_equal(b, want);
	free(b);
}

static void
assert_hooks(struct repo *r, const char *want)
{
	struct error err;
	char *h = NULL;

	error_clear(&err);
	if (repo_hooks_dir(&h, r, &err) < 0)
		fail_msg("hooks dir: %s", err.msg);
	assert_string_equal(h, want);
	free(h);
}

/* What git itself names as the hooks dir, made absolute against base. */
static void
assert_hooks_like_git(struct repo *r, const char *gitc, const char *base)
{
	char out[PATH_MAX], *want;

	GITOUT(out, gitc, "rev-parse", "--git-path", "hooks");
	want = out[0] == '/' ? xstrdup(out) : xasprintf("%s/%s", base, out);
	assert_hooks(r, want);
	free(want);
}

static void
assert_rev(struct repo *r, const char *dir, const char *rev)
{
	char want[64], got[OID_HEXSZ + 1], *peeled;
	struct error err;

	peeled = xasprintf("%s^{commit}", rev);
	GITOUT(want, dir, "rev-parse", "--verify", "-q", peeled);
	free(peeled);
	error_clear(&err);
	if (repo_resolve(got, r, rev, &err) < 0)
		fail_msg("resolve %s: %s", rev, err.msg);
	assert_string_equal(got, want);
}

static void
test_open_nonbare(void **state)
{
	char *d = make_repo("nb"), *web = xasprintf("%s/web", d);
	char want[64], got[OID_HEXSZ + 1];
	struct repo *r;
	struct error err;

	(void)state;
	r = open_ok(web);
	assert_path(repo_git_dir(r), d, "/.git/");
	assert_path(repo_common_dir(r), d, "/.git/");
	assert_path(repo_workdir(r), d, "/");
	assert_branch(r, "main");
	error_clear(&err);
	assert_int_equal(repo_branch_commit(got, r, "main", &err), 0);
	GITOUT(want, d, "rev-parse", "main");
	assert_string_equal(got, want);
	assert_hooks_like_git(r, d, d);
	repo_free(r);
	free(web);
	free(d);
}

static void
test_open_bare(void **state)
{
	char *d = make_repo("bsrc"), *b = xasprintf("%s/b.git", root);
	char *refs = xasprintf("%s/refs", b);
	char want[64], got[OID_HEXSZ + 1];
	struct repo *r;
	struct error err;

	(void)state;
	GIT(root, "clone", "-q", "--bare", d, b);
	r = open_ok(refs);
	assert_path(repo_git_dir(r), b, "/");
	assert_path(repo_common_dir(r), b, "/");
	assert_null(repo_workdir(r));
	assert_branch(r, "main");
	error_clear(&err);
	assert_int_equal(repo_branch_commit(got, r, "main", &err), 0);
	GITOUT(want, d, "rev-parse", "main");
	assert_string_equal(got, want);
	assert_hooks_like_git(r, b, b);
	repo_free(r);
	free(refs);
	free(b);
	free(d);
}

static void
test_open_linked_worktree(void **state)
{
	char *d = make_repo("wtm"), *lw = xasprintf("%s/lw", root);
	char *sub = xasprintf("%s/web", lw), *hooks;
	char want[64], got[OID_HEXSZ + 1];
	struct repo *r;
	struct error err;

	(void)state;
	GIT(d, "worktree", "add", "-q", "-b", "lwb", lw, "HEAD~1");
	r = open_ok(sub);
	assert_path(repo_git_dir(r), d, "/.git/worktrees/lw/");
	assert_path(repo_common_dir(r), d, "/.git/");
	assert_path(repo_workdir(r), lw, "/");
	assert_branch(r, "lwb");
	error_clear(&err);
	assert_int_equal(repo_branch_commit(got, r, "lwb", &err), 0);
	GITOUT(want, d, "rev-parse", "main~1");
	assert_string_equal(got, want);
	assert_rev(r, lw, "HEAD");
	hooks = xasprintf("%s/.git/hooks", d);
	assert_hooks(r, hooks);
	assert_hooks_like_git(r, lw, lw);
	repo_free(r);
	free(hooks);
	free(sub);
	free(lw);
	free(d);
}

static void
test_not_a_repository(void **state)
{
	char *d = tdir("plain"), *nope = xasprintf("%s/nope", d), *want;
	struct repo *r = NULL;
	struct error err;

	(void)state;
	setenv("GIT_CEILING_DIRECTORIES", root, 1);
	error_clear(&err);
	assert_int_equal(repo_open(&r, d, &err), -1);
	assert_null(r);
	want = xasprintf("not a git repository: '%s'", d);
	assert_string_equal(err.msg, want);
	assert_non_null(strstr(err.hint, "-C"));
	free(want);
	error_clear(&err);
	assert_int_equal(repo_open(&r, nope, &err), -1);
	want = xasprintf("cannot change to '%s': No such file or directory",
	    nope);
	assert_string_equal(err.msg, want);
	free(want);
	unsetenv("GIT_CEILING_DIRECTORIES");
	free(nope);
	free(d);
}

static void
test_detached_head(void **state)
{
	char *d = make_repo("det"), *want;
	char sha[64];
	struct repo *r;
	struct error err;
	char *b = NULL;

	(void)state;
	GIT(d, "checkout", "-q", "--detach", "HEAD~1");
	GITOUT(sha, d, "rev-parse", "--short", "HEAD");
	r = open_ok(d);
	error_clear(&err);
	assert_int_equal(repo_current_branch(&b, r, &err), -1);
	assert_null(b);
	want = xasprintf("HEAD is detached at %s; name a branch: "
	    "dotgit-deploy deploy BRANCH", sha);
	assert_string_equal(err.msg, want);
	assert_rev(r, d, "HEAD");
	free(want);
	repo_free(r);
	free(d);
}

static void
test_unborn_branch(void **state)
{
	char *d = tdir("unborn"), *b = NULL;
	char got[OID_HEXSZ + 1];
	struct repo *r;
	struct error err;

	(void)state;
	GIT(d, "init", "-q", "-b", "trunk");
	r = open_ok(d);
	error_clear(&err);
	assert_int_equal(repo_current_branch(&b, r, &err), -1);
	assert_null(b);
	assert_string_equal(err.msg, "branch 'trunk' has no commits yet");
	error_clear(&err);
	assert_int_equal(repo_branch_commit(got, r, "trunk", &err),
	    DD_ENOTFOUND);
	assert_string_equal(err.msg, "no branch 'trunk'");
	error_clear(&err);
	assert_int_equal(repo_resolve(got, r, "HEAD", &err), DD_ENOTFOUND);
	assert_string_equal(err.msg, "unknown revision 'HEAD'");
	repo_free(r);
	free(d);
}

static void
test_branch_with_slash(void **state)
{
	char *d = make_repo("slash");
	char want[64], got[OID_HEXSZ + 1];
	struct repo *r;
	struct error err;

	(void)state;
	GIT(d, "checkout", "-q", "-b", "feature/x/y");
	GIT(d, "commit", "-q", "--allow-empty", "-m", "on feature");
	GITOUT(want, d, "rev-parse", "HEAD");
	r = open_ok(d);
	assert_branch(r, "feature/x/y");
	error_clear(&err);
	assert_int_equal(repo_branch_commit(got, r, "feature/x/y", &err), 0);
	assert_string_equal(got, want);
	error_clear(&err);
	assert_int_equal(repo_resolve(got, r, "refs/heads/feature/x/y",
	    &err), 0);
	assert_string_equal(got, want);
	error_clear(&err);
	assert_int_equal(repo_resolve(got, r, "HEAD", &err), 0);
	assert_string_equal(got, want);
	error_clear(&err);
	assert_int_equal(repo_branch_commit(got, r, "feature", &err),
	    DD_ENOTFOUND);
	assert_string_equal(err.msg, "no branch 'feature'");
	assert_string_equal(got, "");
	error_clear(&err);
	assert_int_equal(repo_branch_commit(got, r, "bad..name", &err), -1);
	assert_string_equal(err.msg, "invalid branch name 'bad..name'");
	error_clear(&err);
	assert_int_equal(repo_resolve(got, r, "refs/remotes/origin/main",
	    &err), DD_ENOTFOUND);
	assert_string_equal(err.msg,
	    "unknown revision 'refs/remotes/origin/main'");
	repo_free(r);
	free(d);
}

static void
test_tags_peeled(void **state)
{
	char *d = make_repo("tags");
	char head[64], prev[64], tagobj[64], got[OID_HEXSZ + 1];
	struct repo *r;
	struct error err;

	(void)state;
	GIT(d, "tag", "light", "HEAD~1");
	GIT(d, "tag", "-a", "-m", "annotated", "v1.0");
	GIT(d, "-c", "advice.nestedTag=false", "tag", "-a", "-m",
	    "tag of a tag", "v1.0-again", "v1.0");
	GIT(d, "tag", "-a", "-m", "a tree", "treetag", "HEAD^{tree}");
	GIT(d, "tag", "blobtag", "HEAD:a.txt");
	GITOUT(head, d, "rev-parse", "HEAD");
	GITOUT(prev, d, "rev-parse", "HEAD~1");
	GITOUT(tagobj, d, "rev-parse", "v1.0");
	assert_string_not_equal(tagobj, head);
	r = open_ok(d);
	error_clear(&err);
	assert_int_equal(repo_tag_commit(got, r, "v1.0", &err), 0);
	assert_string_equal(got, head);
	assert_int_equal(repo_tag_commit(got, r, "v1.0-again", &err), 0);
	assert_string_equal(got, head);
	assert_int_equal(repo_tag_commit(got, r, "light", &err), 0);
	assert_string_equal(got, prev);
	assert_int_equal(repo_resolve(got, r, "refs/tags/v1.0", &err), 0);
	assert_string_equal(got, head);
	assert_int_equal(repo_peel_commit(got, r, tagobj, &err), 0);
	assert_string_equal(got, head);
	assert_rev(r, d, "v1.0");
	assert_rev(r, d, "light");
	assert_int_equal(repo_tag_commit(got, r, "treetag", &err), -1);
	assert_string_equal(err.msg,
	    "tag 'treetag' points at a tree, not a commit");
	error_clear(&err);
	assert_int_equal(repo_tag_commit(got, r, "blobtag", &err), -1);
	assert_string_equal(err.msg, "tag 'blobtag' is a blob, not a commit");
	error_clear(&err);
	assert_int_equal(repo_tag_commit(got, r, "v9", &err), DD_ENOTFOUND);
	assert_string_equal(err.msg, "no tag 'v9'");
	repo_free(r);
	free(d);
}

static void
test_resolve_revisions(void **state)
{
	char *d = make_repo("revs");
	char full[64], abbrev[16];
	struct repo *r;

	(void)state;
	GITOUT(full, d, "rev-parse", "HEAD~2");
	snprintf(abbrev, sizeof(abbrev), "%.9s", full);
	r = open_ok(d);
	assert_rev(r, d, "HEAD~1");
	assert_rev(r, d, "main^");
	assert_rev(r, d, "main~3");
	assert_rev(r, d, "HEAD^{commit}");
	assert_rev(r, d, full);
	assert_rev(r, d, abbrev);
	assert_rev(r, d, "refs/heads/main");
	repo_free(r);
	free(d);
}

static void
test_resolve_unknown(void **state)
{
	char *d = make_repo("unknown");
	char got[OID_HEXSZ + 1];
	struct repo *r;
	struct error err;

	(void)state;
	r = open_ok(d);
	error_clear(&err);
	assert_int_equal(repo_resolve(got, r, "nope", &err), DD_ENOTFOUND);
	assert_string_equal(err.msg, "unknown revision 'nope'");
	assert_string_equal(got, "");
	error_clear(&err);
	assert_int_equal(repo_resolve(got, r, "HEAD~9", &err), DD_ENOTFOUND);
	assert_string_equal(err.msg, "unknown revision 'HEAD~9'");
	/* user input is escaped: no raw control bytes reach a terminal */
	error_clear(&err);
	assert_int_equal(repo_resolve(got, r, "x\x1b[31my", &err), -1);
	assert_string_equal(err.msg, "invalid revision 'x\\x1b[31my'");
	repo_free(r);
	free(d);
}

static void
test_resolve_tree_blob_refused(void **state)
{
	char *d = make_repo("treeblob"), *want;
	char tree[64], got[OID_HEXSZ + 1];
	struct repo *r;
	struct error err;

	(void)state;
	GITOUT(tree, d, "rev-parse", "HEAD^{tree}");
	r = open_ok(d);
	error_clear(&err);
	assert_int_equal(repo_resolve(got, r, "HEAD^{tree}", &err), -1);
	assert_string_equal(err.msg,
	    "revision 'HEAD^{tree}' is a tree, not a commit");
	error_clear(&err);
	assert_int_equal(repo_resolve(got, r, "HEAD:a.txt", &err), -1);
	assert_string_equal(err.msg,
	    "revision 'HEAD:a.txt' is a blob, not a commit");
	error_clear(&err);
	assert_int_equal(repo_peel_commit(got, r, tree, &err), -1);
	want = xasprintf("object %s is a tree, not a commit", tree);
	assert_string_equal(err.msg, want);
	free(want);
	error_clear(&err);
	assert_int_equal(repo_peel_commit(got, r,
	    "00000000000000000000000000000000000000aa", &err), DD_ENOTFOUND);
	assert_string_equal(err.msg, "object 000000000000000000000000000000000"
	    "00000aa is not in the repository");
	error_clear(&err);
	assert_int_equal(repo_peel_commit(got, r, "xyz", &err), -1);
	assert_string_equal(err.msg, "invalid object id 'xyz'");
	repo_free(r);
	free(d);
}

static void
test_env_git_dir_dot_in_bare(void **state)
{
	char *d = make_repo("envsrc"), *b = xasprintf("%s/env.git", root);
	char cwd[PATH_MAX], want[64], got[OID_HEXSZ + 1];
	struct repo *r;
	struct error err;

	(void)state;
	GIT(root, "clone", "-q", "--bare", d, b);
	GITOUT(want, d, "rev-parse", "main");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(b), 0);
	setenv("GIT_DIR", ".", 1);
	r = open_ok(NULL);
	/* as in a hook that chdirs after opening: paths stay valid */
	assert_int_equal(chdir(cwd), 0);
	unsetenv("GIT_DIR");
	assert_path(repo_git_dir(r), b, "/");
	assert_null(repo_workdir(r));
	error_clear(&err);
	assert_int_equal(repo_branch_commit(got, r, "main", &err), 0);
	assert_string_equal(got, want);
	repo_free(r);
	free(b);
	free(d);
}

static void
test_env_discovers_from_cwd(void **state)
{
	char *d = make_repo("envcwd"), *web = xasprintf("%s/web", d);
	char *plain = tdir("envplain"), *want;
	char cwd[PATH_MAX];
	struct repo *r = NULL;
	struct error err;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(web), 0);
	r = open_ok(NULL);
	assert_path(repo_workdir(r), d, "/");
	repo_free(r);
	r = NULL;
	assert_int_equal(chdir(plain), 0);
	setenv("GIT_CEILING_DIRECTORIES", root, 1);
	error_clear(&err);
	assert_int_equal(repo_open(&r, NULL, &err), -1);
	unsetenv("GIT_CEILING_DIRECTORIES");
	assert_int_equal(chdir(cwd), 0);
	want = xasprintf("not a git repository: '%s'", plain);
	assert_string_equal(err.msg, want);
	assert_string_equal(err.hint,
	    "run it inside a git repository, or name one with -C DIR");
	free(want);
	free(plain);
	free(web);
	free(d);
}

static void
test_env_git_dir_and_work_tree(void **state)
{
	char *d = make_repo("envwt"), *wt = tdir("envwt-tree");
	char *gd = xasprintf("%s/.git", d), *hooks = xasprintf("%s/hk", wt);
	char cwd[PATH_MAX];
	struct repo *r = NULL;
	struct error err;

	(void)state;
	GIT(d, "config", "core.hooksPath", "hk");
	setenv("GIT_DIR", gd, 1);
	setenv("GIT_WORK_TREE", wt, 1);
	r = open_ok(NULL);
	assert_path(repo_git_dir(r), d, "/.git/");
	assert_path(repo_workdir(r), wt, "/");
	assert_hooks(r, hooks);
	assert_rev(r, d, "HEAD~1");
	repo_free(r);
	/* relative, against the cwd at open time */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(root), 0);
	setenv("GIT_WORK_TREE", "envwt-tree", 1);
	setenv("GIT_DIR", "envwt/.git", 1);
	r = open_ok(NULL);
	assert_int_equal(chdir(cwd), 0);
	assert_path(repo_workdir(r), wt, "/");
	assert_path(repo_git_dir(r), d, "/.git/");
	repo_free(r);
	/* GIT_COMMON_DIR: accepted when it agrees, else refused */
	setenv("GIT_DIR", gd, 1);
	setenv("GIT_COMMON_DIR", gd, 1);
	unsetenv("GIT_WORK_TREE");
	r = open_ok(NULL);
	repo_free(r);
	r = NULL;
	setenv("GIT_COMMON_DIR", wt, 1);
	error_clear(&err);
	assert_int_equal(repo_open(&r, NULL, &err), -1);
	assert_null(r);
	assert_non_null(strstr(err.msg, "cannot use GIT_COMMON_DIR"));
	unsetenv("GIT_COMMON_DIR");
	unsetenv("GIT_DIR");
	free(hooks);
	free(gd);
	free(wt);
	free(d);
}

static void
test_hooks_path(void **state)
{
	char *d = make_repo("hp"), *b = xasprintf("%s/hp.git", root);
	char *lw = xasprintf("%s/hp-lw", root), *want;
	struct passwd *pw;
	struct repo *r;

	(void)state;
	GIT(root, "clone", "-q", "--bare", d, b);
	GIT(d, "worktree", "add", "-q", "-b", "hplw", lw);
	r = open_ok(d);
	GIT(d, "config", "core.hooksPath", "/srv/hooks/");
	assert_hooks(r, "/srv/hooks");
	GIT(d, "config", "core.hooksPath", "myhooks");
	want = xasprintf("%s/myhooks", d);
	assert_hooks(r, want);
	free(want);
	assert_hooks_like_git(r, d, d);
	GIT(d, "config", "core.hooksPath", "~/gh");
	want = xasprintf("%s/gh", getenv("HOME"));
	assert_hooks(r, want);
	free(want);
	assert_hooks_like_git(r, d, d);
	if ((pw = getpwuid(getuid())) != NULL) {
		want = xasprintf("~%s/x", pw->pw_name);
		GIT(d, "config", "core.hooksPath", want);
		free(want);
		want = xasprintf("%s/x", pw->pw_dir);
		assert_hooks(r, want);
		free(want);
	}
	repo_free(r);
	/* a linked worktree: relative to its own top, like git */
	GIT(d, "config", "core.hooksPath", "myhooks");
	r = open_ok(lw);
	want = xasprintf("%s/myhooks", lw);
	assert_hooks(r, want);
	free(want);
	assert_hooks_like_git(r, lw, lw);
	repo_free(r);
	/* bare: relative to the git directory */
	r = open_ok(b);
	GIT(b, "config", "core.hooksPath", "hk");
	want = xasprintf("%s/hk", b);
	assert_hooks(r, want);
	free(want);
	assert_hooks_like_git(r, b, b);
	repo_free(r);
	free(lw);
	free(b);
	free(d);
}

static void
test_sha256_refused(void **state)
{
	char *d = tdir("sha256"), *want;
	char *b = xasprintf("%s/sha256.git", root);
	char *lw = xasprintf("%s/sha256-lw", root);
	char cwd[PATH_MAX];
	struct repo *r = NULL;
	struct error err;
	int rc;

	(void)state;
	GIT(d, "init", "-q", "--object-format=sha256");
	GIT(d, "commit", "-q", "--allow-empty", "-m", "x");
	error_clear(&err);
	assert_int_equal(repo_open(&r, d, &err), -1);
	assert_null(r);
	want = xasprintf("'%s/.git' is a sha256 repository; dotgit-deploy "
	    "(libgit2 1.5) supports sha1 repositories only", d);
	assert_string_equal(err.msg, want);
	free(want);
	/* a linked worktree of it, found through its commondir file */
	GIT(d, "worktree", "add", "-q", "-b", "w256", lw);
	error_clear(&err);
	assert_int_equal(repo_open(&r, lw, &err), -1);
	assert_non_null(strstr(err.msg, "is a sha256 repository"));
	/* the server side: GIT_DIR=. in a bare sha256 repository */
	GIT(root, "clone", "-q", "--bare", d, b);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(b), 0);
	setenv("GIT_DIR", ".", 1);
	error_clear(&err);
	rc = repo_open(&r, NULL, &err);
	unsetenv("GIT_DIR");
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, -1);
	assert_null(r);
	want = xasprintf("'%s' is a sha256 repository; dotgit-deploy "
	    "(libgit2 1.5) supports sha1 repositories only", b);
	assert_string_equal(err.msg, want);
	free(want);
	free(lw);
	free(b);
	free(d);
}

static int
changed(struct repo *r, const char *old, const char *new,
    const char *p1, const char *p2)
{
	char *paths[2];
	struct error err;
	size_t n = 0;
	int out = -1;

	if (p1 != NULL)
		paths[n++] = (char *)p1;
	if (p2 != NULL)
		paths[n++] = (char *)p2;
	error_clear(&err);
	if (repo_paths_changed(&out, r, old, new, paths, n, &err) < 0)
		fail_msg("paths_changed: %s", err.msg);
	return out;
}

static void
test_paths_changed(void **state)
{
	char *d = make_repo("paths");
	char c1[64], c2[64], c3[64], c4[64];
	const char *zero = "0000000000000000000000000000000000000000";
	char *bad[] = { (char *)":!web" };
	struct repo *r;
	struct error err;
	int out;

	(void)state;
	GITOUT(c1, d, "rev-parse", "HEAD~3");
	GITOUT(c2, d, "rev-parse", "HEAD~2");
	GITOUT(c3, d, "rev-parse", "HEAD~1");
	GITOUT(c4, d, "rev-parse", "HEAD");
	r = open_ok(d);
	/* c1 -> c2 changes web/index.html */
	assert_int_equal(changed(r, c1, c2, "web/", NULL), 1);
	assert_int_equal(changed(r, c1, c2, "web", NULL), 1);
	assert_int_equal(changed(r, c1, c2, "/web", NULL), 1);
	assert_int_equal(changed(r, c1, c2, "./web/", NULL), 1);
	assert_int_equal(changed(r, c1, c2, "web/index.html", NULL), 1);
	assert_int_equal(changed(r, c1, c2, "*.html", NULL), 1);
	assert_int_equal(changed(r, c1, c2, "README.md", NULL), 0);
	assert_int_equal(changed(r, c1, c2, "website", "docs/"), 0);
	assert_int_equal(changed(r, c1, c2, NULL, NULL), 1);
	assert_int_equal(changed(r, c1, c2, "/", NULL), 1);
	/* c2 -> c3 changes README.md only */
	assert_int_equal(changed(r, c2, c3, "web/", NULL), 0);
	assert_int_equal(changed(r, c2, c3, "web/", "README.md"), 1);
	/* c3 -> c4 changes website/x.txt: not under web */
	assert_int_equal(changed(r, c3, c4, "web", NULL), 0);
	assert_int_equal(changed(r, c3, c4, "web/", NULL), 0);
	assert_int_equal(changed(r, c3, c4, "web*", NULL), 1);
	/* a range as a whole, and nothing at all */
	assert_int_equal(changed(r, c1, c4, "web/", NULL), 1);
	assert_int_equal(changed(r, c4, c4, NULL, NULL), 0);
	/* a new branch: against the empty tree */
	assert_int_equal(changed(r, NULL, c1, "web/", NULL), 1);
	assert_int_equal(changed(r, zero, c1, "web/", NULL), 1);
	assert_int_equal(changed(r, NULL, c1, "nothere/", NULL), 0);
	error_clear(&err);
	assert_int_equal(repo_paths_changed(&out, r, c1, c2, bad, 1, &err),
	    -1);
	assert_string_equal(err.msg, "path filter ':!web': pathspec magic "
	    "(':!', ':(exclude)') is not supported");
	repo_free(r);
	free(d);
}

static void
test_commit_message(void **state)
{
	char *d = make_repo("msg"), *msg = NULL;
	char c2[64];
	struct repo *r;
	struct error err;

	(void)state;
	GITOUT(c2, d, "rev-parse", "HEAD~2");
	r = open_ok(d);
	error_clear(&err);
	assert_int_equal(repo_commit_message(&msg, r, c2, &err), 0);
	assert_string_equal(msg, "second\n\nbody line\n");
	free(msg);
	repo_free(r);
	free(d);
}

static void
test_config_get_set(void **state)
{
	char *d = make_repo("cfg"), *v = NULL;
	char out[256];
	struct repo *r;
	struct error err;

	(void)state;
	r = open_ok(d);
	error_clear(&err);
	assert_int_equal(repo_config_get(&v, r, "dotgit-deploy.url", &err), 0);
	assert_null(v);
	assert_int_equal(repo_config_set(r, "dotgit-deploy.url",
	    "https://x/v1", &err), 0);
	assert_int_equal(repo_config_get(&v, r, "dotgit-deploy.url", &err), 0);
	assert_string_equal(v, "https://x/v1");
	free(v);
	GITOUT(out, d, "config", "--get", "dotgit-deploy.url");
	assert_string_equal(out, "https://x/v1");
	/* a change made by git is seen by the next get */
	GIT(d, "config", "receive.advertisePushOptions", "true");
	assert_int_equal(repo_config_get(&v, r, "receive.advertisePushOptions",
	    &err), 0);
	assert_string_equal(v, "true");
	free(v);
	assert_int_equal(repo_config_get(&v, r, "nodot", &err), -1);
	assert_null(v);
	assert_non_null(strstr(err.msg, "reading git config 'nodot': "));
	repo_free(r);
	free(d);
}

static void
test_oid_helpers(void **state)
{
	(void)state;
	assert_true(repo_oid_valid(HEX20 "0123456789abcdefABCD"));
	assert_true(repo_oid_valid(HEX20 HEX20));
	assert_false(repo_oid_valid(HEX20));
	assert_false(repo_oid_valid(HEX20 HEX20 "0"));
	assert_false(repo_oid_valid(HEX20 "g123456789abcdefABCD"));
	assert_true(repo_oid_is_zero(ZERO20 ZERO20));
	assert_false(repo_oid_is_zero(ZERO20 "00000000000000000001"));
	assert_false(repo_oid_is_zero("000"));
	repo_free(NULL);
}

static int
group_setup(void **state)
{
	static const char *drop[] = { "GIT_DIR", "GIT_WORK_TREE",
	    "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
	    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE",
	    "GIT_CEILING_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_GLOBAL",
	    "GIT_CONFIG_COUNT", "GIT_DISCOVERY_ACROSS_FILESYSTEM",
	    "GIT_PREFIX", "XDG_CONFIG_HOME", NULL };
	char tmpl[] = "/tmp/test_repo.XXXXXX", *home;
	size_t i;

	(void)state;
	if (mkdtemp(tmpl) == NULL || realpath(tmpl, root) == NULL)
		return -1;
	for (i = 0; drop[i] != NULL; i++)
		unsetenv(drop[i]);
	home = xasprintf("%s/home", root);
	if (mkdir(home, 0700) < 0)
		return -1;
	setenv("HOME", home, 1);
	free(home);
	unit_git_identity();
	setenv("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z", 1);
	setenv("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z", 1);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return unit_rm_rf(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_nonbare),
		cmocka_unit_test(test_open_bare),
		cmocka_unit_test(test_open_linked_worktree),
		cmocka_unit_test(test_not_a_repository),
		cmocka_unit_test(test_detached_head),
		cmocka_unit_test(test_unborn_branch),
		cmocka_unit_test(test_branch_with_slash),
		cmocka_unit_test(test_tags_peeled),
		cmocka_unit_test(test_resolve_revisions),
		cmocka_unit_test(test_resolve_unknown),
		cmocka_unit_test(test_resolve_tree_blob_refused),
		cmocka_unit_test(test_env_git_dir_dot_in_bare),
		cmocka_unit_test(test_env_discovers_from_cwd),
		cmocka_unit_test(test_env_git_dir_and_work_tree),
		cmocka_unit_test(test_hooks_path),
		cmocka_unit_test(test_sha256_refused),
		cmocka_unit_test(test_paths_changed),
		cmocka_unit_test(test_commit_message),
		cmocka_unit_test(test_config_get_set),
		cmocka_unit_test(test_oid_helpers),
	};

	return cmocka_run_group_tests_name("repo", tests, group_setup,
	    group_teardown);
}
