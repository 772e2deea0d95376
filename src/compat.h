/* SPDX-License-Identifier: ISC */
/* compat.h -- the compiler attributes every module may use */
#ifndef DD_COMPAT_H
#define DD_COMPAT_H

/* printf-style format string at argument a, its arguments from b */
#define PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))
/* never returns */
#define NORETURN __attribute__((noreturn))

#endif
