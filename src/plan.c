/* SPDX-License-Identifier: ISC */
/* plan.c -- decide what each pushed ref means: a job, or why not */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "plan.h"
#include "rules.h"
#include "utf8.h"
#include "xmalloc.h"

#define MAX_PUSH_OPTIONS	1000
#define MAX_REF_LEN		4096
#define SKIP_REASON		"skipped: the commit message says [skip deploy]"

static const char *const skip_markers[] = {
	"[skip deploy]", "[deploy skip]", NULL
};

static void	set_invalid(struct push_options *opts, const char *opt,
		    const char *why);
static void	keep_raw(struct push_options *opts, const char *opt,
		    unsigned kind);
static void	env_option(struct push_options *opts, const char *opt);
static void	environment_option(struct push_options *opts, const char *opt);
static int	has_skip_marker(const char *msg);
static int	is_skipped(const struct push_options *opts, const char *ref,
		    const char *name);
static void	verdict(struct plan *p, enum plan_verdict v, const char *fmt,
		    ...);
static void	fill_job(struct job *job, const struct config *cfg,
		    const char *git_dir, const struct ref_update *up,
		    const char *name, const char *env,
		    const struct push_options *opts, const struct rule *rule,
		    size_t k);
static int	check_policy(struct plan *p, const struct config *cfg,
		    const struct push_options *opts);
static int	names_has(char *const *v, size_t n, const char *s);
static int	plan_project(struct plan *p, const struct config *cfg,
		    const struct push_options *opts, size_t k);
static int	plan_rules(struct plan *p, const struct config *cfg,
		    const struct ref_update *up,
		    const struct push_options *opts, int flags,
		    const char **name, size_t k);
static void	plan_map(struct plan *p, const struct config *cfg,
		    const char *git_dir, const struct ref_update *up,
		    const struct push_options *opts, int flags, size_t k);
static int	peel(struct job *job, struct repo *repo, char **skip,
		    struct error *err);
static void	claim_options(struct push_options *opts,
		    const struct job *claim);
static void	check_held(struct plan *p, struct repo *repo,
		    const struct job *claim);
static void	carry_state(struct job *job, const struct job *claim);
static int	claim_project(struct plan *p, const struct config *cfg,
		    const struct job *claim, size_t *k);
static int	hex_field(char out[OID_HEXSZ + 1], const char *s, size_t len);

static void
set_invalid(struct push_options *opts, const char *opt, const char *why)
{
	char *e;

	if (opts->invalid != NULL)
		return;
	e = log_escape(opt, 200);
	opts->invalid = xasprintf("invalid push option '%s': %s", e, why);
	free(e);
}

void
plan_push_options_init(struct push_options *opts, enum job_source source)
{
	memset(opts, 0, sizeof(*opts));
	opts->source = source;
	job_request_random(opts->request);
}

/* Keep the option as given: a queued job carries it to the daemon. */
static void
keep_raw(struct push_options *opts, const char *opt, unsigned kind)
{
	opts->used |= kind;
	if (opts->nraw == JOB_OPTIONS_MAX || strlen(opt) > JOB_STRING_MAX) {
		set_invalid(opts, opt, "too many or too long push options");
		return;
	}
	opts->raw = xreallocarray(opts->raw, opts->nraw + 1,
	    sizeof(*opts->raw));
	opts->raw[opts->nraw++] = xstrdup(opt);
}

static void
env_option(struct push_options *opts, const char *opt)
{
	struct error err;

	error_clear(&err);
	if (vars_set_assignment(&opts->env, opt + 11, &err) < 0)
		set_invalid(opts, opt, "expected deploy.env.NAME=VALUE with "
		    "NAME of letters, digits and _");
}

static void
environment_option(struct push_options *opts, const char *opt)
{
	const char *v = opt + 19;

	if (config_env_index(v) < 0) {
		set_invalid(opts, opt, "use production, staging or preview");
		return;
	}
	free(opts->environment);
	opts->environment = xstrdup(v);
}

void
plan_push_option(struct push_options *opts, const char *opt)
{
	if (strncmp(opt, "deploy.", 7) != 0)
		return;
	if (!utf8_valid(opt))	/* a job (JSON) could not carry it */
		set_invalid(opts, opt, "not valid UTF-8");
	else if (strcmp(opt, "deploy.skip") == 0) {
		keep_raw(opts, opt, CONFIG_OPT_SKIP);
		opts->skip_all = 1;
	} else if (strcmp(opt, "deploy.verbose") == 0) {
		keep_raw(opts, opt, CONFIG_OPT_VERBOSE);
		opts->verbose = 1;
	} else if (strncmp(opt, "deploy.skip=", 12) == 0) {
		keep_raw(opts, opt, CONFIG_OPT_SKIP);
		if (opt[12] == '\0')
			set_invalid(opts, opt, "name a branch or tag");
		opts->skip = xreallocarray(opts->skip, opts->nskip + 1,
		    sizeof(*opts->skip));
		opts->skip[opts->nskip++] = xstrdup(opt + 12);
	} else if (strncmp(opt, "deploy.environment=", 19) == 0) {
		keep_raw(opts, opt, CONFIG_OPT_ENVIRONMENT);
		environment_option(opts, opt);
	} else if (strncmp(opt, "deploy.env.", 11) == 0) {
		keep_raw(opts, opt, CONFIG_OPT_ENV);
		env_option(opts, opt);
	} else if (strncmp(opt, "deploy.project=", 15) == 0) {
		keep_raw(opts, opt, CONFIG_OPT_PROJECT);
		if (opt[15] == '\0')
			set_invalid(opts, opt, "name a [project \"NAME\"]");
		opts->only = xreallocarray(opts->only, opts->nonly + 1,
		    sizeof(*opts->only));
		opts->only[opts->nonly++] = xstrdup(opt + 15);
	} else
		set_invalid(opts, opt, "known options are deploy.skip, "
		    "deploy.skip=REF, deploy.env.NAME=VALUE, "
		    "deploy.environment=ENV, deploy.project=NAME, "
		    "deploy.verbose");
}

void
plan_push_options_from_env(struct push_options *opts)
{
	const char *s = getenv("GIT_PUSH_OPTION_COUNT");
	char name[64];
	long n, i;

	if (s == NULL)
		return;
	n = strtol(s, NULL, 10);
	if (n < 0 || n > MAX_PUSH_OPTIONS) {
		set_invalid(opts, s, "too many push options");
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "GIT_PUSH_OPTION_%ld", i);
		if ((s = getenv(name)) != NULL)
			plan_push_option(opts, s);
	}
}

void
plan_push_options_release(struct push_options *opts)
{
	size_t i;

	for (i = 0; i < opts->nskip; i++)
		free(opts->skip[i]);
	free(opts->skip);
	strv_free(opts->raw, opts->nraw);
	strv_free(opts->only, opts->nonly);
	vars_release(&opts->env);
	free(opts->environment);
	free(opts->invalid);
	memset(opts, 0, sizeof(*opts));
}

static int
has_skip_marker(const char *msg)
{
	size_t i;

	for (i = 0; skip_markers[i] != NULL; i++)
		if (strcasestr(msg, skip_markers[i]) != NULL)
			return 1;
	return 0;
}

static int
is_skipped(const struct push_options *opts, const char *ref,
    const char *name)
{
	size_t i;

	for (i = 0; i < opts->nskip; i++)
		if (strcmp(opts->skip[i], name) == 0 ||
		    strcmp(opts->skip[i], ref) == 0)
			return 1;
	return 0;
}

static void
verdict(struct plan *p, enum plan_verdict v, const char *fmt, ...)
    PRINTFLIKE(3, 4);

static void
verdict(struct plan *p, enum plan_verdict v, const char *fmt, ...)
{
	va_list ap;

	p->verdict = v;
	free(p->reason);
	va_start(ap, fmt);
	if (vasprintf(&p->reason, fmt, ap) < 0)
		p->reason = NULL;
	va_end(ap);
}

/* The claim (what happened) and the plan (what it means), not peeled. */
static void
fill_job(struct job *job, const struct config *cfg, const char *git_dir,
    const struct ref_update *up, const char *name, const char *env,
    const struct push_options *opts, const struct rule *rule, size_t k)
{
	const struct config_project *m = cfg->nprojects > 0 ?
	    &cfg->projects[k] : NULL;

	job->source = opts->source;
	memcpy(job->request, opts->request, sizeof(job->request));
	job->repo = git_dir != NULL ? xstrdup(git_dir) : NULL;
	job->ref = xstrdup(up->ref);
	memcpy(job->old, up->old, sizeof(job->old));
	memcpy(job->new, up->new, sizeof(job->new));
	job->options = xstrvdup(opts->raw, opts->nraw);
	job->noptions = opts->nraw;
	job->planned_at = (long long)time(NULL);
	if (m != NULL) {
		job->project_key = xstrdup(m->key);
		job->project_is_name = m->id == NULL;
		job->project = xstrdup(m->id != NULL ? m->id : m->name);
	} else {
		job->project_is_name = cfg->project_id == NULL;
		job->project = xstrdup(job->project_is_name ?
		    cfg->project_name : cfg->project_id);
	}
	job->branch = xstrdup(name);
	job->environment = xstrdup(env);
	vars_merge(&job->env_vars, &cfg->env_vars[config_env_index(env)]);
	vars_merge(&job->env_vars, &opts->env);
	if (m != NULL && m->npaths > 0) {	/* the project's own */
		job->paths = xstrvdup(m->paths, m->npaths);
		job->npaths = m->npaths;
	} else if (rule != NULL && rule->npaths > 0) {
		job->paths = xstrvdup(rule->paths, rule->npaths);
		job->npaths = rule->npaths;
	}
	memcpy(job->commit, up->new, sizeof(job->commit));
	job_set_idem_key(job);
}

/*
 * Push options count only as far as [policy] allow_options allows, and
 * deploy.environment never moves a ref into production that its rule
 * does not send there unless the policy says `production`. An option
 * refused deploys nothing and says why (a person running `deploy` is
 * not asked: PLAN_EXPLICIT).
 */
static int
check_policy(struct plan *p, const struct config *cfg,
    const struct push_options *opts)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} kinds[] = {
		{ CONFIG_OPT_SKIP, "deploy.skip" },
		{ CONFIG_OPT_VERBOSE, "deploy.verbose" },
		{ CONFIG_OPT_ENV, "deploy.env.*" },
		{ CONFIG_OPT_ENVIRONMENT, "deploy.environment" },
		{ CONFIG_OPT_PROJECT, "deploy.project" },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((opts->used & kinds[i].bit) &&
		    !(cfg->allow_options & kinds[i].bit)) {
			verdict(p, PLAN_ERROR, "push option %s is not "
			    "allowed here ([policy] allow_options)",
			    kinds[i].name);
			return -1;
		}
	if (opts->environment != NULL &&
	    strcmp(opts->environment, "production") == 0 &&
	    !(cfg->allow_options & CONFIG_OPT_PRODUCTION) &&
	    strcmp(p->rule->environment, "production") != 0) {
		verdict(p, PLAN_ERROR, "push option deploy.environment="
		    "production is not allowed: the rule says %s, and "
		    "[policy] allow_options does not include 'production'",
		    p->rule->environment);
		return -1;
	}
	return 0;
}

size_t
plan_nprojects(const struct config *cfg)
{
	return cfg->nprojects > 0 ? cfg->nprojects : 1;
}

const char *
plan_project_key(const struct config *cfg, size_t k)
{
	return cfg->nprojects > 0 ? cfg->projects[k].key : NULL;
}

static int
names_has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/*
 * Whether project k is in this plan: the rule may be for some projects
 * only, deploy.project=NAME may name some. 0 yes; -1 not (a quiet skip:
 * no rule), or a deploy.project naming no project (an error).
 */
static int
plan_project(struct plan *p, const struct config *cfg,
    const struct push_options *opts, size_t k)
{
	const char *key = plan_project_key(cfg, k);
	char *e;
	size_t i;

	for (i = 0; i < opts->nonly; i++)
		if (cfg->nprojects == 0 ||
		    !config_project_known(cfg, opts->only[i])) {
			e = log_escape(opts->only[i], 100);
			verdict(p, PLAN_ERROR, "push option deploy.project=%s: "
			    "no [project \"%s\"] in the configuration", e, e);
			free(e);
			return -1;
		}
	if (key == NULL)
		return 0;
	if ((p->rule != NULL && p->rule->nprojects > 0 &&
	    !names_has(p->rule->projects, p->rule->nprojects, key)) ||
	    (opts->nonly > 0 && !names_has(opts->only, opts->nonly, key))) {
		verdict(p, PLAN_SKIP, "not for project '%s'", key);
		p->rule = NULL;
		return -1;
	}
	return 0;
}

/* Everything that needs no repository: ref shape, options, rules. */
static int
plan_rules(struct plan *p, const struct config *cfg,
    const struct ref_update *up, const struct push_options *opts,
    int flags, const char **name, size_t k)
{
	enum rule_kind kind;

	if (strncmp(up->ref, "refs/heads/", 11) == 0)
		kind = RULE_BRANCH;
	else if (strncmp(up->ref, "refs/tags/", 10) == 0)
		kind = RULE_TAG;
	else {
		verdict(p, PLAN_SKIP, "not a branch or tag");
		return -1;
	}
	*name = up->ref + (kind == RULE_BRANCH ? 11 : 10);
	if (repo_oid_is_zero(up->new)) {
		verdict(p, PLAN_SKIP, "deleted: nothing to deploy");
		return -1;
	}
	/* A backslash too, as ever (git refuses it in ref names). */
	if (!utf8_printable(up->ref, 0) || strchr(up->ref, '\\') != NULL) {
		verdict(p, PLAN_ERROR, "the ref name is not printable UTF-8, "
		    "which the API cannot carry");
		return -1;
	}
	if (opts->invalid != NULL) {
		verdict(p, PLAN_ERROR, "%s", opts->invalid);
		return -1;
	}
	p->rule = rules_match(cfg, kind, *name);
	if (p->rule == NULL && !((flags & PLAN_EXPLICIT) &&
	    opts->environment != NULL)) {
		verdict(p, PLAN_SKIP, "not deployed: no [%s] rule matches",
		    kind == RULE_BRANCH ? "branch" : "tag");
		return -1;
	}
	if (plan_project(p, cfg, opts, k) < 0)
		return -1;
	if (!(flags & PLAN_EXPLICIT) && check_policy(p, cfg, opts) < 0)
		return -1;
	if (opts->skip_all || is_skipped(opts, up->ref, *name)) {
		verdict(p, PLAN_SKIP, "skipped by push option deploy.skip");
		return -1;
	}
	return 0;
}

/* Map the ref to a job whose commit is the pushed id, not yet peeled. */
static void
plan_map(struct plan *p, const struct config *cfg, const char *git_dir,
    const struct ref_update *up, const struct push_options *opts,
    int flags, size_t k)
{
	const char *name, *env;

	memset(p, 0, sizeof(*p));
	if (plan_rules(p, cfg, up, opts, flags, &name, k) < 0)
		return;
	env = opts->environment != NULL ? opts->environment :
	    p->rule->environment;
	fill_job(&p->job, cfg, git_dir, up, name, env, opts, p->rule, k);
	p->verdict = PLAN_DEPLOY;
}

/*
 * The pushed id peeled to its commit (DD_ENOTFOUND when the object is
 * not there), and the key made from it; *skip (allocated) when the
 * commit message says [skip deploy].
 */
static int
peel(struct job *job, struct repo *repo, char **skip, struct error *err)
{
	char commit[OID_HEXSZ + 1], *msg = NULL;
	int r;

	*skip = NULL;
	if ((r = repo_peel_commit(commit, repo, job->new, err)) < 0) {
		if (r == DD_ENOTFOUND)
			error_set(err, EXIT_FAIL, "the pushed object %s is "
			    "not in '%s'", job->new, repo_git_dir(repo));
		return r;
	}
	if (repo_commit_message(&msg, repo, commit, err) < 0)
		return -1;
	if (has_skip_marker(msg))
		*skip = xstrdup(SKIP_REASON);
	free(msg);
	memcpy(job->commit, commit, sizeof(commit));
	job_set_idem_key(job);
	return 0;
}

void
plan_update(struct plan *p, const struct config *cfg, struct repo *repo,
    const struct ref_update *up, const struct push_options *opts,
    int flags, size_t k)
{
	struct error err;
	char *skip = NULL;

	plan_map(p, cfg, repo_git_dir(repo), up, opts, flags, k);
	if (p->verdict != PLAN_DEPLOY || (flags & PLAN_EXPLICIT))
		return;		/* explicit: resolved by the caller */
	error_clear(&err);
	if (peel(&p->job, repo, &skip, &err) < 0)
		verdict(p, PLAN_ERROR, "%s", err.msg);
	else if (skip != NULL)
		verdict(p, PLAN_SKIP, "%s", skip);
	free(skip);
}

void
plan_update_deferred(struct plan *p, const struct config *cfg,
    const char *git_dir, const struct ref_update *up,
    const struct push_options *opts, size_t k)
{
	plan_map(p, cfg, git_dir, up, opts, 0, k);
}

/* The options a claim carries, as a push would have given them. */
static void
claim_options(struct push_options *opts, const struct job *claim)
{
	size_t i;

	memset(opts, 0, sizeof(*opts));
	opts->source = claim->source;
	memcpy(opts->request, claim->request, sizeof(opts->request));
	for (i = 0; i < claim->noptions; i++) {
		if (strncmp(claim->options[i], "deploy.", 7) != 0)
			set_invalid(opts, claim->options[i], "not a deploy.* "
			    "option");
		plan_push_option(opts, claim->options[i]);
	}
}

/* The ref must still hold what the claim says was pushed. */
static void
check_held(struct plan *p, struct repo *repo, const struct job *claim)
{
	struct error err;
	char *ref = log_escape(claim->ref, 200);
	int held = 0, r;

	error_clear(&err);
	r = repo_ref_holds(&held, repo, claim->ref, claim->new, &err);
	if (r == DD_ENOTFOUND)	/* the object was found: the ref */
		verdict(p, PLAN_SKIP, "not deployed: %s no longer exists",
		    ref);
	else if (r < 0)
		verdict(p, PLAN_ERROR, "%s", err.msg);
	else if (!held)
		verdict(p, PLAN_ERROR, "%s does not hold %.12s: the claim is "
		    "refused", ref, claim->new);
	free(ref);
}

/* What the queue keeps about a job, whoever plans it. */
static void
carry_state(struct job *job, const struct job *claim)
{
	job->id = claim->id != NULL ? xstrdup(claim->id) : NULL;
	job->queue_state = claim->queue_state;
	job->planned_at = claim->planned_at;
	job->attempts = claim->attempts;
	job->next_attempt = claim->next_attempt;
	free(job->last_error);
	job->last_error = claim->last_error != NULL ?
	    xstrdup(claim->last_error) : NULL;
	job->deployment_id = claim->deployment_id != NULL ?
	    xstrdup(claim->deployment_id) : NULL;
}

/* The project the claim names, among the configuration's. */
static int
claim_project(struct plan *p, const struct config *cfg,
    const struct job *claim, size_t *k)
{
	const char *key = claim->project_key;
	char *e;

	*k = 0;
	if (key == NULL && cfg->nprojects == 0)
		return 0;
	for (*k = 0; key != NULL && *k < cfg->nprojects; (*k)++)
		if (strcmp(cfg->projects[*k].key, key) == 0)
			return 0;
	e = key != NULL ? log_escape(key, 100) : NULL;
	if (e == NULL)
		verdict(p, PLAN_ERROR, "the job names no project, and the "
		    "configuration has [project \"NAME\"]s");
	else
		verdict(p, PLAN_ERROR, "the job's project '%s' is not one of "
		    "the configuration's", e);
	free(e);
	return -1;
}

void
plan_claim(struct plan *p, const struct config *cfg, struct repo *repo,
    const struct job *claim)
{
	struct push_options opts;
	struct ref_update up;

	size_t k;

	memset(p, 0, sizeof(*p));
	if (claim_project(p, cfg, claim, &k) < 0)
		return;
	claim_options(&opts, claim);
	memset(&up, 0, sizeof(up));
	memcpy(up.old, claim->old, sizeof(up.old));
	memcpy(up.new, claim->new, sizeof(up.new));
	up.ref = claim->ref;
	plan_update(p, cfg, repo, &up, &opts, 0, k);
	if (p->verdict == PLAN_DEPLOY)
		check_held(p, repo, claim);
	if (p->job.ref != NULL)		/* planned, whatever the verdict */
		carry_state(&p->job, claim);
	plan_push_options_release(&opts);
}

void
plan_release(struct plan *p)
{
	free(p->reason);
	job_release(&p->job);
	memset(p, 0, sizeof(*p));
}

static int
hex_field(char out[OID_HEXSZ + 1], const char *s, size_t len)
{
	size_t i;

	if (len != OID_HEXSZ)
		return -1;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	for (i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[OID_HEXSZ] = '\0';
	return 0;
}

int
plan_parse_line(struct ref_update *out, const char *line, size_t len,
    struct error *err)
{
	const char *sp1, *sp2, *end = line + len;

	memset(out, 0, sizeof(*out));
	if (len > 0 && line[len - 1] == '\r')
		end--;
	if (memchr(line, '\0', len) != NULL)
		return error_set(err, EXIT_FAIL, "a NUL byte in the line");
	sp1 = memchr(line, ' ', (size_t)(end - line));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
	if (sp2 == NULL || sp2 + 1 >= end)
		return error_set(err, EXIT_FAIL, "expected '<old> <new> "
		    "<ref>'");
	if (sp1 - line == 64 && sp2 - sp1 - 1 == 64)
		return error_set(err, EXIT_FAIL, "64-digit object ids: sha256 "
		    "repositories are not supported");
	if (hex_field(out->old, line, (size_t)(sp1 - line)) < 0 ||
	    hex_field(out->new, sp1 + 1, (size_t)(sp2 - sp1 - 1)) < 0)
		return error_set(err, EXIT_FAIL, "expected 40-digit hex "
		    "object ids");
	if (end - sp2 - 1 > MAX_REF_LEN)
		return error_set(err, EXIT_FAIL, "ref name longer than %d "
		    "bytes", MAX_REF_LEN);
	out->ref = xstrndup(sp2 + 1, (size_t)(end - sp2 - 1));
	return 0;
}

void
plan_update_release(struct ref_update *up)
{
	free(up->ref);
	up->ref = NULL;
}
