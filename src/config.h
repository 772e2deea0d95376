/* SPDX-License-Identifier: ISC */
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
/* `name` is one of the configuration's projects: a [project "NAME"], or
 * the one [project]'s id or name. */
struct config;
int	config_project_known(const struct config *, const char *name);

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
	char		**projects;	/* [project "NAME"]s it is for; none:
					   every project */
	size_t		 nprojects;
	char		*file;		/* where the section header is */
	int		 line;
};

/*
 * Layers, lowest priority first: what each file is, which decides what
 * it may set. -c FILE alone is CONFIG_COMMAND.
 */
enum config_layer {
	CONFIG_SYSTEM,		/* DD_SYSCONFDIR/dotgit-deploy/config.ini */
	CONFIG_USER,		/* $XDG_CONFIG_HOME/dotgit-deploy/config.ini */
	CONFIG_REPO,		/* $GIT_DIR/dotgit-deploy.ini (common dir) */
	CONFIG_WORKTREE,	/* <top>/.dotgit-deploy.ini: tracked content */
	CONFIG_COMMAND,		/* -c FILE */
};

/* Sections, for config_source.deny. */
enum {
	CONFIG_API = 1 << 0,
	CONFIG_PROJECT = 1 << 1,
	CONFIG_HOOK = 1 << 2,
	CONFIG_DAEMON = 1 << 3,
	CONFIG_BRANCH = 1 << 4,
	CONFIG_TAG = 1 << 5,
	CONFIG_ENVIRONMENT = 1 << 6,
	CONFIG_POLICY = 1 << 7,
	CONFIG_NOTIFY = 1 << 8,
};
/* What tracked content may not set: all but [project], rules and
 * [environment "..."]. */
#define CONFIG_TRACKED_DENY \
	(CONFIG_API | CONFIG_HOOK | CONFIG_DAEMON | CONFIG_POLICY | \
	CONFIG_NOTIFY)

/* One project of a repository that deploys several (a monorepo):
 * [project "KEY"] with id or name, and the directories that are it. */
struct config_project {
	char		*key;		/* the NAME in [project "NAME"] */
	char		*id;
	char		*name;
	char		**paths;	/* NULL: every change is its */
	size_t		 npaths;
	char		*file;		/* where the section header is */
	int		 line;
};

/* [notify] on: the final statuses that run the command. */
enum {
	CONFIG_NOTIFY_READY = 1 << 0,
	CONFIG_NOTIFY_ERROR = 1 << 1,
	CONFIG_NOTIFY_CANCELED = 1 << 2,
};
#define CONFIG_NOTIFY_DEFAULT (CONFIG_NOTIFY_ERROR | CONFIG_NOTIFY_CANCELED)

/* config_source.flags */
enum {
	/*
	 * Read for the daemon, on behalf of a repository it serves: a
	 * CONFIG_REPO file writable by group or others is refused (an
	 * error: the repository's jobs cannot be trusted) instead of being
	 * read as tracked; its owner is not checked (the daemon serves
	 * other users' repositories). Denied keys say the daemon's own
	 * configuration sets them.
	 */
	CONFIG_SOURCE_DAEMON = 1 << 0,
	/*
	 * The daemon's own configuration: each repository it serves may
	 * complete it (config_load_for_repo), so it need not name a
	 * [project] or have rules itself.
	 */
	CONFIG_SOURCE_BASE = 1 << 1,
};

struct config_source {
	const char		*path;
	enum config_layer	 layer;
	unsigned		 deny;	/* CONFIG_* sections it may not set */
	unsigned		 flags;	/* CONFIG_SOURCE_* */
	const char		*text;	/* NULL: read path; else its content */
};

enum config_trust {
	CONFIG_TRUSTED,		/* every section */
	CONFIG_TRACKED,		/* [project], rules, [environment] only */
	CONFIG_IGNORED,		/* not read */
};

/* A file that exists, in the order read; `why` says why it is not
 * trusted (NULL when it is). */
struct config_file {
	char			*path;
	enum config_layer	 layer;
	enum config_trust	 trust;
	char			*why;
	char			*text;	/* what was read (NULL: ignored) */
};

/* [policy] allow_options: which `git push -o deploy.*` are honoured. */
enum {
	CONFIG_OPT_SKIP = 1 << 0,	/* deploy.skip, deploy.skip=REF */
	CONFIG_OPT_VERBOSE = 1 << 1,	/* deploy.verbose */
	CONFIG_OPT_ENV = 1 << 2,	/* deploy.env.NAME=VALUE */
	CONFIG_OPT_ENVIRONMENT = 1 << 3, /* deploy.environment=ENV */
	CONFIG_OPT_PRODUCTION = 1 << 4,	/* ... even into production */
	CONFIG_OPT_PROJECT = 1 << 5,	/* deploy.project=NAME */
};
#define CONFIG_OPT_DEFAULT (CONFIG_OPT_SKIP | CONFIG_OPT_VERBOSE | \
	CONFIG_OPT_ENV | CONFIG_OPT_ENVIRONMENT | CONFIG_OPT_PROJECT)

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

struct config_setting;

struct config {
	/* The highest-priority trusted file read (else the highest read):
	 * where a setting the user lacks would go. */
	char		*file;

	/* [api] */
	char		*api_url;	/* without trailing '/' */
	char		*key_file;
	char		*ca_file;
	int		 api_timeout;	/* seconds per request, default 10 */
	int		 plan_rpm;	/* requests per minute, default 60 */

	/* [project] */
	char		*project_id;
	char		*project_name;
	/* or [project "NAME"]s (a monorepo), in file order */
	struct config_project *projects;
	size_t		 nprojects;

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
	char		*state_dir;	/* private state, NULL when unset */

	/* [notify] */
	char		*notify_command;
	unsigned	 notify_on;	/* CONFIG_NOTIFY_* */
	int		 notify_timeout; /* seconds, default 30 */

	/* [policy] */
	unsigned	 allow_options;	/* CONFIG_OPT_*, CONFIG_OPT_DEFAULT */
	int		 tracked_config; /* read tracked files, default 1 */

	struct config_file	*files;		/* read or ignored, in order */
	size_t			 nfiles;
	struct config_setting	*settings;	/* private: config_origin() */
	size_t			 nsettings;

	struct config_problem	*problems;	/* errors and warnings */
	size_t			 nproblems;
};

/*
 * Read the sources in order, lowest priority first, into one config:
 * scalar keys of a later file win; [environment "X"] variables merge name
 * by name; the [branch]/[tag] rules of the last file that has any replace
 * all earlier rules; a list (`repos`) is replaced whole. A missing file is
 * skipped, but for CONFIG_COMMAND (an error). A CONFIG_WORKTREE file, and
 * a CONFIG_REPO file not owned by the effective uid or root or writable by
 * group or others, is read as tracked: only [project], rules and
 * [environment]; other keys are warnings that never show their value.
 * [policy] tracked_config = false (from an earlier file) skips tracked
 * files. The checks that need the whole configuration run once, on the
 * result. Fails with EXIT_USAGE when no file exists ("no configuration
 * found", listing the paths) or on the first error, as config_load.
 */
int	config_load_layers(struct config *out, const struct config_source *,
	    size_t n, struct error *);
/*
 * What main and the hooks read: `explicit` (-c FILE) alone, else the
 * system, user, repository ($git_dir/dotgit-deploy.ini) and work tree
 * (<workdir>/.dotgit-deploy.ini) files. git_dir and workdir may be NULL.
 */
int	config_load_at(struct config *out, const char *explicit,
	    const char *git_dir, const char *workdir, struct error *);
/* The system file: /etc/dotgit-deploy/config.ini (the build's
 * SYSCONFDIR). */
const char *config_system_file(void);
/*
 * The daemon's own configuration: `explicit` (-c FILE) alone, else the
 * system and user files, as CONFIG_SOURCE_BASE (no [project] needed).
 */
int	config_load_daemon(struct config *out, const char *explicit,
	    struct error *);
/*
 * What the daemon reads for one repository's jobs: its own configuration
 * as it is in force (`base`: the files it read at start or at the last
 * good reload, not what is on disk now), then the repository's
 * $git_dir/dotgit-deploy.ini and <workdir>/.dotgit-deploy.ini (workdir
 * may be NULL), from which [api] and [daemon] are never taken. A
 * repository file writable by group or others is an error.
 */
int	config_load_for_repo(struct config *out, const struct config *base,
	    const char *git_dir, const char *workdir, struct error *);
/* Read and validate one trusted file (as -c FILE). On -1, out->problems
 * holds every problem and err the first one, as "file:line: message".
 * Call config_release either way. */
int	config_load(struct config *out, const char *path, struct error *);
/* Same from a string; `name` stands for the file name in messages. */
int	config_load_string(struct config *out, const char *text,
	    const char *name, struct error *);
void	config_release(struct config *);
/* 1 if pushes are queued for the daemon: [daemon] queue set and [hook]
 * mode queue or left out (auto). */
int	config_queue_mode(const struct config *);

/*
 * Where a setting came from: "file:line", or NULL for a default. section
 * is as in the file without brackets: "api", "project", "hook", "daemon",
 * "policy" or `environment "preview"`; key is the key or variable name.
 */
const char *config_origin(const struct config *, const char *section,
	    const char *key);
/* "system", "user", "repository", "work tree", "-c". */
const char *config_layer_name(enum config_layer);
/* "trusted", "tracked", "ignored". */
const char *config_trust_name(enum config_trust);
/* The i-th (section, key) pair the key table knows, from 0 ("api",
 * "url"); NULL past the last. [environment "NAME"] keys are variables,
 * not in the table. */
const char *config_key(size_t i, const char **section);

/*
 * The API key: $DOTGIT_API_KEY if set and non-empty, else the first line of
 * key_file, which must be a regular file not readable or writable by group
 * or others. *out is allocated; the key is never put in err.
 */
int	config_read_key(char **out, const struct config *, struct error *);

#endif
