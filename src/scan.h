/* SPDX-License-Identifier: ISC */
/* scan.h -- the daemon's look at polled repositories */
#ifndef DD_SCAN_H
#define DD_SCAN_H

#include "config.h"
#include "served.h"

struct ledger;
struct queue;
struct worker;

/* What a look needs from the daemon. */
struct scan {
	struct ledger	*ledger;	/* last seen of every ref */
	struct queue	*queue;		/* where jobs go */
	struct worker	*worker;	/* its open repositories */
	/* the configuration the repository's jobs are planned with; NULL
	 * (said) to look again next time */
	const struct config *(*config)(void *arg, const struct served_repo *);
	void		*arg;
};

/* Queue what moved in a polled repository since the last look; a hooked
 * one is not polled (and starts afresh if it is polled again). */
void	scan_repo(struct scan *, const struct served_repo *);

#endif
