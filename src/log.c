/* SPDX-License-Identifier: ISC */
/* log.c -- stderr and syslog output with redaction and escaping */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

/* Bytes of a message shown (after redaction). */
#define SHOWN_MAX	4095

static int	 level = LOG_LEVEL_NORMAL;
static int	 to_syslog;
static int	 to_journal;
static char	*secret;

static void	 emit(int, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

void
log_init(int lvl, int use_syslog)
{
	level = lvl;
	/* without a socket, syslog(3) would try to connect at every line */
	if (use_syslog && access("/dev/log", W_OK) != 0)
		use_syslog = 0;
	if (use_syslog && !to_syslog)
		openlog("dotgit-deploy", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	to_syslog = use_syslog;
}

void
log_journal(int on)
{
	to_journal = on;
}

int
log_level(void)
{
	return level;
}

void
log_set_secret(const char *s)
{
	char *old = secret;

	secret = (s != NULL && *s != '\0') ? xstrdup(s) : NULL;
	log_free_secret(old);
}

void
log_free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

char *
log_redact(const char *s)
{
	static const char mark[] = LOG_REDACTED;
	const char *p, *q;
	size_t slen, n = 0;
	char *out, *o;

	if (secret == NULL)
		return xstrdup(s);
	slen = strlen(secret);
	for (p = s; (q = strstr(p, secret)) != NULL; p = q + slen)
		n++;
	if (n == 0)
		return xstrdup(s);
	out = o = xmalloc(strlen(s) + n * sizeof(mark) + 1);
	for (p = s; (q = strstr(p, secret)) != NULL; p = q + slen) {
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, mark, sizeof(mark) - 1);
		o += sizeof(mark) - 1;
	}
	strcpy(o, p);
	return out;
}

/* Format, redact, then cut to SHOWN_MAX bytes: the key is never split. */
static void
emit(int prio, const char *prefix, const char *fmt, va_list ap)
{
	char *raw, *line;
	int saved = errno, n;

	raw = xvasprintf(fmt, ap);
	line = log_redact(raw);
	log_free_secret(raw);
	n = (int)utf8_prefix(line, SHOWN_MAX);
	if (to_journal)
		fprintf(stderr, "<%d>%s%.*s\n", prio, prefix, n, line);
	else
		fprintf(stderr, "%s%.*s\n", prefix, n, line);
	fflush(stderr);
	if (to_syslog)
		syslog(prio, "%.*s", n, line);
	log_free_secret(line);
	errno = saved;
}

#define LOGFN(name, min, prio, prefix)			\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	if (level < (min))					\
		return;						\
	va_start(ap, fmt);					\
	emit((prio), (prefix), fmt, ap);			\
	va_end(ap);						\
}

LOGFN(log_error, LOG_LEVEL_QUIET, LOG_ERR, "dotgit-deploy: ")
LOGFN(log_hint, LOG_LEVEL_QUIET, LOG_NOTICE, "hint: ")
LOGFN(log_warnx, LOG_LEVEL_NORMAL, LOG_WARNING, "dotgit-deploy: warning: ")
LOGFN(log_info, LOG_LEVEL_NORMAL, LOG_INFO, "dotgit-deploy: ")
LOGFN(log_verbose, LOG_LEVEL_VERBOSE, LOG_INFO, "dotgit-deploy: ")
LOGFN(log_debug, LOG_LEVEL_DEBUG, LOG_DEBUG, "dotgit-deploy: debug: ")

void
log_warn(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;
	char *buf;

	if (level < LOG_LEVEL_NORMAL)
		return;
	va_start(ap, fmt);
	buf = xvasprintf(fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", buf, why);
	log_free_secret(buf);
}

char *
log_escape(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), shown = (max && len > max) ? max : len;
	char *out = xmalloc(shown * 4 + 4), *o = out;
	size_t i = 0, n;

	while (i < shown) {
		n = utf8_len(p + i);
		if (n == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\\') {
			*o++ = (char)p[i++];
		} else if (n > 1 && i + n <= shown && !(n == 2 &&
		    p[i] == 0xc2 && p[i + 1] < 0xa0)) {	/* C1 */
			memcpy(o, p + i, n);
			o += n;
			i += n;
		} else {
			o += sprintf(o, "\\x%02x", p[i++]);
		}
	}
	if (shown < len)
		o += sprintf(o, "...");
	*o = '\0';
	return out;
}
