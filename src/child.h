/* SPDX-License-Identifier: ISC */
/* child.h -- the environment of every process we start */
#ifndef DD_CHILD_H
#define DD_CHILD_H

#include <stddef.h>

/* The variable the key may come from: no child ever sees it. */
#define CHILD_KEY_VAR	"DOTGIT_API_KEY"

/*
 * The environment for a child process (a chained hook, git, and what
 * git starts: ssh, a credential helper): ours without CHILD_KEY_VAR and
 * without the variables named in drop (a NULL-terminated list of names,
 * or NULL), with room for `extra` more entries before the final NULL.
 * The array is allocated (free it); its strings are environ's.
 *
 * The one child that keeps the key is the client's detached post-push
 * watcher (watch_spawn): it is this program, and it deploys.
 */
char	**child_env(const char *const *drop, size_t extra);

#endif
