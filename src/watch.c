/* SPDX-License-Identifier: ISC */
/* watch.c -- the post-push watcher's tools: detach, wait, ask the remote */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "intent.h"
#include "proc.h"
#include "watch.h"
#include "xmalloc.h"

#define LS_REMOTE_MAX	(4u << 20)	/* bytes of ls-remote output read */

static void	close_from(int lowest);
static void	detach(char *const argv[], const char *log_path);
static int	poll_exit(long pid, unsigned long long start,
		    long long deadline);
static char	**quiet_env(void);
static pid_t	spawn_ls_remote(int *out, const char *url, char *const *refs,
		    size_t n, struct error *err);
static int	read_until(char **buf, size_t *len, int fd, long long deadline);
static void	match_refs(char (*oids)[OID_HEXSZ + 1], char *const *refs,
		    size_t n, char *text);

static void
close_from(int lowest)
{
	long fd, max;

	if (close_range((unsigned)lowest, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	for (fd = lowest; fd < (max > 0 ? max : 1024); fd++)
		(void)close((int)fd);
}

/* In the child: become nobody's, keep nothing of git's, run argv. */
static void
detach(char *const argv[], const char *log_path)
{
	int null, log = -1;

	if (setsid() < 0)
		_exit(1);
	switch (fork()) {
	case -1:
		_exit(1);
	case 0:
		break;
	default:
		_exit(0);
	}
	if ((null = open("/dev/null", O_RDWR)) < 0)
		_exit(1);
	if (log_path != NULL)
		log = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (log < 0)
		log = null;
	if (dup2(null, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0)
		_exit(1);
	close_from(3);
	signal(SIGPIPE, SIG_DFL);
	/* the one child that keeps DOTGIT_API_KEY: it deploys (child.h) */
	execv(argv[0], argv);
	_exit(127);
}

int
watch_spawn(char *const argv[], const char *log_path, struct error *err)
{
	pid_t pid;
	int ws;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		return error_set(err, EXIT_FAIL, "cannot start the post-push "
		    "watcher: %s", strerror(errno));
	if (pid == 0)
		detach(argv, log_path);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		return error_set(err, EXIT_FAIL, "cannot start the post-push "
		    "watcher");
	return 0;
}

/* Without pidfd: look every 100 ms. */
static int
poll_exit(long pid, unsigned long long start, long long deadline)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };

	while (proc_start(pid, NULL) == start) {
		if (clock_ms() >= deadline)
			return -1;
		nanosleep(&tick, NULL);
	}
	return 0;
}

int
watch_wait_exit(long pid, unsigned long long start, int max_seconds)
{
	long long deadline = clock_ms() + (long long)max_seconds * 1000, left;
	struct pollfd pfd;
	int fd, rc = -1;

	if ((fd = pidfd_open((pid_t)pid, 0)) < 0)
		return errno == ESRCH ? 0 : poll_exit(pid, start, deadline);
	/* the pid might already name another process */
	if (proc_start(pid, NULL) != start) {
		close(fd);
		return 0;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while ((left = deadline - clock_ms()) > 0) {
		pfd.revents = 0;
		if (poll(&pfd, 1, left > 60000 ? 60000 : (int)left) > 0) {
			rc = 0;
			break;
		}
	}
	close(fd);
	return rc;
}

/* Our environment without anything that could ask a person, and
 * without the key (child_env). */
static char **
quiet_env(void)
{
	static const char *const drop[] = {
		"GIT_ASKPASS", "SSH_ASKPASS", "GIT_TERMINAL_PROMPT",
		"SSH_ASKPASS_REQUIRE", NULL
	};
	char **env = child_env(drop, 2);
	size_t k = 0;

	while (env[k] != NULL)
		k++;
	env[k++] = (char *)"GIT_TERMINAL_PROMPT=0";
	env[k] = (char *)"SSH_ASKPASS_REQUIRE=never";
	return env;
}

static pid_t
spawn_ls_remote(int *out, const char *url, char *const *refs, size_t n,
    struct error *err)
{
	posix_spawn_file_actions_t fa;
	char **argv = xcalloc(n + 7, sizeof(*argv)), **env = quiet_env();
	int p[2], rc;
	pid_t pid = -1;
	size_t i;

	argv[0] = (char *)"git";
	argv[1] = (char *)"-c";
	argv[2] = (char *)"core.askPass=";
	argv[3] = (char *)"ls-remote";
	argv[4] = (char *)"--";
	argv[5] = (char *)url;
	for (i = 0; i < n; i++)
		argv[6 + i] = refs[i];
	if (pipe2(p, O_CLOEXEC) < 0) {
		error_set(err, EXIT_FAIL, "cannot run git ls-remote: %s",
		    strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, "git", &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		pid = -1;
		error_set(err, EXIT_FAIL, "cannot run git ls-remote: %s",
		    strerror(rc));
	} else
		*out = p[0];
out:
	free(env);
	free(argv);
	return pid;
}

/* Read fd to the end, or until the deadline: 0, or -1 on timeout. */
static int
read_until(char **buf, size_t *len, int fd, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t cap = 0;
	ssize_t r;
	long long left;

	*buf = NULL;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			*buf = xreallocarray(*buf, cap + 1, 1);
		}
		(*buf)[*len] = '\0';
		if ((left = deadline - clock_ms()) <= 0)
			return -1;
		if (poll(&pfd, 1, (int)(left > 1000 ? 1000 : left)) <= 0)
			continue;
		r = read(fd, *buf + *len, cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		if (*len + (size_t)r <= LS_REMOTE_MAX)
			*len += (size_t)r;
		(*buf)[*len] = '\0';
	}
}

static void
match_refs(char (*oids)[OID_HEXSZ + 1], char *const *refs, size_t n,
    char *text)
{
	char *line, *tab;
	size_t i;

	while ((line = strsep(&text, "\n")) != NULL) {
		if ((tab = strchr(line, '\t')) == NULL)
			continue;
		*tab++ = '\0';
		if (!repo_oid_valid(line))
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(tab, refs[i]) == 0)
				memcpy(oids[i], line, OID_HEXSZ + 1);
	}
}

int
watch_ls_remote(char (*oids)[OID_HEXSZ + 1], const char *url,
    char *const *refs, size_t n, int timeout, struct error *err)
{
	long long deadline = clock_ms() + (long long)timeout * 1000;
	char *buf = NULL;
	size_t len, i;
	int fd = -1, ws, late;
	pid_t pid;

	for (i = 0; i < n; i++)
		oids[i][0] = '\0';
	if ((pid = spawn_ls_remote(&fd, url, refs, n, err)) < 0)
		return -1;
	late = read_until(&buf, &len, fd, deadline) < 0;
	close(fd);
	if (late)
		kill(pid, SIGKILL);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (late)
		error_set(err, EXIT_FAIL, "git ls-remote took more than %d "
		    "seconds", timeout);
	else if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		error_set(err, EXIT_FAIL, "git ls-remote failed (%s %d)",
		    WIFEXITED(ws) ? "exit status" : "signal",
		    WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
	else
		match_refs(oids, refs, n, buf);
	free(buf);
	return late || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0 ? -1 : 0;
}
