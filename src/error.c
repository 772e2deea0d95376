/* error.c -- struct error helpers */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "log.h"

void
error_clear(struct error *err)
{
	memset(err, 0, sizeof(*err));
	err->retry_after = -1;
}

static void
error_vset(struct error *err, int exit, const char *fmt, va_list ap)
{
	int status = err->http_status;
	long retry = err->retry_after;

	error_clear(err);
	err->exit = exit;
	err->http_status = status;
	err->retry_after = retry;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
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
	char what[512], old[sizeof(err->msg)];
	size_t n, room, len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	n = strlen(what);
	memcpy(err->msg, what, n);
	memcpy(err->msg + n, ": ", 2);
	room = sizeof(err->msg) - n - 3;
	len = strnlen(old, room);
	memcpy(err->msg + n + 2, old, len);
	err->msg[n + 2 + len] = '\0';
	if (err->exit == 0)
		err->exit = EXIT_FAIL;
	return -1;
}

void
error_hint(struct error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
}

void
error_print(const struct error *err)
{
	log_error("%s", err->msg[0] ? err->msg : "unknown error");
	if (err->hint[0])
		log_hint("%s", err->hint);
}
