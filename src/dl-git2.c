/* SPDX-License-Identifier: ISC */
/* dl-git2.c -- libgit2, loaded on first use (see dl-git2.h) */
#include <git2.h>

#include "dl-git2.h"
#include "lazylib.h"
#include "sonames.h"

#define DL_GIT2_DEF(f)	__typeof__(f) *sym_##f;
DL_GIT2_FUNCS(DL_GIT2_DEF)
#undef DL_GIT2_DEF

int
dl_git2_load(struct error *err)
{
#define DL_GIT2_SYM(f)	{ #f, &sym_##f },
	static const struct lazylib_sym syms[] = {
		DL_GIT2_FUNCS(DL_GIT2_SYM)
	};
#undef DL_GIT2_SYM
	static void *handle;

	return lazylib_open(&handle, DL_GIT2_SONAME, syms,
	    sizeof(syms) / sizeof(syms[0]), err);
}
