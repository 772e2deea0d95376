/* SPDX-License-Identifier: ISC */
/* log.h -- messages to stderr (and syslog for the daemon), key redacted */
#ifndef DD_LOG_H
#define DD_LOG_H

#include "compat.h"

enum log_level {
	LOG_LEVEL_QUIET = -1,	/* -q: errors only */
	LOG_LEVEL_NORMAL = 0,
	LOG_LEVEL_VERBOSE = 1,	/* -v */
	LOG_LEVEL_DEBUG = 2,	/* -vv */
};

/* use_syslog: also to syslog(3), when there is a /dev/log to take it. */
void	log_init(int level, int use_syslog);
/* stderr goes to the journal: each line starts with its syslog priority
 * ("<3>" for an error), which journald reads (SyslogLevelPrefix=), so
 * `journalctl -p err` finds the errors. */
void	log_journal(int on);
int	log_level(void);
/*
 * The secret (the API key): from now on every log line and every struct
 * error message has each occurrence replaced by LOG_REDACTED, before any
 * cut, so a cut never leaves part of it. NULL clears. The old copy is
 * wiped (explicit_bzero) when cleared or replaced.
 */
void	log_set_secret(const char *);
#define LOG_REDACTED	"[REDACTED]"
/* Copy of s with each occurrence of the secret replaced by LOG_REDACTED
 * (a plain copy when none is set). Caller frees. */
char	*log_redact(const char *s);
/* explicit_bzero and free a string that may hold the secret. */
void	log_free_secret(char *s);

/* "dotgit-deploy: <msg>" -- always shown. */
void	log_error(const char *, ...) PRINTFLIKE(1, 2);
/* "hint: <msg>" -- always shown. */
void	log_hint(const char *, ...) PRINTFLIKE(1, 2);
/* "dotgit-deploy: warning: <msg>[: strerror]" -- hidden by -q. */
void	log_warn(const char *, ...) PRINTFLIKE(1, 2);
void	log_warnx(const char *, ...) PRINTFLIKE(1, 2);
/* "dotgit-deploy: <msg>" -- hidden by -q. */
void	log_info(const char *, ...) PRINTFLIKE(1, 2);
/* shown with -v / -vv */
void	log_verbose(const char *, ...) PRINTFLIKE(1, 2);
void	log_debug(const char *, ...) PRINTFLIKE(1, 2);

/* Copy of s safe for a terminal or syslog: control characters (C0, DEL
 * and C1, U+0080..U+009F), backslash and invalid UTF-8 become \xNN. At
 * most `max` input bytes are shown (0: all), longer strings end in "...".
 * Caller frees. */
char	*log_escape(const char *s, size_t max);

#endif
