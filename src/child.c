/* SPDX-License-Identifier: ISC */
/* child.c -- the environment of every process we start */
#include <string.h>

#include "child.h"
#include "xmalloc.h"

extern char **environ;

static int	named(const char *entry, const char *name);
static int	dropped(const char *entry, const char *const *drop);

/* 1 if entry is "name=...". */
static int
named(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

static int
dropped(const char *entry, const char *const *drop)
{
	size_t d;

	if (named(entry, CHILD_KEY_VAR))
		return 1;
	for (d = 0; drop != NULL && drop[d] != NULL; d++)
		if (named(entry, drop[d]))
			return 1;
	return 0;
}

char **
child_env(const char *const *drop, size_t extra)
{
	size_t n = 0, i, k = 0;
	char **env;

	while (environ != NULL && environ[n] != NULL)
		n++;
	env = xcalloc(n + extra + 1, sizeof(*env));
	for (i = 0; i < n; i++)
		if (!dropped(environ[i], drop))
			env[k++] = environ[i];
	return env;
}
