/* config.h -- the INI configuration: find, read (inih), validate */
#ifndef DD_CONFIG_H
#define DD_CONFIG_H

#include <stddef.h>

#include "error.h"
#include "vars.h"

#define ENV_COUNT 3
/* "production", "staging", "preview", in that order. */
extern const char *const config_environments[ENV_COUNT];
/* Index into config_environments, or -1. */
int	config_env_index(const char *);

enum rule_kind {
	RULE_BRANCH,
	RULE_TAG,
};

struct rule {
	enum rule_kind	 kind;
	char		*pattern;	/* branch or tag glob */
	int		 exact;		/* pattern has no glob characters */
	char		*environment;	/* one of config_environments */
	char		**paths;	/* path filter, NULL if none */
	size_t		 npaths;
	char		*file;		/* where the section header is */
	int		 line;
};

enum hook_mode {
	HOOK_MODE_AUTO,		/* queue with a [daemon] queue, else direct */
	HOOK_MODE_QUEUE,
	HOOK_MODE_DIRECT,
};

struct config_problem {
	char	*file;
	int	 line;		/* 0 when not tied to a line */
	int	 warning;	/* 1: harmless, reported but not fatal */
	char	*msg;
};

struct config {
	char		*file;		/* the file this was read from */

	/* [api] */
	char		*api_url;	/* without trailing '/' */
	char		*key_file;
	char		*ca_file;
	int		 api_timeout;	/* seconds per request, default 10 */
	int		 plan_rpm;	/* requests per minute, default 60 */

	/* [project] */
	char		*project_id;
	char		*project_name;

	/* [branch "..."] and [tag "..."], in file order */
	struct rule	*rules;
	size_t		 nrules;

	/* [environment "X"], indexed like config_environments */
	struct vars	 env_vars[ENV_COUNT];

	/* [hook] */
	enum hook_mode	 hook_mode;
	int		 hook_timeout;	/* seconds, default 10 */
	char		*hook_remote;	/* default "origin" */

	/* [daemon] */
	char		*queue_dir;
	char		**repos;	/* globs of watched repositories */
	size_t		 nrepos;
	int		 poll_interval;	/* seconds, default 30 */
	long		 give_up_after;	/* seconds, default 86400 */
	int		 coalesce;	/* default 1 */

	struct config_problem	*problems;	/* errors and warnings */
	size_t			 nproblems;
};

/*
 * Find the configuration file: `explicit` if not NULL, else the first of
 * $GIT_DIR/dotgit-deploy.ini, <workdir>/.dotgit-deploy.ini,
 * $XDG_CONFIG_HOME/dotgit-deploy/config.ini (~/.config/...),
 * /etc/dotgit-deploy/config.ini that exists. git_dir and workdir may be
 * NULL. *out is allocated. Fails with EXIT_USAGE when none is found.
 */
int	config_find(char **out, const char *explicit, const char *git_dir,
	    const char *workdir, struct error *);
/* Read and validate a file. On -1, out->problems holds every problem and
 * err the first one, as "file:line: message". Call config_release either
 * way. */
int	config_load(struct config *out, const char *path, struct error *);
/* Same from a string; `name` stands for the file name in messages. */
int	config_load_string(struct config *out, const char *text,
	    const char *name, struct error *);
void	config_release(struct config *);

/*
 * The API key: $DOTGIT_API_KEY if set and non-empty, else the first line of
 * key_file, which must be a regular file not readable or writable by group
 * or others. *out is allocated; the key is never put in err.
 */
int	config_read_key(char **out, const struct config *, struct error *);

#endif
