/* SPDX-License-Identifier: ISC */
/* notify.c -- run the [notify] command on a final status (see notify.h) */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "log.h"
#include "notify.h"
#include "xmalloc.h"

#define NOTIFY_MAX	16	/* running at once; then the oldest waits */
#define NVARS		9

struct running {
	pid_t		 pid;
	long long	 deadline;	/* clock_ms */
	char		*what;		/* "dep_x error", for messages */
};

struct notifier {
	struct running	 run[NOTIFY_MAX];
	size_t		 n;
};

static void	forget(struct notifier *nt, size_t i);
static void	collect(struct notifier *nt, size_t i, int block);
static unsigned	status_bit(const char *status);
static void	vars_of(char *v[NVARS], const struct job *job);
static int	spawn(pid_t *pid, const char *command, char **env);

void
notify_init(struct notifier **out)
{
	*out = xcalloc(1, sizeof(**out));
}

static void
forget(struct notifier *nt, size_t i)
{
	free(nt->run[i].what);
	nt->run[i] = nt->run[--nt->n];
}

/* Wait for run i (killing it after its deadline). */
static void
collect(struct notifier *nt, size_t i, int block)
{
	struct running *r = &nt->run[i];
	int ws;
	pid_t got;

	while ((got = waitpid(r->pid, &ws, block ? 0 : WNOHANG)) < 0 &&
	    errno == EINTR)
		;
	if (got == 0)
		return;
	if (got > 0 && WIFEXITED(ws) && WEXITSTATUS(ws) != 0)
		log_warnx("notify: the command for %s exited %d", r->what,
		    WEXITSTATUS(ws));
	else if (got > 0 && WIFSIGNALED(ws) && WTERMSIG(ws) != SIGKILL)
		log_warnx("notify: the command for %s died of signal %d",
		    r->what, WTERMSIG(ws));
	forget(nt, i);
}

double
notify_reap(struct notifier *nt)
{
	long long now = clock_ms(), next = -1;
	size_t i;

	for (i = nt->n; i-- > 0;) {
		if (now >= nt->run[i].deadline) {
			log_warnx("notify: the command for %s ran past its "
			    "time ([notify] timeout): killed", nt->run[i].what);
			kill(nt->run[i].pid, SIGKILL);
			collect(nt, i, 1);
			continue;
		}
		collect(nt, i, 0);
	}
	for (i = 0; i < nt->n; i++)
		if (next < 0 || nt->run[i].deadline < next)
			next = nt->run[i].deadline;
	return next < 0 ? -1.0 : (double)(next - now) / 1000.0;
}

void
notify_free(struct notifier *nt)
{
	if (nt == NULL)
		return;
	while (nt->n > 0) {
		kill(nt->run[0].pid, SIGKILL);
		collect(nt, 0, 1);
	}
	free(nt);
}

static unsigned
status_bit(const char *status)
{
	if (strcmp(status, "ready") == 0)
		return CONFIG_NOTIFY_READY;
	if (strcmp(status, "error") == 0)
		return CONFIG_NOTIFY_ERROR;
	if (strcmp(status, "canceled") == 0)
		return CONFIG_NOTIFY_CANCELED;
	return 0;
}

/* The deployment, as DOTGIT_DEPLOY_* variables (allocated). */
static void
vars_of(char *v[NVARS], const struct job *job)
{
	size_t n = 0;

#define ADD(name, value) \
	v[n++] = xasprintf("DOTGIT_DEPLOY_" name "=%s", \
	    (value) != NULL ? (value) : "")
	ADD("ID", job->deployment_id);
	ADD("STATUS", job->status);
	ADD("PROJECT", job->project);
	ADD("ENVIRONMENT", job->environment);
	ADD("BRANCH", job->branch);
	ADD("COMMIT", job->commit);
	ADD("URL", job->url);
	ADD("REPOSITORY", job->repo);
	ADD("PROJECT_KEY", job->project_key);
#undef ADD
}

static int
spawn(pid_t *pid, const char *command, char **env)
{
	posix_spawn_file_actions_t fa;
	char *argv[2] = { (char *)command, NULL };
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawn(pid, command, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

void
notify_start(struct notifier *nt, const struct config *cfg,
    const struct job *job)
{
	static const char *const drop[] = {	/* ours replace them */
		"DOTGIT_DEPLOY_ID", "DOTGIT_DEPLOY_STATUS",
		"DOTGIT_DEPLOY_PROJECT", "DOTGIT_DEPLOY_ENVIRONMENT",
		"DOTGIT_DEPLOY_BRANCH", "DOTGIT_DEPLOY_COMMIT",
		"DOTGIT_DEPLOY_URL", "DOTGIT_DEPLOY_REPOSITORY",
		"DOTGIT_DEPLOY_PROJECT_KEY", NULL
	};
	char *vars[NVARS], **env;
	size_t i, k;
	pid_t pid;
	int rc;

	if (cfg->notify_command == NULL || job->status == NULL ||
	    !(cfg->notify_on & status_bit(job->status)))
		return;
	if (nt->n == NOTIFY_MAX)
		collect(nt, 0, 1);	/* the oldest */
	vars_of(vars, job);
	env = child_env(drop, NVARS);
	for (k = 0; env[k] != NULL; k++)
		;
	for (i = 0; i < NVARS; i++)
		env[k + i] = vars[i];
	if ((rc = spawn(&pid, cfg->notify_command, env)) != 0)
		log_warnx("notify: cannot run '%s': %s", cfg->notify_command,
		    strerror(rc));
	else {
		nt->run[nt->n].pid = pid;
		nt->run[nt->n].deadline = clock_ms() +
		    (long long)cfg->notify_timeout * 1000;
		nt->run[nt->n++].what = xasprintf("%s %s",
		    job->deployment_id, job->status);
	}
	for (i = 0; i < NVARS; i++)
		free(vars[i]);
	free(env);
}
