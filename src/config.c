/* config.c -- the configuration: keys, their meaning, validation */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "config-read.h"
#include "log.h"
#include "rules.h"
#include "utf8.h"
#include "xmalloc.h"

/*
 * inih reads the file (config-read.c feeds it, so every key comes with
 * its line number); this file says what the keys mean. One table row per
 * key: where it may appear, its type, where it goes, its bounds. Every
 * problem is collected with its line; the first error fails the load.
 */
#define FILE_MAX_BYTES	(4 << 20)
#define MAX_PROBLEMS	200
#define DEFAULT_URL	"https://api.git.dev/v1"

enum {
	S_NONE = 0,			/* before the first header */
	S_API = 1 << 0,
	S_PROJECT = 1 << 1,
	S_HOOK = 1 << 2,
	S_DAEMON = 1 << 3,
	S_BRANCH = 1 << 4,
	S_TAG = 1 << 5,
	S_ENV = 1 << 6,
	S_SKIP = 1 << 7,		/* broken or unknown: keys ignored */
};
#define S_RULE	(S_BRANCH | S_TAG)
#define S_PLAIN	4			/* api, project, hook, daemon */

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
	T_ENVNAME,	/* one of config_environments */
	T_PATHS,	/* list: repository paths (path filter) */
	T_GLOBS,	/* list: T_PATH globs */
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
	{ S_HOOK, "mode", T_MODE, C(hook_mode), 0, 0, 0 },
	{ S_HOOK, "timeout", T_SECONDS, C(hook_timeout), 0, 1, 600 },
	{ S_HOOK, "remote", T_WORD, C(hook_remote), 0, 0, 0 },
	{ S_DAEMON, "queue", T_PATH, C(queue_dir), 0, 0, 0 },
	{ S_DAEMON, "repos", T_GLOBS, C(repos), C(nrepos), 0, 0 },
	{ S_DAEMON, "poll_interval", T_SECONDS, C(poll_interval), 0, 1, 3600 },
	{ S_DAEMON, "give_up_after", T_LSECONDS, C(give_up_after), 0, 1,
	    365 * DAY },
	{ S_DAEMON, "coalesce", T_BOOL, C(coalesce), 0, 0, 0 },
};

/* In an unknown [api] key's name: someone may be writing the key here. */
static const char *const secret_words[] = {
	"key", "token", "secret", "password", "passwd", "bearer", NULL
};

/* Where a key was first set, for "duplicate" messages. */
struct seen {
	int	 id;			/* section instance, see sect_id() */
	char	*key;
	int	 line;
};

struct parser {
	struct config	*cfg;
	const char	*name;		/* file name in messages */
	char		*dir;		/* base of relative paths, or NULL */

	struct line_reader in;		/* the line being read */

	int		 sect;		/* S_* of the current section */
	char		*sect_raw;	/* between [ and ], as inih has it */
	char		*sect_disp;	/* the same, escaped, for messages */
	size_t		 rule;		/* S_RULE: index in cfg->rules */
	int		 env;		/* S_ENV: index, or -1 */

	const struct key *prev_key;	/* the key a continuation extends */
	char		*prev_var;	/* ... or the variable */
	int		 prev_bad;	/* ... already reported */

	int		 plain_line[S_PLAIN];	/* first [api] ... [daemon] */
	int		 env_line[ENV_COUNT];	/* first [environment "X"] */
	struct seen	*seen;
	size_t		 nseen;
	int		 full;		/* MAX_PROBLEMS reached */
};

const char *const config_environments[ENV_COUNT] = {
	"production", "staging", "preview"
};

static void	 vproblem(struct parser *, int, int, const char *, va_list)
		    __attribute__((format(printf, 4, 0)));
static void	 perr(struct parser *, int, const char *, ...) PRINTFLIKE(3, 4);
static void	 pwarn(struct parser *, int, const char *, ...)
		    PRINTFLIKE(3, 4);
static int	 on_key(void *, const char *, const char *, const char *);
static void	 section_start(void *, const char *, size_t);
static void	 section_parse(struct parser *, char *);
static void	 rule_start(struct parser *, int, const char *);
static void	 env_start(struct parser *, const char *);
static int	 on_table_key(struct parser *, const char *, const char *);
static int	 on_var(struct parser *, const char *, const char *);
static int	 on_continuation(struct parser *, const char *);
static int	 set_value(struct parser *, const struct key *, char *,
		    const char *);
static int	 set_list(struct parser *, const struct key *, char *,
		    const char *);
static char	*expand_path(const struct parser *, const char *);
static void	 config_init(struct config *, const char *);
static int	 parse(struct config *, const char *, size_t, const char *,
		    struct error *);

int
config_env_index(const char *name)
{
	int i;

	for (i = 0; i < ENV_COUNT; i++)
		if (strcmp(config_environments[i], name) == 0)
			return i;
	return -1;
}

/* Problems: every one is kept, with its line (0: the whole file). */

static void
vproblem(struct parser *p, int line, int warning, const char *fmt,
    va_list ap)
{
	struct config *cfg = p->cfg;
	struct config_problem *pb;
	char buf[768];

	if (p->full)
		return;
	if (cfg->nproblems + 1 == MAX_PROBLEMS) {
		p->full = 1;
		line = 0;
		warning = 0;
		snprintf(buf, sizeof(buf), "too many problems; "
		    "fix these and check again");
	} else
		vsnprintf(buf, sizeof(buf), fmt, ap);
	cfg->problems = xreallocarray(cfg->problems, cfg->nproblems + 1,
	    sizeof(*cfg->problems));
	pb = &cfg->problems[cfg->nproblems++];
	pb->file = xstrdup(p->name);
	pb->line = line;
	pb->warning = warning;
	pb->msg = xstrdup(buf);
}

static void
perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(p, line, 0, fmt, ap);
	va_end(ap);
}

static void
pwarn(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(p, line, 1, fmt, ap);
	va_end(ap);
}

/* Escaped copy for messages (at most 80 bytes shown); caller frees. */
static char *
esc(const char *s)
{
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
	p->sect_raw = NULL;
	p->sect_disp = NULL;
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
	    sect == S_HOOK ? 2 : 3;
}

static void
plain_start(struct parser *p, const struct section *sc)
{
	int *first = &p->plain_line[plain_index(sc->sect)];

	if (*first != 0)
		pwarn(p, p->in.lineno, "duplicate [%s], first at %s:%d; the "
		    "sections are merged", sc->name, p->name, *first);
	else
		*first = p->in.lineno;
	p->sect = sc->sect;
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
rule_start(struct parser *p, int sect, const char *pat)
{
	struct config *cfg = p->cfg;
	enum rule_kind kind = sect == S_TAG ? RULE_TAG : RULE_BRANCH;
	struct rule *r;
	char why[160];
	size_t i;

	if (rules_pattern_check(pat, why, sizeof(why)) < 0)
		perr(p, p->in.lineno, "invalid pattern in [%s]: %s",
		    p->sect_disp, why);
	else if (strncmp(pat, "refs/", 5) == 0)
		pwarn(p, p->in.lineno, "[%s] is matched against short names "
		    "like 'main' or 'v1.0', not 'refs/...'", p->sect_disp);
	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if (r->kind != kind || strcmp(r->pattern, pat) != 0)
			continue;
		if (r->exact)
			perr(p, p->in.lineno, "duplicate [%s], first at %s:%d",
			    p->sect_disp, r->file, r->line);
		else
			pwarn(p, p->in.lineno, "duplicate [%s], first at "
			    "%s:%d; only the first can match", p->sect_disp,
			    r->file, r->line);
		break;
	}
	cfg->rules = xreallocarray(cfg->rules, cfg->nrules + 1,
	    sizeof(*cfg->rules));
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
	if (p->sect == S_ENV)
		return 100 + p->env;
	return p->sect;
}

static int
seen_line(const struct parser *p, int id, const char *key)
{
	size_t i;

	for (i = 0; i < p->nseen; i++)
		if (p->seen[i].id == id && strcmp(p->seen[i].key, key) == 0)
			return p->seen[i].line;
	return 0;
}

/* The line where key was first set in section `id`, or 0 (and then
 * this line is remembered as the first). */
static int
seen_first(struct parser *p, int id, const char *key)
{
	struct seen *s;
	int line;

	if ((line = seen_line(p, id, key)) != 0)
		return line;
	p->seen = xreallocarray(p->seen, p->nseen + 1, sizeof(*p->seen));
	s = &p->seen[p->nseen++];
	s->id = id;
	s->key = xstrdup(key);
	s->line = p->in.lineno;
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

/* Where the fields of the current section live. */
static char *
section_base(const struct parser *p)
{
	if (p->sect & S_RULE)
		return (char *)&p->cfg->rules[p->rule];
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
	if (set_value(p, k, section_base(p), value) == 0) {
		p->prev_key = k;
		p->prev_bad = 0;
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
	if (p->env >= 0)
		vars_set(&p->cfg->env_vars[p->env], name, value);
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
	if (k != NULL && (k->type == T_PATHS || k->type == T_GLOBS)) {
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
	char *e = esc(v);

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

static int
set_url(struct parser *p, char **field, const char *v)
{
	const char *why;
	char *url, *e;
	size_t n;

	if (strncasecmp(v, "http://", 7) == 0) {
		e = esc(v);
		perr(p, p->in.lineno, "api url '%s' is http://; only https:// "
		    "is allowed, so the API key never travels in clear text",
		    e);
		free(e);
		return -1;
	}
	if ((why = url_problem(v)) != NULL) {
		bad_value(p, "url", v, why);
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

static int
set_path(struct parser *p, const struct key *k, char **field,
    const char *v)
{
	char *path;

	if (k->type == T_KEYFILE && strncmp(v, "gl_api_", 7) == 0) {
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

	return v[n] == '\0' && n <= 128;
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
	case T_ENVNAME:
		return set_envname(p, field, v);
	case T_PATHS:
	case T_GLOBS:
		list_clear(base, k);
		return set_list(p, k, base, v);
	}
	return -1;
}

/* After the last line: what needs the whole file. */

static void
check_project(struct parser *p)
{
	int first = p->plain_line[plain_index(S_PROJECT)], id, name;

	if (first == 0) {
		perr(p, 0, "missing [project]: add one with 'id = ...' "
		    "(see 'dotgit-deploy projects') or 'name = ...'");
		return;
	}
	id = seen_line(p, S_PROJECT, "id");
	name = seen_line(p, S_PROJECT, "name");
	if (id != 0 && name != 0)
		perr(p, id > name ? id : name, "both 'id' and 'name' in "
		    "[project]: keep one");
	else if (id == 0 && name == 0)
		perr(p, first, "[project] needs 'id' or 'name'");
}

static void
finish(struct parser *p)
{
	struct config *cfg = p->cfg;
	const struct rule *r;
	char *e;
	size_t i;

	check_project(p);
	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if (r->environment != NULL ||
		    seen_line(p, 1000 + (int)i, "environment") != 0)
			continue;
		e = esc(r->pattern);
		perr(p, r->line, "[%s \"%s\"] has no 'environment'",
		    r->kind == RULE_TAG ? "tag" : "branch", e);
		free(e);
	}
	if (cfg->nrules == 0)
		pwarn(p, 0, "no [branch] or [tag] rules: nothing will be "
		    "deployed");
	if (cfg->hook_mode == HOOK_MODE_QUEUE && cfg->queue_dir == NULL &&
	    seen_line(p, S_DAEMON, "queue") == 0)
		perr(p, seen_line(p, S_HOOK, "mode"), "[hook] mode = queue "
		    "needs [daemon] queue (the directory the daemon reads)");
}

struct ordered {
	struct config_problem	pb;
	size_t			seq;
};

static int
ordered_cmp(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;
	unsigned lx = x->pb.line ? (unsigned)x->pb.line : UINT_MAX;
	unsigned ly = y->pb.line ? (unsigned)y->pb.line : UINT_MAX;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* By line, in the order found on a line; whole-file problems last. */
static void
sort_problems(struct config *cfg)
{
	struct ordered *o;
	size_t i;

	if (cfg->nproblems < 2)
		return;
	o = xcalloc(cfg->nproblems, sizeof(*o));
	for (i = 0; i < cfg->nproblems; i++) {
		o[i].pb = cfg->problems[i];
		o[i].seq = i;
	}
	qsort(o, cfg->nproblems, sizeof(*o), ordered_cmp);
	for (i = 0; i < cfg->nproblems; i++)
		cfg->problems[i] = o[i].pb;
	free(o);
}

static int
first_error(const struct config *cfg, struct error *err)
{
	const struct config_problem *pb = NULL;
	size_t i, n = 0;

	for (i = 0; i < cfg->nproblems; i++)
		if (!cfg->problems[i].warning && n++ == 0)
			pb = &cfg->problems[i];
	if (pb == NULL)
		return 0;
	if (pb->line > 0)
		error_set(err, EXIT_USAGE, "%s:%d: %s", pb->file, pb->line,
		    pb->msg);
	else
		error_set(err, EXIT_USAGE, "%s: %s", pb->file, pb->msg);
	if (n > 1)
		error_hint(err, "%zu more error%s; 'dotgit-deploy config "
		    "check' shows them all", n - 1, n > 2 ? "s" : "");
	return -1;
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
	size_t i;

	for (i = 0; i < p->nseen; i++)
		free(p->seen[i].key);
	free(p->seen);
	free(p->dir);
	free(p->sect_raw);
	free(p->sect_disp);
	free(p->prev_var);
}

static int
parse(struct config *cfg, const char *buf, size_t len, const char *name,
    struct error *err)
{
	struct parser p;
	const char *slash = strrchr(name, '/');

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.name = name;
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
	finish(&p);
	parser_free(&p);
	sort_problems(cfg);
	return first_error(cfg, err);
}

/* Loading. */

static void
config_init(struct config *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->file = xstrdup(name);
	cfg->api_url = xstrdup(DEFAULT_URL);
	cfg->api_timeout = 10;
	cfg->plan_rpm = 60;
	cfg->hook_mode = HOOK_MODE_AUTO;
	cfg->hook_timeout = 10;
	cfg->hook_remote = xstrdup("origin");
	cfg->poll_interval = 30;
	cfg->give_up_after = DAY;
	cfg->coalesce = 1;
}

static int
read_file(char **out, size_t *outlen, const char *path, struct error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, saved;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return error_set(err, EXIT_USAGE, "cannot open config '%s': "
		    "%s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return error_set(err, EXIT_USAGE, "cannot read config '%s': "
		    "%s", path, strerror(EISDIR));
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8192;
			buf = xreallocarray(buf, cap, 1);
		}
		if ((n = read(fd, buf + len, cap - len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) > FILE_MAX_BYTES)
			break;
	}
	saved = errno;
	close(fd);
	if (n < 0 || len > FILE_MAX_BYTES) {
		free(buf);
		if (n < 0)
			return error_set(err, EXIT_USAGE, "cannot read config "
			    "'%s': %s", path, strerror(saved));
		return error_set(err, EXIT_USAGE, "config '%s' is larger "
		    "than %d MiB", path, FILE_MAX_BYTES >> 20);
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int
config_load(struct config *out, const char *path, struct error *err)
{
	char *buf;
	size_t len = 0;
	int rc;

	config_init(out, path);
	if (read_file(&buf, &len, path, err) < 0)
		return -1;
	rc = parse(out, buf, len, path, err);
	free(buf);
	return rc;
}

int
config_load_string(struct config *out, const char *text, const char *name,
    struct error *err)
{
	config_init(out, name);
	return parse(out, text, strlen(text), name, err);
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
config_release(struct config *cfg)
{
	struct rule *r;
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		free(r->pattern);
		free(r->environment);
		strv_free(r->paths, r->npaths);
		free(r->file);
	}
	free(cfg->rules);
	for (i = 0; i < ENV_COUNT; i++)
		vars_release(&cfg->env_vars[i]);
	for (i = 0; i < cfg->nproblems; i++) {
		free(cfg->problems[i].file);
		free(cfg->problems[i].msg);
	}
	free(cfg->problems);
	strv_free(cfg->repos, cfg->nrepos);
	free(cfg->file);
	free(cfg->api_url);
	free(cfg->key_file);
	free(cfg->ca_file);
	free(cfg->project_id);
	free(cfg->project_name);
	free(cfg->hook_remote);
	free(cfg->queue_dir);
	memset(cfg, 0, sizeof(*cfg));
}
