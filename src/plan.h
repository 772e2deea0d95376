/* SPDX-License-Identifier: ISC */
/* plan.h -- ref updates + config + repository -> jobs, or reasons */
#ifndef DD_PLAN_H
#define DD_PLAN_H

#include <stddef.h>

#include "config.h"
#include "error.h"
#include "job.h"
#include "repo.h"
#include "vars.h"

/* What git gives a hook: <old> <new> <ref>. */
struct ref_update {
	char	 old[OID_HEXSZ + 1];
	char	 new[OID_HEXSZ + 1];
	char	*ref;
};

/*
 * Per-push (git push -o) or per-command (--environment, --set) control,
 * and which request this is: one push, one `deploy` run, one watched
 * change (plan_push_options_init makes a new random request id).
 */
struct push_options {
	enum job_source	 source;
	char		 request[JOB_REQUEST_HEXSZ + 1];
	int		 skip_all;	/* deploy.skip */
	char		**skip;		/* deploy.skip=BRANCH */
	size_t		 nskip;
	struct vars	 env;		/* deploy.env.KEY=VALUE, --set */
	char		*environment;	/* deploy.environment=ENV */
	int		 verbose;	/* deploy.verbose: say why not too */
	char		*invalid;	/* first invalid option, explained */
	unsigned	 used;		/* CONFIG_OPT_* of the options given */
	char		**raw;		/* the deploy.* options as given */
	size_t		 nraw;
	char		**only;		/* deploy.project=NAME: just these */
	size_t		 nonly;
};

/* Empty options for a new request from `source` (a random id). */
void	plan_push_options_init(struct push_options *, enum job_source);
/* Add one "deploy.*" push option; other namespaces are ignored. An invalid
 * deploy.* option is recorded in opts->invalid (the push then deploys
 * nothing, and says why). */
void	plan_push_option(struct push_options *, const char *);
/* Read GIT_PUSH_OPTION_COUNT / GIT_PUSH_OPTION_<n>. */
void	plan_push_options_from_env(struct push_options *);
void	plan_push_options_release(struct push_options *);

enum plan_verdict {
	PLAN_DEPLOY,
	PLAN_SKIP,	/* nothing to do, and that is fine */
	PLAN_ERROR,	/* nothing deployed because something is wrong */
};

struct plan {
	enum plan_verdict	 verdict;
	char			*reason;	/* for SKIP and ERROR */
	const struct rule	*rule;		/* NULL if unmapped */
	struct job		 job;		/* valid for PLAN_DEPLOY */
};

enum {
	PLAN_EXPLICIT = 1 << 0,	/* a person asked: ignore [skip deploy],
				   allow --environment for unmapped refs */
};

/*
 * A repository deploys one project ([project]) or several ([project
 * "NAME"]s, a monorepo): each ref update is planned for each of them,
 * project 0 .. plan_nprojects - 1. A rule with `projects = ...` is for
 * those only, and deploy.project=NAME limits a push to the ones named:
 * for the others the verdict is PLAN_SKIP with no rule (quiet). A
 * project's own paths are its path filter (else the rule's).
 */
size_t	plan_nprojects(const struct config *);
/* The NAME of [project "NAME"] k, or NULL for the one [project]. */
const char *plan_project_key(const struct config *, size_t k);

/* Decide what one ref update means for project k, for the request opts
 * names. Never fails: problems become PLAN_ERROR with a reason. */
void	plan_update(struct plan *out, const struct config *, struct repo *,
	    const struct ref_update *, const struct push_options *, int flags,
	    size_t k);
/*
 * The same without reading any object, for the hook in queue mode (no
 * repository opened): ref, options, rules and environment only. A
 * PLAN_DEPLOY job has commit = the pushed id (not peeled) and repo =
 * git_dir (absolute, with a trailing '/', like repo_git_dir): the daemon
 * plans the claim again before anything is sent (plan_claim).
 */
void	plan_update_deferred(struct plan *out, const struct config *,
	    const char *git_dir, const struct ref_update *,
	    const struct push_options *, size_t k);
/*
 * Plan a job read from the queue -- a claim that a ref moved -- with this
 * configuration, in the repository it names (open: `repo`), believing
 * only the claim: ref, old and new ids, push options (as the policy
 * allows), request id and source. Besides what plan_update checks, the
 * ref must still contain the pushed commit (a branch: at it or past it;
 * a tag: at it): a claim about a commit the ref never had is an error.
 * The claim names its project (project_key): it must be one of the
 * configuration's. The worker state (id, attempts, times, last error,
 * deployment id)
 * is carried over to out->job whenever it was planned (out->job.ref set),
 * whatever the verdict.
 */
void	plan_claim(struct plan *out, const struct config *, struct repo *,
	    const struct job *claim);
void	plan_release(struct plan *);

/* Parse one "<old> <new> <ref>" line (no newline); -1 with a reason. */
int	plan_parse_line(struct ref_update *out, const char *line, size_t len,
	    struct error *);
void	plan_update_release(struct ref_update *);

#endif
