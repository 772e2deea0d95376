/* SPDX-License-Identifier: ISC */
/* job.c -- deployment jobs: identity, bounds, their queue-file form, and
 * the JSON a person reads (history, queue, config explain) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include "hash.h"
#include "job.h"
#include "log.h"
#include "xmalloc.h"

_Static_assert(IDEM_KEY_HEXSZ == HASH_SHA256_HEXSZ, "idem key is sha256");

#define JOB_VERSION	2

static const char *const source_names[] = {
	"push", "watch", "manual", "rollback"
};
#define NSOURCES	(sizeof(source_names) / sizeof(source_names[0]))

struct fields;

static int	source_from_name(const char *name);
static void	to_hex(char *out, const unsigned char *bytes, size_t n);
static int	lower_hex(const char *s, size_t want);
static int	var_cmp(const void *a, const void *b);
static char	*dup_or_null(const char *s);
static json_t	*jstr(const char *s);
static json_t	*jstrv(char *const *v, size_t n);
static json_t	*jvars(const struct vars *vs);
static int	copy_str(char **out, json_t *v);
static int	copy_strv(char ***out, size_t *n, json_t *a, size_t max);
static int	copy_vars(struct vars *vs, json_t *env);
static int	copy_oid(char out[OID_HEXSZ + 1], const char *s);
static int	fill_common(struct job *out, const struct fields *f);
static int	parse_v2(struct job *out, json_t *root, json_error_t *jerr);
static int	parse_v1(struct job *out, json_t *root, json_error_t *jerr);

static json_t	*jtime(long long t);
static json_t	*deployment_json(const struct job *r, int live);
static void	outcome_json(json_t *o, const struct job_view *v);
static json_t	*view_json(const struct job_view *v);
static json_t	*listing_meta(const struct job_listing *l);
static char	*dump_display(json_t *root);
static json_t	*display_strv(char *const *v, size_t n);
static json_t	*claim_json(const struct job *job);
static json_t	*plan_json(const struct job *job);
static json_t	*rule_json(const struct job_rule_view *r);
static json_t	*setting_json(const struct job_setting *s);
static json_t	*settings_json(const struct job_settings *s);
static json_t	*projects_json(const struct job_project_view *p, size_t n);
static json_t	*explain_details(const struct job_explain *e);

const char *
job_source_name(enum job_source s)
{
	return (unsigned)s < NSOURCES ? source_names[s] : "?";
}

static int
source_from_name(const char *name)
{
	int i;

	for (i = 0; i < (int)NSOURCES; i++)
		if (strcmp(name, source_names[i]) == 0)
			return i;
	return -1;
}

static void
to_hex(char *out, const unsigned char *bytes, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

void
job_request_random(char out[JOB_REQUEST_HEXSZ + 1])
{
	unsigned char r[JOB_REQUEST_HEXSZ / 2];

	arc4random_buf(r, sizeof(r));
	to_hex(out, r, sizeof(r));
}

void
job_request_derive(char out[JOB_REQUEST_HEXSZ + 1], const char *text)
{
	char h[HASH_SHA256_HEXSZ + 1];

	hash_sha256_hex(h, text, strlen(text));
	memcpy(out, h, JOB_REQUEST_HEXSZ);
	out[JOB_REQUEST_HEXSZ] = '\0';
}

static int
lower_hex(const char *s, size_t want)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == want && s[n] == '\0';
}

int
job_request_valid(const char *s)
{
	return lower_hex(s, JOB_REQUEST_HEXSZ);
}

static int
var_cmp(const void *a, const void *b)
{
	const struct var *x = a, *y = b;

	return strcmp(x->name, y->name);
}

void
job_set_idem_key(struct job *job)
{
	struct vars sorted = { 0 };
	char *in, *next;
	size_t i;

	vars_merge(&sorted, &job->env_vars);
	if (sorted.n > 1)
		qsort(sorted.v, sorted.n, sizeof(*sorted.v), var_cmp);
	in = xasprintf("dotgit-deploy request\n%s\n%s\n%s\n%s", job->request,
	    job->project, job->environment, job->commit);
	for (i = 0; i < sorted.n; i++) {
		next = xasprintf("%s\n%s=%s", in, sorted.v[i].name,
		    sorted.v[i].value);
		free(in);
		in = next;
	}
	hash_sha256_hex(job->idem_key, in, strlen(in));
	free(in);
	vars_release(&sorted);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
job_copy(struct job *dst, const struct job *src)
{
	*dst = *src;
	dst->id = dup_or_null(src->id);
	dst->repo = dup_or_null(src->repo);
	dst->ref = dup_or_null(src->ref);
	dst->options = xstrvdup(src->options, src->noptions);
	dst->project_key = dup_or_null(src->project_key);
	dst->project = dup_or_null(src->project);
	dst->branch = dup_or_null(src->branch);
	dst->environment = dup_or_null(src->environment);
	dst->last_error = dup_or_null(src->last_error);
	dst->deployment_id = dup_or_null(src->deployment_id);
	dst->status = dup_or_null(src->status);
	dst->url = dup_or_null(src->url);
	memset(&dst->env_vars, 0, sizeof(dst->env_vars));
	vars_merge(&dst->env_vars, &src->env_vars);
	dst->paths = xstrvdup(src->paths, src->npaths);
}

void
job_release(struct job *job)
{
	free(job->id);
	free(job->repo);
	free(job->ref);
	strv_free(job->options, job->noptions);
	free(job->project_key);
	free(job->project);
	free(job->branch);
	free(job->environment);
	free(job->last_error);
	free(job->deployment_id);
	free(job->status);
	free(job->url);
	vars_release(&job->env_vars);
	strv_free(job->paths, job->npaths);
	memset(job, 0, sizeof(*job));
}

int
job_bound(struct job *job, long long now)
{
	int changed = 0;

	if (job->attempts > JOB_ATTEMPTS_MAX || job->attempts < 0) {
		job->attempts = JOB_ATTEMPTS_MAX;
		changed = 1;
	}
	if (job->planned_at > now) {
		job->planned_at = now;
		changed = 1;
	}
	if (job->next_attempt < 0 || (job->next_attempt > now &&
	    job->next_attempt - now > JOB_DEFER_MAX)) {
		job->next_attempt = 0;
		changed = 1;
	}
	return changed;
}

char *
job_label(const struct job *job)
{
	char *b, *p = NULL, *l;

	b = log_escape(job->branch != NULL ? job->branch : "?", 200);
	if (job->project_key != NULL)
		p = log_escape(job->project_key, 100);
	l = xasprintf("%s%s%s%s -> %s", b, p != NULL ? " [" : "",
	    p != NULL ? p : "", p != NULL ? "]" : "",
	    job->environment != NULL ? job->environment : "?");
	free(p);
	free(b);
	return l;
}

/* JSON out. */

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jstrv(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *
jvars(const struct vars *vs)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (json_object_set_new(o, vs->v[i].name,
		    json_string(vs->v[i].value)) < 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/*
 * json_string() refuses invalid UTF-8 (a ref name may hold any byte but
 * NUL) and json_object_set_new() refuses a NULL value, so every failure
 * lands in the return value: nothing is silently dropped.
 */
char *
job_to_json(const struct job *job)
{
	json_t *root;
	char *out = NULL;
	int rc = 0;

	root = json_object();
#define SET(k, v) do {					\
	if (json_object_set_new(root, (k), (v)) < 0)	\
		rc = -1;				\
} while (0)
	SET("version", json_integer(JOB_VERSION));
	SET("source", json_string(job_source_name(job->source)));
	SET("request", json_string(job->request));
	SET("repo", jstr(job->repo));
	SET("ref", jstr(job->ref));
	SET("old", json_string(job->old));
	SET("new", json_string(job->new));
	SET("options", jstrv(job->options, job->noptions));
	SET("planned_at", json_integer(job->planned_at));
	if (job->project_key != NULL)
		SET("project_key", json_string(job->project_key));
	SET("project", jstr(job->project));
	SET("project_is_name", json_boolean(job->project_is_name));
	SET("branch", jstr(job->branch));
	SET("environment", jstr(job->environment));
	SET("commit", json_string(job->commit));
	SET("env_vars", jvars(&job->env_vars));
	SET("paths", jstrv(job->paths, job->npaths));
	SET("idempotency_key", json_string(job->idem_key));
	SET("attempts", json_integer(job->attempts));
	SET("next_attempt", json_integer(job->next_attempt));
	SET("last_error", jstr(job->last_error));
	SET("deployment_id", jstr(job->deployment_id));
	if (job->status != NULL) {	/* a deployment: history */
		SET("status", json_string(job->status));
		SET("url", jstr(job->url));
		SET("deployed_at", json_integer(job->deployed_at));
	}
#undef SET
	if (rc == 0)
		out = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	return out;
}

json_t *
job_jstr(const char *s)
{
	json_t *j;
	char *e;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	e = log_escape(s, 0);
	j = json_string(e);
	free(e);
	return j;
}

/* Unix seconds as ISO 8601 UTC, or null for 0. */
static json_t *
jtime(long long t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *
deployment_json(const struct job *r, int live)
{
	json_t *o = json_object();

	json_object_set_new(o, "project", job_jstr(
	    r->project_key != NULL ? r->project_key : r->project));
	json_object_set_new(o, "project_id", job_jstr(r->project));
	json_object_set_new(o, "environment", job_jstr(r->environment));
	json_object_set_new(o, "ref", job_jstr(r->ref));
	json_object_set_new(o, "branch", job_jstr(r->branch));
	json_object_set_new(o, "commit", json_string(r->commit));
	json_object_set_new(o, "deployment_id",
	    job_jstr(r->deployment_id));
	json_object_set_new(o, "status", job_jstr(r->status));
	json_object_set_new(o, "live", json_boolean(live));
	json_object_set_new(o, "url", job_jstr(r->url));
	json_object_set_new(o, "deployed_at", jtime(r->deployed_at));
	json_object_set_new(o, "source",
	    json_string(job_source_name(r->source)));
	json_object_set_new(o, "request", json_string(r->request));
	json_object_set_new(o, "env_vars", jvars(&r->env_vars));
	return o;
}

char *
job_history_json(const struct job *v, const int *live, size_t n,
    const char *ledger)
{
	json_t *root = json_object(), *a = json_array(), *meta;
	char *out;
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, deployment_json(&v[i], live[i]));
	meta = json_pack("{s:I, s:s?}", "count", (json_int_t)n, "ledger",
	    ledger);
	json_object_set_new(root, "deployments", a);
	json_object_set_new(root, "meta", meta != NULL ? meta :
	    json_object());
	out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (out == NULL)
		xoom();
	return out;
}

/* The queue's JSON: what `queue --json` and `queue show --json` print. */

/* The outcome's fields, shared by the listing and `show`. */
static void
outcome_json(json_t *o, const struct job_view *v)
{
	json_object_set_new(o, "outcome", job_jstr(v->outcome));
	json_object_set_new(o, "reason", job_jstr(v->reason));
	json_object_set_new(o, "superseded_by", job_jstr(v->superseded_by));
	json_object_set_new(o, "deployment_id",
	    job_jstr(v->job->deployment_id));
}

static json_t *
view_json(const struct job_view *v)
{
	const struct job *job = v->job;
	json_t *o = json_object();

	json_object_set_new(o, "id", job_jstr(job->id));
	json_object_set_new(o, "state", json_string(v->state));
	json_object_set_new(o, "project", job_jstr(job->project));
	json_object_set_new(o, "project_name", job_jstr(job->project_key));
	json_object_set_new(o, "branch", job_jstr(job->branch));
	json_object_set_new(o, "ref", job_jstr(job->ref));
	json_object_set_new(o, "environment", job_jstr(job->environment));
	json_object_set_new(o, "commit", job_jstr(job->commit));
	json_object_set_new(o, "age_seconds", json_integer(v->age));
	json_object_set_new(o, "attempts", json_integer(job->attempts));
	json_object_set_new(o, "last_error", job_jstr(job->last_error));
	outcome_json(o, v);
	return o;
}

static json_t *
listing_meta(const struct job_listing *l)
{
	json_t *counts = json_object();
	size_t i;

	for (i = 0; i < l->ncounts; i++)
		json_object_set_new(counts, l->counts[i].state,
		    json_integer((json_int_t)l->counts[i].n));
	return json_pack("{s:o, s:o, s:i}", "queue", job_jstr(l->queue),
	    "counts", counts, "done_shown_max", l->shown_max);
}

/* Indented, in the order built; the reference taken. */
static char *
dump_display(json_t *root)
{
	char *out = root != NULL ? json_dumps(root, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER) : NULL;

	json_decref(root);
	return out;
}

char *
job_queue_json(const struct job_listing *l)
{
	json_t *jobs = json_array(), *files = json_array();
	size_t i;

	for (i = 0; i < l->njobs; i++)
		json_array_append_new(jobs, view_json(&l->jobs[i]));
	for (i = 0; i < l->njunk; i++)
		json_array_append_new(files, json_pack("{s:o, s:o}", "name",
		    job_jstr(l->junk[i].name), "reason",
		    job_jstr(l->junk[i].why)));
	return dump_display(json_pack("{s:o, s:o, s:o}", "jobs", jobs,
	    "bad_files", files, "meta", listing_meta(l)));
}

static json_t *
display_strv(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, job_jstr(v[i]));
	return a;
}

static json_t *
claim_json(const struct job *job)
{
	return json_pack("{s:o, s:o, s:s, s:s, s:o, s:s, s:s, s:I}",
	    "repository", job_jstr(job->repo),
	    "ref", job_jstr(job->ref),
	    "old", job->old, "new", job->new,
	    "push_options", display_strv(job->options, job->noptions),
	    "request", job->request,
	    "source", job_source_name(job->source),
	    "planned_at", (json_int_t)job->planned_at);
}

static json_t *
plan_json(const struct job *job)
{
	json_t *vars = json_object();
	size_t i;

	for (i = 0; i < job->env_vars.n; i++)
		json_object_set_new(vars, job->env_vars.v[i].name,
		    job_jstr(job->env_vars.v[i].value));
	return json_pack("{s:o, s:b, s:o, s:o, s:s, s:o, s:o, s:o}",
	    "project", job_jstr(job->project),
	    "project_is_name", job->project_is_name,
	    "branch", job_jstr(job->branch),
	    "environment", job_jstr(job->environment),
	    "commit", job->commit, "env_vars", vars,
	    "paths", display_strv(job->paths, job->npaths),
	    "idempotency_key", job->idem_key[0] != '\0' ?
	    json_string(job->idem_key) : json_null());
}

char *
job_show_json(const struct job_view *v)
{
	const struct job *job = v->job;
	json_t *o = json_object();

	json_object_set_new(o, "id", job_jstr(job->id));
	json_object_set_new(o, "state", json_string(v->state));
	outcome_json(o, v);
	json_object_set_new(o, "claim", claim_json(job));
	json_object_set_new(o, "plan", plan_json(job));
	json_object_set_new(o, "attempts", json_integer(job->attempts));
	json_object_set_new(o, "next_attempt",
	    json_integer((json_int_t)job->next_attempt));
	json_object_set_new(o, "last_error", job_jstr(job->last_error));
	return dump_display(o);
}

/* `config explain --json`: what a push would plan, and from where. */

static json_t *
rule_json(const struct job_rule_view *r)
{
	return json_pack("{s:o, s:s, s:o, s:i}", "pattern",
	    job_jstr(r->pattern), "match", r->exact ? "exact" : "glob",
	    "file", job_jstr(r->file), "line", r->line);
}

/* {"value": ..., "from": "file:line" or null}; value null when unset. */
static json_t *
setting_json(const struct job_setting *s)
{
	return json_pack("{s:o, s:o}", "value", job_jstr(s->value), "from",
	    job_jstr(s->from));
}

static json_t *
settings_json(const struct job_settings *s)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o}",
	    "project", setting_json(&s->project),
	    "url", setting_json(&s->url),
	    "key_file", setting_json(&s->key_file),
	    "ca_file", setting_json(&s->ca_file),
	    "mode", setting_json(&s->mode));
}

/* A monorepo's projects and whether the rule deploys each: [] for one
 * project. */
static json_t *
projects_json(const struct job_project_view *p, size_t n)
{
	json_t *a = json_array();
	size_t k;

	for (k = 0; k < n; k++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:b}",
		    "name", job_jstr(p[k].name), "project",
		    job_jstr(p[k].project), "paths",
		    display_strv(p[k].paths, p[k].npaths), "deployed",
		    p[k].deployed));
	return a;
}

static json_t *
explain_details(const struct job_explain *e)
{
	json_t *vars = json_object(), *from = json_object(), *tried;
	size_t i;

	for (i = 0; e->vars != NULL && i < e->vars->n; i++) {
		json_object_set_new(vars, e->vars->v[i].name,
		    job_jstr(e->vars->v[i].value));
		json_object_set_new(from, e->vars->v[i].name,
		    job_jstr(e->vars_from[i]));
	}
	tried = json_array();
	for (i = 0; i < e->ntried; i++)
		json_array_append_new(tried, rule_json(&e->tried[i]));
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "paths",
	    display_strv(e->paths, e->npaths), "env_vars", vars, "tried",
	    tried, "env_vars_from", from, "projects",
	    projects_json(e->projects, e->nprojects), "settings",
	    e->settings != NULL ? settings_json(e->settings) : json_null());
}

char *
job_explain_json(const struct job_explain *e)
{
	json_t *root, *details;

	root = json_pack("{s:o, s:s, s:o, s:b, s:o, s:o, s:o, s:o}",
	    "ref", job_jstr(e->ref), "kind", e->kind,
	    "name", job_jstr(e->name), "deployed", e->rule != NULL,
	    "reason", jstr(e->reason),
	    "rule", e->rule != NULL ? rule_json(e->rule) : json_null(),
	    "environment", jstr(e->environment),
	    "environment_from", jstr(e->environment_from));
	details = explain_details(e);
	if (root != NULL && details != NULL)
		json_object_update(root, details);
	json_decref(details);
	return dump_display(root);
}

/* JSON in. */

static int
copy_str(char **out, json_t *v)
{
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > JOB_STRING_MAX)
		return -1;
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int
copy_strv(char ***out, size_t *n, json_t *a, size_t max)
{
	size_t i, len;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a) || (len = json_array_size(a)) > max)
		return -1;
	if (len > 0)
		*out = xcalloc(len, sizeof(**out));
	for (i = 0; i < len; i++) {
		if (copy_str(&(*out)[i], json_array_get(a, i)) < 0 ||
		    (*out)[i] == NULL)
			return -1;
		*n = i + 1;
	}
	return 0;
}

static int
copy_vars(struct vars *vs, json_t *env)
{
	const char *name;
	json_t *v;

	if (!json_is_object(env) || json_object_size(env) > JOB_OPTIONS_MAX)
		return -1;
	json_object_foreach(env, name, v) {
		if (!json_is_string(v) || !vars_name_valid(name) ||
		    json_string_length(v) > JOB_STRING_MAX)
			return -1;
		vars_set(vs, name, json_string_value(v));
	}
	return 0;
}

static int
copy_oid(char out[OID_HEXSZ + 1], const char *s)
{
	if (!lower_hex(s, OID_HEXSZ))
		return -1;
	memcpy(out, s, OID_HEXSZ + 1);
	return 0;
}

/* The fields both versions share: the plan and the worker state. */
struct fields {
	json_t		*project, *branch, *envn, *env, *paths, *last, *dep;
	json_t		*repo, *ref;
	const char	*commit, *key;
	int		 isname, attempts;
	json_int_t	 planned, next;
};

static int
fill_common(struct job *out, const struct fields *f)
{
	out->project_is_name = f->isname;
	out->attempts = f->attempts;
	out->planned_at = f->planned;
	out->next_attempt = f->next;
	if (f->attempts < 0 || copy_oid(out->commit, f->commit) < 0 ||
	    (*f->key != '\0' && !lower_hex(f->key, IDEM_KEY_HEXSZ)) ||
	    copy_str(&out->repo, f->repo) < 0 || out->repo == NULL ||
	    copy_str(&out->ref, f->ref) < 0 || out->ref == NULL ||
	    copy_str(&out->project, f->project) < 0 || out->project == NULL ||
	    copy_str(&out->branch, f->branch) < 0 || out->branch == NULL ||
	    copy_str(&out->environment, f->envn) < 0 ||
	    out->environment == NULL ||
	    copy_str(&out->last_error, f->last) < 0 ||
	    copy_str(&out->deployment_id, f->dep) < 0 ||
	    copy_vars(&out->env_vars, f->env) < 0 ||
	    copy_strv(&out->paths, &out->npaths, f->paths,
	    JOB_OPTIONS_MAX) < 0)
		return -1;
	memcpy(out->idem_key, f->key, strlen(f->key) + 1);
	return 0;
}

static int
parse_v2(struct job *out, json_t *root, json_error_t *jerr)
{
	struct fields f;
	const char *source, *request, *old, *new;
	json_t *options, *status = NULL, *url = NULL, *pkey = NULL;
	json_int_t deployed = 0;
	int src, version;

	if (json_unpack_ex(root, jerr, JSON_STRICT,
	    "{s:i, s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:I, s:o, s:b, s:o, "
	    "s:o, s:s, s:o, s:o, s:s, s:i, s:I, s:o, s:o, s?o, s?o, s?I, "
	    "s?o}",
	    "version", &version, "source", &source, "request", &request,
	    "repo", &f.repo, "ref", &f.ref, "old", &old, "new", &new,
	    "options", &options, "planned_at", &f.planned,
	    "project", &f.project, "project_is_name", &f.isname,
	    "branch", &f.branch, "environment", &f.envn,
	    "commit", &f.commit, "env_vars", &f.env, "paths", &f.paths,
	    "idempotency_key", &f.key, "attempts", &f.attempts,
	    "next_attempt", &f.next, "last_error", &f.last,
	    "deployment_id", &f.dep, "status", &status, "url", &url,
	    "deployed_at", &deployed, "project_key", &pkey) < 0)
		return -1;
	snprintf(jerr->text, sizeof(jerr->text), "bad source, request, old "
	    "or new id, options, or a field's type");
	if ((src = source_from_name(source)) < 0 ||
	    !job_request_valid(request) || copy_oid(out->old, old) < 0 ||
	    copy_oid(out->new, new) < 0 ||
	    copy_strv(&out->options, &out->noptions, options,
	    JOB_OPTIONS_MAX) < 0 || fill_common(out, &f) < 0 ||
	    copy_str(&out->status, status) < 0 || copy_str(&out->url, url) <
	    0 || copy_str(&out->project_key, pkey) < 0)
		return -1;
	out->deployed_at = deployed;
	out->source = (enum job_source)src;
	memcpy(out->request, request, JOB_REQUEST_HEXSZ + 1);
	return 0;
}

/* A version 1 file (before claims): its pushed id is "commit", its
 * request is named by its key, and it carries no push options. */
static int
parse_v1(struct job *out, json_t *root, json_error_t *jerr)
{
	struct fields f;
	int version, verify = 0;

	if (json_unpack_ex(root, jerr, JSON_STRICT,
	    "{s:i, s:o, s:b, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:s, s:I, "
	    "s:i, s:I, s:o, s:o, s?b}",
	    "version", &version, "project", &f.project, "project_is_name",
	    &f.isname, "repo", &f.repo, "ref", &f.ref, "branch", &f.branch,
	    "environment", &f.envn, "commit", &f.commit, "env_vars", &f.env,
	    "paths", &f.paths, "idempotency_key", &f.key, "planned_at",
	    &f.planned, "attempts", &f.attempts, "next_attempt", &f.next,
	    "last_error", &f.last, "deployment_id", &f.dep, "verify",
	    &verify) < 0)
		return -1;
	snprintf(jerr->text, sizeof(jerr->text), "bad commit, key, or a "
	    "field's type");
	if (!lower_hex(f.key, IDEM_KEY_HEXSZ) || fill_common(out, &f) < 0)
		return -1;
	out->source = JOB_PUSH;
	memcpy(out->request, f.key, JOB_REQUEST_HEXSZ);
	out->request[JOB_REQUEST_HEXSZ] = '\0';
	memset(out->old, '0', OID_HEXSZ);
	memcpy(out->new, out->commit, OID_HEXSZ + 1);
	out->idem_key[0] = '\0';
	return 0;
}

int
job_from_json(struct job *out, const char *text, struct error *err)
{
	json_error_t jerr;
	json_t *root;
	int version = 0, rc;

	memset(out, 0, sizeof(*out));
	if ((root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return error_set(err, EXIT_FAIL, "not JSON: line %d: %s",
		    jerr.line, jerr.text);
	(void)json_unpack(root, "{s:i}", "version", &version);
	if (version == JOB_VERSION)
		rc = parse_v2(out, root, &jerr);
	else if (version == 1)
		rc = parse_v1(out, root, &jerr);
	else {
		rc = -1;
		snprintf(jerr.text, sizeof(jerr.text), "unknown version");
	}
	json_decref(root);
	if (rc < 0) {
		job_release(out);
		return error_set(err, EXIT_FAIL, "not a job: %s", jerr.text);
	}
	return 0;
}
