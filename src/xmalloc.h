/* SPDX-License-Identifier: ISC */
/* xmalloc.h -- allocation that never returns NULL (abort on exhaustion) */
#ifndef DD_XMALLOC_H
#define DD_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

#include "compat.h"

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) PRINTFLIKE(1, 2);
char	*xvasprintf(const char *, va_list) PRINTFLIKE(1, 0);
/* A copy of n strings (NULL when n is 0); strv_free frees one. */
char	**xstrvdup(char *const *, size_t n);
void	 strv_free(char **, size_t n);
/* Say "out of memory" and abort: for allocators not our own. */
void	 xoom(void) NORETURN;

#endif
