/* SPDX-License-Identifier: ISC */
/* notify.h -- [notify] command: told of each deployment's final status */
#ifndef DD_NOTIFY_H
#define DD_NOTIFY_H

#include "config.h"
#include "job.h"

/*
 * The [notify] command runs, without a shell, for each final status its
 * `on` names (error and canceled by default), with the deployment in its
 * environment:
 *	DOTGIT_DEPLOY_ID, _STATUS, _PROJECT, _ENVIRONMENT, _BRANCH,
 *	_COMMIT, _URL, _REPOSITORY (and _PROJECT_KEY in a monorepo)
 * and never the API key (child.h). Its stdin is /dev/null, its output
 * goes where ours goes (the journal, for the daemon). It may take
 * [notify] timeout seconds; then it is killed. Nothing waits for it:
 * notify_reap collects the ones that ended.
 */
struct notifier;

void	notify_init(struct notifier **out);
/* Kill what still runs and collect it. */
void	notify_free(struct notifier *);
/* Start the command for job (job->status final) if [notify] asks. */
void	notify_start(struct notifier *, const struct config *,
	    const struct job *);
/* Collect what ended, kill what ran too long; the seconds until the
 * next deadline, or -1 when nothing runs. */
double	notify_reap(struct notifier *);

#endif
