/* log.h -- messages to stderr (and syslog for the daemon), key redacted */
#ifndef DD_LOG_H
#define DD_LOG_H

#include "error.h"

enum log_level {
	LOG_LEVEL_QUIET = -1,	/* -q: errors only */
	LOG_LEVEL_NORMAL = 0,
	LOG_LEVEL_VERBOSE = 1,	/* -v */
	LOG_LEVEL_DEBUG = 2,	/* -vv */
};

void	log_init(int level, int use_syslog);
int	log_level(void);
/* Every later line has each occurrence of `secret` replaced; NULL clears. */
void	log_set_secret(const char *);

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

/* Copy of s safe for a terminal or syslog: control bytes, backslash and
 * invalid UTF-8 become \xNN. At most `max` input bytes are shown (0: all),
 * longer strings end in "...". Caller frees. */
char	*log_escape(const char *s, size_t max);

#endif
