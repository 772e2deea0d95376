/* SPDX-License-Identifier: ISC */
/* job.h -- one deployment request: what was claimed, what was planned */
#ifndef DD_JOB_H
#define DD_JOB_H

#include <stddef.h>

#include "error.h"
#include "repo.h"
#include "vars.h"

#define IDEM_KEY_HEXSZ		64
#define JOB_REQUEST_HEXSZ	32	/* 128 bits */
#define JOB_OPTIONS_MAX		100	/* push options a job may carry */
#define JOB_STRING_MAX		4096	/* bytes of any one string in it */

/* How the request came about. */
enum job_source {
	JOB_PUSH,		/* a push: post-receive, or the client hooks */
	JOB_WATCH,		/* the daemon saw a ref move (no hook) */
	JOB_MANUAL,		/* a person ran `dotgit-deploy deploy` */
	JOB_ROLLBACK,		/* a person ran `dotgit-deploy rollback` */
};

/*
 * A job has two halves. The claim says what happened: a ref of a
 * repository moved from `old` to `new` (as pushed: `new` may be an
 * annotated tag), with these push options, and `request` names that one
 * deploy request -- made once (random for a push or a `deploy` run,
 * derived from the ref's history for a watched change), stored with the
 * job, the same in every retry. The plan is what the configuration and
 * the repository make of the claim: project, environment, the commit
 * (peeled), env vars, path filter, and the Idempotency-Key.
 *
 * A job file in the spool is only a claim: the daemon plans it again
 * from its own configuration and the repository (plan_claim) and
 * believes nothing else in it. The planned fields are written to the
 * file for people reading the queue.
 */
struct job {
	char		*id;		/* queue file name; NULL until queued */

	/* the claim */
	enum job_source	 source;
	char		 request[JOB_REQUEST_HEXSZ + 1];
	char		*repo;		/* its git dir, absolute, ending '/' */
	char		*ref;		/* full ref: refs/heads/main */
	char		 old[OID_HEXSZ + 1];
	char		 new[OID_HEXSZ + 1];
	char		**options;	/* "deploy.*" push options, as given */
	size_t		 noptions;
	long long	 planned_at;	/* Unix seconds */

	/* the plan */
	char		*project_key;	/* [project "NAME"]'s NAME; NULL: the
					   one [project] */
	char		*project;	/* project id, or name to look up */
	int		 project_is_name;
	char		*branch;	/* "branch" sent: branch or tag name */
	char		*environment;
	char		 commit[OID_HEXSZ + 1];
	struct vars	 env_vars;
	char		**paths;	/* path filter, judged before sending */
	size_t		 npaths;
	char		 idem_key[IDEM_KEY_HEXSZ + 1];

	/* worker state, kept in the queue file */
	int		 attempts;
	long long	 next_attempt;	/* Unix seconds; 0: now */
	char		*last_error;
	char		*deployment_id;	/* set once the API created it */
	/* the deployment, as last seen (history: ledger_history_*) */
	char		*status;	/* queued ... ready, error, canceled */
	char		*url;
	long long	 deployed_at;	/* Unix seconds the API created it */

	/* where queue.c last saw the file (enum queue_state); not saved */
	int		 queue_state;
};

/* A new random request id (a push, a `deploy` run). */
void	job_request_random(char out[JOB_REQUEST_HEXSZ + 1]);
/* A request id derived from text (a watched change: the same change seen
 * again after a crash is the same request). */
void	job_request_derive(char out[JOB_REQUEST_HEXSZ + 1], const char *text);
int	job_request_valid(const char *);

/*
 * idem_key = hex sha256 of the request id, project, environment, commit
 * and each env var "NAME=VALUE" in name order: one deploy request of one
 * thing. Every retry of the request sends the same key; a later push of
 * the same commit is another request, so another key, and deploys; a
 * branch and a tag on one commit in one push share it (deployed once).
 */
void	job_set_idem_key(struct job *);
void	job_copy(struct job *dst, const struct job *src);
void	job_release(struct job *);
const char *job_source_name(enum job_source);

/*
 * Bounds on what a job file says about time and tries, whoever wrote
 * it: attempts at most JOB_ATTEMPTS_MAX; a planned_at in the future is
 * now; a next_attempt more than JOB_DEFER_MAX seconds away is now (the
 * daemon never defers that long). Returns 1 if anything was changed.
 */
#define JOB_ATTEMPTS_MAX	100000
#define JOB_DEFER_MAX		3600
int	job_bound(struct job *, long long now);

/* "main -> production", "main [web] -> production" in a monorepo: what
 * log lines and outputs call a job; escaped, allocated. */
char	*job_label(const struct job *);

/* The job as one JSON document (no secrets, no id, no queue_state);
 * allocated. NULL if a string is not valid UTF-8 (JSON cannot hold it). */
char	*job_to_json(const struct job *);
/*
 * A string for the JSON a person reads (--json): as it is, escaped
 * (log_escape) when it is not UTF-8, null for NULL. What is sent or
 * stored is never escaped: job_to_json and api.c refuse such a string.
 */
struct json_t;
struct json_t *job_jstr(const char *);

/*
 * `dotgit-deploy history --json`: {"deployments": [...], "meta": {"count",
 * "ledger"}}, each a history record (ledger.h) as a person reads it --
 * deployed_at in ISO 8601, strings that are not UTF-8 escaped, live[i]
 * whether it is what its environment runs; allocated.
 */
char	*job_history_json(const struct job *, const int *live, size_t n,
	    const char *ledger);

/*
 * A job as the queue sees it, for `queue --json` and `queue show --json`:
 * the words queue.c gives it (queue_state_name, queue_outcome); NULL for
 * none.
 */
struct job_view {
	const struct job	*job;
	const char		*state;		/* "new", "cur", ... */
	const char		*outcome;	/* "deployed"...; NULL: none */
	const char		*reason;	/* skipped, failed, refused */
	const char		*superseded_by;	/* by this newer job's id */
	long long		 age;		/* seconds since planned_at */
};

/* A file in bad/ that is no job, and why. */
struct job_junk {
	const char	*name;
	const char	*why;
};

/* How many jobs one state holds. */
struct job_count {
	const char	*state;
	size_t		 n;
};

/* What `queue --json` lists, in the order shown. */
struct job_listing {
	const char		*queue;		/* its directory */
	const struct job_view	*jobs;
	size_t			 njobs;
	const struct job_junk	*junk;
	size_t			 njunk;
	const struct job_count	*counts;	/* before the listing trims */
	size_t			 ncounts;
	int			 shown_max;	/* done (and bad) jobs listed */
};

/*
 * `dotgit-deploy queue --json`: {"jobs": [...], "bad_files": [...],
 * "meta": {"queue", "counts", "done_shown_max"}}; `queue show ID --json`:
 * one job with its claim and plan. Strings as job_jstr gives them;
 * allocated; NULL if it cannot be encoded.
 */
char	*job_queue_json(const struct job_listing *);
char	*job_show_json(const struct job_view *);

/* A rule as `config explain --json` shows it. */
struct job_rule_view {
	const char	*pattern;
	int		 exact;		/* else a glob */
	const char	*file;
	int		 line;
};

/* A setting and the "file:line" it came from; NULL: unset, or unknown. */
struct job_setting {
	const char	*value;
	const char	*from;
};

/* Where a deploy goes. */
struct job_settings {
	struct job_setting	 project, url, key_file, ca_file, mode;
};

/* A project of a monorepo, and whether the rule deploys it. */
struct job_project_view {
	const char	*name;		/* [project "NAME"] */
	const char	*project;	/* its id, or the name to look up */
	char *const	*paths;
	size_t		 npaths;
	int		 deployed;
};

/*
 * What a push of a branch or tag would plan, and where each part comes
 * from: `config explain NAME --json`. Without a rule (not deployed):
 * reason, and the rules tried; with one: the environment, paths, env
 * vars, settings.
 */
struct job_explain {
	const char			*ref;		/* refs/heads/NAME */
	const char			*kind;		/* "branch", "tag" */
	const char			*name;
	const char			*reason;	/* NULL: deployed */
	const struct job_rule_view	*rule;		/* NULL: none */
	const char			*environment;
	const char			*environment_from;
	char *const			*paths;
	size_t				 npaths;
	const struct vars		*vars;
	const char *const		*vars_from;	/* each var's */
	const struct job_rule_view	*tried;
	size_t				 ntried;
	const struct job_project_view	*projects;
	size_t				 nprojects;
	const struct job_settings	*settings;	/* NULL: none */
};

/* `config explain NAME --json`: allocated; NULL if it cannot be
 * encoded. */
char	*job_explain_json(const struct job_explain *);
/* Parse a queue file's contents; strict: unknown or missing fields fail.
 * Version 1 files (before claims) are read as claims. */
int	job_from_json(struct job *out, const char *text, struct error *);

#endif
