/* SPDX-License-Identifier: ISC */
/* vars.h -- an ordered list of environment variables (name = value) */
#ifndef DD_VARS_H
#define DD_VARS_H

#include <stddef.h>

#include "error.h"

struct var {
	char	*name;
	char	*value;
};

struct vars {
	struct var	*v;
	size_t		 n;
};

/* Set name to value, replacing an existing entry in place. */
void		 vars_set(struct vars *, const char *, const char *);
const char	*vars_get(const struct vars *, const char *);
/* Copy every entry of src into dst; src wins. */
void		 vars_merge(struct vars *, const struct vars *);
void		 vars_release(struct vars *);
/* A valid name is [A-Za-z_][A-Za-z0-9_]* and at most 256 bytes. */
int		 vars_name_valid(const char *);
/* Parse "NAME=VALUE" (as given to --set) into vars. */
int		 vars_set_assignment(struct vars *, const char *,
		    struct error *);

#endif
