/* SPDX-License-Identifier: ISC */
/* rules.h -- branch and tag patterns to environments */
#ifndef DD_RULES_H
#define DD_RULES_H

#include <stddef.h>

#include "config.h"

/* 1 if the pattern has glob characters (*, ?, [). */
int	rules_is_glob(const char *);
/* 0 if the pattern is valid, else -1 with a reason in why. */
int	rules_pattern_check(const char *, char *why, size_t whylen);
/* 1 if name matches pattern: '*' '?' '[...]' stay inside one '/'
 * segment, '**' matches across '/'. */
int	rules_glob_match(const char *pattern, const char *name);
/* The rule for a branch or tag name: an exact rule wins, else the first
 * matching glob in file order, else NULL (not deployed). */
const struct rule *rules_match(const struct config *, enum rule_kind,
	    const char *name);

#endif
