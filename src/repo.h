/* repo.h -- the repository, through libgit2 (only repo.c includes git2.h) */
#ifndef DD_REPO_H
#define DD_REPO_H

#include <stddef.h>

#include "error.h"

#define OID_HEXSZ 40

struct repo;

/*
 * Open the repository like git does: from `dir` (-C) when not NULL, else
 * from the environment (GIT_DIR, GIT_WORK_TREE, ... as set inside a hook)
 * or the current directory, bare or not, worktrees included. A sha256
 * repository is refused with a clear message.
 */
int	repo_open(struct repo **out, const char *dir, struct error *);
void	repo_free(struct repo *);

/* Absolute path of the git directory (with trailing '/'). */
const char *repo_git_dir(const struct repo *);
/* Absolute path of the work tree, or NULL for a bare repository. */
const char *repo_workdir(const struct repo *);
/* Directory that holds hooks, honoring core.hooksPath; allocated. */
int	repo_hooks_dir(char **out, struct repo *, struct error *);
/* A git config value (snapshot); *out NULL if unset. */
int	repo_config_get(char **out, struct repo *, const char *key,
	    struct error *);
int	repo_config_set(struct repo *, const char *key, const char *value,
	    struct error *);

/* Short name of the current branch; errors on detached HEAD / unborn. */
int	repo_current_branch(char **out, struct repo *, struct error *);
/* The commit that refs/heads/<branch> points at. */
int	repo_branch_commit(char out[OID_HEXSZ + 1], struct repo *,
	    const char *branch, struct error *);
/* The commit that refs/tags/<tag> points at (annotated tags peeled). */
int	repo_tag_commit(char out[OID_HEXSZ + 1], struct repo *,
	    const char *tag, struct error *);
/* Any revision (sha, ref, HEAD~2, v1.0) peeled to its commit. */
int	repo_resolve(char out[OID_HEXSZ + 1], struct repo *, const char *rev,
	    struct error *);
/* Full commit message of a commit; allocated. */
int	repo_commit_message(char **out, struct repo *, const char *hex,
	    struct error *);
/* *out = 1 if the trees of `old_hex` (NULL: empty tree) and `new_hex`
 * differ under any of paths (prefixes of directories or files). */
int	repo_paths_changed(int *out, struct repo *, const char *old_hex,
	    const char *new_hex, char *const *paths, size_t npaths,
	    struct error *);

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
