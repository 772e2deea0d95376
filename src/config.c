/* SPDX-License-Identifier: ISC */
/* config.c -- the configuration: keys, their meaning, validation */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config-layer.h"
#include "config-read.h"
#include "keymap.h"
#include "log.h"
#include "rules.h"
#include "utf8.h"
#include "xmalloc.h"

/*
 * inih reads the file (config-read.c feeds it, so every key comes with
 * its line number); this file says what the keys mean. One table row per
 * key: where it may appear, its type, where it goes, its bounds. Every
 * problem is collected with its line; the first error fails the load.
 * config-layer.c reads the files of one configuration in order into the
 * same struct config: a later file's key overwrites (and its origin is
 * recorded), its first rule drops the earlier files' rules, and a section
 * the file may not set is a warning per key.
 */
#define MAX_PROBLEMS	200
#define DEFAULT_URL	"https://api.git.dev/v1"

enum {
	S_NONE = 0,			/* before the first header */
	S_API = CONFIG_API,
	S_PROJECT = CONFIG_PROJECT,
	S_HOOK = CONFIG_HOOK,
	S_DAEMON = CONFIG_DAEMON,
	S_BRANCH = CONFIG_BRANCH,
	S_TAG = CONFIG_TAG,
	S_ENV = CONFIG_ENVIRONMENT,
	S_POLICY = CONFIG_POLICY,
	S_NOTIFY = CONFIG_NOTIFY,
	S_NPROJECT = 1 << 11,		/* [project "NAME"] */
	S_SKIP = 1 << 12,		/* broken or unknown: keys ignored */
	S_DENIED = 1 << 13,		/* this file may not set it */
};
#define S_RULE	(S_BRANCH | S_TAG)
#define S_PLAIN	6	/* api, project, hook, daemon, policy, notify */

static const struct section {
	int		 sect;
	const char	*name;
	const char	*sub;		/* what the quoted name is, or NULL */
} sections[] = {
	{ S_API,	"api",		NULL },
	{ S_PROJECT,	"project",	NULL },
	{ S_HOOK,	"hook",		NULL },
	{ S_DAEMON,	"daemon",	NULL },
	{ S_BRANCH,	"branch",	"PATTERN" },
	{ S_TAG,	"tag",		"PATTERN" },
	{ S_ENV,	"environment",	"NAME" },
	{ S_POLICY,	"policy",	NULL },
	{ S_NOTIFY,	"notify",	NULL },
};

enum type {
	T_URL,		/* https://host[:port][/path], trailing '/' dropped */
	T_PATH,		/* file name; ~/ and relative names expanded */
	T_KEYFILE,	/* T_PATH that must not be open to group or others */
	T_ID,		/* project id: letters, digits, '_', '-', '.' */
	T_TEXT,		/* any text */
	T_WORD,		/* text without blanks */
	T_SECONDS,	/* int: N, Ns, Nm, Nh or Nd */
	T_LSECONDS,	/* the same in a long */
	T_PLAN,		/* int: free, pro or requests per minute */
	T_MODE,		/* enum hook_mode */
	T_BOOL,		/* int */
	T_OPTIONS,	/* unsigned: CONFIG_OPT_* words */
	T_ENVNAME,	/* one of config_environments */
	T_PATHS,	/* list: repository paths (path filter) */
	T_GLOBS,	/* list: T_PATH globs */
	T_NAMES,	/* list: [project "NAME"] names */
	T_STATUSES,	/* unsigned: CONFIG_NOTIFY_* words */
};

struct key {
	int		 sect;		/* S_* mask */
	const char	*name;
	enum type	 type;
	size_t		 off;		/* in struct config, or struct rule */
	size_t		 count;		/* lists: offset of the size_t count */
	long		 min, max;
};

#define C(f)	offsetof(struct config, f)
#define R(f)	offsetof(struct rule, f)
#define M(f)	offsetof(struct config_project, f)
#define DAY	86400L

static const struct key keys[] = {
	{ S_API, "url", T_URL, C(api_url), 0, 0, 0 },
	{ S_API, "key_file", T_KEYFILE, C(key_file), 0, 0, 0 },
	{ S_API, "ca_file", T_PATH, C(ca_file), 0, 0, 0 },
	{ S_API, "timeout", T_SECONDS, C(api_timeout), 0, 1, 600 },
	{ S_API, "plan", T_PLAN, C(plan_rpm), 0, 1, 1000000 },
	{ S_PROJECT, "id", T_ID, C(project_id), 0, 0, 0 },
	{ S_PROJECT, "name", T_TEXT, C(project_name), 0, 0, 0 },
	{ S_RULE, "environment", T_ENVNAME, R(environment), 0, 0, 0 },
	{ S_RULE, "paths", T_PATHS, R(paths), R(npaths), 0, 0 },
	{ S_RULE, "projects", T_NAMES, R(projects), R(nprojects), 0, 0 },
	{ S_NPROJECT, "id", T_ID, M(id), 0, 0, 0 },
	{ S_NPROJECT, "name", T_TEXT, M(name), 0, 0, 0 },
	{ S_NPROJECT, "paths", T_PATHS, M(paths), M(npaths), 0, 0 },
	{ S_HOOK, "mode", T_MODE, C(hook_mode), 0, 0, 0 },
	{ S_HOOK, "timeout", T_SECONDS, C(hook_timeout), 0, 1, 600 },
	{ S_HOOK, "remote", T_WORD, C(hook_remote), 0, 0, 0 },
	{ S_DAEMON, "queue", T_PATH, C(queue_dir), 0, 0, 0 },
	{ S_DAEMON, "repos", T_GLOBS, C(repos), C(nrepos), 0, 0 },
	{ S_DAEMON, "poll_interval", T_SECONDS, C(poll_interval), 0, 1, 3600 },
	{ S_DAEMON, "give_up_after", T_LSECONDS, C(give_up_after), 0, 1,
	    365 * DAY },
	{ S_DAEMON, "coalesce", T_BOOL, C(coalesce), 0, 0, 0 },
	{ S_DAEMON, "state", T_PATH, C(state_dir), 0, 0, 0 },
	{ S_POLICY, "allow_options", T_OPTIONS, C(allow_options), 0, 0, 0 },
	{ S_POLICY, "tracked_config", T_BOOL, C(tracked_config), 0, 0, 0 },
	{ S_NOTIFY, "command", T_PATH, C(notify_command), 0, 0, 0 },
	{ S_NOTIFY, "on", T_STATUSES, C(notify_on), 0, 0, 0 },
	{ S_NOTIFY, "timeout", T_SECONDS, C(notify_timeout), 0, 1, 600 },
};

/* [policy] allow_options words. */
static const struct option_word {
	const char	*word;
	unsigned	 bit;
} option_words[] = {
	{ "skip",		CONFIG_OPT_SKIP },
	{ "verbose",		CONFIG_OPT_VERBOSE },
	{ "env",		CONFIG_OPT_ENV },
	{ "environment",	CONFIG_OPT_ENVIRONMENT },
	{ "production",		CONFIG_OPT_PRODUCTION },
	{ "project",		CONFIG_OPT_PROJECT },
	{ "none",		0 },
};

/* [notify] on words. */
static const struct option_word status_words[] = {
	{ "ready",		CONFIG_NOTIFY_READY },
	{ "error",		CONFIG_NOTIFY_ERROR },
	{ "canceled",		CONFIG_NOTIFY_CANCELED },
	{ "all",		CONFIG_NOTIFY_READY | CONFIG_NOTIFY_ERROR |
				CONFIG_NOTIFY_CANCELED },
};

/* In an unknown [api] key's name: someone may be writing the key here. */
static const char *const secret_words[] = {
	"key", "token", "secret", "password", "passwd", "bearer", NULL
};

/* Where a setting came from, for config_origin(). */
struct config_setting {
	char	*section;		/* "api", `environment "preview"` */
	char	*key;
	char	*where;			/* "file:line" */
	size_t	 file;			/* index in cfg->files */
	int	 line;
};

struct parser {
	struct config	*cfg;
	struct loader	*ld;
	const char	*name;		/* file name in messages */
	char		*dir;		/* base of relative paths, or NULL */
	unsigned	 deny;		/* S_* sections this file may not set */
	const char	*deny_why;	/* ... and why, for the warning */

	struct line_reader in;		/* the line being read */

	int		 sect;		/* S_* of the current section */
	char		*sect_raw;	/* between [ and ], as inih has it */
	char		*sect_disp;	/* the same, escaped, for messages */
	char		*sect_name;	/* canonical, for config_origin() */
	size_t		 rule;		/* S_RULE: index in cfg->rules */
	size_t		 project;	/* S_NPROJECT: in cfg->projects */
	int		 env;		/* S_ENV: index, or -1 */

	const struct key *prev_key;	/* the key a continuation extends */
	char		*prev_var;	/* ... or the variable */
	int		 prev_bad;	/* ... already reported */

	int		 plain_line[S_PLAIN];	/* first [api] ... [daemon] */
	int		 env_line[ENV_COUNT];	/* first [environment "X"] */
	struct keymap	 rules;		/* (kind, pattern): first rule */
	struct keymap	 seen;		/* (sect_id(), key): first line */
};

static void	*grow(void *v, size_t n, size_t size);

/*
 * An array of n elements with room for one more: its size doubles when n
 * reaches a power of two (the size it had), so that 10 000 rules cost
 * 14 reallocations, not 10 000 copies of a growing array.
 */
static void *
grow(void *v, size_t n, size_t size)
{
	if (n == 0 || (n & (n - 1)) == 0)
		v = xreallocarray(v, n == 0 ? 1 : 2 * n, size);
	return v;
}

const char *const config_environments[ENV_COUNT] = {
	"production", "staging", "preview"
};

static void	 vproblem(struct loader *, const char *, int, int,
		    const char *, va_list)
		    __attribute__((format(printf, 5, 0)));
static void	 lerr(struct loader *, const char *, int, const char *, ...)
		    PRINTFLIKE(4, 5);
static void	 lwarn(struct loader *, const char *, int, const char *, ...)
		    PRINTFLIKE(4, 5);
static void	 perr(struct parser *, int, const char *, ...) PRINTFLIKE(3, 4);
static void	 pwarn(struct parser *, int, const char *, ...)
		    PRINTFLIKE(3, 4);
static int	 on_key(void *, const char *, const char *, const char *);
static void	 section_start(void *, const char *, size_t);
static void	 section_parse(struct parser *, char *);
static void	 rule_start(struct parser *, int, const char *);
static void	 project_section(struct parser *, char *, size_t);
static void	 project_free(struct config_project *);
static void	 check_projects(struct loader *);
static void	 check_rule_projects(struct loader *, const struct rule *);
static void	 env_start(struct parser *, const char *);
static int	 on_table_key(struct parser *, const char *, const char *);
static int	 on_var(struct parser *, const char *, const char *);
static int	 on_denied(struct parser *, const char *);
static void	 set_string(char **, char *);
static int	 on_continuation(struct parser *, const char *);
static int	 set_value(struct parser *, const struct key *, char *,
		    const char *);
static int	 set_list(struct parser *, const struct key *, char *,
		    const char *);
static char	*expand_path(const struct parser *, const char *);

static int	secret_value(const char *s);
static char	*esc(const char *s);
static void	section_reset(struct parser *p);
static int	near(const char *a, const char *b);
static const struct section *section_find(const char *kind, int fuzzy);
static int	plain_index(int sect);
static void	plain_start(struct parser *p, const struct section *sc);
static char	*trim(char *s);
static void	section_unknown(struct parser *p, const char *kind);
static void	rule_free(struct rule *r);
static void	project_start(struct parser *p, const char *key);
static void	rules_replace(struct parser *p);
static int	sect_id(const struct parser *p);
static int	seen_line(const struct parser *p, int id, const char *key);
static int	seen_first(struct parser *p, int id, const char *key);
static void	duplicate_check(struct parser *p, const char *key);
static void	cut_warning(struct parser *p, const char *name,
		    const char *value);
static const struct key *key_find(int sect, const char *name, int fuzzy);
static int	secret_name(const char *name);
static void	key_unknown(struct parser *p, const char *name);
static struct config_setting *setting_find(const struct config *cfg,
		    const char *section, const char *key);
static void	setting_record(struct parser *p, const char *key);
static void	setting_free(struct config_setting *st);
static void	project_override(struct parser *p, const struct key *k);
static void	note_given(struct parser *p, const struct key *k);
static char	*section_base(const struct parser *p);
static void	bad_value(struct parser *p, const char *key, const char *v,
		    const char *expect);
static const char *url_problem(const char *v);
static char	*url_shown(const char *v);
static int	set_url(struct parser *p, char **field, const char *v);
static void	keyfile_check(struct parser *p, const char *path);
static int	keyfile_suspect(const char *v);
static int	set_path(struct parser *p, const struct key *k, char **field,
		    const char *v);
static int	id_valid(const char *v);
static int	set_text(struct parser *p, const struct key *k, char **field,
		    const char *v);
static long	parse_number(const char *s, size_t len, long max);
static long	parse_seconds(const char *v, long max);
static int	set_seconds(struct parser *p, const struct key *k, void *field,
		    const char *v);
static int	set_plan(struct parser *p, const struct key *k, int *field,
		    const char *v);
static int	set_mode(struct parser *p, enum hook_mode *field,
		    const char *v);
static int	set_bool(struct parser *p, const struct key *k, int *field,
		    const char *v);
static const struct option_word *find_word(const struct option_word *table,
		    size_t n, const char *v, size_t len);
static int	bad_word(struct parser *p, const struct key *k, const char *v,
		    size_t len, const char *expect);
static int	set_statuses(struct parser *p, const struct key *k,
		    unsigned *field, const char *v);
static int	set_options(struct parser *p, const struct key *k,
		    unsigned *field, const char *v);
static int	set_envname(struct parser *p, char **field, const char *v);
static int	path_valid(const char *s);
static void	list_clear(char *base, const struct key *k);
static void	file_finish(struct parser *p);
static void	read_error(void *arg, int line, const char *msg);
static void	parser_free(struct parser *p);

const char *
config_key(size_t i, const char **section)
{
	size_t k, s;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (s = 0; s < sizeof(sections) / sizeof(sections[0]); s++)
			if ((keys[k].sect & sections[s].sect) && i-- == 0) {
				*section = sections[s].name;
				return keys[k].name;
			}
	return NULL;
}

int
config_env_index(const char *name)
{
	int i;

	for (i = 0; i < ENV_COUNT; i++)
		if (strcmp(config_environments[i], name) == 0)
			return i;
	return -1;
}

int
config_project_known(const struct config *cfg, const char *name)
{
	size_t i;

	if (cfg->nprojects == 0)
		return (cfg->project_id != NULL &&
		    strcmp(cfg->project_id, name) == 0) ||
		    (cfg->project_name != NULL &&
		    strcmp(cfg->project_name, name) == 0);
	for (i = 0; i < cfg->nprojects; i++)
		if (strcmp(cfg->projects[i].key, name) == 0)
			return 1;
	return 0;
}

/* Problems: every one is kept, with its line (0: the whole file). */

static void
vproblem(struct loader *ld, const char *file, int line, int warning,
    const char *fmt, va_list ap)
{
	struct config *cfg = ld->cfg;
	struct config_problem *pb;
	char buf[768];

	if (ld->full)
		return;
	if (cfg->nproblems + 1 == MAX_PROBLEMS) {
		ld->full = 1;
		line = 0;
		warning = 0;
		snprintf(buf, sizeof(buf), "too many problems; "
		    "fix these and check again");
	} else
		vsnprintf(buf, sizeof(buf), fmt, ap);
	cfg->problems = xreallocarray(cfg->problems, cfg->nproblems + 1,
	    sizeof(*cfg->problems));
	pb = &cfg->problems[cfg->nproblems++];
	pb->file = xstrdup(file);
	pb->line = line;
	pb->warning = warning;
	pb->msg = xstrdup(buf);
}

static void
lerr(struct loader *ld, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(ld, file, line, 0, fmt, ap);
	va_end(ap);
}

static void
lwarn(struct loader *ld, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(ld, file, line, 1, fmt, ap);
	va_end(ap);
}

void
config_problem_add(struct loader *ld, const char *file, int line,
    int warning, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(ld, file, line, warning, fmt, ap);
	va_end(ap);
}

static void
perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(p->ld, p->name, line, 0, fmt, ap);
	va_end(ap);
}

static void
pwarn(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(p->ld, p->name, line, 1, fmt, ap);
	va_end(ap);
}

/* A value that may be the API key itself: never shown. */
static int
secret_value(const char *s)
{
	return strcasestr(s, "gl_api_") != NULL;
}

/* Escaped copy for messages (at most 80 bytes shown), "***" for what
 * looks like an API key; caller frees. */
static char *
esc(const char *s)
{
	if (secret_value(s))
		return xstrdup("***");
	return log_escape(s, 80);
}

/* Sections. */

static void
section_reset(struct parser *p)
{
	p->prev_key = NULL;
	p->prev_bad = 0;
	free(p->prev_var);
	p->prev_var = NULL;
	free(p->sect_raw);
	free(p->sect_disp);
	free(p->sect_name);
	p->sect_raw = NULL;
	p->sect_disp = NULL;
	p->sect_name = NULL;
	p->sect = S_SKIP;
}

/* A header line: s is after the '[', len bytes to the end of the line;
 * NULL for a broken one. */
static void
section_start(void *arg, const char *s, size_t len)
{
	struct parser *p = arg;
	const char *close, *rest, *e;

	section_reset(p);
	if (s == NULL || (close = memchr(s, ']', len)) == NULL)
		return;
	e = s + len;
	p->sect_raw = xstrndup(s, (size_t)(close - s));
	p->sect_disp = esc(p->sect_raw);
	for (rest = close + 1; rest < e && isspace((unsigned char)*rest);
	    rest++)
		;
	if (rest < e && *rest != ';' && *rest != '#') {
		perr(p, p->in.lineno, "unexpected text after ']' "
		    "(inih ignores it)");
		return;
	}
	if (!utf8_printable(p->sect_raw, 1)) {
		perr(p, p->in.lineno, "invalid bytes in section name [%s] "
		    "(control characters or invalid UTF-8)", p->sect_disp);
		return;
	}
	section_parse(p, xstrdup(p->sect_raw));
}

/* 1 if a and b differ only in case or by at most two edits (one for
 * short words): close enough for "did you mean". */
static int
near(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned d[33], diag, up;

	if (la > 32 || lb > 32)
		return 0;
	for (j = 0; j <= lb; j++)
		d[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		diag = d[0];
		d[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			up = d[j];
			d[j] = diag + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (up + 1 < d[j])
				d[j] = up + 1;
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			diag = up;
		}
	}
	return d[lb] <= (lb < 5 ? 1u : 2u);
}

static const struct section *
section_find(const char *kind, int fuzzy)
{
	size_t i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (fuzzy ? near(kind, sections[i].name) :
		    strcmp(kind, sections[i].name) == 0)
			return &sections[i];
	return NULL;
}

/* The index of a plain section in plain_line[]. */
static int
plain_index(int sect)
{
	return sect == S_API ? 0 : sect == S_PROJECT ? 1 :
	    sect == S_HOOK ? 2 : sect == S_DAEMON ? 3 : sect == S_POLICY ? 4 :
	    5;
}

static void
plain_start(struct parser *p, const struct section *sc)
{
	int *first = &p->plain_line[plain_index(sc->sect)];
	struct loader *ld = p->ld;

	if (*first != 0)
		pwarn(p, p->in.lineno, "duplicate [%s], first at %s:%d; the "
		    "sections are merged", sc->name, p->name, *first);
	else
		*first = p->in.lineno;
	if (sc->sect == S_PROJECT && ld->project_file == NULL) {
		ld->project_file = xstrdup(p->name);
		ld->project_line = p->in.lineno;
	}
	p->sect = sc->sect;
	p->sect_name = xstrdup(sc->name);
}

/* Trim blanks at both ends of s, in place. */
static char *
trim(char *s)
{
	char *e;

	s += strspn(s, " \t");
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = '\0';
	return s;
}

static void
section_unknown(struct parser *p, const char *kind)
{
	const struct section *sc = section_find(kind, 1);

	if (sc != NULL)
		perr(p, p->in.lineno, "unknown section [%s]; did you mean "
		    "'%s'?", p->sect_disp, sc->name);
	else
		perr(p, p->in.lineno, "unknown section [%s]", p->sect_disp);
}

/* Split `kind "name"` and dispatch; takes ownership of t. */
static void
section_parse(struct parser *p, char *t)
{
	const struct section *sc;
	char *start = trim(t), *kind, *sub;
	size_t n = strcspn(start, " \t\"");

	kind = xstrndup(start, n);
	sub = start + n + strspn(start + n, " \t");
	n = strlen(sub);
	if ((sc = section_find(kind, 0)) == NULL)
		section_unknown(p, kind);
	else if (sc->sect == S_PROJECT && n > 0)
		project_section(p, sub, n);
	else if (sc->sub == NULL && n > 0)
		perr(p, p->in.lineno, "[%s] takes no name: write [%s]",
		    sc->name, sc->name);
	else if (sc->sub != NULL && n == 0)
		perr(p, p->in.lineno, "[%s] needs a name: write [%s \"%s\"]",
		    sc->name, sc->name, sc->sub);
	else if (sc->sub != NULL && (n < 2 || sub[0] != '"' ||
	    sub[n - 1] != '"'))
		perr(p, p->in.lineno, "expected [%s \"%s\"], with the %s in "
		    "double quotes", sc->name, sc->sub, sc->sect == S_ENV ?
		    "name" : "pattern");
	else if (sc->sect & p->deny)
		p->sect = S_DENIED;
	else if (sc->sub == NULL)
		plain_start(p, sc);
	else {
		sub[n - 1] = '\0';
		if (sc->sect == S_ENV)
			env_start(p, sub + 1);
		else
			rule_start(p, sc->sect, sub + 1);
	}
	free(kind);
	free(t);
}

static void
rule_free(struct rule *r)
{
	free(r->pattern);
	free(r->environment);
	strv_free(r->paths, r->npaths);
	strv_free(r->projects, r->nprojects);
	free(r->file);
}

/*
 * [project "NAME"]: one project of a monorepo. A later file's section of
 * the same NAME is merged into it, key by key.
 */
static void
project_start(struct parser *p, const char *key)
{
	struct config *cfg = p->cfg;
	struct config_project *m;
	size_t i;
	char *e;

	p->sect_name = xasprintf("project \"%s\"", key);
	if (*key == '\0' || strpbrk(key, " \t\"/") != NULL ||
	    !utf8_printable(key, 0)) {
		e = esc(key);
		perr(p, p->in.lineno, "invalid project name '%s': use a word "
		    "without blanks, quotes or '/'", e);
		free(e);
		p->sect = S_SKIP;
		return;
	}
	for (i = 0; i < cfg->nprojects; i++)
		if (strcmp(cfg->projects[i].key, key) == 0)
			break;
	if (i == cfg->nprojects) {
		cfg->projects = xreallocarray(cfg->projects,
		    cfg->nprojects + 1, sizeof(*cfg->projects));
		m = &cfg->projects[cfg->nprojects++];
		memset(m, 0, sizeof(*m));
		m->key = xstrdup(key);
		m->file = xstrdup(p->name);
		m->line = p->in.lineno;
	}
	p->project = i;
	p->sect = S_NPROJECT;
}

/* `sub` (n bytes) is the quoted NAME of [project "NAME"]. */
static void
project_section(struct parser *p, char *sub, size_t n)
{
	if (n < 2 || sub[0] != '"' || sub[n - 1] != '"') {
		perr(p, p->in.lineno, "expected [project \"NAME\"], with the "
		    "name in double quotes (or [project] alone)");
		return;
	}
	if (CONFIG_PROJECT & p->deny) {
		p->sect = S_DENIED;
		return;
	}
	sub[n - 1] = '\0';
	project_start(p, sub + 1);
}

static void
project_free(struct config_project *m)
{
	free(m->key);
	free(m->id);
	free(m->name);
	strv_free(m->paths, m->npaths);
	free(m->file);
}

/* The first rule of a file replaces the rules of the files before. */
static void
rules_replace(struct parser *p)
{
	struct config *cfg = p->cfg;
	struct loader *ld = p->ld;
	size_t i;

	if (ld->have_rules && ld->rules_file == ld->file)
		return;
	for (i = 0; i < cfg->nrules; i++)
		rule_free(&cfg->rules[i]);
	free(cfg->rules);
	cfg->rules = NULL;
	cfg->nrules = 0;
	keymap_release(&p->rules);
	free(ld->rule_env);
	ld->rule_env = NULL;
	ld->have_rules = 1;
	ld->rules_file = ld->file;
}

static void
rule_start(struct parser *p, int sect, const char *pat)
{
	struct config *cfg = p->cfg;
	enum rule_kind kind = sect == S_TAG ? RULE_TAG : RULE_BRANCH;
	struct rule *r;
	char why[160];
	long first;

	rules_replace(p);
	if (rules_pattern_check(pat, why, sizeof(why)) < 0)
		perr(p, p->in.lineno, "invalid pattern in [%s]: %s",
		    p->sect_disp, why);
	else if (strncmp(pat, "refs/", 5) == 0)
		pwarn(p, p->in.lineno, "[%s] is matched against short names "
		    "like 'main' or 'v1.0', not 'refs/...'", p->sect_disp);
	if (keymap_get(&p->rules, kind, pat, &first)) {
		r = &cfg->rules[first];
		if (r->exact)
			perr(p, p->in.lineno, "duplicate [%s], first at %s:%d",
			    p->sect_disp, r->file, r->line);
		else
			pwarn(p, p->in.lineno, "duplicate [%s], first at "
			    "%s:%d; only the first can match", p->sect_disp,
			    r->file, r->line);
	} else
		keymap_set(&p->rules, kind, pat, (long)cfg->nrules);
	cfg->rules = grow(cfg->rules, cfg->nrules, sizeof(*cfg->rules));
	p->ld->rule_env = grow(p->ld->rule_env, cfg->nrules, 1);
	p->ld->rule_env[cfg->nrules] = 0;
	r = &cfg->rules[cfg->nrules];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->pattern = xstrdup(pat);
	r->exact = !rules_is_glob(pat);
	r->file = xstrdup(p->name);
	r->line = p->in.lineno;
	p->rule = cfg->nrules++;
	p->sect = sect;
}

static void
env_start(struct parser *p, const char *name)
{
	int i = config_env_index(name);
	char *e;

	p->sect = S_ENV;
	p->env = i;
	p->sect_name = xasprintf("environment \"%s\"", name);
	if (i < 0) {
		e = esc(name);
		perr(p, p->in.lineno, "unknown environment '%s': use "
		    "production, staging or preview", e);
		free(e);
	} else if (p->env_line[i] != 0)
		pwarn(p, p->in.lineno, "duplicate [%s], first at %s:%d; the "
		    "sections are merged", p->sect_disp, p->name,
		    p->env_line[i]);
	else
		p->env_line[i] = p->in.lineno;
}

/* Keys: where they were set, for "duplicate" messages. */

/* Identifies a section instance: merged sections share one. */
static int
sect_id(const struct parser *p)
{
	if (p->sect & S_RULE)
		return 1000 + (int)p->rule;
	if (p->sect == S_NPROJECT)
		return 100000 + (int)p->project;
	if (p->sect == S_ENV)
		return 100 + p->env;
	return p->sect;
}

static int
seen_line(const struct parser *p, int id, const char *key)
{
	long line;

	return keymap_get(&p->seen, id, key, &line) ? (int)line : 0;
}

/* The line where key was first set in section `id`, or 0 (and then
 * this line is remembered as the first). */
static int
seen_first(struct parser *p, int id, const char *key)
{
	int line;

	if ((line = seen_line(p, id, key)) != 0)
		return line;
	keymap_set(&p->seen, id, key, p->in.lineno);
	return 0;
}

static void
duplicate_check(struct parser *p, const char *key)
{
	int first = seen_first(p, sect_id(p), key);

	if (first != 0)
		pwarn(p, p->in.lineno, "duplicate '%s' in [%s], first at "
		    "%s:%d; the later value wins", key, p->sect_disp, p->name,
		    first);
}

static void
cut_warning(struct parser *p, const char *name, const char *value)
{
	size_t n = strlen(value);

	if (!config_read_cut(&p->in))
		return;
	if (n > 0 && value[0] == '"' && (n == 1 || value[n - 1] != '"'))
		pwarn(p, p->in.lineno, "the value of '%s' was cut at ' ;': "
		    "inih reads ' ;' as a comment, even inside quotes", name);
	else if (p->sect == S_ENV)
		pwarn(p, p->in.lineno, "the value of '%s' ends at ' ;' (the "
		    "rest of the line is a comment); put comments on their own "
		    "line", name);
}

/* The handler inih calls for every "key = value" and continuation. */
static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	char *e;

	if (p->sect == S_SKIP)
		return 1;
	if (p->sect == S_DENIED)
		return on_denied(p, name);
	if (strncmp(section, p->sect_raw ? p->sect_raw : "",
	    CONFIG_INIH_SECTION) != 0) {
		perr(p, p->in.lineno, "internal error: inih reads another "
		    "section here");
		return 1;
	}
	if (!utf8_printable(value, 1)) {
		perr(p, p->in.lineno, "invalid bytes in the value (control "
		    "characters or invalid UTF-8)");
		p->prev_bad = 1;
		return 1;
	}
	if (p->in.cont)
		return on_continuation(p, value);
	p->prev_key = NULL;
	free(p->prev_var);
	p->prev_var = NULL;
	p->prev_bad = 1;
	if (!utf8_printable(name, 0))
		perr(p, p->in.lineno, "invalid bytes in a key name (control "
		    "characters or invalid UTF-8)");
	else if (*name == '\0')
		perr(p, p->in.lineno, "missing key name before '='");
	else if (p->sect == S_NONE) {
		e = esc(name);
		perr(p, p->in.lineno, "'%s' is outside any section; put it "
		    "under one, like [api]", e);
		free(e);
	} else if (p->sect == S_ENV)
		return on_var(p, name, value);
	else
		return on_table_key(p, name, value);
	return 1;
}

static const struct key *
key_find(int sect, const char *name, int fuzzy)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((keys[i].sect & sect) && (fuzzy ? near(name,
		    keys[i].name) : strcmp(name, keys[i].name) == 0))
			return &keys[i];
	return NULL;
}

static int
secret_name(const char *name)
{
	size_t i;

	for (i = 0; secret_words[i] != NULL; i++)
		if (strcasestr(name, secret_words[i]) != NULL)
			return 1;
	return 0;
}

static void
key_unknown(struct parser *p, const char *name)
{
	const struct key *k = key_find(p->sect, name, 1);
	char *e;

	if (p->sect == S_API && secret_name(name)) {
		perr(p, p->in.lineno, "never put the API key in the config; "
		    "use key_file or DOTGIT_API_KEY");
		return;
	}
	e = esc(name);
	if (k != NULL)
		perr(p, p->in.lineno, "unknown key '%s' in [%s]; did you mean "
		    "'%s'?", e, p->sect_disp, k->name);
	else
		perr(p, p->in.lineno, "unknown key '%s' in [%s]", e,
		    p->sect_disp);
	free(e);
}

/* A key of a section this file may not set: a warning that never shows
 * the value. */
static int
on_denied(struct parser *p, const char *name)
{
	char *e, *f;

	if (p->in.cont)
		return 1;
	e = esc(name);
	f = log_escape(p->name, 0);
	pwarn(p, p->in.lineno, "[%s] %s is ignored in '%s': %s", p->sect_disp,
	    e, f, p->deny_why);
	free(f);
	free(e);
	return 1;
}

/* Origins: where each setting was last set. */

static struct config_setting *
setting_find(const struct config *cfg, const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < cfg->nsettings; i++)
		if (strcmp(cfg->settings[i].section, section) == 0 &&
		    strcmp(cfg->settings[i].key, key) == 0)
			return &cfg->settings[i];
	return NULL;
}

static void
setting_record(struct parser *p, const char *key)
{
	struct config *cfg = p->cfg;
	struct config_setting *st = setting_find(cfg, p->sect_name, key);

	if (st == NULL) {
		cfg->settings = grow(cfg->settings, cfg->nsettings,
		    sizeof(*cfg->settings));
		st = &cfg->settings[cfg->nsettings++];
		st->section = xstrdup(p->sect_name);
		st->key = xstrdup(key);
	} else
		free(st->where);
	st->where = xasprintf("%s:%d", p->name, p->in.lineno);
	st->file = p->ld->file;
	st->line = p->in.lineno;
}

static void
setting_free(struct config_setting *st)
{
	free(st->section);
	free(st->key);
	free(st->where);
}

const char *
config_origin(const struct config *cfg, const char *section,
    const char *key)
{
	const struct config_setting *st = setting_find(cfg, section, key);

	return st != NULL ? st->where : NULL;
}

/* [project] id and name are one setting: a later file's 'id' drops an
 * earlier file's 'name', and the other way round. */
static void
project_override(struct parser *p, const struct key *k)
{
	struct config *cfg = p->cfg;
	int id = strcmp(k->name, "id") == 0;
	struct config_setting *st;

	st = setting_find(cfg, "project", id ? "name" : "id");
	if (st == NULL || st->file == p->ld->file)
		return;
	set_string(id ? &cfg->project_name : &cfg->project_id, NULL);
	setting_free(st);
	*st = cfg->settings[--cfg->nsettings];
}

/* What the checks of the whole configuration need to know was given,
 * even with a value that was refused. */
static void
note_given(struct parser *p, const struct key *k)
{
	if (p->sect == S_PROJECT)
		p->ld->project_given = 1;
	else if (p->sect == S_DAEMON && strcmp(k->name, "queue") == 0)
		p->ld->queue_given = 1;
	else if ((p->sect & S_RULE) && strcmp(k->name, "environment") == 0)
		p->ld->rule_env[p->rule] = 1;
}

/* Where the fields of the current section live. */
static char *
section_base(const struct parser *p)
{
	if (p->sect & S_RULE)
		return (char *)&p->cfg->rules[p->rule];
	if (p->sect == S_NPROJECT)
		return (char *)&p->cfg->projects[p->project];
	return (char *)p->cfg;
}

static int
on_table_key(struct parser *p, const char *name, const char *value)
{
	const struct key *k = key_find(p->sect, name, 0);

	if (k == NULL) {
		key_unknown(p, name);
		return 1;
	}
	duplicate_check(p, k->name);
	note_given(p, k);
	if (set_value(p, k, section_base(p), value) == 0) {
		p->prev_key = k;
		p->prev_bad = 0;
		if (!(p->sect & (S_RULE | S_NPROJECT)))
			setting_record(p, k->name);
		if (p->sect == S_PROJECT)
			project_override(p, k);
	}
	cut_warning(p, k->name, value);
	return 1;
}

static int
on_var(struct parser *p, const char *name, const char *value)
{
	char *e;

	if (!vars_name_valid(name)) {
		e = esc(name);
		perr(p, p->in.lineno, "invalid environment variable name '%s': "
		    "use letters, digits and '_', not starting with a digit",
		    e);
		free(e);
		return 1;
	}
	p->prev_var = xstrdup(name);
	p->prev_bad = 0;
	duplicate_check(p, name);
	if (p->env >= 0) {
		vars_set(&p->cfg->env_vars[p->env], name, value);
		setting_record(p, name);
	}
	cut_warning(p, name, value);
	return 1;
}

/* An indented line: inih hands it over as more of the previous key. */
static int
on_continuation(struct parser *p, const char *value)
{
	const struct key *k = p->prev_key;

	if (p->prev_bad)
		return 1;
	if (k != NULL && (k->type == T_PATHS || k->type == T_GLOBS ||
	    k->type == T_NAMES)) {
		if (set_list(p, k, section_base(p), value) < 0)
			p->prev_bad = 1;
		return 1;
	}
	perr(p, p->in.lineno, "indented line continues the value of '%s' "
	    "(inih joins it to the previous key); remove the indentation",
	    k != NULL ? k->name : p->prev_var != NULL ? p->prev_var : "?");
	p->prev_bad = 1;
	return 1;
}

/* Values. */

static void
bad_value(struct parser *p, const char *key, const char *v,
    const char *expect)
{
	char *e;

	if (secret_value(v)) {
		perr(p, p->in.lineno, "invalid value for '%s' (not shown: it "
		    "looks like an API key): %s", key, expect);
		return;
	}
	e = esc(v);
	perr(p, p->in.lineno, "invalid value '%s' for '%s': %s", e, key,
	    expect);
	free(e);
}

static void
set_string(char **field, char *v)
{
	free(*field);
	*field = v;
}

/* Why v is not https://HOST[:PORT][/PATH], or NULL if it is. */
static const char *
url_problem(const char *v)
{
	const char *h = v + 8, *end, *q;
	long port = 0;

	if (strncmp(v, "https://", 8) != 0)
		return "expected https://HOST[:PORT][/PATH]";
	if (strpbrk(h, " \t") != NULL)
		return "blanks are not allowed";
	if (strpbrk(h, "?#") != NULL)
		return "a query or fragment is not allowed";
	end = h + strcspn(h, "/");
	if (memchr(h, '@', (size_t)(end - h)) != NULL)
		return "a user name or password does not belong in the URL";
	q = h;
	if (*q == '[') {
		while (++q < end && (isxdigit((unsigned char)*q) ||
		    *q == ':' || *q == '.'))
			;
		if (q >= end || *q != ']' || q == h + 1)
			return "malformed IPv6 address";
		q++;
	} else
		while (q < end && (isalnum((unsigned char)*q) || *q == '-' ||
		    *q == '.'))
			q++;
	if (q == h)
		return "missing host name";
	if (q < end && *q != ':')
		return "invalid character in the host name";
	if (q < end && (q + 1 == end || q + 1 + strspn(q + 1,
	    "0123456789") != end || (port = atol(q + 1)) < 1 || port > 65535))
		return "invalid port (1 to 65535)";
	return NULL;
}

/*
 * A refused URL as it may be shown: whatever stands before the last '@'
 * (a user name or password) becomes "***@", a query or fragment "?***":
 * either may hold a key. Allocated.
 */
static char *
url_shown(const char *v)
{
	const char *scheme = strstr(v, "://"), *h, *q, *at, *c;
	char *out, *e;

	h = scheme != NULL ? scheme + 3 : v;
	q = h + strcspn(h, "?#");
	for (at = NULL, c = h; c < q; c++)
		if (*c == '@')
			at = c;
	out = xasprintf("%.*s%s%.*s%s", (int)(h - v), v, at ? "***@" : "",
	    (int)(q - (at ? at + 1 : h)), at ? at + 1 : h,
	    *q != '\0' ? "?***" : "");
	e = esc(out);
	free(out);
	return e;
}

static int
set_url(struct parser *p, char **field, const char *v)
{
	const char *why;
	char *url, *e;
	size_t n;

	if (strncasecmp(v, "http://", 7) == 0) {
		e = url_shown(v);
		perr(p, p->in.lineno, "api url '%s' is http://; only https:// "
		    "is allowed, so the API key never travels in clear text",
		    e);
		free(e);
		return -1;
	}
	if ((why = url_problem(v)) != NULL) {
		e = url_shown(v);
		perr(p, p->in.lineno, "invalid value '%s' for 'url': %s", e,
		    why);
		free(e);
		return -1;
	}
	url = xstrdup(v);
	for (n = strlen(url); n > 8 && url[n - 1] == '/'; n--)
		url[n - 1] = '\0';
	set_string(field, url);
	return 0;
}

static char *
expand_path(const struct parser *p, const char *v)
{
	const char *home = getenv("HOME");
	size_t n;

	if (v[0] == '~' && v[1] == '/' && home != NULL && home[0] == '/')
		return xasprintf("%s%s", home, v + 1);
	if (v[0] == '/' || p->dir == NULL)
		return xstrdup(v);
	n = strlen(p->dir);
	return xasprintf("%s%s%s", p->dir, p->dir[n - 1] == '/' ? "" : "/",
	    v);
}

/* At load, a key file open to group or others is an error. */
static void
keyfile_check(struct parser *p, const char *path)
{
	struct stat st;
	char *e = esc(path);

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			pwarn(p, p->in.lineno, "key file '%s' does not exist "
			    "(create it, or set DOTGIT_API_KEY)", e);
		else
			pwarn(p, p->in.lineno, "cannot check key file '%s': %s",
			    e, strerror(errno));
	} else if (!S_ISREG(st.st_mode))
		perr(p, p->in.lineno, "key file '%s' is not a regular file", e);
	else if (st.st_mode & 077)
		perr(p, p->in.lineno, "key file '%s' is open to group or "
		    "others (mode %04o); run 'chmod 600 %s'", e,
		    (unsigned)(st.st_mode & 07777), e);
	free(e);
}

/*
 * 1 if a key_file value may be the key itself: quotes around it looked
 * through (they are not special here), it starts with gl_api_, or it is
 * no plausible file name (20 bytes or more with neither '/' nor '.').
 */
static int
keyfile_suspect(const char *v)
{
	size_t n = strlen(v);

	while (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	if (n >= 7 && strncasecmp(v, "gl_api_", 7) == 0)
		return 1;
	return n >= 20 && memchr(v, '/', n) == NULL &&
	    memchr(v, '.', n) == NULL;
}

static int
set_path(struct parser *p, const struct key *k, char **field,
    const char *v)
{
	char *path;

	if (k->type == T_KEYFILE && keyfile_suspect(v)) {
		perr(p, p->in.lineno, "key_file holds what looks like an API "
		    "key: never put the API key in the config; use key_file "
		    "or DOTGIT_API_KEY");
		return -1;
	}
	path = expand_path(p, v);
	if (k->type == T_KEYFILE)
		keyfile_check(p, path);
	set_string(field, path);
	return 0;
}

static int
id_valid(const char *v)
{
	size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");

	return n <= 128 && v[n] == '\0';
}

static int
set_text(struct parser *p, const struct key *k, char **field, const char *v)
{
	if (k->type == T_ID && !id_valid(v)) {
		bad_value(p, k->name, v, "use the id 'dotgit-deploy projects' "
		    "shows (letters, digits, '_', '-', '.')");
		return -1;
	}
	if (k->type == T_WORD && strpbrk(v, " \t") != NULL) {
		bad_value(p, k->name, v, "blanks are not allowed");
		return -1;
	}
	set_string(field, xstrdup(v));
	return 0;
}

/* Digits s[0..len) as a number, or -1 if malformed or above max. */
static long
parse_number(const char *s, size_t len, long max)
{
	long n = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		n = n * 10 + (s[i] - '0');
		if (n > max)
			return -1;
	}
	return n;
}

/* N, Ns, Nm, Nh or Nd in seconds, or -1. */
static long
parse_seconds(const char *v, long max)
{
	size_t len = strlen(v);
	long unit = 1, n;

	switch (v[len - 1]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = DAY;
		break;
	default:
		len++;
		break;
	}
	n = parse_number(v, len - 1, max);
	if (n < 0 || n > max / unit)
		return -1;
	return n * unit;
}

static int
set_seconds(struct parser *p, const struct key *k, void *field,
    const char *v)
{
	long n = parse_seconds(v, k->max);
	char expect[160];

	if (n < k->min) {
		snprintf(expect, sizeof(expect), "expected seconds from %ld "
		    "to %ld, or with a unit (30s, 5m, 2h, 1d)", k->min,
		    k->max);
		bad_value(p, k->name, v, expect);
		return -1;
	}
	if (k->type == T_LSECONDS)
		*(long *)field = n;
	else
		*(int *)field = (int)n;
	return 0;
}

static int
set_plan(struct parser *p, const struct key *k, int *field, const char *v)
{
	long n;

	if (strcasecmp(v, "free") == 0)
		n = 60;
	else if (strcasecmp(v, "pro") == 0)
		n = 600;
	else if ((n = parse_number(v, strlen(v), k->max)) < k->min) {
		bad_value(p, k->name, v, "expected free (60 requests a "
		    "minute), pro (600) or a number of requests a minute");
		return -1;
	}
	*field = (int)n;
	return 0;
}

static int
set_mode(struct parser *p, enum hook_mode *field, const char *v)
{
	if (strcasecmp(v, "queue") == 0)
		*field = HOOK_MODE_QUEUE;
	else if (strcasecmp(v, "direct") == 0)
		*field = HOOK_MODE_DIRECT;
	else if (strcasecmp(v, "auto") == 0)
		*field = HOOK_MODE_AUTO;
	else {
		bad_value(p, "mode", v, "expected queue or direct");
		return -1;
	}
	return 0;
}

static int
set_bool(struct parser *p, const struct key *k, int *field, const char *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[] = { "false", "no", "off", "0", NULL };
	size_t i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*field = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*field = 0;
			return 0;
		}
	}
	bad_value(p, k->name, v, "expected true or false");
	return -1;
}

/* The word of `table` that v[0..len) is (any case), or NULL. */
static const struct option_word *
find_word(const struct option_word *table, size_t n, const char *v,
    size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(table[i].word) == len &&
		    strncasecmp(v, table[i].word, len) == 0)
			return &table[i];
	return NULL;
}

#define NWORDS(t)	(sizeof(t) / sizeof((t)[0]))

/* A word that is none of them: said, with what was expected. */
static int
bad_word(struct parser *p, const struct key *k, const char *v, size_t len,
    const char *expect)
{
	char *w = xstrndup(v, len);

	bad_value(p, k->name, w, expect);
	free(w);
	return -1;
}

/* [notify] on: blank-separated statuses, or all. */
static int
set_statuses(struct parser *p, const struct key *k, unsigned *field,
    const char *v)
{
	const struct option_word *w;
	unsigned mask = 0;
	size_t len;

	for (; *(v += strspn(v, " \t")) != '\0'; v += len) {
		len = strcspn(v, " \t");
		if ((w = find_word(status_words, NWORDS(status_words), v,
		    len)) == NULL)
			return bad_word(p, k, v, len, "expected ready, error, "
			    "canceled or all");
		mask |= w->bit;
	}
	*field = mask;
	return 0;
}

/* [policy] allow_options: blank-separated words. */
static int
set_options(struct parser *p, const struct key *k, unsigned *field,
    const char *v)
{
	const struct option_word *w;
	unsigned mask = 0;
	int none = 0, words = 0;
	size_t len;

	for (; *(v += strspn(v, " \t")) != '\0'; v += len, words++) {
		len = strcspn(v, " \t");
		if ((w = find_word(option_words, NWORDS(option_words), v,
		    len)) == NULL)
			return bad_word(p, k, v, len, "expected skip, verbose, "
			    "env, environment, production, project or none");
		none |= w->bit == 0;
		mask |= w->bit;
	}
	if (none && words > 1) {
		perr(p, p->in.lineno, "'none' in allow_options cannot be "
		    "combined with other words");
		return -1;
	}
	if ((mask & CONFIG_OPT_PRODUCTION) && !(mask & CONFIG_OPT_ENVIRONMENT))
		pwarn(p, p->in.lineno, "'production' in allow_options does "
		    "nothing without 'environment'");
	*field = mask;
	return 0;
}

static int
set_envname(struct parser *p, char **field, const char *v)
{
	if (config_env_index(v) < 0) {
		bad_value(p, "environment", v, "expected production, staging "
		    "or preview");
		return -1;
	}
	set_string(field, xstrdup(v));
	return 0;
}

/* A path filter entry: relative to the top, no "." or "..". */
static int
path_valid(const char *s)
{
	const char *seg;
	size_t n;

	if (*s == '/')
		return 0;
	for (seg = s; *seg != '\0'; seg += n + (seg[n] == '/')) {
		n = strcspn(seg, "/");
		if ((n == 1 && seg[0] == '.') || (n == 2 &&
		    strncmp(seg, "..", 2) == 0))
			return 0;
	}
	return 1;
}

static void
list_clear(char *base, const struct key *k)
{
	char ***list = (char ***)(void *)(base + k->off);
	size_t *n = (size_t *)(void *)(base + k->count);
	size_t i;

	for (i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

/* Add the blank-separated words of v to a list. */
static int
set_list(struct parser *p, const struct key *k, char *base, const char *v)
{
	char ***list = (char ***)(void *)(base + k->off);
	size_t *n = (size_t *)(void *)(base + k->count), len;
	char *word, *x;
	int rc = 0;

	while (*(v += strspn(v, " \t")) != '\0') {
		len = strcspn(v, " \t");
		word = xstrndup(v, len);
		v += len;
		if (k->type == T_PATHS && !path_valid(word)) {
			bad_value(p, k->name, word, "paths are relative to "
			    "the top of the repository, like 'web/' (no "
			    "leading '/', no '.' or '..')");
			free(word);
			rc = -1;
			continue;
		}
		if (k->type == T_GLOBS) {
			x = expand_path(p, word);
			free(word);
			word = x;
		}
		*list = xreallocarray(*list, *n + 1, sizeof(**list));
		(*list)[(*n)++] = word;
	}
	return rc;
}

static int
set_value(struct parser *p, const struct key *k, char *base, const char *v)
{
	void *field = base + k->off;

	if (*v == '\0') {
		perr(p, p->in.lineno, "empty value for '%s'", k->name);
		return -1;
	}
	switch (k->type) {
	case T_URL:
		return set_url(p, field, v);
	case T_PATH:
	case T_KEYFILE:
		return set_path(p, k, field, v);
	case T_ID:
	case T_TEXT:
	case T_WORD:
		return set_text(p, k, field, v);
	case T_SECONDS:
	case T_LSECONDS:
		return set_seconds(p, k, field, v);
	case T_PLAN:
		return set_plan(p, k, field, v);
	case T_MODE:
		return set_mode(p, field, v);
	case T_BOOL:
		return set_bool(p, k, field, v);
	case T_OPTIONS:
		return set_options(p, k, field, v);
	case T_STATUSES:
		return set_statuses(p, k, field, v);
	case T_ENVNAME:
		return set_envname(p, field, v);
	case T_PATHS:
	case T_GLOBS:
	case T_NAMES:
		list_clear(base, k);
		return set_list(p, k, base, v);
	}
	return -1;
}

/* After the last line of a file: what needs the whole file. */
static void
file_finish(struct parser *p)
{
	int id = seen_line(p, S_PROJECT, "id");
	int name = seen_line(p, S_PROJECT, "name");

	if (id != 0 && name != 0)
		perr(p, id > name ? id : name, "both 'id' and 'name' in "
		    "[project]: keep one");
}

/* One [project], or [project "NAME"]s, each with id or name. */
static void
check_projects(struct loader *ld)
{
	struct config *cfg = ld->cfg;
	const struct config_project *m;
	size_t i;

	if (cfg->nprojects > 0 && ld->project_file != NULL)
		lerr(ld, ld->project_file, ld->project_line, "[project] and "
		    "[project \"NAME\"] sections cannot be mixed: name this "
		    "one too, or keep it alone");
	else if (cfg->nprojects > 0)
		;
	else if (ld->project_file == NULL && ld->base)
		;	/* each repository may name its own */
	else if (ld->project_file == NULL)
		lerr(ld, cfg->file, 0, "missing [project]: add one with 'id = "
		    "...' (see 'dotgit-deploy projects') or 'name = ...'");
	else if (!ld->project_given)
		lerr(ld, ld->project_file, ld->project_line, "[project] needs "
		    "'id' or 'name'");
	for (i = 0; i < cfg->nprojects; i++) {
		m = &cfg->projects[i];
		if ((m->id == NULL) != (m->name == NULL))
			continue;
		lerr(ld, m->file, m->line, "[project \"%s\"] needs %s", m->key,
		    m->id == NULL ? "'id' or 'name'" : "'id' or 'name', not "
		    "both");
	}
}

/* A rule's `projects` must name [project "NAME"] sections. */
static void
check_rule_projects(struct loader *ld, const struct rule *r)
{
	const struct config *cfg = ld->cfg;
	size_t i, j;
	char *e;

	for (i = 0; i < r->nprojects; i++) {
		for (j = 0; j < cfg->nprojects; j++)
			if (strcmp(cfg->projects[j].key, r->projects[i]) == 0)
				break;
		if (j < cfg->nprojects)
			continue;
		e = esc(r->projects[i]);
		lerr(ld, r->file, r->line, "'projects' names '%s', which no "
		    "[project \"%s\"] section defines", e, e);
		free(e);
	}
}

/* After the last file: what needs the whole configuration, once. */
void
config_finish(struct loader *ld)
{
	struct config *cfg = ld->cfg;
	const struct config_setting *mode;
	const struct rule *r;
	char *e;
	size_t i;

	check_projects(ld);
	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		check_rule_projects(ld, r);
		if (r->environment != NULL || ld->rule_env[i])
			continue;
		e = esc(r->pattern);
		lerr(ld, r->file, r->line, "[%s \"%s\"] has no 'environment'",
		    r->kind == RULE_TAG ? "tag" : "branch", e);
		free(e);
	}
	if (cfg->nrules == 0 && !ld->base)
		lwarn(ld, cfg->file, 0, "no [branch] or [tag] rules: nothing "
		    "will be deployed");
	mode = setting_find(cfg, "hook", "mode");
	if (cfg->hook_mode == HOOK_MODE_QUEUE && cfg->queue_dir == NULL &&
	    !ld->queue_given && mode != NULL)
		lerr(ld, cfg->files[mode->file].path, mode->line,
		    "[hook] mode = queue needs [daemon] queue (the directory "
		    "the daemon reads)");
}

/* What config-read.c finds wrong with a line. */
static void
read_error(void *arg, int line, const char *msg)
{
	perr(arg, line, "%s", msg);
}

static void
parser_free(struct parser *p)
{
	keymap_release(&p->rules);
	keymap_release(&p->seen);
	free(p->dir);
	free(p->sect_raw);
	free(p->sect_disp);
	free(p->sect_name);
	free(p->prev_var);
}

void
config_parse(struct loader *ld, const char *buf, size_t len,
    const char *name, unsigned deny, const char *deny_why)
{
	struct parser p;
	const char *slash = strrchr(name, '/');

	memset(&p, 0, sizeof(p));
	p.cfg = ld->cfg;
	p.ld = ld;
	p.name = name;
	p.deny = deny;
	p.deny_why = deny_why;
	p.sect = S_NONE;
	p.env = -1;
	p.in.buf = buf;
	p.in.len = len;
	p.in.arg = &p;
	p.in.error = read_error;
	p.in.section = section_start;
	p.in.key = on_key;
	if (slash != NULL)
		p.dir = slash == name ? xstrdup("/") :
		    xstrndup(name, (size_t)(slash - name));
	config_read(&p.in);
	file_finish(&p);
	parser_free(&p);
}

/* Loading: config-layer.c. */

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->api_url = xstrdup(DEFAULT_URL);
	cfg->api_timeout = 10;
	cfg->plan_rpm = 60;
	cfg->hook_mode = HOOK_MODE_AUTO;
	cfg->hook_timeout = 10;
	cfg->hook_remote = xstrdup("origin");
	cfg->poll_interval = 30;
	cfg->give_up_after = DAY;
	cfg->coalesce = 1;
	cfg->allow_options = CONFIG_OPT_DEFAULT;
	cfg->tracked_config = 1;
	cfg->notify_on = CONFIG_NOTIFY_DEFAULT;
	cfg->notify_timeout = 30;
}

int
config_queue_mode(const struct config *cfg)
{
	return cfg->hook_mode != HOOK_MODE_DIRECT &&
	    (cfg->queue_dir != NULL || cfg->hook_mode == HOOK_MODE_QUEUE);
}

void
config_release(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nrules; i++)
		rule_free(&cfg->rules[i]);
	free(cfg->rules);
	for (i = 0; i < cfg->nprojects; i++)
		project_free(&cfg->projects[i]);
	free(cfg->projects);
	free(cfg->notify_command);
	for (i = 0; i < ENV_COUNT; i++)
		vars_release(&cfg->env_vars[i]);
	for (i = 0; i < cfg->nproblems; i++) {
		free(cfg->problems[i].file);
		free(cfg->problems[i].msg);
	}
	free(cfg->problems);
	for (i = 0; i < cfg->nfiles; i++) {
		free(cfg->files[i].path);
		free(cfg->files[i].why);
		free(cfg->files[i].text);
	}
	free(cfg->files);
	for (i = 0; i < cfg->nsettings; i++)
		setting_free(&cfg->settings[i]);
	free(cfg->settings);
	strv_free(cfg->repos, cfg->nrepos);
	free(cfg->file);
	free(cfg->api_url);
	free(cfg->key_file);
	free(cfg->ca_file);
	free(cfg->project_id);
	free(cfg->project_name);
	free(cfg->hook_remote);
	free(cfg->queue_dir);
	free(cfg->state_dir);
	memset(cfg, 0, sizeof(*cfg));
}
