/* log.c -- stderr and syslog output with redaction and escaping */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

static int	 level = LOG_LEVEL_NORMAL;
static int	 to_syslog;
static char	*secret;

static void	 emit(int, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

void
log_init(int lvl, int use_syslog)
{
	level = lvl;
	if (use_syslog && !to_syslog)
		openlog("dotgit-deploy", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	to_syslog = use_syslog;
}

int
log_level(void)
{
	return level;
}

void
log_set_secret(const char *s)
{
	free(secret);
	secret = (s != NULL && *s != '\0') ? xstrdup(s) : NULL;
}

/* Replace every occurrence of the secret in buf, in place. */
static void
redact(char *buf, size_t size)
{
	static const char mark[] = "[REDACTED]";
	size_t slen, mlen = sizeof(mark) - 1;
	char *p;

	if (secret == NULL)
		return;
	slen = strlen(secret);
	while ((p = strstr(buf, secret)) != NULL) {
		size_t tail = strlen(p + slen) + 1;

		if ((size_t)(p - buf) + mlen + tail > size)
			tail = size - (size_t)(p - buf) - mlen;
		memmove(p + mlen, p + slen, tail);
		memcpy(p, mark, mlen);
		buf[size - 1] = '\0';
	}
}

static void
emit(int prio, const char *prefix, const char *fmt, va_list ap)
{
	char buf[4096];
	int saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	redact(buf, sizeof(buf));
	fprintf(stderr, "%s%s\n", prefix, buf);
	fflush(stderr);
	if (to_syslog)
		syslog(prio, "%s", buf);
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
	char buf[2048];
	const char *why = strerror(errno);
	va_list ap;

	if (level < LOG_LEVEL_NORMAL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", buf, why);
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
		} else if (n > 1 && i + n <= shown) {
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
