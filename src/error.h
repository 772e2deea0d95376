/* SPDX-License-Identifier: ISC */
/* error.h -- one error, filled by the function that failed, printed once */
#ifndef DD_ERROR_H
#define DD_ERROR_H

#include <stddef.h>

#include "compat.h"

/* Exit statuses (dotgit-deploy(1)): 0 ok, 1 any failure, 2 usage or
 * configuration. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

/*
 * What a function returns (the model is libgit2's errors.h): 0, DD_ERROR
 * with its struct error filled, or a condition the caller may act on.
 * Nothing else is returned but counts and booleans a function documents.
 */
enum {
	DD_OK = 0,
	DD_ERROR = -1,		/* the struct error says what */
	DD_ENOTFOUND = -2,	/* no such thing: a ref, object, job, record,
				   file */
	DD_EINVALID = -3,	/* there, but not what it should be: a file
				   not regular, too big, corrupt */
	DD_ERETRY = -4,		/* failed, but worth trying again */
};

struct error {
	int	exit;		/* EXIT_FAIL or EXIT_USAGE */
	int	temporary;	/* worth retrying later (network, 5xx, 429) */
	char	msg[1024];
	char	hint[256];
};

void	error_clear(struct error *);
/* Fill err (exit status `exit`) and return -1, so callers can
 * `return error_set(err, EXIT_FAIL, "...")`. Every message and hint is
 * formatted whole, has the key redacted (log_set_secret), then is cut to
 * its buffer: it may be stored (a job's last_error) and shown anywhere. */
int	error_set(struct error *, int exit, const char *, ...) PRINTFLIKE(3, 4);
/* Same, marked temporary: a later retry may succeed. */
int	error_temp(struct error *, const char *, ...) PRINTFLIKE(2, 3);
/* Prefix the message with what we were doing: "<what>: <msg>". */
int	error_wrap(struct error *, const char *, ...) PRINTFLIKE(2, 3);
void	error_hint(struct error *, const char *, ...) PRINTFLIKE(2, 3);
/* Print "dotgit-deploy: msg" and "hint: ..." to stderr. */
void	error_print(const struct error *);

/*
 * The static analyzer (make analyze) reads one file at a time: it does
 * not know that these always return -1, and walks on from a
 * `return error_set(...)` as if it could be 0. Say it where it looks.
 */
#if defined(__clang_analyzer__) && !defined(DD_ERROR_C)
#define error_set(...)	(error_set(__VA_ARGS__), -1)
#define error_temp(...)	(error_temp(__VA_ARGS__), -1)
#define error_wrap(...)	(error_wrap(__VA_ARGS__), -1)
#endif

#endif
