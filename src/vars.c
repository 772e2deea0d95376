/* SPDX-License-Identifier: ISC */
/* vars.c -- ordered environment variable lists */
#include <stdlib.h>
#include <string.h>

#include "vars.h"
#include "xmalloc.h"

void
vars_set(struct vars *vs, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < vs->n; i++) {
		if (strcmp(vs->v[i].name, name) == 0) {
			free(vs->v[i].value);
			vs->v[i].value = xstrdup(value);
			return;
		}
	}
	vs->v = xreallocarray(vs->v, vs->n + 1, sizeof(*vs->v));
	vs->v[vs->n].name = xstrdup(name);
	vs->v[vs->n].value = xstrdup(value);
	vs->n++;
}

const char *
vars_get(const struct vars *vs, const char *name)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (strcmp(vs->v[i].name, name) == 0)
			return vs->v[i].value;
	return NULL;
}

void
vars_merge(struct vars *dst, const struct vars *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		vars_set(dst, src->v[i].name, src->v[i].value);
}

void
vars_release(struct vars *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++) {
		free(vs->v[i].name);
		free(vs->v[i].value);
	}
	free(vs->v);
	vs->v = NULL;
	vs->n = 0;
}

int
vars_name_valid(const char *name)
{
	size_t i;

	if (name[0] == '\0' || strlen(name) > 256)
		return 0;
	if (!((name[0] >= 'A' && name[0] <= 'Z') ||
	    (name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return 0;
	for (i = 1; name[i] != '\0'; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

int
vars_set_assignment(struct vars *vs, const char *assign, struct error *err)
{
	const char *eq = strchr(assign, '=');
	char *name;
	int valid;

	if (eq == NULL)
		return error_set(err, EXIT_USAGE,
		    "invalid assignment '%s': expected NAME=VALUE", assign);
	name = xstrndup(assign, (size_t)(eq - assign));
	valid = vars_name_valid(name);
	if (valid)
		vars_set(vs, name, eq + 1);
	else
		error_set(err, EXIT_USAGE, "invalid environment variable "
		    "name '%.64s': use letters, digits and _", name);
	free(name);
	return valid ? 0 : -1;
}
