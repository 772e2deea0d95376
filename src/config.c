/* config.c -- STUB: replaced by the config implementation */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "xmalloc.h"

const char *const config_environments[ENV_COUNT] = {
	"production", "staging", "preview"
};

int
config_env_index(const char *name)
{
	int i;

	for (i = 0; i < ENV_COUNT; i++)
		if (strcmp(config_environments[i], name) == 0)
			return i;
	return -1;
}

int
config_find(char **out, const char *explicit, const char *git_dir,
    const char *workdir, struct error *err)
{
	(void)git_dir;
	(void)workdir;
	if (explicit == NULL)
		return error_set(err, EXIT_USAGE, "no configuration found");
	*out = xstrdup(explicit);
	return 0;
}

int
config_load(struct config *out, const char *path, struct error *err)
{
	memset(out, 0, sizeof(*out));
	return error_set(err, EXIT_USAGE, "%s: not implemented", path);
}

int
config_load_string(struct config *out, const char *text, const char *name,
    struct error *err)
{
	(void)text;
	memset(out, 0, sizeof(*out));
	return error_set(err, EXIT_USAGE, "%s: not implemented", name);
}

void
config_release(struct config *cfg)
{
	(void)cfg;
}

int
config_read_key(char **out, const struct config *cfg, struct error *err)
{
	(void)cfg;
	*out = NULL;
	return error_set(err, EXIT_USAGE, "not implemented");
}
