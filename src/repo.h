/* SPDX-License-Identifier: ISC */
/* repo.h -- the repository, through libgit2 (only repo.c includes git2.h) */
#ifndef DD_REPO_H
#define DD_REPO_H

#include <stddef.h>

#include "error.h"

#define OID_HEXSZ 40

struct repo;

/*
 * Open the repository like git does.
 * - `dir` not NULL (the -C option): discover upward from dir, like
 *   `git -C DIR` (bare or not, linked worktrees through their .git file,
 *   GIT_CEILING_DIRECTORIES honored); GIT_DIR and GIT_WORK_TREE are ignored.
 * - `dir` NULL: from the environment as inside a hook (GIT_DIR, also
 *   relative such as `.`, resolved against the cwd now: open before any
 *   chdir; GIT_WORK_TREE; GIT_CEILING_DIRECTORIES ...), else discover
 *   from the cwd. With GIT_WORK_TREE or GIT_COMMON_DIR set, GIT_DIR is
 *   opened as is and GIT_OBJECT_DIRECTORY, GIT_NAMESPACE and friends are
 *   not applied (libgit2 1.5 cannot combine them); a GIT_COMMON_DIR other
 *   than the one GIT_DIR names is refused.
 * A sha256 repository is refused: "'<git dir>' is a sha256 repository; ...".
 * Not a repository: "not a git repository: '<dir>'" with a hint.
 */
int	repo_open(struct repo **out, const char *dir, struct error *);
/* Close; NULL is a no-op. */
void	repo_free(struct repo *);
/*
 * From now on open repositories whoever owns them. libgit2, like git,
 * refuses a repository owned by another user unless safe.directory says
 * otherwise; the daemon, which serves other users' repositories, opens
 * only those [daemon] repos lists -- its safe.directory.
 */
void	repo_trust_owners(void);

/* Absolute path of the git directory, with trailing '/' (for a linked
 * worktree: .git/worktrees/<name>/). */
const char *repo_git_dir(const struct repo *);
/* Absolute path of the common git directory (equal to repo_git_dir but in
 * a linked worktree, where it is the main repository's), trailing '/'. */
const char *repo_common_dir(const struct repo *);
/* Absolute path of the work tree with trailing '/', or NULL when bare. */
const char *repo_workdir(const struct repo *);
/* The common dir of git dir `gd`, without opening it (no libgit2): a
 * linked worktree's names it in its "commondir" file, relative to gd or
 * absolute; else gd. No trailing '/'. Allocated. */
char	*repo_common_dir_of(const char *gd);
/*
 * Directory that holds hooks, absolute, no trailing '/'; allocated.
 * core.hooksPath wins when set: absolute, `~/` or `~user/` expanded, or
 * relative -- to the top of the work tree (the linked worktree's own top)
 * when there is one, else to the git directory, which is where git 2.39
 * runs hooks and so where it looks for them. Default <common dir>/hooks:
 * linked worktrees share the main repository's hooks.
 */
int	repo_hooks_dir(char **out, struct repo *, struct error *);
/* A git config value (from a snapshot of all levels); *out NULL if unset.
 * Allocated. */
int	repo_config_get(char **out, struct repo *, const char *key,
	    struct error *);
/* Write key = value to the repository's own config (.git/config; the
 * common one for a linked worktree). */
int	repo_config_set(struct repo *, const char *key, const char *value,
	    struct error *);

/*
 * Short name of the current branch (`feature/x`); allocated. Errors:
 * "HEAD is detached at <short sha>; name a branch: dotgit-deploy deploy
 * BRANCH" and "branch '<name>' has no commits yet".
 */
int	repo_current_branch(char **out, struct repo *, struct error *);
/* The commit that refs/heads/<branch> points at ("no branch 'x'",
 * DD_ENOTFOUND, when missing). */
int	repo_branch_commit(char out[OID_HEXSZ + 1], struct repo *,
	    const char *branch, struct error *);
/* The commit that refs/tags/<tag> points at (annotated tags peeled;
 * "no tag 'x'", DD_ENOTFOUND, when missing). */
int	repo_tag_commit(char out[OID_HEXSZ + 1], struct repo *,
	    const char *tag, struct error *);
/* Any revision (sha, abbreviated sha, ref, HEAD~2, v1.0) peeled to its
 * commit. Unknown: "unknown revision 'x'" (DD_ENOTFOUND); ambiguous, or
 * naming a tree or blob: an error naming the revision. */
int	repo_resolve(char out[OID_HEXSZ + 1], struct repo *, const char *rev,
	    struct error *);
/* The commit an object id (40 hex: a commit, or a tag of one such as an
 * annotated tag's pushed id) stands for; DD_ENOTFOUND when the object is
 * not in the repository, an error for a tree or blob. */
int	repo_peel_commit(char out[OID_HEXSZ + 1], struct repo *,
	    const char *hex, struct error *);
/*
 * Whether the ref `fullref` (refs/heads/x, refs/tags/x) holds the pushed
 * object `hex`: a tag must point at exactly that object; a branch at the
 * commit it stands for or at a descendant of it. *out = 1 or 0.
 * DD_ENOTFOUND (err filled) when the ref or the object does not exist.
 */
int	repo_ref_holds(int *out, struct repo *, const char *fullref,
	    const char *hex, struct error *);
/* Full commit message of a commit (or of the commit a tag id peels to);
 * allocated. */
int	repo_commit_message(char **out, struct repo *, const char *hex,
	    struct error *);
/*
 * *out = 1 if the trees of `old_hex` and `new_hex` (commits, or tags of
 * commits) differ under any of `paths`, else 0. `old_hex` NULL or all
 * zeros means the empty tree (a new branch: every file counts as added).
 * npaths 0 means any difference counts.
 * Path semantics, relative to the top of the tree, '/' separated:
 * - each entry is a prefix that ends at a '/': `web/` and `web` both match
 *   everything under web/ (and a file named web), not `website/`;
 *   `README.md` matches that file; leading `/` and `./` are ignored.
 * - a glob (`*`, `?`, `[...]`) is matched by libgit2's fnmatch, where `*`
 *   also crosses '/': `*.c` matches src/m.c, and `web/` followed by
 *   `*.css` (one entry) matches web/a/b.css.
 * - no exclusions: git's `:!x` / `:(exclude)x` magic is not supported and
 *   is refused with an error.
 */
int	repo_paths_changed(int *out, struct repo *, const char *old_hex,
	    const char *new_hex, char *const *paths, size_t npaths,
	    struct error *);

/* A branch or tag and the object it points at (for an annotated tag,
 * the tag object: what a push of it would carry). */
struct repo_ref {
	char	*name;			/* full: refs/heads/main */
	char	 oid[OID_HEXSZ + 1];
};

/* Every ref under refs/heads/ and refs/tags/ (symbolic ones resolved),
 * sorted by name; *out allocated (repo_refs_free). */
int	repo_list_refs(struct repo_ref **out, size_t *n, struct repo *,
	    struct error *);
void	repo_refs_free(struct repo_ref *, size_t);

/* 1 if hex is 40 hex digits (lower or upper case). */
int	repo_oid_valid(const char *);
/* 1 if hex is 40 zeros. */
int	repo_oid_is_zero(const char *);

/* -- for the hooks (install.c, client.c) -- */

/* Message of the newest reflog entry of a full ref name (allocated);
 * *out NULL when the ref has no reflog. */
int	repo_reflog_message(char **out, struct repo *, const char *ref,
	    struct error *);
/* Every value of a multi-valued key, in git's order (system, global,
 * local); *out allocated (free each and the array), *n 0 when unset. */
int	repo_config_get_all(char ***out, size_t *n, struct repo *,
	    const char *key, struct error *);
/* The value in the repository's own config file only; *out NULL when
 * that file does not set it. */
int	repo_config_get_local(char **out, struct repo *, const char *key,
	    struct error *);
/* Remove a key from the repository's own config file (all its values);
 * not an error when it is not there. */
int	repo_config_unset(struct repo *, const char *key, struct error *);

#endif
