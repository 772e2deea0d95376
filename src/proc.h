/* SPDX-License-Identifier: ISC */
/* proc.h -- what /proc says of a process */
#ifndef DD_PROC_H
#define DD_PROC_H

#include <stddef.h>

/* Start time of a process (clock ticks after boot) and its parent's pid;
 * 0 if it is gone (or a zombie). ppid may be NULL. With the pid, the
 * start time names a process: a pid alone may be reused. */
unsigned long long proc_start(long pid, long *ppid);
/* The NUL-separated command line of a process (allocated, at most
 * 1 MiB), or NULL. */
char	*proc_cmdline(long pid, size_t *len);

#endif
