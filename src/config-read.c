/* SPDX-License-Identifier: ISC */
/* config-read.c -- feed a file to inih line by line, with line numbers */
#include <ctype.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-read.h"
#include "xmalloc.h"

/*
 * inih does all the lexing (comments, "key = value", trimming, inline
 * " ;" comments, continuation lines) through ini_parse_stream() and the
 * reader below, which hands it one line at a time. The reader knows the
 * line number, so the handler does too, and it keeps from inih what inih
 * would mangle silently: a line longer than its 200-byte buffer (cut at
 * 197, the rest read as another line), a NUL byte. inih reports only the
 * first syntax error, so the file is parsed once more per syntax error,
 * each one found replaced, then once for real. inih never calls the
 * handler for a "[section]" line, so the reader notes where they are.
 */
#define MAX_SYNTAX	50		/* syntax errors looked for */
#define SENTINEL	"[\001]"	/* fed for a broken header */
#define BOM		"\xef\xbb\xbf"

static void	report(struct line_reader *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

enum {
	MARK_OK,
	MARK_BLANK,			/* fed as an empty line */
	MARK_HEADER,			/* fed as SENTINEL */
};

static void	rewind_input(struct line_reader *r);
static int	next_line(struct line_reader *r);
static void	seek_line(struct line_reader *r, int n);
static const char *first_char(const struct line_reader *r);
static int	looks_like_header(const struct line_reader *r);
static void	prescan(struct line_reader *r);
static void	note_line(struct line_reader *r);
static char	*feed(char *str, int num, void *stream);
static int	on_key(void *user, const char *section, const char *name,
		    const char *value);
static void	syntax_error(struct line_reader *r, int line);
static void	find_syntax_errors(struct line_reader *r);

static void
rewind_input(struct line_reader *r)
{
	r->pos = 0;
	r->lineno = 0;
}

/* Step to the next line; 0 at the end of the input. */
static int
next_line(struct line_reader *r)
{
	const char *nl;
	size_t left;

	if (r->pos >= r->len)
		return 0;
	r->raw = r->buf + r->pos;
	left = r->len - r->pos;
	nl = memchr(r->raw, '\n', left);
	r->rawlen = nl != NULL ? (size_t)(nl - r->raw) : left;
	r->pos += r->rawlen + (nl != NULL);
	if (r->rawlen > 0 && r->raw[r->rawlen - 1] == '\r')
		r->rawlen--;
	r->lineno++;
	return 1;
}

/* Make line n the current one. */
static void
seek_line(struct line_reader *r, int n)
{
	rewind_input(r);
	while (r->lineno < n && next_line(r))
		;
}

/* The first non-blank of the current line (a BOM skipped), or its end. */
static const char *
first_char(const struct line_reader *r)
{
	const char *s = r->raw, *e = r->raw + r->rawlen;

	if (r->lineno == 1 && r->rawlen >= 3 && memcmp(s, BOM, 3) == 0)
		s += 3;
	while (s < e && isspace((unsigned char)*s))
		s++;
	return s;
}

static int
looks_like_header(const struct line_reader *r)
{
	const char *s = first_char(r);

	return s < r->raw + r->rawlen && *s == '[';
}

static void
report(struct line_reader *r, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->error(r->arg, line, msg);
}

/* Lines inih must not see: NUL bytes, or longer than its buffer. A
 * broken header becomes an ignored section, so its keys do not land in
 * the section before; an indented line may be a continuation: blank. */
static void
prescan(struct line_reader *r)
{
	rewind_input(r);
	while (next_line(r))
		;
	r->nlines = r->lineno;
	r->mark = xcalloc((size_t)r->nlines + 2, 1);
	rewind_input(r);
	while (next_line(r)) {
		if (memchr(r->raw, '\0', r->rawlen) != NULL)
			report(r, r->lineno, "NUL byte in the line: this does "
			    "not look like a text file");
		else if (r->rawlen > CONFIG_LINE_MAX)
			report(r, r->lineno, "line is %zu bytes long, the most "
			    "is %d: inih would silently cut it and read the "
			    "rest as another line", r->rawlen,
			    CONFIG_LINE_MAX);
		else
			continue;
		r->mark[r->lineno] = looks_like_header(r) &&
		    !isspace((unsigned char)r->raw[0]) ? MARK_HEADER :
		    MARK_BLANK;
	}
}

/* Before inih reads a line of the final pass: is it a header, or the
 * continuation of a key? The same tests as inih's. */
static void
note_line(struct line_reader *r)
{
	const char *s, *e = r->raw + r->rawlen;

	r->cont = 0;
	if (r->mark[r->lineno] == MARK_BLANK)
		return;
	if (r->mark[r->lineno] == MARK_HEADER) {
		r->have_prev = 0;
		r->section(r->arg, NULL, 0);
		return;
	}
	s = first_char(r);
	if (s == e || *s == ';' || *s == '#')
		return;
	if (r->have_prev && s > r->raw)
		r->cont = 1;
	else if (*s == '[') {
		r->have_prev = 0;
		r->section(r->arg, s + 1, (size_t)(e - s - 1));
	}
}

/* The ini_reader: hand inih the next line, or what replaces it. */
static char *
feed(char *str, int num, void *stream)
{
	struct line_reader *r = stream;
	size_t n;

	if (!next_line(r))
		return NULL;
	if (r->mark[r->lineno] == MARK_OK && r->rawlen + 2 > (size_t)num) {
		if (r->final)
			report(r, r->lineno, "line is too long for this "
			    "build of inih (%d bytes)", num - 2);
		r->mark[r->lineno] = MARK_BLANK;
	}
	switch (r->mark[r->lineno]) {
	case MARK_BLANK:
		n = 0;
		break;
	case MARK_HEADER:
		n = strlen(SENTINEL);
		memcpy(str, SENTINEL, n);
		break;
	default:
		n = r->rawlen;
		memcpy(str, r->raw, n);
		break;
	}
	str[n] = '\n';
	str[n + 1] = '\0';
	if (r->final)
		note_line(r);
	return str;
}

/* The ini_handler: only the final pass goes on to the caller. */
static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct line_reader *r = user;

	if (!r->final)
		return 1;
	if (!r->cont)
		r->have_prev = *name != '\0';
	return r->key(r->arg, section, name, value);
}

static void
syntax_error(struct line_reader *r, int line)
{
	int header;

	seek_line(r, line);
	header = looks_like_header(r);
	if (header)
		report(r, line, "section header without ']'%s",
		    memchr(r->raw, ';', r->rawlen) != NULL ? " (' ;' starts "
		    "a comment, even inside quotes)" : "");
	else if (memchr(r->raw, '=', r->rawlen) == NULL &&
	    memchr(r->raw, ':', r->rawlen) == NULL)
		report(r, line, "expected '[section]' or 'key = value'");
	else
		report(r, line, "expected 'key = value' (' ;' starts a "
		    "comment, even before '=')");
	r->mark[line] = header ? MARK_HEADER : MARK_BLANK;
}

/* inih stops reporting after the first syntax error: parse again with
 * each one found replaced, until there are no more. */
static void
find_syntax_errors(struct line_reader *r)
{
	int i, line = 0;

	for (i = 0; i < MAX_SYNTAX; i++) {
		rewind_input(r);
		line = ini_parse_stream(feed, r, on_key, r);
		if (line == 0)
			return;
		if (line < 0 || line > r->nlines ||
		    r->mark[line] != MARK_OK) {
			report(r, 0, "inih failed to read the file (%d)",
			    line);
			return;
		}
		syntax_error(r, line);
	}
	report(r, line, "too many syntax errors; stopped looking");
}

void
config_read(struct line_reader *r)
{
	r->final = 0;
	r->have_prev = 0;
	r->cont = 0;
	prescan(r);
	find_syntax_errors(r);
	rewind_input(r);
	r->final = 1;
	(void)ini_parse_stream(feed, r, on_key, r);
	free(r->mark);
	r->mark = NULL;
}

int
config_read_cut(const struct line_reader *r)
{
	const char *s = r->raw, *e = r->raw + r->rawlen, *q;

	if (!r->cont)
		while (s < e && *s != '=' && *s != ':')
			s++;
	for (q = s + 1; q < e; q++)
		if (*q == ';' && isspace((unsigned char)q[-1]))
			return 1;
	return 0;
}
