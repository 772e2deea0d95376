/* SPDX-License-Identifier: ISC */
/* config-read.h -- feed a file to inih line by line (for config.c only) */
#ifndef DD_CONFIG_READ_H
#define DD_CONFIG_READ_H

#include <stddef.h>

#define CONFIG_LINE_MAX	196	/* bytes inih (Debian: 200) reads whole */
#define CONFIG_INIH_SECTION 49	/* bytes of a section name inih keeps */

struct line_reader {
	/* Set by the caller. */
	const char	*buf;		/* the whole file */
	size_t		 len;
	void		*arg;		/* first argument of the callbacks */
	/* A line inih must not see, or a syntax error. */
	void		(*error)(void *, int line, const char *msg);
	/* A "[section]" line: s is after the '[', len bytes to the end
	 * of the line; s is NULL for a header that was reported broken,
	 * whose keys must be ignored. */
	void		(*section)(void *, const char *s, size_t len);
	/* Every "key = value" and continuation line, from inih. */
	int		(*key)(void *, const char *section, const char *name,
			    const char *value);

	/* For the callbacks: the line being read. */
	int		 lineno;
	const char	*raw;		/* without its line end */
	size_t		 rawlen;
	int		 cont;		/* continues the previous key */

	/* Private. */
	size_t		 pos;
	int		 nlines;
	unsigned char	*mark;		/* per line: what inih is fed */
	int		 final;		/* 0: looking for syntax errors */
	int		 have_prev;	/* inih has a key to continue */
};

/*
 * Read r->buf: report the lines inih must not see and every syntax
 * error, then call section() and key() for the lines in file order.
 */
void	config_read(struct line_reader *);
/* 1 if inih cut an inline " ;" comment off the current line's value. */
int	config_read_cut(const struct line_reader *);

#endif
