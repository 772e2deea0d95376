/* cmd-config.c -- dotgit-deploy config check | explain NAME */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "rules.h"
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

static const struct option explain_options[] = {
	{ "tag",		no_argument,		NULL, 't' },
	{ "environment",	required_argument,	NULL, 'e' },
	{ "set",		required_argument,	NULL, 's' },
	{ "json",		no_argument,		NULL, 'j' },
	{ NULL,			0,			NULL, 0 }
};

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

/* Find and load like main does for CMD_NEED_CONFIG, but keep the
 * problems when loading fails. */
static int
load(struct ctx *ctx, struct config *cfg, struct error *err)
{
	memset(cfg, 0, sizeof(*cfg));
	return cmd_load_config(ctx, cfg, err);
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
config_check(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	struct config cfg;
	size_t i, nerr = 0, nwarn = 0;
	int rc;

	(void)argv;
	if (argc != 1)
		return error_set(err, EXIT_USAGE, "usage: dotgit-deploy "
		    "config check");
	rc = load(ctx, &cfg, err);
	if (rc < 0 && cfg.nproblems == 0) {
		config_release(&cfg);
		return -1;
	}
	for (i = 0; i < cfg.nproblems; i++) {
		if (cfg.problems[i].warning)
			nwarn++;
		else
			nerr++;
		if (!cfg.problems[i].warning || log_level() >= LOG_LEVEL_NORMAL)
			print_problem(&cfg.problems[i]);
	}
	if (rc == 0)
		printf("ok\n");
	else
		error_set(err, EXIT_USAGE, "config '%s': %zu error%s, "
		    "%zu warning%s", cfg.file, nerr, nerr == 1 ? "" : "s",
		    nwarn, nwarn == 1 ? "" : "s");
	config_release(&cfg);
	return rc;
}

static int
bad_option(int c, char **argv, struct error *err)
{
	const char *arg = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };

	if (strncmp(arg, "--", 2) != 0)
		arg = shortopt;
	if (c == ':')
		return error_set(err, EXIT_USAGE, "option '%s' needs a value",
		    arg);
	return error_set(err, EXIT_USAGE, "unknown option '%s' for 'config "
	    "explain'", arg);
}

/* argv[0] is "explain". */
static int
parse_explain(struct explain *ex, int argc, char **argv, struct error *err)
{
	int c, tag = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", explain_options,
	    NULL)) != -1) {
		if (c == 't')
			tag = 1;
		else if (c == 'j')
			ex->json = 1;
		else if (c == 'e')
			ex->env = optarg;
		else if (c == 's') {
			if (vars_set_assignment(&ex->set, optarg, err) < 0)
				return -1;
		} else
			return bad_option(c, argv, err);
	}
	if (optind != argc - 1 || argv[optind][0] == '\0')
		return cmd_usage(&cmd_config_entry, err);
	if (ex->env != NULL && config_env_index(ex->env) < 0)
		return error_set(err, EXIT_USAGE, "unknown environment '%.64s':"
		    " use production, staging or preview", ex->env);
	ex->name = argv[optind];
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

static void
print_vars(const struct verdict *v, const struct explain *ex)
{
	const char *label = "  env vars:    ";
	char *val;
	size_t i;

	if (v->vars.n == 0)
		printf("%snone\n", label);
	for (i = 0; i < v->vars.n; i++) {
		val = log_escape(v->vars.v[i].value, 0);
		printf("%s%s=%s%s\n", label, v->vars.v[i].name, val,
		    vars_get(&ex->set, v->vars.v[i].name) ? " (--set)" : "");
		free(val);
		label = "               ";
	}
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
	print_vars(v, ex);
	free(file);
	free(name);
}

/* A JSON string even for bytes that are not UTF-8 (escaped then). */
static json_t *
jstr(const char *s)
{
	json_t *j = json_string(s);
	char *e;

	if (j == NULL) {
		e = log_escape(s, 0);
		j = json_string(e);
		free(e);
	}
	return j;
}

static json_t *
json_rule(const struct rule *r)
{
	return json_pack("{s:o, s:s, s:o, s:i}", "pattern", jstr(r->pattern),
	    "match", r->exact ? "exact" : "glob", "file", jstr(r->file),
	    "line", r->line);
}

static json_t *
json_details(const struct config *cfg, const struct explain *ex,
    const struct verdict *v)
{
	json_t *paths = json_array(), *vars = json_object(), *tried;
	size_t i;

	if (v->rule != NULL)
		for (i = 0; i < v->rule->npaths; i++)
			json_array_append_new(paths, jstr(v->rule->paths[i]));
	for (i = 0; i < v->vars.n; i++)
		json_object_set_new(vars, v->vars.v[i].name,
		    jstr(v->vars.v[i].value));
	tried = json_array();
	for (i = 0; v->rule == NULL && i < cfg->nrules; i++)
		if (cfg->rules[i].kind == ex->kind)
			json_array_append_new(tried,
			    json_rule(&cfg->rules[i]));
	return json_pack("{s:o, s:o, s:o}", "paths", paths, "env_vars", vars,
	    "tried", tried);
}

static void
explain_json(const struct config *cfg, const struct explain *ex,
    const struct verdict *v)
{
	const struct rule *r = v->rule;
	char *ref = xasprintf("%s%s", ref_prefix(ex->kind), ex->name);
	char *reason = xasprintf("no [%s] rule matches", kind_word(ex->kind));
	json_t *root, *details;

	root = json_pack("{s:o, s:s, s:o, s:b, s:o, s:o, s:o, s:o}",
	    "ref", jstr(ref), "kind", kind_word(ex->kind),
	    "name", jstr(ex->name), "deployed", r != NULL,
	    "reason", r == NULL ? json_string(reason) : json_null(),
	    "rule", r != NULL ? json_rule(r) : json_null(),
	    "environment", r != NULL ? json_string(v->env) : json_null(),
	    "environment_from", r == NULL ? json_null() :
	    json_string(ex->env != NULL ? "--environment" : "rule"));
	details = json_details(cfg, ex, v);
	json_object_update(root, details);
	json_decref(details);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("\n");
	json_decref(root);
	free(reason);
	free(ref);
}

static int
config_explain(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	struct explain ex;
	struct verdict v;
	struct config cfg;
	int rc = -1;

	memset(&ex, 0, sizeof(ex));
	memset(&cfg, 0, sizeof(cfg));
	if (parse_explain(&ex, argc, argv, err) < 0)
		goto out;
	if (load(ctx, &cfg, err) < 0) {
		if (err->hint[0] == '\0' && cfg.nproblems > 0)
			error_hint(err, "'dotgit-deploy config check' shows "
			    "every problem");
		goto out;
	}
	decide(&v, &cfg, &ex);
	if (ex.json)
		explain_json(&cfg, &ex, &v);
	else
		explain_text(&cfg, &ex, &v);
	vars_release(&v.vars);
	rc = 0;
out:
	config_release(&cfg);
	vars_release(&ex.set);
	return rc;
}

static int
cmd_config_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	if (argc < 2)
		return cmd_usage(&cmd_config_entry, err);
	if (strcmp(argv[1], "check") == 0)
		return config_check(ctx, argc - 1, argv + 1, err);
	if (strcmp(argv[1], "explain") == 0)
		return config_explain(ctx, argc - 1, argv + 1, err);
	return error_set(err, EXIT_USAGE, "unknown config command '%.64s'; "
	    "use check or explain", argv[1]);
}

const struct command cmd_config_entry = {
	"config", "check | explain NAME [--tag] [--environment ENV] "
	"[--set KEY=VALUE]... [--json]",
	"check the configuration, or explain a branch's rule",
	CMD_WANT_REPO, cmd_config_exec
};
