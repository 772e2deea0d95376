/* SPDX-License-Identifier: ISC */
/* cmd-config.c -- dotgit-deploy config check | explain NAME */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "job.h"
#include "config.h"
#include "ledger.h"
#include "log.h"
#include "repo.h"
#include "rules.h"
#include "served.h"
#include "vars.h"
#include "xmalloc.h"

struct explain {
	enum rule_kind	 kind;
	const char	*name;		/* short branch or tag name */
	const char	*env;		/* --environment, or NULL */
	struct vars	 set;		/* --set */
	int		 json;
};

/* What explain prints, worked out once for both formats. */
struct verdict {
	const struct rule	*rule;		/* NULL: not deployed */
	const char		*env;		/* final environment */
	struct vars		 vars;		/* final env vars */
};

static int	 config_check(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	 config_explain(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	 config_keys(struct ctx *, const struct cmd_args *,
		    struct error *);
static const char	*kind_word(enum rule_kind);
static const char	*ref_prefix(enum rule_kind);
static int	 open_repo(struct ctx *, struct error *);
static int	 load(struct ctx *, struct config *, struct error *);
static void	 print_files(const struct config *);
static void	 print_problem(const struct config_problem *);
static int	 has_filters(const struct config *);
static void	 mode_warning(const struct config *, const char *,
		    const char *);
static size_t	 mode_notes(struct ctx *, const struct config *);
static int	 parse_explain(struct explain *, const struct cmd_args *,
		    struct error *);
static void	 decide(struct verdict *, const struct config *,
		    const struct explain *);
static void	 print_tried(const struct config *, enum rule_kind);
static const char	*var_origin(const struct config *,
		    const struct verdict *, const struct explain *,
		    const char *);
static void	 print_vars(const struct config *, const struct verdict *,
		    const struct explain *);
static const char	*mode_word(const struct config *);
static void	 print_setting(const char *, const char *, const char *,
		    const char *);
static void	 print_settings(const struct config *);
static void	 explain_text(const struct config *, const struct explain *,
		    const struct verdict *);
static void	 rule_view(struct job_rule_view *, const struct rule *);
static void	 view_settings(struct job_settings *, const struct config *);
static struct job_rule_view	*view_tried(const struct config *,
		    const struct explain *, const struct verdict *, size_t *);
static const char	**view_vars_from(const struct config *,
		    const struct explain *, const struct verdict *);
static int	 explain_json(const struct config *, const struct explain *,
		    const struct verdict *, struct error *);

static const struct cmd_option check_options[] = {
	{ "daemon", 0, NULL, 0,
	    "as the daemon reads it: its own files, no [project] needed" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct command check_entry = {
	.name = "check",
	.summary = "read the configuration as a push would: list the files "
	    "read and how far each is trusted, then every problem; exit 2 "
	    "on an error",
	.options = check_options,
	.exec = config_check,
};

static const struct cmd_option explain_options[] = {
	{ "tag", 0, NULL, 0, "NAME is a tag" },
	{ "environment", 'e', "ENV", 0,
	    "as a deploy to ENV (production, staging or preview)" },
	{ "set", 's', "KEY=VALUE", CMD_OPT_MULTI,
	    "as a deploy with this environment variable" },
	{ "json", 0, NULL, 0, "print the explanation as JSON" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct command explain_entry = {
	.name = "explain",
	.args = "NAME",
	.minargs = 1,
	.maxargs = 1,
	.summary = "say which rule maps a branch or tag NAME, to which "
	    "environment, with which variables, and where each setting "
	    "comes from",
	.options = explain_options,
	.complete = CMD_COMPLETE_REF,
	.exec = config_explain,
};

/* Every key of the key table, for the man page test. */
static const struct command keys_entry = {
	.name = "keys",
	.summary = "list the sections and keys the configuration knows",
	.flags = CMD_HIDDEN,
	.exec = config_keys,
};

/* One entry per config subcommand, each with its options. */
static const struct command *const config_commands[] = {
	&check_entry,
	&explain_entry,
	&cmd_config_init_entry,
	&keys_entry,
	NULL
};

const struct command cmd_config_entry = {
	.name = "config",
	.summary = "check the configuration, explain which rule maps a "
	    "branch or tag, or write a starter",
	.subs = config_commands,
};

static int	rule_for(const struct rule *r, const char *key);
static void	print_projects(const struct config *cfg, const struct rule *r);
static struct job_project_view	*view_projects(const struct config *cfg,
		    const struct rule *r);

static const char *
kind_word(enum rule_kind kind)
{
	return kind == RULE_TAG ? "tag" : "branch";
}

static const char *
ref_prefix(enum rule_kind kind)
{
	return kind == RULE_TAG ? "refs/tags/" : "refs/heads/";
}

#define NOT_A_REPO "not a git repository: "	/* repo_open's message */

/*
 * The repository whose files join the configuration, unless -c names
 * the file. Outside a repository there is none; one that cannot be
 * opened (a sha256 repository) is an error of its own rather than a
 * "no configuration found" from looking elsewhere.
 */
static int
open_repo(struct ctx *ctx, struct error *err)
{
	if (ctx->config_file != NULL || ctx->repo != NULL)
		return 0;
	if (repo_open(&ctx->repo, ctx->dir, err) == 0)
		return 0;
	ctx->repo = NULL;
	if (strncmp(err->msg, NOT_A_REPO, strlen(NOT_A_REPO)) == 0) {
		error_clear(err);
		return 0;
	}
	err->exit = EXIT_USAGE;
	if (err->hint[0] == '\0')
		error_hint(err, "name a configuration file with -c FILE to "
		    "use it without the repository");
	return -1;
}

/* Find and load like main does for CMD_NEED_CONFIG, but keep the
 * problems when loading fails. */
static int
load(struct ctx *ctx, struct config *cfg, struct error *err)
{
	memset(cfg, 0, sizeof(*cfg));
	if (open_repo(ctx, err) < 0)
		return -1;
	return ctx_load_config(ctx, cfg, err);
}

/* Each file in the order read, and how far it is trusted. */
static void
print_files(const struct config *cfg)
{
	const struct config_file *f;
	char *path, *why;
	size_t i;

	for (i = 0; i < cfg->nfiles; i++) {
		f = &cfg->files[i];
		path = log_escape(f->path, 0);
		why = f->why != NULL ? log_escape(f->why, 0) : NULL;
		printf("%s %s (%s)%s%s%s%s\n", config_trust_name(f->trust),
		    path, config_layer_name(f->layer), why || f->trust ==
		    CONFIG_TRACKED ? ": " : "", why ? why : "",
		    why && f->trust == CONFIG_TRACKED ? "; " : "",
		    f->trust == CONFIG_TRACKED ? "only [project], [branch], "
		    "[tag] and [environment] are read" : "");
		free(why);
		free(path);
	}
}

static void
print_problem(const struct config_problem *pb)
{
	char *file = log_escape(pb->file, 0);
	const char *what = pb->warning ? "warning" : "error";

	if (pb->line > 0)
		fprintf(stderr, "%s:%d: %s: %s\n", file, pb->line, what,
		    pb->msg);
	else
		fprintf(stderr, "%s: %s: %s\n", file, what, pb->msg);
	free(file);
}

static int
has_filters(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nrules; i++)
		if (cfg->rules[i].npaths > 0)
			return 1;
	return 0;
}

static void
mode_warning(const struct config *cfg, const char *fmt, const char *arg)
{
	char *file = log_escape(cfg->file, 0), *a = log_escape(arg, 0);

	fprintf(stderr, "%s: warning: ", file);
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	free(a);
	free(file);
}

/*
 * What this repository's mode can and cannot do, that no line of a file
 * says: a queue the daemon would refuse, a path filter nothing can judge
 * (its record of the last deployment cannot be written). The number of
 * warnings printed.
 */
static size_t
mode_notes(struct ctx *ctx, const struct config *cfg)
{
	const char *gd;
	char *dir;
	size_t n = 0;

	if (ctx->repo == NULL)
		return 0;
	gd = repo_common_dir(ctx->repo);
	if (config_queue_mode(cfg)) {
		if (!served_listed(cfg, gd) && ++n)
			mode_warning(cfg, "'%s' is not in [daemon] repos: the "
			    "daemon would refuse its jobs, so pushes queue "
			    "nothing", gd);
		return n;
	}
	if (!has_filters(cfg))
		return 0;
	dir = xasprintf("%s%s", gd, LEDGER_REPO_DIR);
	if (access(dir, W_OK) != 0 && (errno != ENOENT ||
	    access(gd, W_OK) != 0) && ++n)
		mode_warning(cfg, "path filters cannot be judged here: '%s' "
		    "(the record of the last deployment) is not writable by "
		    "you, so such pushes deploy every time", dir);
	free(dir);
	return n;
}

static int
config_check(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	struct config cfg;
	size_t i, nerr = 0, nwarn = 0;
	int rc;

	if (cmd_args_has(args, "daemon")) {
		memset(&cfg, 0, sizeof(cfg));
		rc = config_load_daemon(&cfg, ctx->config_file, err);
	} else
		rc = load(ctx, &cfg, err);
	if (rc < 0 && cfg.nproblems == 0) {
		config_release(&cfg);
		return -1;
	}
	if (log_level() >= LOG_LEVEL_NORMAL)
		print_files(&cfg);
	fflush(stdout);
	for (i = 0; i < cfg.nproblems; i++) {
		if (cfg.problems[i].warning)
			nwarn++;
		else
			nerr++;
		if (!cfg.problems[i].warning || log_level() >= LOG_LEVEL_NORMAL)
			print_problem(&cfg.problems[i]);
	}
	if (rc == 0 && log_level() >= LOG_LEVEL_NORMAL &&
	    !cmd_args_has(args, "daemon"))
		nwarn += mode_notes(ctx, &cfg);
	if (rc == 0)
		printf("ok\n");
	else if (cfg.nfiles == 1)
		error_set(err, EXIT_USAGE, "config '%s': %zu error%s, "
		    "%zu warning%s", cfg.files[0].path, nerr, nerr == 1 ? "" :
		    "s", nwarn, nwarn == 1 ? "" : "s");
	else
		error_set(err, EXIT_USAGE, "config (%zu files): %zu error%s, "
		    "%zu warning%s", cfg.nfiles, nerr, nerr == 1 ? "" : "s",
		    nwarn, nwarn == 1 ? "" : "s");
	config_release(&cfg);
	return rc;
}

static int
parse_explain(struct explain *ex, const struct cmd_args *args,
    struct error *err)
{
	const char *set;
	size_t i = 0;
	int tag = cmd_args_has(args, "tag");

	ex->json = cmd_args_has(args, "json");
	ex->env = cmd_args_get(args, "environment");
	while ((set = cmd_args_next(args, "set", &i)) != NULL)
		if (vars_set_assignment(&ex->set, set, err) < 0)
			return -1;
	if (args->argv[1][0] == '\0')
		return cmd_usage(args, err);
	if (ex->env != NULL && cmd_check_env(ex->env, err) < 0)
		return -1;
	ex->name = args->argv[1];
	ex->kind = tag ? RULE_TAG : RULE_BRANCH;
	if (strncmp(ex->name, "refs/tags/", 10) == 0) {
		ex->name += 10;
		ex->kind = RULE_TAG;
	} else if (strncmp(ex->name, "refs/heads/", 11) == 0) {
		if (tag)
			return error_set(err, EXIT_USAGE, "'%.200s' is a "
			    "branch, but --tag was given", ex->name);
		ex->name += 11;
	}
	return 0;
}

static void
decide(struct verdict *v, const struct config *cfg, const struct explain *ex)
{
	memset(v, 0, sizeof(*v));
	v->rule = rules_match(cfg, ex->kind, ex->name);
	if (v->rule == NULL)
		return;
	v->env = ex->env != NULL ? ex->env : v->rule->environment;
	vars_merge(&v->vars, &cfg->env_vars[config_env_index(v->env)]);
	vars_merge(&v->vars, &ex->set);
}

static void
print_tried(const struct config *cfg, enum rule_kind kind)
{
	const struct rule *r;
	size_t i, n = 0;
	char *file;

	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if (r->kind != kind)
			continue;
		file = log_escape(r->file, 0);
		printf("  tried [%s \"%s\"] at %s:%d (%s)\n", kind_word(kind),
		    r->pattern, file, r->line, r->exact ? "exact" : "glob");
		free(file);
		n++;
	}
	if (n == 0)
		printf("  (there are no [%s] rules)\n", kind_word(kind));
}

/* Where a variable of the final list comes from: "--set" or file:line
 * (NULL: unknown). */
static const char *
var_origin(const struct config *cfg, const struct verdict *v,
    const struct explain *ex, const char *name)
{
	char sect[64];

	if (vars_get(&ex->set, name) != NULL)
		return "--set";
	snprintf(sect, sizeof(sect), "environment \"%s\"", v->env);
	return config_origin(cfg, sect, name);
}

static void
print_vars(const struct config *cfg, const struct verdict *v,
    const struct explain *ex)
{
	const char *label = "  env vars:    ", *from;
	char *val, *where;
	size_t i;

	if (v->vars.n == 0)
		printf("%snone\n", label);
	for (i = 0; i < v->vars.n; i++) {
		val = log_escape(v->vars.v[i].value, 0);
		from = var_origin(cfg, v, ex, v->vars.v[i].name);
		where = log_escape(from != NULL ? from : "?", 0);
		printf("%s%s=%s (%s)\n", label, v->vars.v[i].name, val, where);
		free(where);
		free(val);
		label = "               ";
	}
}

/* The rule is for [project "key"]: it names no project, or that one. */
static int
rule_for(const struct rule *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nprojects; i++)
		if (strcmp(r->projects[i], key) == 0)
			return 1;
	return r->nprojects == 0;
}

/* A monorepo: what the rule means for each project. */
static void
print_projects(const struct config *cfg, const struct rule *r)
{
	const struct config_project *m;
	const char *label = "  projects:    ";
	size_t k, i;
	char *e;

	for (k = 0; k < cfg->nprojects; k++, label = "               ") {
		m = &cfg->projects[k];
		e = log_escape(m->id != NULL ? m->id : m->name, 0);
		printf("%s%s (%s): ", label, m->key, e);
		free(e);
		if (!rule_for(r, m->key))
			printf("not for this rule\n");
		else if (m->npaths == 0)
			printf("every push deploys it\n");
		else {
			printf("deploys when a change is under");
			for (i = 0; i < m->npaths; i++)
				printf(" %s", m->paths[i]);
			printf("\n");
		}
	}
}

/* The hook's mode as it will run, and why. */
static const char *
mode_word(const struct config *cfg)
{
	if (cfg->hook_mode == HOOK_MODE_QUEUE)
		return "queue";
	if (cfg->hook_mode == HOOK_MODE_DIRECT)
		return "direct";
	return cfg->queue_dir != NULL ? "queue" : "direct";
}

/* "  label value (origin)", the origin escaped; `dflt` when unset. */
static void
print_setting(const char *label, const char *value, const char *origin,
    const char *dflt)
{
	char *v, *o;

	if (value == NULL) {
		printf("  %-13s%s\n", label, dflt);
		return;
	}
	v = log_escape(value, 0);
	o = log_escape(origin != NULL ? origin : dflt, 0);
	printf("  %-13s%s (%s)\n", label, v, o);
	free(o);
	free(v);
}

/* Where the deploy goes: each setting with the file and line it came
 * from. */
static void
print_settings(const struct config *cfg)
{
	const char *key = getenv("DOTGIT_API_KEY"), *q;
	char *mode;

	if (cfg->project_id != NULL)
		print_setting("project:", cfg->project_id,
		    config_origin(cfg, "project", "id"), "?");
	else if (cfg->nprojects == 0)
		print_setting("project:", cfg->project_name,
		    config_origin(cfg, "project", "name"), "none");
	print_setting("api url:", cfg->api_url, config_origin(cfg, "api",
	    "url"), "default");
	print_setting("key file:", cfg->key_file, config_origin(cfg, "api",
	    "key_file"), "none");
	if (key != NULL && *key != '\0')
		printf("               (DOTGIT_API_KEY is set: it wins)\n");
	print_setting("ca file:", cfg->ca_file, config_origin(cfg, "api",
	    "ca_file"), "none (the system's)");
	if (cfg->hook_mode != HOOK_MODE_AUTO)
		print_setting("mode:", mode_word(cfg), config_origin(cfg,
		    "hook", "mode"), "?");
	else if ((q = config_origin(cfg, "daemon", "queue")) != NULL) {
		mode = xasprintf("default: [daemon] queue at %s", q);
		print_setting("mode:", "queue", mode, "?");
		free(mode);
	} else
		print_setting("mode:", "direct", "default: no [daemon] queue",
		    "?");
}

static void
explain_text(const struct config *cfg, const struct explain *ex,
    const struct verdict *v)
{
	const struct rule *r = v->rule;
	char *name = log_escape(ex->name, 0), *file;
	size_t i;

	if (r == NULL) {
		printf("%s%s: not deployed: no [%s] rule matches\n",
		    ref_prefix(ex->kind), name, kind_word(ex->kind));
		print_tried(cfg, ex->kind);
		free(name);
		return;
	}
	file = log_escape(r->file, 0);
	printf("%s%s: deployed to %s\n", ref_prefix(ex->kind), name, v->env);
	printf("  rule:        [%s \"%s\"] at %s:%d (%s match)\n",
	    kind_word(r->kind), r->pattern, file, r->line,
	    r->exact ? "exact" : "glob");
	if (ex->env != NULL && strcmp(ex->env, r->environment) != 0)
		printf("  environment: %s (--environment; the rule says %s)\n",
		    v->env, r->environment);
	else
		printf("  environment: %s\n", v->env);
	if (r->npaths == 0)
		printf("  paths:       (no filter: every push deploys)\n");
	else {
		printf("  paths:      ");
		for (i = 0; i < r->npaths; i++)
			printf(" %s", r->paths[i]);
		printf("\n");
	}
	print_vars(cfg, v, ex);
	print_projects(cfg, r);
	print_settings(cfg);
	free(file);
	free(name);
}

static void
rule_view(struct job_rule_view *out, const struct rule *r)
{
	out->pattern = r->pattern;
	out->exact = r->exact;
	out->file = r->file;
	out->line = r->line;
}

static void
view_settings(struct job_settings *s, const struct config *cfg)
{
	const char *pkey = cfg->project_id != NULL ? "id" : "name";
	const char *mode_from = config_origin(cfg, "hook", "mode");

	s->project.value = cfg->project_id != NULL ? cfg->project_id :
	    cfg->project_name;
	s->project.from = config_origin(cfg, "project", pkey);
	s->url.value = cfg->api_url;
	s->url.from = config_origin(cfg, "api", "url");
	s->key_file.value = cfg->key_file;
	s->key_file.from = config_origin(cfg, "api", "key_file");
	s->ca_file.value = cfg->ca_file;
	s->ca_file.from = config_origin(cfg, "api", "ca_file");
	s->mode.value = mode_word(cfg);
	s->mode.from = mode_from != NULL ? mode_from :
	    config_origin(cfg, "daemon", "queue");
}

/* A monorepo's projects and whether the rule deploys each. */
static struct job_project_view *
view_projects(const struct config *cfg, const struct rule *r)
{
	struct job_project_view *p = xcalloc(cfg->nprojects + 1, sizeof(*p));
	const struct config_project *m;
	size_t k;

	for (k = 0; k < cfg->nprojects; k++) {
		m = &cfg->projects[k];
		p[k].name = m->key;
		p[k].project = m->id != NULL ? m->id : m->name;
		p[k].paths = m->paths;
		p[k].npaths = m->npaths;
		p[k].deployed = r != NULL && rule_for(r, m->key);
	}
	return p;
}

/* The rules of the kind tried in vain: none when one matched. */
static struct job_rule_view *
view_tried(const struct config *cfg, const struct explain *ex,
    const struct verdict *v, size_t *n)
{
	struct job_rule_view *t = xcalloc(cfg->nrules + 1, sizeof(*t));
	size_t i;

	*n = 0;
	for (i = 0; v->rule == NULL && i < cfg->nrules; i++)
		if (cfg->rules[i].kind == ex->kind)
			rule_view(&t[(*n)++], &cfg->rules[i]);
	return t;
}

static const char **
view_vars_from(const struct config *cfg, const struct explain *ex,
    const struct verdict *v)
{
	const char **from = xcalloc(v->vars.n + 1, sizeof(*from));
	size_t i;

	for (i = 0; i < v->vars.n; i++)
		from[i] = var_origin(cfg, v, ex, v->vars.v[i].name);
	return from;
}

static int
explain_json(const struct config *cfg, const struct explain *ex,
    const struct verdict *v, struct error *err)
{
	struct job_explain e = { .kind = kind_word(ex->kind),
	    .name = ex->name, .vars = &v->vars };
	struct job_rule_view rule, *tried = view_tried(cfg, ex, v, &e.ntried);
	struct job_project_view *projects = view_projects(cfg, v->rule);
	const char **from = view_vars_from(cfg, ex, v);
	struct job_settings settings;
	char *ref = xasprintf("%s%s", ref_prefix(ex->kind), ex->name);
	char *reason = xasprintf("no [%s] rule matches", kind_word(ex->kind));
	char *out;
	int rc = 0;

	e.ref = ref;
	e.reason = v->rule == NULL ? reason : NULL;
	if (v->rule != NULL) {
		rule_view(&rule, v->rule);
		view_settings(&settings, cfg);
		e.rule = &rule;
		e.settings = &settings;
		e.environment = v->env;
		e.environment_from = ex->env != NULL ? "--environment" : "rule";
		e.paths = v->rule->paths;
		e.npaths = v->rule->npaths;
	}
	e.vars_from = from;
	e.tried = tried;
	e.projects = projects;
	e.nprojects = cfg->nprojects;
	if ((out = job_explain_json(&e)) != NULL)
		printf("%s\n", out);
	else
		rc = error_set(err, EXIT_FAIL, "cannot encode the explanation "
		    "as JSON");
	free(out);
	free(from);
	free(projects);
	free(tried);
	free(reason);
	free(ref);
	return rc;
}

static int
config_explain(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	struct explain ex;
	struct verdict v;
	struct config cfg;
	int rc = -1;

	memset(&ex, 0, sizeof(ex));
	memset(&cfg, 0, sizeof(cfg));
	if (parse_explain(&ex, args, err) < 0)
		goto out;
	if (load(ctx, &cfg, err) < 0) {
		if (err->hint[0] == '\0' && cfg.nproblems > 0)
			error_hint(err, "'dotgit-deploy config check' shows "
			    "every problem");
		goto out;
	}
	decide(&v, &cfg, &ex);
	rc = 0;
	if (ex.json)
		rc = explain_json(&cfg, &ex, &v, err);
	else
		explain_text(&cfg, &ex, &v);
	vars_release(&v.vars);
out:
	config_release(&cfg);
	vars_release(&ex.set);
	return rc;
}

static int
config_keys(struct ctx *ctx, const struct cmd_args *args, struct error *err)
{
	const char *section, *key;
	size_t i;

	(void)ctx;
	(void)args;
	(void)err;
	for (i = 0; (key = config_key(i, &section)) != NULL; i++)
		printf("%s.%s\n", section, key);
	return 0;
}
