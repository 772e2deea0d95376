/* job.h -- one deployment request, as planned and as queued */
#ifndef DD_JOB_H
#define DD_JOB_H

#include <stddef.h>

#include "error.h"
#include "repo.h"
#include "vars.h"

#define IDEM_KEY_HEXSZ 64

struct job {
	char		*id;		/* queue file name; NULL until queued */
	char		*project;	/* project id, or name to look up */
	int		 project_is_name;
	char		*repo;		/* its git dir (for path filters) */
	char		*ref;		/* full ref: refs/heads/main */
	char		*branch;	/* "branch" sent: branch or tag name */
	char		*environment;
	char		 commit[OID_HEXSZ + 1];
	struct vars	 env_vars;
	char		**paths;	/* path filter, judged before sending */
	size_t		 npaths;
	char		 idem_key[IDEM_KEY_HEXSZ + 1];
	long long	 planned_at;	/* Unix seconds */
	/*
	 * Planned without reading objects (the hook in queue mode): commit
	 * is the pushed id, maybe an annotated tag's, and idem_key is made
	 * from it. Before sending, the worker peels it to its commit, honors
	 * [skip deploy] and makes the key again (worker_verify). Saved as
	 * "verify": true; a file without it is an old one: 0.
	 */
	int		 verify;

	/* worker state, kept in the queue file */
	int		 attempts;
	long long	 next_attempt;	/* Unix seconds; 0: now */
	char		*last_error;
	char		*deployment_id;	/* set once the API created it */

	/* where queue.c last saw the file (enum queue_state); not saved */
	int		 queue_state;
};

/* idem_key = hex sha256 of "project\nenvironment\ncommit" followed by
 * "\nNAME=VALUE" for each env var in name order: what gets deployed. A
 * branch and a tag on one commit share it; other env vars do not. */
void	job_set_idem_key(struct job *);
void	job_copy(struct job *dst, const struct job *src);
void	job_release(struct job *);

/* The job as one JSON document (no secrets, no id, no queue_state);
 * allocated. NULL if a string is not valid UTF-8 (JSON cannot hold it). */
char	*job_to_json(const struct job *);
/* Parse a queue file's contents; strict: unknown or missing fields fail. */
int	job_from_json(struct job *out, const char *text, struct error *);

#endif
