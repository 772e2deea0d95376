/* SPDX-License-Identifier: ISC */
/* hooks.h -- the git hooks this binary is installed as, in one table */
#ifndef DD_HOOKS_H
#define DD_HOOKS_H

#include "ctx.h"
#include "error.h"

/*
 * The git hooks this binary is installed as, in one table: their names
 * (install-hook links them, main dispatches on the name it was run as),
 * the side that installs them and what runs them. HOOK_COUNT entries.
 */
enum hook_side {
	HOOK_SERVER,		/* a bare repository people push to */
	HOOK_CLIENT,		/* a developer's clone */
};
struct hook_kind {
	const char	*name;
	enum hook_side	 side;
	/* 0, -1 with the error, or the chained hook's exit status */
	int		(*run)(struct ctx *, int, char **, struct error *);
};
#define HOOK_COUNT	3
extern const struct hook_kind hook_kinds[HOOK_COUNT];
/* Its index in hook_kinds, or -1. */
int	hook_kind_find(const char *name);

#endif
