/* SPDX-License-Identifier: ISC */
/* error.c -- struct error helpers */
#define DD_ERROR_C	/* error.h: the definitions, not the analyzer's view */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

static void	put_text(char *dst, size_t size, char *text);
static void	error_vset(struct error *err, int exit, const char *fmt,
		    va_list ap);

void
error_clear(struct error *err)
{
	memset(err, 0, sizeof(*err));
}

/*
 * Copy text into dst (size bytes) with the key redacted first: a cut can
 * never leave part of it, and a message stored from an error (a job's
 * last_error) holds no key. Wipes text.
 */
static void
put_text(char *dst, size_t size, char *text)
{
	char *safe = log_redact(text);

	log_free_secret(text);
	snprintf(dst, size, "%.*s", (int)utf8_prefix(safe, size - 1), safe);
	log_free_secret(safe);
}

static void
error_vset(struct error *err, int exit, const char *fmt, va_list ap)
{
	char *text = xvasprintf(fmt, ap);

	error_clear(err);
	err->exit = exit;
	put_text(err->msg, sizeof(err->msg), text);
}

int
error_set(struct error *err, int exit, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, exit, fmt, ap);
	va_end(ap);
	return -1;
}

int
error_temp(struct error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, EXIT_FAIL, fmt, ap);
	va_end(ap);
	err->temporary = 1;
	return -1;
}

int
error_wrap(struct error *err, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	put_text(err->msg, sizeof(err->msg), xasprintf("%s: %s", what,
	    err->msg));
	log_free_secret(what);
	if (err->exit == 0)
		err->exit = EXIT_FAIL;
	return -1;
}

void
error_hint(struct error *err, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	put_text(err->hint, sizeof(err->hint), text);
}

void
error_print(const struct error *err)
{
	log_error("%s", err->msg[0] ? err->msg : "unknown error");
	if (err->hint[0])
		log_hint("%s", err->hint);
}
