/* job.c -- deployment jobs: identity and their queue-file JSON form */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include "hash.h"
#include "job.h"
#include "xmalloc.h"

_Static_assert(IDEM_KEY_HEXSZ == HASH_SHA256_HEXSZ, "idem key is sha256");

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
	in = xasprintf("%s\n%s\n%s", job->project, job->environment,
	    job->commit);
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
	size_t i;

	*dst = *src;
	dst->id = dup_or_null(src->id);
	dst->project = dup_or_null(src->project);
	dst->repo = dup_or_null(src->repo);
	dst->ref = dup_or_null(src->ref);
	dst->branch = dup_or_null(src->branch);
	dst->environment = dup_or_null(src->environment);
	dst->last_error = dup_or_null(src->last_error);
	dst->deployment_id = dup_or_null(src->deployment_id);
	memset(&dst->env_vars, 0, sizeof(dst->env_vars));
	vars_merge(&dst->env_vars, &src->env_vars);
	dst->paths = NULL;
	if (src->npaths > 0) {
		dst->paths = xcalloc(src->npaths, sizeof(*dst->paths));
		for (i = 0; i < src->npaths; i++)
			dst->paths[i] = xstrdup(src->paths[i]);
	}
}

void
job_release(struct job *job)
{
	size_t i;

	free(job->id);
	free(job->project);
	free(job->repo);
	free(job->ref);
	free(job->branch);
	free(job->environment);
	free(job->last_error);
	free(job->deployment_id);
	vars_release(&job->env_vars);
	for (i = 0; i < job->npaths; i++)
		free(job->paths[i]);
	free(job->paths);
	memset(job, 0, sizeof(*job));
}

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/*
 * json_string() refuses invalid UTF-8 (a ref name may hold any byte but
 * NUL) and json_object_set_new() refuses a NULL value, so every failure
 * lands in the return value: nothing is silently dropped.
 */
static int
job_vars_to_json(json_t *root, const struct job *job)
{
	json_t *env, *paths;
	size_t i;
	int rc = 0;

	env = json_object();
	for (i = 0; i < job->env_vars.n; i++)
		if (json_object_set_new(env, job->env_vars.v[i].name,
		    json_string(job->env_vars.v[i].value)) < 0)
			rc = -1;
	paths = json_array();
	for (i = 0; i < job->npaths; i++)
		if (json_array_append_new(paths,
		    json_string(job->paths[i])) < 0)
			rc = -1;
	if (json_object_set_new(root, "env_vars", env) < 0 ||
	    json_object_set_new(root, "paths", paths) < 0)
		rc = -1;
	return rc;
}

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
	SET("version", json_integer(1));
	SET("project", jstr(job->project));
	SET("project_is_name", json_boolean(job->project_is_name));
	SET("repo", jstr(job->repo));
	SET("ref", jstr(job->ref));
	SET("branch", jstr(job->branch));
	SET("environment", jstr(job->environment));
	SET("commit", json_string(job->commit));
	SET("idempotency_key", json_string(job->idem_key));
	SET("planned_at", json_integer(job->planned_at));
	SET("attempts", json_integer(job->attempts));
	SET("next_attempt", json_integer(job->next_attempt));
	SET("last_error", jstr(job->last_error));
	SET("deployment_id", jstr(job->deployment_id));
	if (job->verify)	/* only then: other files stay as they were */
		SET("verify", json_true());
#undef SET
	if (job_vars_to_json(root, job) < 0)
		rc = -1;
	if (rc == 0)
		out = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	return out;
}

static int
copy_str(char **out, json_t *v)
{
	if (json_is_null(v) || v == NULL) {
		*out = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int
job_vars_from_json(struct job *job, json_t *env, json_t *paths)
{
	const char *name;
	json_t *v;
	size_t i;

	json_object_foreach(env, name, v) {
		if (!json_is_string(v) || !vars_name_valid(name))
			return -1;
		vars_set(&job->env_vars, name, json_string_value(v));
	}
	job->npaths = json_array_size(paths);
	if (job->npaths > 0)
		job->paths = xcalloc(job->npaths, sizeof(*job->paths));
	json_array_foreach(paths, i, v) {
		if (!json_is_string(v))
			return -1;
		job->paths[i] = xstrdup(json_string_value(v));
	}
	return 0;
}

static int
key_valid(const char *key)
{
	size_t n = strspn(key, "0123456789abcdef");

	return n == IDEM_KEY_HEXSZ && key[n] == '\0';
}

int
job_from_json(struct job *out, const char *text, struct error *err)
{
	json_t *root, *project, *repo, *ref, *branch, *envn, *env, *paths;
	json_t *last, *dep;
	const char *commit, *key;
	json_int_t planned, next;
	json_error_t jerr;
	int version, isname, attempts, verify = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	if ((root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return error_set(err, EXIT_FAIL, "not JSON: line %d: %s",
		    jerr.line, jerr.text);
	if (json_unpack_ex(root, &jerr, JSON_STRICT,
	    "{s:i, s:o, s:b, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:s, s:I, "
	    "s:i, s:I, s:o, s:o, s?b}",
	    "version", &version, "project", &project, "project_is_name",
	    &isname, "repo", &repo, "ref", &ref, "branch", &branch,
	    "environment", &envn, "commit", &commit, "env_vars", &env,
	    "paths", &paths, "idempotency_key", &key, "planned_at", &planned,
	    "attempts", &attempts, "next_attempt", &next, "last_error", &last,
	    "deployment_id", &dep, "verify", &verify) < 0) {
		error_set(err, EXIT_FAIL, "not a job: %s", jerr.text);
		goto out;
	}
	if (version != 1 || !json_is_object(env) || !json_is_array(paths) ||
	    !repo_oid_valid(commit) || !key_valid(key) || attempts < 0) {
		error_set(err, EXIT_FAIL, "not a job: bad version, commit, "
		    "key, attempts or field type");
		goto out;
	}
	out->project_is_name = isname;
	out->verify = verify;
	memcpy(out->commit, commit, OID_HEXSZ + 1);
	memcpy(out->idem_key, key, IDEM_KEY_HEXSZ + 1);
	out->planned_at = planned;
	out->attempts = attempts;
	out->next_attempt = next;
	if (copy_str(&out->project, project) < 0 || out->project == NULL ||
	    copy_str(&out->repo, repo) < 0 || copy_str(&out->ref, ref) < 0 ||
	    copy_str(&out->branch, branch) < 0 || out->branch == NULL ||
	    copy_str(&out->environment, envn) < 0 ||
	    out->environment == NULL ||
	    copy_str(&out->last_error, last) < 0 ||
	    copy_str(&out->deployment_id, dep) < 0 ||
	    job_vars_from_json(out, env, paths) < 0) {
		error_set(err, EXIT_FAIL, "not a job: a field has the wrong "
		    "type");
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	if (rc < 0)
		job_release(out);
	return rc;
}
