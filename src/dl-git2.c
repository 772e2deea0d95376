/* SPDX-License-Identifier: ISC */
/* dl-git2.c -- libgit2, loaded on first use (see dl-git2.h) */
#include <git2.h>

#define DL_GIT2_IMPL
#include "dl-git2.h"
#include "lazylib.h"
#include "sonames.h"

struct dl_git2 dl_git2;

int
dl_git2_load(struct error *err)
{
#define DL_GIT2_SYM(f)	{ #f, &dl_git2.f },
	static const struct lazylib_sym syms[] = {
		DL_GIT2_FUNCS(DL_GIT2_SYM)
	};
#undef DL_GIT2_SYM
	static void *handle;

	return lazylib_open(&handle, DL_GIT2_SONAME, syms,
	    sizeof(syms) / sizeof(syms[0]), err);
}
