/* rules.c -- STUB */
#include <string.h>

#include "rules.h"

int
rules_is_glob(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

int
rules_pattern_check(const char *p, char *why, size_t whylen)
{
	(void)p;
	(void)why;
	(void)whylen;
	return 0;
}

int
rules_glob_match(const char *pattern, const char *name)
{
	return strcmp(pattern, name) == 0;
}

const struct rule *
rules_match(const struct config *cfg, enum rule_kind kind, const char *name)
{
	(void)cfg;
	(void)kind;
	(void)name;
	return NULL;
}
