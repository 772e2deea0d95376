/* SPDX-License-Identifier: ISC */
/* api.h -- the .git REST API over HTTPS (libcurl + jansson live in api.c) */
#ifndef DD_API_H
#define DD_API_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "error.h"
#include "job.h"

struct api;

#define API_PER_PAGE_MAX	100
/* Seconds to pause after a 429 that says nothing about when to come
 * back (no Retry-After, no X-RateLimit-Reset). */
#define API_RATE_WAIT_DEFAULT	10
#define API_ATTEMPTS		5	/* default attempts per call */

/*
 * Reply fields, as parsed: every string is safe to print on a terminal
 * or log as it is. A deployment id is a plain token (printable ASCII, no
 * blank, at most 256 bytes; otherwise the reply is not a deployment); in
 * every other field control characters (C0, DEL, C1) are U+FFFD.
 */
struct api_deployment {
	char	*id;
	char	*status;	/* queued, building, ready, error, canceled */
	char	*url;
	char	*started_at;
	char	*branch;	/* optional in replies */
	char	*environment;
	char	*commit_hash;
};

struct api_project {
	char	*id;
	char	*name;
	char	*framework;
	char	*created_at;
};

/* The headers as received (a number too large is LONG_MAX/LLONG_MAX). */
struct api_ratelimit {
	long		 limit;		/* -1: header absent */
	long		 remaining;	/* -1: header absent */
	long long	 reset;		/* Unix seconds, -1: absent */
	long		 retry_after;	/* seconds, -1: absent */
};

/*
 * The longest a reply can make us wait, in seconds (15 minutes):
 * Retry-After and the time left until X-RateLimit-Reset are clamped to
 * it, so that one reply ("Retry-After: 999999999", by mistake or malice)
 * cannot stop a daemon until it is restarted. A wait longer than
 * API_WAIT_NOTICE seconds is logged at the default level with its reason.
 */
#define API_WAIT_MAX		900
#define API_WAIT_NOTICE		60

/* What a reply's headers ask us to wait. */
struct api_wait {
	long		 secs;		/* 0..API_WAIT_MAX; -1: none asked */
	long long	 asked;		/* seconds asked, before the clamp */
	const char	*source;	/* Retry-After, X-RateLimit-Reset */
};

/* One handle (one curl easy handle: keep-alive) per process. `key` is
 * copied; it never appears in an error. `budget` is the total time in
 * seconds all requests of this handle may take (0: unlimited). */
int	api_open(struct api **out, const struct config *, const char *key,
	    int budget, struct error *);
void	api_free(struct api *);
/* Rate-limit headers of the last reply. */
const struct api_ratelimit *api_last_ratelimit(const struct api *);
/* The HTTP facts of the last call, kept here and not in the error: the
 * status of its last reply (0: none came) and the wait that reply asked
 * for, clamped to API_WAIT_MAX (-1: none). */
struct api_reply {
	int		 status;
	long		 wait;
};
const struct api_reply *api_last_reply(const struct api *);
/* The wait rl asks for at Unix time now: Retry-After, else (use_reset)
 * the time until X-RateLimit-Reset, at least 1 s; clamped to
 * API_WAIT_MAX. Pure, and without overflow for any values. */
void	api_wait_of(struct api_wait *out, const struct api_ratelimit *rl,
	    long long now, int use_reset);
/* "the API asked to wait N s (Retry-After)", plus ", clamped to 900 s"
 * when it was; allocated. */
char	*api_wait_text(const struct api_wait *);
/* Retries after the first attempt (default API_ATTEMPTS - 1): 0 sends
 * exactly once (the daemon does its own retrying). */
void	api_set_retries(struct api *, int);
/* While *flag is non-zero (a signal handler sets it), a request in
 * flight is abandoned within about a second (a temporary error, "request
 * abandoned") and no retry starts. NULL: never. */
void	api_set_cancel(struct api *, volatile sig_atomic_t *flag);
/* HTTP requests attempted so far on this handle (every retry counts). */
unsigned long api_requests(const struct api *);

/* POST /projects/{id}/deployments with Idempotency-Key; 201 expected (any
 * 2xx with a deployment body is taken). A job whose project is a name is
 * looked up first. */
int	api_deploy(struct api *, struct api_deployment *out,
	    const struct job *, struct error *);
int	api_get_deployment(struct api *, struct api_deployment *out,
	    const char *id, struct error *);
/* One page; *total from meta.total. */
int	api_list_projects(struct api *, struct api_project **out,
	    size_t *n, long *total, int page, int per_page, struct error *);
/* Look up a project by name: exactly one must match. */
int	api_find_project(struct api *, char **id_out, const char *name,
	    struct error *);
/* Poll GET /deployments/{id} (0.5 s doubling to 5 s) until its status is
 * ready, error or canceled, or `timeout` seconds have passed (temporary
 * error). `progress`, if not NULL, is called on every status change. *out
 * holds the last reply (empty when the last request failed); release it.
 * Returns 0 when the status is final, whatever it is. */
int	api_wait_deployment(struct api *, struct api_deployment *out,
	    const char *id, int timeout,
	    void (*progress)(const struct api_deployment *), struct error *);
/* ready, error or canceled */
int	api_status_final(const char *status);

/* The request body for a job (what --dry-run prints); allocated. */
char	*api_deploy_body(const struct job *, int pretty);
/* Full URL of the deployments endpoint for a project; allocated. */

/* Stable JSON output for projects --json, {"projects": [...], "meta":
 * {...}}; allocated. page <= 0 leaves meta.page out, total < 0 leaves
 * meta.total out. */
char	*api_projects_json(const struct api_project *, size_t n, long total,
	    int page);
char	*api_deployment_json(const struct api_deployment *);

/* Parsing, exposed for unit tests. */
int	api_parse_deployment(struct api_deployment *out, const char *body,
	    size_t len, struct error *);
int	api_parse_projects(struct api_project **out, size_t *n, long *total,
	    const char *body, size_t len, struct error *);
/* Turn an error reply into err (status, message, details, hint). */
void	api_parse_error(struct error *, long status, const char *body,
	    size_t len);

/* The deployment as one JSON document (for --json), with a newline. */
void	api_print_deployment(FILE *, const struct api_deployment *);
/* What api_deploy would send for the job, from the same description
 * (deploy --dry-run): method, URL, headers and body as text, or one JSON
 * object {method, url, headers, body[, project_name]}. A project named in
 * the configuration is looked up when sending: the URL holds its name. */
void	api_show_deploy(FILE *, const struct config *, const struct job *,
	    int json);
void	api_deployment_release(struct api_deployment *);
void	api_projects_free(struct api_project *, size_t);

#endif
