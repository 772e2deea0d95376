/* SPDX-License-Identifier: ISC */
/*
 * dl-git2.h -- libgit2, loaded on first use (part of repo.c; lazylib.h)
 *
 * One list: each libgit2 function repo.c calls is named once in
 * DL_GIT2_FUNCS, which declares a pointer sym_<name> of the function's
 * own type; repo.c calls sym_git_...(), filled by dl_git2_load(), which
 * repo_open() calls first. A new libgit2 function: add it to the list.
 * (The model: systemd's dlfcn-util.h, DLSYM_PROTOTYPE.)
 */
#ifndef DD_DL_GIT2_H
#define DD_DL_GIT2_H

#include "error.h"

#define DL_GIT2_FUNCS(X) \
	X(git_buf_dispose) \
	X(git_commit_free) \
	X(git_commit_id) \
	X(git_commit_message) \
	X(git_commit_tree) \
	X(git_config_delete_multivar) \
	X(git_config_free) \
	X(git_config_get_string) \
	X(git_config_get_string_buf) \
	X(git_config_iterator_free) \
	X(git_config_multivar_iterator_new) \
	X(git_config_next) \
	X(git_config_open_level) \
	X(git_config_open_ondisk) \
	X(git_config_set_string) \
	X(git_diff_free) \
	X(git_diff_num_deltas) \
	X(git_diff_options_init) \
	X(git_diff_tree_to_tree) \
	X(git_error_clear) \
	X(git_error_last) \
	X(git_graph_descendant_of) \
	X(git_libgit2_init) \
	X(git_libgit2_opts) \
	X(git_libgit2_shutdown) \
	X(git_object_free) \
	X(git_object_lookup) \
	X(git_object_peel) \
	X(git_object_short_id) \
	X(git_object_type) \
	X(git_object_type2string) \
	X(git_oid_equal) \
	X(git_oid_fromstr) \
	X(git_oid_tostr) \
	X(git_reference_free) \
	X(git_reference_is_branch) \
	X(git_reference_iterator_free) \
	X(git_reference_iterator_new) \
	X(git_reference_lookup) \
	X(git_reference_name) \
	X(git_reference_next) \
	X(git_reference_owner) \
	X(git_reference_resolve) \
	X(git_reference_symbolic_target) \
	X(git_reference_target) \
	X(git_reflog_entry_byindex) \
	X(git_reflog_entry_message) \
	X(git_reflog_free) \
	X(git_reflog_read) \
	X(git_repository_commondir) \
	X(git_repository_config) \
	X(git_repository_config_snapshot) \
	X(git_repository_discover) \
	X(git_repository_free) \
	X(git_repository_head) \
	X(git_repository_head_detached) \
	X(git_repository_open_ext) \
	X(git_repository_path) \
	X(git_repository_set_workdir) \
	X(git_repository_workdir) \
	X(git_revparse_single) \
	X(git_tag_peel) \
	X(git_tree_free) \
	/* end */

#define DL_GIT2_PROTO(f)	extern __typeof__(f) *sym_##f;
DL_GIT2_FUNCS(DL_GIT2_PROTO)
#undef DL_GIT2_PROTO

/* Load libgit2 (DL_GIT2_SONAME) if not yet: 0, or -1 with err filled. */
int	dl_git2_load(struct error *);

#endif
