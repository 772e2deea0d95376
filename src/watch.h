/* SPDX-License-Identifier: ISC */
/* watch.h -- a detached process that outlives the hook, and what it asks */
#ifndef DD_WATCH_H
#define DD_WATCH_H

#include <stddef.h>

#include "error.h"
#include "repo.h"

/*
 * Run argv[0] with argv fully detached from git: double fork, setsid,
 * stdin from /dev/null, stdout and stderr appended to log_path (or
 * /dev/null), every other descriptor closed. Returns once the
 * intermediate child is reaped; the grandchild is nobody's to wait for.
 */
int	watch_spawn(char *const argv[], const char *log_path, struct error *);

/* Wait until process pid, started at `start` (proc_start), is
 * gone: 0, or -1 when max_seconds passed first. */
int	watch_wait_exit(long pid, unsigned long long start, int max_seconds);

/*
 * `git ls-remote -- URL REF...` (argv, no shell; no prompts): oids[i] is
 * the id the remote has for refs[i] (exact name), "" when it has none.
 */
int	watch_ls_remote(char (*oids)[OID_HEXSZ + 1], const char *url,
	    char *const *refs, size_t n, int timeout, struct error *);

#endif
