/* SPDX-License-Identifier: ISC */
/* lazylib.h -- a shared library loaded on first use (dlopen + dlsym) */
#ifndef DD_LAZYLIB_H
#define DD_LAZYLIB_H

#include <stddef.h>

#include "error.h"

/* One function to look up: its name and where its pointer goes (the
 * address of a function pointer of the function's own type). */
struct lazylib_sym {
	const char	*name;
	void		*slot;
};

/*
 * Load `soname` and fill every slot of syms[0..n), once: *handle keeps the
 * library (never closed) and a later call returns 0 at once. A missing
 * library or symbol is an ordinary error ("cannot load libx.so.1: ...");
 * then nothing is kept and the next call tries again. One thread only.
 */
int	lazylib_open(void **handle, const char *soname,
	    const struct lazylib_sym *syms, size_t n, struct error *);

#endif
