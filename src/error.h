/* error.h -- one error, filled by the function that failed, printed once */
#ifndef DD_ERROR_H
#define DD_ERROR_H

#include <stddef.h>

/* Exit statuses (PRODUCT.md): 0 ok, 1 any failure, 2 usage or config. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

struct error {
	int	exit;		/* EXIT_FAIL or EXIT_USAGE */
	int	temporary;	/* worth retrying later (network, 5xx, 429) */
	int	http_status;	/* HTTP status when the API answered, or 0 */
	long	retry_after;	/* seconds the server asked us to wait, or -1 */
	char	msg[1024];
	char	hint[256];
};

#define PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))

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
