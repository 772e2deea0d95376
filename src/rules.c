/* SPDX-License-Identifier: ISC */
/* rules.c -- branch and tag patterns to environments */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "xmalloc.h"

/* A pattern or name cut at '/' into NUL-terminated segments. */
struct segs {
	char	 *buf;
	char	**v;
	size_t	  n;
};

static int	check_segment(const char *, size_t, char *, size_t);
static size_t	bracket_item(const char *, size_t, size_t);
static int	check_brackets(const char *, size_t);
static void	segs_split(struct segs *, const char *);
static void	segs_free(struct segs *);
static int	match_at(const struct segs *, size_t, const struct segs *,
		    size_t, unsigned char *);

static int	why(char *buf, size_t len, const char *msg);

int
rules_is_glob(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

static int
why(char *buf, size_t len, const char *msg)
{
	if (len > 0)
		snprintf(buf, len, "%s", msg);
	return -1;
}

int
rules_pattern_check(const char *p, char *whybuf, size_t whylen)
{
	const char *s, *slash;
	size_t i;

	if (*p == '\0')
		return why(whybuf, whylen, "empty pattern");
	for (i = 0; p[i] != '\0'; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f)
			return why(whybuf, whylen, "control character");
		if (c == '\\')
			return why(whybuf, whylen,
			    "backslash (not allowed in git names)");
	}
	if (p[0] == '/')
		return why(whybuf, whylen, "starts with '/'");
	if (p[i - 1] == '/')
		return why(whybuf, whylen, "ends with '/'");
	if (strstr(p, "//") != NULL)
		return why(whybuf, whylen, "contains '//'");
	for (s = p; ; s = slash + 1) {
		slash = strchr(s, '/');
		if (slash == NULL)
			slash = s + strlen(s);
		if (check_segment(s, (size_t)(slash - s), whybuf, whylen) < 0)
			return -1;
		if (*slash == '\0')
			break;
	}
	return 0;
}

/* One '/'-free segment of a pattern: '**' alone, brackets closed. */
static int
check_segment(const char *s, size_t len, char *whybuf, size_t whylen)
{
	const char *star = memmem(s, len, "**", 2);

	if (star != NULL) {
		if (memmem(s, len, "***", 3) != NULL)
			return why(whybuf, whylen, "'***' is not a glob; "
			    "use '*' or '**'");
		if (len != 2)
			return why(whybuf, whylen, "'**' must be a whole "
			    "path segment (like 'a/**' or 'a/**/b')");
	}
	if (check_brackets(s, len) < 0)
		return why(whybuf, whylen, "unclosed '[' (a bracket "
		    "expression cannot contain '/')");
	return 0;
}

/*
 * Past the item of a bracket expression at s[j]: "[:class:]", "[.sym.]"
 * or "[=c=]" whole (its ']' does not close the bracket, for fnmatch),
 * else one byte. `len` when "[." or "[=" is not closed in the segment:
 * fnmatch would look past the '/' for its end.
 */
static size_t
bracket_item(const char *s, size_t len, size_t j)
{
	size_t k;
	char d;

	if (s[j] != '[' || j + 1 >= len || strchr(":.=", s[j + 1]) == NULL)
		return j + 1;
	d = s[j + 1];
	for (k = j + 2; k + 1 < len; k++)
		if (s[k] == d && s[k + 1] == ']')
			return k + 2;
	return d == ':' ? j + 1 : len;	/* "[:" unclosed is two bytes */
}

/* -1 if a '[' has no closing ']' within the segment, as fnmatch reads it:
 * a leading '!' or '^' negates, a ']' right after that is literal, a
 * class "[:alpha:]" holds its own ']'. */
static int
check_brackets(const char *s, size_t len)
{
	size_t i, j;

	for (i = 0; i < len; i++) {
		if (s[i] != '[')
			continue;
		j = i + 1;
		if (j < len && (s[j] == '!' || s[j] == '^'))
			j++;
		if (j < len && s[j] == ']')
			j++;
		while (j < len && s[j] != ']')
			j = bracket_item(s, len, j);
		if (j >= len)
			return -1;
		i = j;
	}
	return 0;
}

static void
segs_split(struct segs *sg, const char *s)
{
	size_t i, n = 1;
	char *p;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == '/')
			n++;
	sg->buf = xstrdup(s);
	sg->v = xcalloc(n, sizeof(*sg->v));
	sg->n = 0;
	sg->v[sg->n++] = sg->buf;
	for (p = sg->buf; *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\0';
			sg->v[sg->n++] = p + 1;
		}
	}
}

static void
segs_free(struct segs *sg)
{
	free(sg->buf);
	free(sg->v);
}

/*
 * Does pattern segment pi onwards match name segment ni onwards? `failed`
 * remembers the (pi, ni) pairs already known not to match, so several
 * '**' cost O(segments^2) calls, not an exponential number. A '**' matches
 * zero or more whole segments, except at the end of the pattern, where it
 * matches one or more: "feature/" + "**" matches inside "feature" only,
 * as in gitignore.
 */
static int
match_at(const struct segs *pat, size_t pi, const struct segs *nm, size_t ni,
    unsigned char *failed)
{
	unsigned char *memo = &failed[pi * (nm->n + 1) + ni];
	size_t k;
	int ok = 0;

	if (*memo)
		return 0;
	if (pi == pat->n)
		ok = ni == nm->n;
	else if (strcmp(pat->v[pi], "**") == 0) {
		if (pi + 1 == pat->n)
			ok = ni < nm->n;
		for (k = ni; pi + 1 < pat->n && k <= nm->n && !ok; k++)
			ok = match_at(pat, pi + 1, nm, k, failed);
	} else if (ni < nm->n &&
	    fnmatch(pat->v[pi], nm->v[ni], FNM_PATHNAME) == 0)
		ok = match_at(pat, pi + 1, nm, ni + 1, failed);
	if (!ok)
		*memo = 1;
	return ok;
}

int
rules_glob_match(const char *pattern, const char *name)
{
	struct segs pat, nm;
	unsigned char *failed;
	int ok;

	if (strstr(pattern, "**") == NULL)
		return fnmatch(pattern, name, FNM_PATHNAME) == 0;
	segs_split(&pat, pattern);
	segs_split(&nm, name);
	failed = xcalloc((pat.n + 1) * (nm.n + 1), 1);
	ok = match_at(&pat, 0, &nm, 0, failed);
	free(failed);
	segs_free(&pat);
	segs_free(&nm);
	return ok;
}

const struct rule *
rules_match(const struct config *cfg, enum rule_kind kind, const char *name)
{
	const struct rule *r;
	size_t i;

	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if (r->kind == kind && r->exact &&
		    strcmp(r->pattern, name) == 0)
			return r;
	}
	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if (r->kind == kind && !r->exact &&
		    rules_glob_match(r->pattern, name))
			return r;
	}
	return NULL;
}
