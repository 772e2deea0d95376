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

/* Per-push (git push -o) or per-command (--environment, --set) control. */
struct push_options {
	int		 skip_all;	/* deploy.skip */
	char		**skip;		/* deploy.skip=BRANCH */
	size_t		 nskip;
	struct vars	 env;		/* deploy.env.KEY=VALUE, --set */
	char		*environment;	/* deploy.environment=ENV */
	int		 verbose;	/* deploy.verbose: say why not too */
	char		*invalid;	/* first invalid option, explained */
};

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

/* Decide what one ref update means. Never fails: problems become
 * PLAN_ERROR with a reason. */
void	plan_update(struct plan *out, const struct config *, struct repo *,
	    const struct ref_update *, const struct push_options *, int flags);
/*
 * The same without reading any object, for the hook in queue mode (no
 * repository opened): ref, options, rules and environment only. A
 * PLAN_DEPLOY job has commit = the pushed id, repo = git_dir (absolute,
 * with a trailing '/', like repo_git_dir) and verify set: plan_verify
 * settles it before it is sent.
 */
void	plan_update_deferred(struct plan *out, const struct config *,
	    const char *git_dir, const struct ref_update *,
	    const struct push_options *);
/*
 * Settle a job planned by plan_update_deferred, in the repository it came
 * from: commit = the pushed id peeled to its commit (REPO_NOTFOUND when
 * the object is not there), idem_key made from it, verify cleared. *skip
 * is set (allocated) when the commit message says [skip deploy]; NULL
 * otherwise.
 */
int	plan_verify(struct job *, struct repo *, char **skip, struct error *);
void	plan_release(struct plan *);

/* Parse one "<old> <new> <ref>" line (no newline); -1 with a reason. */
int	plan_parse_line(struct ref_update *out, const char *line, size_t len,
	    struct error *);
void	plan_update_release(struct ref_update *);

#endif
