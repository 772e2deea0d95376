/* SPDX-License-Identifier: ISC */
/* api.c -- the .git REST API over HTTPS: libcurl for HTTP, jansson for JSON */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "api.h"
#include "clock.h"
#include "dl-curl.h"	/* after curl.h: libcurl is loaded on first use */
#include "log.h"
#include "ratelimit.h"
#include "utf8.h"
#include "version.h"
#include "xmalloc.h"

#define MAX_BODY		(8u << 20)	/* bytes of a reply we keep */
#define BACKOFF_FIRST_MS	500
#define BACKOFF_CAP_MS		30000
#define MAX_WAIT_UNBOUNDED	60	/* s, longest wait without a budget */
#define POLL_FIRST_MS		500
#define POLL_CAP_MS		5000
#define MAX_PAGES		10000
#define ID_MAX			256	/* bytes of an id or a status */
#define TEXT_MAX		4096	/* bytes of any other string */
#define SHOW_MAX		200	/* bytes of a server string shown */
#define DETAILS_MAX		20	/* validation details shown */

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 too_big;
};

struct api {
	CURL			*curl;
	char			*base;		/* api_url, no trailing '/' */
	char			*key;
	long			 timeout_ms;	/* per request */
	int			 budget;	/* s, 0: none */
	long long		 deadline;	/* monotonic ms, 0: none */
	int			 attempts;
	unsigned long		 requests;	/* attempted so far */
	volatile sig_atomic_t	*cancel;	/* abandon when set */
	struct api_ratelimit	 rl;
	struct api_reply	 reply;		/* the last call's */
	struct buf		 resp;
	char			 errbuf[CURL_ERROR_SIZE];
};

/* One API call: what to send and how to read a 2xx reply. */
struct req {
	const char	*method;	/* "GET" or "POST" */
	const char	*url;
	const char	*body;		/* POST only */
	const char	*idem;		/* Idempotency-Key, POST only */
	const char	*subject;	/* "project 'x'", for 403 and 404 */
	int		(*parse)(const struct req *, long, const char *,
			    size_t, struct error *);
	void		*out;
	struct api_project **projects;	/* list: out, n, total */
	size_t		*n;
	long		*total;
};

/*
 * A string field of a reply object and where it goes. Every field is
 * safe on a terminal once parsed, so that no printer (deliver.c's
 * outcome, the daemon's log, status, projects) has to care: a token must
 * be printable ASCII without blanks (or the reply is refused); in any
 * other field control characters become U+FFFD.
 */
struct field {
	const char	*name;
	size_t		 off;
	int		 flags;
	size_t		 max;
};

#define F_REQUIRED	0x1	/* present and not empty */
#define F_TOKEN		0x2	/* printable ASCII, no blank */

static const struct field deployment_fields[] = {
	{ "id", offsetof(struct api_deployment, id), F_REQUIRED | F_TOKEN,
	    ID_MAX },
	{ "status", offsetof(struct api_deployment, status), F_REQUIRED,
	    ID_MAX },
	{ "url", offsetof(struct api_deployment, url), 0, TEXT_MAX },
	{ "started_at", offsetof(struct api_deployment, started_at), 0,
	    ID_MAX },
	{ "branch", offsetof(struct api_deployment, branch), 0, TEXT_MAX },
	{ "environment", offsetof(struct api_deployment, environment), 0,
	    ID_MAX },
	{ "commit_hash", offsetof(struct api_deployment, commit_hash), 0,
	    ID_MAX },
	{ NULL, 0, 0, 0 }
};

static const struct field project_fields[] = {
	{ "id", offsetof(struct api_project, id), F_REQUIRED, ID_MAX },
	{ "name", offsetof(struct api_project, name), F_REQUIRED, TEXT_MAX },
	{ "framework", offsetof(struct api_project, framework), 0, ID_MAX },
	{ "created_at", offsetof(struct api_project, created_at), 0, ID_MAX },
	{ NULL, 0, 0, 0 }
};

static void		 sleep_ms(long long);
static int		 check_url(const char *, struct error *);
static int		 check_key(const char *, struct error *);
static CURLcode		 set_options(struct api *, const struct config *);
static size_t		 on_data(char *, size_t, size_t, void *);
static int		 on_progress(void *, curl_off_t, curl_off_t,
			    curl_off_t, curl_off_t);
static void		 read_ratelimit(struct api *);
static int		 transfer(struct api *, const struct req *, long *,
			    struct error *);
static void		 transport_error(struct api *, CURLcode, int *,
			    struct error *);
static int		 once(struct api *, const struct req *, long *,
			    struct error *);
static int		 call(struct api *, const struct req *,
			    struct error *);
static long long	 backoff_ms(int);
static void		 reply_wait(struct api *, int, long *,
			    struct error *);
static void		 say_retry(const char *, long long, int, int);
static int		 load_json(json_t **, const char *, size_t,
			    struct error *);
static int		 get_fields(void *, const struct field *, json_t *,
			    const char *, struct error *);
static void		 release_fields(void *, const struct field *);
static char		*server_text(const char *, size_t);
static char		*error_text(const char *, size_t, char **);
static void		 join_details(json_t *, char *, size_t);
static char		*utf8_clean(const char *, int);
static char		*escape_id(const char *);

static long long header_number(CURL *h, const char *name);
static struct curl_slist *slist_add(struct curl_slist *l, const char *s);
static struct curl_slist *request_headers(const struct req *rq);
static long	request_timeout(const struct api *api);
static CURLcode	perform(struct api *api, const struct req *rq, long ms);
static long	clamp_wait(long long secs);
static char	*deploy_url(const char *base, const char *project);
static int	parse_deployment_reply(const struct req *rq, long status,
		    const char *body, size_t len, struct error *err);
static int	parse_projects_reply(const struct req *rq, long status,
		    const char *body, size_t len, struct error *err);
static int	find_matches(struct api *api, const char *name, char **ids,
		    size_t *count, struct error *err);
static json_t	*jstr(const char *s);
static char	*dump(json_t *root, size_t flags);
static json_t	*project_json(const struct api_project *p);
static int	is_token(const char *s);
static int	get_field(char **out, const struct field *f, json_t *v,
		    const char *where, struct error *err);
static int	parse_meta(json_t *root, long *total, struct error *err);
static int	parse_project_list(struct api_project **out, size_t *n,
		    json_t *data, struct error *err);
static void	set_client_error(struct error *err, long status,
		    const char *msg, const char *details);

static char	**header_lines(const struct req *rq);
static void	deploy_req(struct req *rq, const char *base,
		    const char *project, const struct job *job, int pretty);

/* Time. */

static void
sleep_ms(long long ms)
{
	long long end = clock_ms() + ms, left;
	struct timespec ts;

	while ((left = end - clock_ms()) > 0) {
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000;
		if (nanosleep(&ts, NULL) == 0)
			break;
	}
}

/* Opening and closing. */

static int
check_url(const char *url, struct error *err)
{
	char *shown;

	if (url == NULL || *url == '\0') {
		error_set(err, EXIT_USAGE, "no API url configured");
		error_hint(err, "set [api] url, e.g. https://api.git.dev/v1");
		return -1;
	}
	if (strncasecmp(url, "https://", 8) == 0 && url[8] != '\0' &&
	    url[8] != '/')
		return 0;
	shown = log_escape(url, SHOW_MAX);
	error_set(err, EXIT_USAGE, "refusing '%s': the API is HTTPS only",
	    shown);
	error_hint(err, "use an https:// URL in [api] url");
	free(shown);
	return -1;
}

static int
check_key(const char *key, struct error *err)
{
	const unsigned char *p;

	if (key == NULL || *key == '\0') {
		error_set(err, EXIT_USAGE, "no API key");
		error_hint(err, "set DOTGIT_API_KEY or [api] key_file");
		return -1;
	}
	for (p = (const unsigned char *)key; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f) {
			error_set(err, EXIT_USAGE, "the API key contains "
			    "a space or a control character");
			error_hint(err, "check DOTGIT_API_KEY or "
			    "[api] key_file");
			return -1;
		}
	return 0;
}

#define SETOPT(h, o, v) do {						\
	if ((rc = dl_curl_setopt((h), (o), (v))) != CURLE_OK)		\
		return rc;						\
} while (0)

static CURLcode
set_options(struct api *api, const struct config *cfg)
{
	CURL *h = api->curl;
	CURLcode rc;

	SETOPT(h, CURLOPT_ERRORBUFFER, api->errbuf);
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (cfg->ca_file != NULL && *cfg->ca_file != '\0') {
		/* Trust exactly that file, not also the system's store. */
		SETOPT(h, CURLOPT_CAINFO, cfg->ca_file);
		SETOPT(h, CURLOPT_CAPATH, (void *)NULL);
	}
	SETOPT(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
	SETOPT(h, CURLOPT_XOAUTH2_BEARER, api->key);
	SETOPT(h, CURLOPT_USERAGENT, "dotgit-deploy/" DD_VERSION);
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_data);
	SETOPT(h, CURLOPT_WRITEDATA, &api->resp);
	SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	return CURLE_OK;
}

int
api_open(struct api **out, const struct config *cfg, const char *key,
    int budget, struct error *err)
{
	struct api *api;
	CURLcode rc;
	size_t n;

	*out = NULL;
	if (check_url(cfg->api_url, err) < 0 || check_key(key, err) < 0)
		return -1;
	if (dl_curl_load(err) < 0)
		return -1;
	log_set_secret(key);
	if (sym_curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return error_set(err, EXIT_FAIL, "cannot initialize libcurl");
	api = xcalloc(1, sizeof(*api));
	api->key = xstrdup(key);
	api->base = xstrdup(cfg->api_url);
	n = strlen(api->base);
	while (n > 8 && api->base[n - 1] == '/')
		api->base[--n] = '\0';
	api->timeout_ms = (cfg->api_timeout > 0 ? cfg->api_timeout : 10) *
	    1000L;
	api->budget = budget > 0 ? budget : 0;
	api->deadline = budget > 0 ? clock_ms() + budget * 1000LL : 0;
	api->attempts = API_ATTEMPTS;
	api->rl.limit = api->rl.remaining = api->rl.retry_after = -1;
	api->reply.wait = -1;
	api->rl.reset = -1;
	if ((api->curl = sym_curl_easy_init()) == NULL) {
		api_free(api);
		return error_set(err, EXIT_FAIL, "cannot initialize libcurl");
	}
	if ((rc = set_options(api, cfg)) != CURLE_OK) {
		api_free(api);
		return error_set(err, EXIT_FAIL, "cannot set up libcurl: %s",
		    sym_curl_easy_strerror(rc));
	}
	*out = api;
	return 0;
}

void
api_free(struct api *api)
{
	if (api == NULL)
		return;
	if (api->curl != NULL)
		sym_curl_easy_cleanup(api->curl);
	if (api->key != NULL) {
		explicit_bzero(api->key, strlen(api->key));
		free(api->key);
	}
	free(api->base);
	free(api->resp.p);
	free(api);
	sym_curl_global_cleanup();
}

const struct api_reply *
api_last_reply(const struct api *api)
{
	return &api->reply;
}

const struct api_ratelimit *
api_last_ratelimit(const struct api *api)
{
	return &api->rl;
}

void
api_set_retries(struct api *api, int n)
{
	api->attempts = n > 0 ? n + 1 : 1;
}

/* libcurl calls this at least once a second during a transfer. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct api *api = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return api->cancel != NULL && *api->cancel != 0;
}

void
api_set_cancel(struct api *api, volatile sig_atomic_t *flag)
{
	api->cancel = flag;
	dl_curl_setopt(api->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	dl_curl_setopt(api->curl, CURLOPT_XFERINFODATA, api);
	dl_curl_setopt(api->curl, CURLOPT_NOPROGRESS, flag != NULL ? 0L :
	    1L);
}

unsigned long
api_requests(const struct api *api)
{
	return api->requests;
}

/* One HTTP exchange. */

static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t len = size * nmemb;

	if (len > MAX_BODY - b->len) {
		b->too_big = 1;
		return 0;
	}
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

static long long
header_number(CURL *h, const char *name)
{
	struct curl_header *hd;
	long long v;
	char *end;

	if (sym_curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hd) !=
	    CURLHE_OK)
		return -1;
	errno = 0;
	v = strtoll(hd->value, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	/* Too large is LLONG_MAX (ERANGE): the caller clamps it. */
	if (end != hd->value && *end == '\0' && v >= 0 &&
	    (errno == 0 || (errno == ERANGE && v == LLONG_MAX)))
		return v;
	if (strcasecmp(name, "Retry-After") == 0 &&
	    (v = (long long)sym_curl_getdate(hd->value, NULL)) > 0) {
		v -= (long long)time(NULL);
		return v > 0 ? v : 0;
	}
	return -1;
}

static void
read_ratelimit(struct api *api)
{
	long long v;

	v = header_number(api->curl, "X-RateLimit-Limit");
	api->rl.limit = v > LONG_MAX ? LONG_MAX : (long)v;
	v = header_number(api->curl, "X-RateLimit-Remaining");
	api->rl.remaining = v > LONG_MAX ? LONG_MAX : (long)v;
	api->rl.reset = header_number(api->curl, "X-RateLimit-Reset");
	v = header_number(api->curl, "Retry-After");
	api->rl.retry_after = v > LONG_MAX ? LONG_MAX : (long)v;
}

static struct curl_slist *
slist_add(struct curl_slist *l, const char *s)
{
	struct curl_slist *n = sym_curl_slist_append(l, s);

	if (n == NULL)
		xoom();
	return n;
}

/* The header lines of a request, NULL-terminated (allocated; the ones
 * ending in ':' take a header curl would add away). What is sent and
 * what deploy --dry-run shows are these. */
static char **
header_lines(const struct req *rq)
{
	char **v = xcalloc(5, sizeof(*v));
	size_t n = 0;

	v[n++] = xstrdup("Accept: application/json");
	v[n++] = xstrdup("Expect:");
	if (strcmp(rq->method, "POST") == 0)
		v[n++] = xstrdup("Content-Type: application/json");
	if (rq->idem != NULL)
		v[n++] = xasprintf("Idempotency-Key: %s", rq->idem);
	return v;
}

static struct curl_slist *
request_headers(const struct req *rq)
{
	struct curl_slist *h = NULL;
	char **v = header_lines(rq);
	size_t i;

	for (i = 0; v[i] != NULL; i++)
		h = slist_add(h, v[i]);
	strv_free(v, i);
	return h;
}

/* Milliseconds this request may take, or -1 when the budget is gone. */
static long
request_timeout(const struct api *api)
{
	long long left;

	if (api->deadline == 0)
		return api->timeout_ms;
	left = api->deadline - clock_ms();
	if (left <= 0)
		return -1;
	return left < api->timeout_ms ? (long)left : api->timeout_ms;
}

static CURLcode
perform(struct api *api, const struct req *rq, long ms)
{
	struct curl_slist *hdrs = request_headers(rq);
	CURL *h = api->curl;
	CURLcode rc;

	api->resp.len = 0;
	api->resp.too_big = 0;
	api->errbuf[0] = '\0';
	if ((rc = dl_curl_setopt(h, CURLOPT_URL, rq->url)) != CURLE_OK ||
	    (rc = dl_curl_setopt(h, CURLOPT_HTTPHEADER, hdrs)) != CURLE_OK ||
	    (rc = dl_curl_setopt(h, CURLOPT_TIMEOUT_MS, ms)) != CURLE_OK ||
	    (rc = dl_curl_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms)) !=
	    CURLE_OK)
		goto out;
	if (strcmp(rq->method, "POST") == 0) {
		dl_curl_setopt(h, CURLOPT_POSTFIELDS, rq->body);
		dl_curl_setopt(h, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(rq->body));
	} else
		dl_curl_setopt(h, CURLOPT_HTTPGET, 1L);
	rc = sym_curl_easy_perform(h);
out:
	dl_curl_setopt(h, CURLOPT_HTTPHEADER, (void *)NULL);
	sym_curl_slist_free_all(hdrs);
	return rc;
}

/*
 * Send one request. 0: the server answered (*status set); it did not:
 * DD_ERETRY when another attempt may help, else DD_ERROR (err filled).
 */
static int
transfer(struct api *api, const struct req *rq, long *status,
    struct error *err)
{
	long ms = request_timeout(api), t0 = (long)clock_ms();
	CURLcode rc;
	int retry = 0;

	if (ms < 0) {
		error_temp(err, "the time budget of %d s for the API is used "
		    "up", api->budget);
		return -1;
	}
	api->requests++;
	rc = perform(api, rq, ms);
	if (rc != CURLE_OK) {
		transport_error(api, rc, &retry, err);
		log_debug("%s %s: failed after %ld ms: %s", rq->method,
		    rq->url, (long)clock_ms() - t0, err->msg);
		return retry ? DD_ERETRY : DD_ERROR;
	}
	dl_curl_getinfo(api->curl, CURLINFO_RESPONSE_CODE, status);
	read_ratelimit(api);
	log_debug("%s %s: HTTP %ld, %zu bytes, %ld ms", rq->method, rq->url,
	    *status, api->resp.len, (long)clock_ms() - t0);
	return 0;
}

static void
transport_error(struct api *api, CURLcode rc, int *retry,
    struct error *err)
{
	const char *why = api->errbuf[0] ? api->errbuf :
	    sym_curl_easy_strerror(rc);
	long oserr = 0;

	dl_curl_getinfo(api->curl, CURLINFO_OS_ERRNO, &oserr);
	if (rc == CURLE_COULDNT_CONNECT && oserr != 0)
		why = strerror((int)oserr);
	*retry = 0;
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		error_set(err, EXIT_USAGE, "bad API url '%s': %s", api->base,
		    why);
		return;
	case CURLE_ABORTED_BY_CALLBACK:
		error_temp(err, "request to %s abandoned", api->base);
		return;
	case CURLE_WRITE_ERROR:
		if (api->resp.too_big) {
			error_temp(err, "the API's reply is larger than %u "
			    "MiB", MAX_BODY >> 20);
			return;
		}
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		error_temp(err, "cannot reach %s: %s", api->base, why);
		error_hint(err, rc == CURLE_PEER_FAILED_VERIFICATION ?
		    "set [api] ca_file for a private CA" :
		    "check [api] ca_file");
		return;
	default:
		break;
	}
	error_temp(err, "cannot reach %s: %s", api->base, why);
	*retry = 1;
}

/*
 * One attempt: send, then judge the status and read the reply.
 * Returns 0, or -1 with *wait: -1 do not retry, 0 back off, >0 ms to wait.
 */
static int
once(struct api *api, const struct req *rq, long *wait, struct error *err)
{
	long status = 0;
	int rc;

	*wait = -1;
	api->reply.status = 0;
	api->reply.wait = -1;
	if ((rc = transfer(api, rq, &status, err)) < 0) {
		if (rc == DD_ERETRY)
			*wait = 0;
		return -1;
	}
	api->reply.status = (int)status;
	if (status >= 200 && status < 300) {
		if (rq->parse(rq, status, api->resp.p, api->resp.len, err) == 0)
			return 0;
		if (err->temporary)
			*wait = 0;
		return -1;
	}
	api_parse_error(err, status, api->resp.p, api->resp.len);
	if (status == 404 && rq->subject != NULL) {
		error_set(err, EXIT_FAIL, "%s not found (404)", rq->subject);
		error_hint(err, "run 'dotgit-deploy projects' to list the "
		    "project ids");
	}
	if (status == 429 || err->temporary)
		reply_wait(api, status == 429, wait, err);
	return -1;
}

/*
 * What a temporary failure's headers ask: *wait in ms (0: back off),
 * api->reply.wait in s; a long or clamped wait is said in the message.
 */
static void
reply_wait(struct api *api, int rate_limited, long *wait, struct error *err)
{
	struct api_wait w;
	char *old, *why, hint[sizeof(err->hint)];

	api_wait_of(&w, &api->rl, (long long)time(NULL), rate_limited);
	if (w.secs < 0 && rate_limited)
		w.secs = API_RATE_WAIT_DEFAULT;
	*wait = w.secs > 0 ? w.secs * 1000L : 0;
	if (w.secs < 0)
		return;
	api->reply.wait = w.secs;
	if (w.source != NULL && (w.secs > API_WAIT_NOTICE ||
	    w.asked > w.secs)) {
		old = xstrdup(err->msg);
		why = api_wait_text(&w);
		memcpy(hint, err->hint, sizeof(hint));
		error_temp(err, "%s; %s", old, why);
		memcpy(err->hint, hint, sizeof(hint));
		free(why);
		free(old);
	}
	if (rate_limited)
		error_hint(err, "try again in %ld s", w.secs);
}

static long
clamp_wait(long long secs)
{
	return secs > API_WAIT_MAX ? API_WAIT_MAX : (long)secs;
}

void
api_wait_of(struct api_wait *out, const struct api_ratelimit *rl,
    long long now, int use_reset)
{
	long long left;

	out->secs = -1;
	out->asked = -1;
	out->source = NULL;
	if (rl->retry_after >= 0) {
		out->asked = rl->retry_after;
		out->source = "Retry-After";
		out->secs = clamp_wait(out->asked);
	} else if (use_reset && rl->reset > 0) {
		if (__builtin_sub_overflow(rl->reset, now, &left))
			left = now < 0 ? LLONG_MAX : 0;
		out->asked = left > 0 ? left : 0;
		out->source = "X-RateLimit-Reset";
		/* a window already over: try again soon */
		out->secs = left > 0 ? clamp_wait(left) : 1;
	}
}

char *
api_wait_text(const struct api_wait *w)
{
	if (w->asked > w->secs)
		return xasprintf("the API asked to wait %lld s (%s), clamped "
		    "to %ld s", w->asked, w->source, w->secs);
	return xasprintf("the API asked to wait %lld s (%s)", w->asked,
	    w->source);
}

static long long
backoff_ms(int attempt)
{
	return (long long)(ratelimit_backoff(attempt, BACKOFF_FIRST_MS / 1e3,
	    BACKOFF_CAP_MS / 1e3, ratelimit_jitter()) * 1e3);
}

/* A wait of more than API_WAIT_NOTICE s is said at the default level. */
static void
say_retry(const char *why, long long ms, int attempt, int attempts)
{
	if (ms > API_WAIT_NOTICE * 1000LL)
		log_warnx("%s; retrying in %lld s (attempt %d of %d)", why,
		    (ms + 999) / 1000, attempt, attempts);
	else
		log_verbose("%s; retrying in %lld.%lld s (attempt %d of %d)",
		    why, ms / 1000, ms % 1000 / 100, attempt, attempts);
}

/* Send rq, retrying what may succeed later, within the budget. */
static int
call(struct api *api, const struct req *rq, struct error *err)
{
	long long w, limit;
	long wait;
	int attempt;

	for (attempt = 1;; attempt++) {
		error_clear(err);
		if (once(api, rq, &wait, err) == 0)
			return 0;
		if (wait < 0 || attempt >= api->attempts ||
		    (api->cancel != NULL && *api->cancel))
			return -1;
		w = wait > 0 ? wait : backoff_ms(attempt);
		limit = api->deadline ? api->deadline - clock_ms() :
		    MAX_WAIT_UNBOUNDED * 1000LL;
		if (w >= limit)
			return -1;
		say_retry(err->msg, w, attempt + 1, api->attempts);
		sleep_ms(w);
	}
}

/* The calls. */

/* As curl_easy_escape: all but A-Z a-z 0-9 - . _ ~ as %XX (here, so
 * that a URL needs no libcurl: deploy --dry-run prints one). */
static char *
escape_id(const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char *s = xmalloc(strlen(id) * 3 + 1), *o = s;

	for (p = (const unsigned char *)id; *p != '\0'; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			*o++ = (char)*p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	*o = '\0';
	return s;
}

static char *
deploy_url(const char *base, const char *project)
{
	char *id = escape_id(project), *url;
	size_t n = strlen(base);

	while (n > 8 && base[n - 1] == '/')
		n--;
	url = xasprintf("%.*s/projects/%s/deployments", (int)n, base, id);
	free(id);
	return url;
}

static int
parse_deployment_reply(const struct req *rq, long status, const char *body,
    size_t len, struct error *err)
{
	if (api_parse_deployment(rq->out, body, len, err) == 0)
		return 0;
	if (err->temporary)
		error_temp(err, "the API answered %ld but the body is not a "
		    "deployment", status);
	return -1;
}

/* The request that deploys a job to project `project` (its id): method,
 * URL, body (pretty or compact) and idempotency key; url and body are
 * allocated. */
static void
deploy_req(struct req *rq, const char *base, const char *project,
    const struct job *job, int pretty)
{
	rq->method = "POST";
	rq->url = deploy_url(base, project);
	rq->body = api_deploy_body(job, pretty);
	rq->idem = job->idem_key;
}

void
api_show_deploy(FILE *f, const struct config *cfg, const struct job *job,
    int json)
{
	struct req rq = { 0 };
	json_t *root, *headers = json_object();
	char **v, *colon;
	size_t i;

	deploy_req(&rq, cfg->api_url, job->project, job, !json);
	v = header_lines(&rq);
	if (!json) {
		fprintf(f, "%s %s\n", rq.method, rq.url);
		if (job->project_is_name)
			fprintf(f, "(project '%s' is looked up by name when "
			    "sending)\n", job->project);
	}
	for (i = 0; v[i] != NULL; i++) {
		/* "Name:" takes away a header curl would add: not shown */
		if ((colon = strchr(v[i], ':'))[1] == '\0')
			continue;
		if (!json)
			fprintf(f, "%s\n", v[i]);
		*colon = '\0';
		json_object_set_new(headers, v[i], json_string(colon + 2));
	}
	if (json) {
		root = json_pack("{s:s, s:s, s:o, s:o}", "method", rq.method,
		    "url", rq.url, "headers", headers, "body",
		    json_loads(rq.body, 0, NULL));
		if (job->project_is_name)
			json_object_set_new(root, "project_name",
			    jstr(job->project));
		json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', f);
		json_decref(root);
	} else {
		fprintf(f, "\n%s\n", rq.body);
		json_decref(headers);
	}
	strv_free(v, i);
	free((char *)rq.body);
	free((char *)rq.url);
}

int
api_deploy(struct api *api, struct api_deployment *out,
    const struct job *job, struct error *err)
{
	struct req rq = { 0 };
	char *id = NULL, *shown;
	int rc;

	memset(out, 0, sizeof(*out));
	if (job->project == NULL || *job->project == '\0')
		return error_set(err, EXIT_USAGE, "no project to deploy to");
	if (job->idem_key[0] == '\0')
		return error_set(err, EXIT_FAIL, "a deployment request "
		    "needs an idempotency key");
	if (job->project_is_name) {
		if (api_find_project(api, &id, job->project, err) < 0)
			return -1;
	}
	shown = log_escape(job->project, SHOW_MAX);
	deploy_req(&rq, api->base, id != NULL ? id : job->project, job, 0);
	rq.subject = xasprintf("project '%s'", shown);
	rq.parse = parse_deployment_reply;
	rq.out = out;
	rc = call(api, &rq, err);
	free((char *)rq.subject);
	free((char *)rq.body);
	free((char *)rq.url);
	free(shown);
	free(id);
	return rc;
}

int
api_get_deployment(struct api *api, struct api_deployment *out,
    const char *id, struct error *err)
{
	struct req rq = { 0 };
	char *eid = escape_id(id), *shown = log_escape(id, SHOW_MAX);
	int rc;

	memset(out, 0, sizeof(*out));
	rq.method = "GET";
	rq.url = xasprintf("%s/deployments/%s", api->base, eid);
	rq.subject = xasprintf("deployment '%s'", shown);
	rq.parse = parse_deployment_reply;
	rq.out = out;
	rc = call(api, &rq, err);
	if (rc < 0 && api->reply.status == 404)
		error_hint(err, "check the deployment id");
	free((char *)rq.subject);
	free((char *)rq.url);
	free(shown);
	free(eid);
	return rc;
}

static int
parse_projects_reply(const struct req *rq, long status, const char *body,
    size_t len, struct error *err)
{
	if (api_parse_projects(rq->projects, rq->n, rq->total, body, len,
	    err) == 0)
		return 0;
	if (err->temporary)
		error_temp(err, "the API answered %ld but the body is not a "
		    "project list", status);
	return -1;
}

int
api_list_projects(struct api *api, struct api_project **out, size_t *n,
    long *total, int page, int per_page, struct error *err)
{
	struct req rq = { 0 };
	int rc;

	*out = NULL;
	*n = 0;
	*total = -1;
	if (page < 1 || per_page < 1 || per_page > API_PER_PAGE_MAX)
		return error_set(err, EXIT_USAGE, "page must be 1 or more and "
		    "per_page 1 to %d", API_PER_PAGE_MAX);
	rq.method = "GET";
	rq.url = xasprintf("%s/projects?page=%d&per_page=%d", api->base, page,
	    per_page);
	rq.parse = parse_projects_reply;
	rq.projects = out;
	rq.n = n;
	rq.total = total;
	rc = call(api, &rq, err);
	if (rc < 0 && api->reply.status == 403) {
		error_set(err, EXIT_FAIL, "the key lacks permission to list "
		    "projects (403)");
		error_hint(err, "use a key that may read projects "
		    "(Settings > API Keys)");
	}
	if (rc < 0 && api->reply.status == 404)
		error_hint(err, "check [api] url '%s'", api->base);
	free((char *)rq.url);
	return rc;
}

/* Project ids matching name, as "id1, id2"; *count set. */
static int
find_matches(struct api *api, const char *name, char **ids, size_t *count,
    struct error *err)
{
	struct api_project *p;
	size_t n, i, seen = 0;
	long total;
	char *s;
	int page;

	*ids = NULL;
	*count = 0;
	for (page = 1; page <= MAX_PAGES; page++) {
		if (api_list_projects(api, &p, &n, &total, page,
		    API_PER_PAGE_MAX, err) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			if (strcmp(p[i].name, name) != 0)
				continue;
			s = *ids == NULL ? xstrdup(p[i].id) :
			    xasprintf("%s, %s", *ids, p[i].id);
			free(*ids);
			*ids = s;
			(*count)++;
		}
		api_projects_free(p, n);
		seen += n;
		if (n == 0 || (total >= 0 && (seen >= (size_t)total ||
		    page > total / API_PER_PAGE_MAX)) ||
		    (total < 0 && n < API_PER_PAGE_MAX))
			break;
	}
	return 0;
}

int
api_find_project(struct api *api, char **id_out, const char *name,
    struct error *err)
{
	char *ids, *shown;
	size_t count;

	*id_out = NULL;
	if (find_matches(api, name, &ids, &count, err) < 0)
		return -1;
	if (count == 1) {
		*id_out = ids;
		return 0;
	}
	shown = log_escape(name, SHOW_MAX);
	if (count == 0) {
		error_set(err, EXIT_FAIL, "no project named '%s'", shown);
		error_hint(err, "run 'dotgit-deploy projects' to list them");
	} else {
		error_set(err, EXIT_FAIL, "%zu projects are named '%s': %s; "
		    "set [project] id", count, shown, ids);
	}
	free(shown);
	free(ids);
	return -1;
}

int
api_status_final(const char *status)
{
	return strcmp(status, "ready") == 0 || strcmp(status, "error") == 0 ||
	    strcmp(status, "canceled") == 0;
}

int
api_wait_deployment(struct api *api, struct api_deployment *out,
    const char *id, int timeout,
    void (*progress)(const struct api_deployment *), struct error *err)
{
	long long end = clock_ms() + timeout * 1000LL, delay = POLL_FIRST_MS;
	char *last = NULL, *shown;

	memset(out, 0, sizeof(*out));
	for (;;) {
		api_deployment_release(out);
		if (api_get_deployment(api, out, id, err) < 0)
			break;
		if (progress != NULL && (last == NULL ||
		    strcmp(last, out->status) != 0))
			progress(out);
		free(last);
		last = xstrdup(out->status);
		if (api_status_final(out->status)) {
			free(last);
			return 0;
		}
		if (clock_ms() + delay > end) {
			shown = log_escape(id, SHOW_MAX);
			error_temp(err, "deployment '%s' is still %s after "
			    "%d s", shown, out->status, timeout);
			free(shown);
			break;
		}
		sleep_ms(delay);
		delay = delay * 2 > POLL_CAP_MS ? POLL_CAP_MS : delay * 2;
	}
	free(last);
	return -1;
}

/* JSON out. */

/* A copy of s that is valid UTF-8: bad bytes, and with `controls` the
 * control characters (C0, DEL, C1), become U+FFFD. */
static char *
utf8_clean(const char *s, int controls)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;
	size_t n;

	while (*p != '\0') {
		n = utf8_len(p);
		if (n == 0 || (controls && ((n == 1 && (*p < 0x20 ||
		    *p == 0x7f)) || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)))) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p += n > 0 ? n : 1;
			continue;
		}
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	*o = '\0';
	return out;
}

/* A JSON string (or null) that never fails on bad UTF-8. */
static json_t *
jstr(const char *s)
{
	json_t *v;
	char *c;

	if (s == NULL)
		return json_null();
	if ((v = json_string(s)) != NULL)
		return v;
	c = utf8_clean(s, 0);
	v = json_string(c);
	free(c);
	return v != NULL ? v : json_string("");
}

static char *
dump(json_t *root, size_t flags)
{
	char *s;

	if (root == NULL)
		xoom();
	s = json_dumps(root, flags);
	json_decref(root);
	if (s == NULL)
		xoom();
	return s;
}

char *
api_deploy_body(const struct job *job, int pretty)
{
	json_t *root = json_object(), *env = json_object();
	size_t i;

	json_object_set_new(root, "branch", jstr(job->branch));
	json_object_set_new(root, "environment", jstr(job->environment));
	if (job->commit[0] != '\0')
		json_object_set_new(root, "commit_hash", jstr(job->commit));
	for (i = 0; i < job->env_vars.n; i++)
		json_object_set_new(env, job->env_vars.v[i].name,
		    jstr(job->env_vars.v[i].value));
	json_object_set_new(root, "env_vars", env);
	return dump(root, pretty ? JSON_INDENT(2) : JSON_COMPACT);
}

static json_t *
project_json(const struct api_project *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", jstr(p->id));
	json_object_set_new(o, "name", jstr(p->name));
	json_object_set_new(o, "framework", jstr(p->framework));
	json_object_set_new(o, "created_at", jstr(p->created_at));
	return o;
}

char *
api_projects_json(const struct api_project *p, size_t n, long total,
    int page)
{
	json_t *root = json_object(), *data = json_array(),
	    *meta = json_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(data, project_json(&p[i]));
	json_object_set_new(root, "projects", data);
	if (total >= 0)
		json_object_set_new(meta, "total", json_integer(total));
	if (page > 0)
		json_object_set_new(meta, "page", json_integer(page));
	json_object_set_new(root, "meta", meta);
	return dump(root, JSON_INDENT(2));
}

char *
api_deployment_json(const struct api_deployment *d)
{
	json_t *o = json_object();
	const struct field *f;

	for (f = deployment_fields; f->name != NULL; f++)
		json_object_set_new(o, f->name,
		    jstr(*(char *const *)((const char *)d + f->off)));
	return dump(o, JSON_INDENT(2));
}

void
api_print_deployment(FILE *f, const struct api_deployment *d)
{
	char *s = api_deployment_json(d);

	fprintf(f, "%s\n", s);
	free(s);
}

/* JSON in. */

static int
load_json(json_t **out, const char *body, size_t len, struct error *err)
{
	json_error_t jerr;
	char *why;

	*out = NULL;
	if (body == NULL || len == 0)
		return error_temp(err, "unexpected reply from the API: "
		    "empty body");
	*out = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	if (*out == NULL) {
		why = log_escape(jerr.text, SHOW_MAX);
		error_temp(err, "unexpected reply from the API: not JSON "
		    "(line %d column %d: %s)", jerr.line, jerr.column, why);
		free(why);
		return -1;
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return error_set(err, EXIT_FAIL, "unexpected reply from the "
		    "API: not a JSON object");
	}
	return 0;
}

/* 1 if s is printable ASCII without blanks. */
static int
is_token(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return 0;
	return 1;
}

/* One string field: checked, and copied safe for a terminal. */
static int
get_field(char **out, const struct field *f, json_t *v, const char *where,
    struct error *err)
{
	size_t len;

	if (!json_is_string(v))
		return error_set(err, EXIT_FAIL, "unexpected reply from the "
		    "API: %s'%s' is not a string", where, f->name);
	len = json_string_length(v);
	if (len > f->max)
		return error_set(err, EXIT_FAIL, "unexpected reply from the "
		    "API: %s'%s' is too long (%zu bytes)", where, f->name,
		    len);
	if ((f->flags & F_REQUIRED) && len == 0)
		return error_set(err, EXIT_FAIL, "unexpected reply from the "
		    "API: %s'%s' is empty", where, f->name);
	if ((f->flags & F_TOKEN) && (strlen(json_string_value(v)) != len ||
	    !is_token(json_string_value(v))))
		return error_set(err, EXIT_FAIL, "unexpected reply from the "
		    "API: %s'%s' holds blanks or control characters", where,
		    f->name);
	*out = utf8_clean(json_string_value(v), 1);
	return 0;
}

/* Copy the string fields of obj into the struct at dst. */
static int
get_fields(void *dst, const struct field *fields, json_t *obj,
    const char *where, struct error *err)
{
	const struct field *f;
	json_t *v;

	for (f = fields; f->name != NULL; f++) {
		v = json_object_get(obj, f->name);
		if (v == NULL || json_is_null(v)) {
			if (f->flags & F_REQUIRED)
				return error_set(err, EXIT_FAIL, "unexpected "
				    "reply from the API: %sno '%s'", where,
				    f->name);
			continue;
		}
		if (get_field((char **)((char *)dst + f->off), f, v, where,
		    err) < 0)
			return -1;
	}
	return 0;
}

static void
release_fields(void *dst, const struct field *fields)
{
	const struct field *f;
	char **p;

	for (f = fields; f->name != NULL; f++) {
		p = (char **)((char *)dst + f->off);
		free(*p);
		*p = NULL;
	}
}

int
api_parse_deployment(struct api_deployment *out, const char *body,
    size_t len, struct error *err)
{
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if (load_json(&root, body, len, err) < 0)
		return -1;
	if ((rc = get_fields(out, deployment_fields, root, "", err)) < 0)
		api_deployment_release(out);
	json_decref(root);
	return rc;
}

static int
parse_meta(json_t *root, long *total, struct error *err)
{
	json_t *meta = json_object_get(root, "meta"), *t;

	*total = -1;
	if (meta == NULL || json_is_null(meta))
		return 0;
	if (!json_is_object(meta))
		return error_set(err, EXIT_FAIL, "unexpected reply from the "
		    "API: 'meta' is not an object");
	t = json_object_get(meta, "total");
	if (t == NULL || json_is_null(t))
		return 0;
	if (!json_is_integer(t) || json_integer_value(t) < 0 ||
	    json_integer_value(t) > LONG_MAX)
		return error_set(err, EXIT_FAIL, "unexpected reply from the "
		    "API: 'meta.total' is not a count");
	*total = (long)json_integer_value(t);
	return 0;
}

static int
parse_project_list(struct api_project **out, size_t *n, json_t *data,
    struct error *err)
{
	struct api_project *p;
	char where[48];
	size_t i, count = json_array_size(data);

	p = xcalloc(count, sizeof(*p));
	for (i = 0; i < count; i++) {
		snprintf(where, sizeof(where), "project %zu: ", i + 1);
		if (!json_is_object(json_array_get(data, i))) {
			error_set(err, EXIT_FAIL, "unexpected reply from the "
			    "API: %snot an object", where);
			api_projects_free(p, i);
			return -1;
		}
		if (get_fields(&p[i], project_fields, json_array_get(data, i),
		    where, err) < 0) {
			api_projects_free(p, i + 1);
			return -1;
		}
	}
	*out = p;
	*n = count;
	return 0;
}

int
api_parse_projects(struct api_project **out, size_t *n, long *total,
    const char *body, size_t len, struct error *err)
{
	json_t *root, *data;
	int rc = -1;

	*out = NULL;
	*n = 0;
	*total = -1;
	if (load_json(&root, body, len, err) < 0)
		return -1;
	data = json_object_get(root, "data");
	if (data == NULL || !json_is_array(data))
		error_set(err, EXIT_FAIL, "unexpected reply from the API: "
		    "'data' is %s", data == NULL ? "missing" : "not a list");
	else if (parse_meta(root, total, err) == 0)
		rc = parse_project_list(out, n, data, err);
	if (rc < 0)
		*total = -1;
	json_decref(root);
	return rc;
}

/* Error replies. */

/*
 * A server string as we show it: the key redacted (a server may echo it),
 * then escaped and cut to max bytes. In this order, a cut never leaves
 * part of the key.
 */
static char *
server_text(const char *s, size_t max)
{
	char *safe = log_redact(s), *out = log_escape(safe, max);

	log_free_secret(safe);
	return out;
}

static void
join_details(json_t *details, char *out, size_t size)
{
	json_t *d, *field, *msg;
	size_t i, used = 0, shown = 0, n, len;
	char *f, *m, *piece;

	out[0] = '\0';
	json_array_foreach(details, i, d) {
		if (shown == DETAILS_MAX)
			break;
		field = json_object_get(d, "field");
		msg = json_object_get(d, "message");
		if (!json_is_string(msg))
			continue;
		m = server_text(json_string_value(msg), SHOW_MAX);
		f = json_is_string(field) ?
		    server_text(json_string_value(field), 64) : NULL;
		piece = xasprintf("%s%s%s%s", shown ? "; " : "", f ? f : "",
		    f ? ": " : "", m);
		free(f);
		free(m);
		/* what fits, cut between characters, never inside one */
		len = strlen(piece);
		n = utf8_prefix(piece, size - 1 - used);
		memcpy(out + used, piece, n);
		used += n;
		out[used] = '\0';
		shown++;
		free(piece);
		if (n < len)
			break;
	}
}

/*
 * The server's words from an error body: the escaped message (returned)
 * and the validation details as "field: message; ..." (*details). Either
 * may be NULL when the body has none.
 */
static char *
error_text(const char *body, size_t len, char **details)
{
	json_error_t jerr;
	json_t *root, *e, *m, *d;
	char buf[768], *msg = NULL;

	*details = NULL;
	if (body == NULL || len == 0 ||
	    (root = json_loadb(body, len, 0, &jerr)) == NULL)
		return NULL;
	e = json_object_get(root, "error");
	if (json_is_string(e))
		msg = server_text(json_string_value(e), SHOW_MAX);
	else if (json_is_object(e)) {
		m = json_object_get(e, "message");
		if (json_is_string(m) && json_string_length(m) > 0)
			msg = server_text(json_string_value(m), SHOW_MAX);
		d = json_object_get(e, "details");
		if (json_is_array(d)) {
			join_details(d, buf, sizeof(buf));
			if (buf[0] != '\0')
				*details = xstrdup(buf);
		}
	}
	json_decref(root);
	return msg;
}

static void
set_client_error(struct error *err, long status, const char *msg,
    const char *details)
{
	const char *sep = msg && details ? ": " : "";

	if (status == 400 && (msg || details))
		error_set(err, EXIT_FAIL, "bad request: %s%s%s",
		    msg ? msg : "", sep, details ? details : "");
	else if (status == 400)
		error_set(err, EXIT_FAIL, "bad request (HTTP 400)");
	else if (status == 422 && details)
		error_set(err, EXIT_FAIL, "validation failed: %s", details);
	else if (status == 422 && msg)
		error_set(err, EXIT_FAIL, "validation failed (422): %s", msg);
	else if (status == 422)
		error_set(err, EXIT_FAIL, "validation failed (HTTP 422)");
	else if (status == 404)
		error_set(err, EXIT_FAIL, "not found (404)%s%s",
		    msg ? ": " : "", msg ? msg : "");
	else
		error_set(err, EXIT_FAIL, "the API answered HTTP %ld%s%s",
		    status, msg ? ": " : "", msg ? msg : "");
}

void
api_parse_error(struct error *err, long status, const char *body,
    size_t len)
{
	char *details, *msg = error_text(body, len, &details);
	const char *sep = msg ? ": " : "", *m = msg ? msg : "";

	if (status == 401) {
		error_set(err, EXIT_FAIL, "the API refused the key (401)");
		error_hint(err, "check DOTGIT_API_KEY or [api] key_file");
	} else if (status == 403) {
		error_set(err, EXIT_FAIL, "the key lacks permission for this "
		    "project (403)");
		error_hint(err, "use a key with deployment rights for this "
		    "project (Settings > API Keys)");
	} else if (status == 429)
		error_temp(err, "rate limit exceeded (429)%s%s", sep, m);
	else if (status >= 500 && status < 600)
		error_temp(err, "the API failed (HTTP %ld)%s%s", status, sep,
		    m);
	else if (status == 408)
		error_temp(err, "the API timed out (HTTP 408)");
	else if (status >= 300 && status < 400) {
		error_set(err, EXIT_FAIL, "the API answered HTTP %ld, a "
		    "redirect, which is not followed", status);
		error_hint(err, "check [api] url");
	} else
		set_client_error(err, status, msg, details);
	free(msg);
	free(details);
}

void
api_deployment_release(struct api_deployment *d)
{
	if (d == NULL)
		return;
	release_fields(d, deployment_fields);
}

void
api_projects_free(struct api_project *p, size_t n)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < n; i++)
		release_fields(&p[i], project_fields);
	free(p);
}
