/* SPDX-License-Identifier: ISC */
/*
 * cmd-config-init.c -- dotgit-deploy config init: write a commented
 * starter configuration where it will be read -- the repository's
 * $GIT_DIR/dotgit-deploy.ini for the server or client hooks, the system
 * file for the daemon -- never over an existing one without --force.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fsio.h"
#include "log.h"
#include "xmalloc.h"

enum use { USE_SERVER, USE_CLIENT, USE_DAEMON };

static int	 cmd_config_init_exec(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	 use_of(const struct ctx *, const struct cmd_args *,
		    enum use *, struct error *);
static char	*starter(enum use, const char *project);
static int	 write_new(const char *path, const char *text, mode_t mode,
		    int force, struct error *);

static const struct cmd_option options[] = {
	{ "server", 0, NULL, 0,
	    "for the post-receive hook of this (bare) repository" },
	{ "client", 0, NULL, 0,
	    "for the client hooks of this clone" },
	{ "daemon", 0, NULL, 0,
	    "for the daemon: the system file (or -c FILE)" },
	{ "project", 'p', "NAME", 0,
	    "the project id (see 'dotgit-deploy projects')" },
	{ "force", 'f', NULL, 0, "replace a file that exists" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct command cmd_config_init_entry = {
	.name = "init",
	.summary = "write a commented starter configuration for the server "
	    "hook, the client hooks or the daemon, where it will be read",
	.options = options,
	.exec = cmd_config_init_exec,
};

/* The parts of a starter; %s: the project id. */
static const char api_part[] =
	"# dotgit-deploy configuration: man dotgit-deploy.ini\n"
	"\n"
	"[api]\n"
	"url = https://api.git.dev/v1\n"
	"# the key: a file only its owner can read (chmod 600), or the\n"
	"# DOTGIT_API_KEY environment variable; never the key itself here\n"
	"key_file = /etc/dotgit-deploy/key\n";

static const char project_part[] =
	"\n"
	"[project]\n"
	"# the project's id: 'dotgit-deploy projects' lists them\n"
	"id = %s\n"
	"\n"
	"# branches and tags to environments: the exact name wins over a\n"
	"# glob; '*' stays within a path segment, '**' crosses '/'\n"
	"[branch \"main\"]\n"
	"environment = production\n"
	"\n"
	"[branch \"feature/**\"]\n"
	"environment = preview\n"
	"# deploy only when something under these changed:\n"
	"# paths = web/ shared/\n"
	"\n"
	"[environment \"production\"]\n"
	"# variables sent with every production deploy:\n"
	"# NEXT_PUBLIC_API_URL = https://api.example.com\n";

static const char daemon_part[] =
	"\n"
	"# queue mode: hooks write jobs, the daemon sends them, paced\n"
	"[hook]\n"
	"mode = queue\n"
	"\n"
	"[daemon]\n"
	"queue = /var/spool/dotgit-deploy\n"
	"state = /var/lib/dotgit-deploy\n"
	"# the repositories it serves (globs); each needs its own\n"
	"# [project] and rules, in its $GIT_DIR/dotgit-deploy.ini\n"
	"repos = /srv/git/*.git\n"
	"\n"
	"# a command run on each final status (argv, no shell, no key)\n"
	"# [notify]\n"
	"# command = /usr/share/dotgit-deploy/notify-webhook.sh\n"
	"# on = error canceled\n";

static int
use_of(const struct ctx *ctx, const struct cmd_args *args, enum use *use,
    struct error *err)
{
	int n = cmd_args_has(args, "server") + cmd_args_has(args, "client") +
	    cmd_args_has(args, "daemon");

	if (n > 1)
		return error_set(err, EXIT_USAGE, "choose one of --server, "
		    "--client and --daemon");
	if (cmd_args_has(args, "daemon"))
		*use = USE_DAEMON;
	else if (cmd_args_has(args, "client"))
		*use = USE_CLIENT;
	else if (cmd_args_has(args, "server"))
		*use = USE_SERVER;
	else if (ctx->repo != NULL)
		*use = repo_workdir(ctx->repo) == NULL ? USE_SERVER :
		    USE_CLIENT;
	else
		return error_set(err, EXIT_USAGE, "not in a repository: say "
		    "--daemon, or -C REPO");
	return 0;
}

static char *
starter(enum use use, const char *project)
{
	char *proj = xasprintf(project_part, project != NULL ? project :
	    "proj_CHANGE_ME");
	char *text;

	if (use == USE_DAEMON)
		text = xasprintf("%s%s", api_part, daemon_part);
	else
		text = xasprintf("%s%s", api_part, proj);
	free(proj);
	return text;
}

/* Write path anew (O_EXCL), or over it with --force: then with the
 * owner, group and mode it had (a packaged file's group is the one its
 * readers are in). */
static int
write_new(const char *path, const char *text, mode_t mode, int force,
    struct error *err)
{
	struct stat st;
	char *tmp;
	int fd;

	if (force && stat(path, &st) == 0) {
		tmp = xasprintf("%s.init", path);
		fd = fsio_replace_at(AT_FDCWD, tmp, AT_FDCWD, path, text,
		    strlen(text), st.st_mode & 07777, 1);
		free(tmp);
		if (fd < 0 || chown(path, st.st_uid, st.st_gid) < 0 ||
		    chmod(path, st.st_mode & 07777) < 0)
			return error_set(err, EXIT_FAIL, "cannot write '%s': "
			    "%s", path, strerror(errno));
		return 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0 && errno == EEXIST) {
		error_set(err, EXIT_FAIL, "'%s' exists: left as it is", path);
		error_hint(err, "--force replaces it");
		return -1;
	}
	if (fd < 0 || fsio_write_all(fd, text, strlen(text)) < 0 ||
	    fsync(fd) < 0) {
		error_set(err, EXIT_FAIL, "cannot write '%s': %s", path,
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		return -1;
	}
	return close(fd) < 0 ? error_set(err, EXIT_FAIL, "cannot write "
	    "'%s': %s", path, strerror(errno)) : 0;
}

static int
cmd_config_init_exec(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	const char *project = cmd_args_get(args, "project");
	enum use use;
	char *path, *text;
	int rc;

	if (ctx->repo == NULL && !cmd_args_has(args, "daemon") &&
	    repo_open(&ctx->repo, ctx->dir, err) < 0)
		return -1;
	if (use_of(ctx, args, &use, err) < 0)
		return -1;
	if (use == USE_DAEMON)
		path = xstrdup(ctx->config_file != NULL ? ctx->config_file :
		    config_system_file());
	else
		path = xasprintf("%sdotgit-deploy.ini",
		    repo_common_dir(ctx->repo));
	text = starter(use, project);
	/* the daemon's file is its group's to read; a repository's is
	 * read by every git user who pushes */
	rc = write_new(path, text, use == USE_DAEMON ? 0640 : 0644,
	    cmd_args_has(args, "force"), err);
	if (rc == 0) {
		printf("wrote %s\n", path);
		log_info("next: edit it, then 'dotgit-deploy%s%s config "
		    "check%s'", use == USE_DAEMON ? " -c " : "",
		    use == USE_DAEMON ? path : "",
		    use == USE_DAEMON ? " --daemon" : "");
	}
	free(text);
	free(path);
	return rc;
}
