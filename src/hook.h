/* SPDX-License-Identifier: ISC */
/* hook.h -- what the installed git hooks run */
#ifndef DD_HOOK_H
#define DD_HOOK_H

#include <stddef.h>

#include "ctx.h"
#include "error.h"
#include "plan.h"

/* A hook this binary replaced keeps running, renamed to this suffix. */
#define HOOK_CHAINED_SUFFIX ".dotgit-deploy-chained"
/* The most hook input we read (10 000 refs of 4 KB names fit). */
#define HOOK_MAX_INPUT (64u << 20)

/* The name a push is told for a ref: a branch's short name, else the
 * whole ref; escaped, allocated. */
char	*hook_ref_label(const char *ref);
/* The directory holding hook `name` as git ran it: argv[0]'s, else the
 * repository's hooks directory (opening it); NULL if unknown. */
char	*hook_dir_of(struct ctx *, const char *name);

/* Read all of fd into *out (NUL-terminated, *len without it). */
int	hook_read_input(char **out, size_t *len, int fd, struct error *);
/*
 * Run <hooks_dir>/<name>.dotgit-deploy-chained, if it exists and is
 * executable, with argv args and `input` on its stdin; its output goes
 * where ours goes. *status = its exit status (0 when there is none).
 */
int	hook_run_chained(int *status, const char *hooks_dir, const char *name,
	    char *const *args, const char *input, size_t len, struct error *);
/* Parse every line; bad lines are reported (a few) and skipped. */
void	hook_parse_updates(struct ref_update **out, size_t *n,
	    const char *input, size_t len);
void	hook_updates_free(struct ref_update *, size_t);
/*
 * Plan the updates and hand every job over (queue or API, per config),
 * printing one line per ref. Returns the number of refs that failed.
 */
int	hook_deliver(const struct config *, struct repo *,
	    const struct ref_update *, size_t, const struct push_options *);

/* On SIGALRM (armed with alarm() around deliveries in direct mode), say
 * the time budget is used up and exit at once: git is never held. */
void	hook_watchdog(void);

int	hook_post_receive(struct ctx *, int, char **, struct error *);

#endif
