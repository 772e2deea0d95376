/* SPDX-License-Identifier: ISC */
/*
 * dl-git2.h -- libgit2, loaded on first use (part of repo.c; lazylib.h)
 *
 * repo.c includes this after <git2.h>: each git_* it calls goes through
 * dl_git2, filled by dl_git2_load(), which repo_open() calls first. A call
 * site reads as before. A new libgit2 function: add it to DL_GIT2_FUNCS
 * and give it its #define below.
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

#define DL_GIT2_PTR(f)	__typeof__(f) *f;
struct dl_git2 {
	DL_GIT2_FUNCS(DL_GIT2_PTR)
};
#undef DL_GIT2_PTR

extern struct dl_git2 dl_git2;

/* Load libgit2 (DL_GIT2_SONAME) if not yet: 0, or -1 with err filled. */
int	dl_git2_load(struct error *);

#ifndef DL_GIT2_IMPL
#define git_buf_dispose			(*dl_git2.git_buf_dispose)
#define git_commit_free			(*dl_git2.git_commit_free)
#define git_commit_id			(*dl_git2.git_commit_id)
#define git_commit_message		(*dl_git2.git_commit_message)
#define git_commit_tree			(*dl_git2.git_commit_tree)
#define git_config_delete_multivar	(*dl_git2.git_config_delete_multivar)
#define git_config_free			(*dl_git2.git_config_free)
#define git_config_get_string		(*dl_git2.git_config_get_string)
#define git_config_get_string_buf	(*dl_git2.git_config_get_string_buf)
#define git_config_iterator_free	(*dl_git2.git_config_iterator_free)
#define git_config_multivar_iterator_new \
	(*dl_git2.git_config_multivar_iterator_new)
#define git_config_next			(*dl_git2.git_config_next)
#define git_config_open_level		(*dl_git2.git_config_open_level)
#define git_config_open_ondisk		(*dl_git2.git_config_open_ondisk)
#define git_config_set_string		(*dl_git2.git_config_set_string)
#define git_diff_free			(*dl_git2.git_diff_free)
#define git_diff_num_deltas		(*dl_git2.git_diff_num_deltas)
#define git_diff_options_init		(*dl_git2.git_diff_options_init)
#define git_diff_tree_to_tree		(*dl_git2.git_diff_tree_to_tree)
#define git_error_clear			(*dl_git2.git_error_clear)
#define git_error_last			(*dl_git2.git_error_last)
#define git_graph_descendant_of		(*dl_git2.git_graph_descendant_of)
#define git_libgit2_init		(*dl_git2.git_libgit2_init)
#define git_libgit2_opts		(*dl_git2.git_libgit2_opts)
#define git_libgit2_shutdown		(*dl_git2.git_libgit2_shutdown)
#define git_object_free			(*dl_git2.git_object_free)
#define git_object_lookup		(*dl_git2.git_object_lookup)
#define git_object_peel			(*dl_git2.git_object_peel)
#define git_object_short_id		(*dl_git2.git_object_short_id)
#define git_object_type			(*dl_git2.git_object_type)
#define git_object_type2string		(*dl_git2.git_object_type2string)
#define git_oid_equal			(*dl_git2.git_oid_equal)
#define git_oid_fromstr			(*dl_git2.git_oid_fromstr)
#define git_oid_tostr			(*dl_git2.git_oid_tostr)
#define git_reference_free		(*dl_git2.git_reference_free)
#define git_reference_is_branch		(*dl_git2.git_reference_is_branch)
#define git_reference_iterator_free	(*dl_git2.git_reference_iterator_free)
#define git_reference_iterator_new	(*dl_git2.git_reference_iterator_new)
#define git_reference_lookup		(*dl_git2.git_reference_lookup)
#define git_reference_name		(*dl_git2.git_reference_name)
#define git_reference_next		(*dl_git2.git_reference_next)
#define git_reference_owner		(*dl_git2.git_reference_owner)
#define git_reference_resolve		(*dl_git2.git_reference_resolve)
#define git_reference_symbolic_target	(*dl_git2.git_reference_symbolic_target)
#define git_reference_target		(*dl_git2.git_reference_target)
#define git_reflog_entry_byindex	(*dl_git2.git_reflog_entry_byindex)
#define git_reflog_entry_message	(*dl_git2.git_reflog_entry_message)
#define git_reflog_free			(*dl_git2.git_reflog_free)
#define git_reflog_read			(*dl_git2.git_reflog_read)
#define git_repository_commondir	(*dl_git2.git_repository_commondir)
#define git_repository_config		(*dl_git2.git_repository_config)
#define git_repository_config_snapshot \
	(*dl_git2.git_repository_config_snapshot)
#define git_repository_discover		(*dl_git2.git_repository_discover)
#define git_repository_free		(*dl_git2.git_repository_free)
#define git_repository_head		(*dl_git2.git_repository_head)
#define git_repository_head_detached	(*dl_git2.git_repository_head_detached)
#define git_repository_open_ext		(*dl_git2.git_repository_open_ext)
#define git_repository_path		(*dl_git2.git_repository_path)
#define git_repository_set_workdir	(*dl_git2.git_repository_set_workdir)
#define git_repository_workdir		(*dl_git2.git_repository_workdir)
#define git_revparse_single		(*dl_git2.git_revparse_single)
#define git_tag_peel			(*dl_git2.git_tag_peel)
#define git_tree_free			(*dl_git2.git_tree_free)
#endif

#endif
