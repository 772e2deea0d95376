/*
 * reftx.c -- dotgit-deploy-reftx: the client's reference-transaction hook.
 *
 * git runs reference-transaction for every ref update: each commit,
 * checkout, fetch and rebase step, twice or three times (prepared,
 * committed, aborted). dotgit-deploy itself links libgit2, libcurl and
 * OpenSSL, and the dynamic loader alone takes milliseconds per start; this
 * program links libc only. It looks at the input, and only when it may be
 * a push confirming a remote-tracking ref (state `committed`, a line
 * `0{40} <id> refs/remotes/...`) does it run dotgit-deploy, from its own
 * directory, with the same arguments and input. Otherwise it runs the
 * chained hook, if any, as dotgit-deploy would, and exits with its status.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define INPUT_MAX	(64u << 20)	/* as the main program's hook.c */
#define ZEROS		"0000000000000000000000000000000000000000"
#define MAIN_NAME	"dotgit-deploy"
#define CHAINED		"reference-transaction.dotgit-deploy-chained"

extern char **environ;

static char *
read_input(size_t *len)
{
	size_t size = 8192;
	char *buf = malloc(size), drain[4096], *nbuf;
	ssize_t r;

	*len = 0;
	if (buf == NULL)
		return NULL;
	for (;;) {
		if (*len == size && size < INPUT_MAX &&
		    (nbuf = realloc(buf, size * 2)) != NULL) {
			buf = nbuf;
			size *= 2;
		}
		if (*len == size)
			r = read(0, drain, sizeof(drain));
		else
			r = read(0, buf + *len, size - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (*len < size)
			*len += (size_t)r;
	}
	return buf;
}

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL ||
		    s[i] == '\0')
			return 0;
	return 1;
}

/* "<40 zeros> <40 hex, not zeros> refs/remotes/...": what a push does to
 * a tracking ref (and a fetch that creates one). */
static int
may_be_push(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p >= 96 && memcmp(p, ZEROS " ", 41) == 0 &&
		    is_hex(p + 41, 40) && memcmp(p + 41, ZEROS, 40) != 0 &&
		    memcmp(p + 81, " refs/remotes/", 14) == 0)
			return 1;
	}
	return 0;
}

/* The input again, as a file to read from the start. */
static int
input_fd(const char *buf, size_t len)
{
	int fd = memfd_create("dotgit-deploy-reftx", 0);
	size_t off = 0;
	ssize_t w;

	if (fd < 0)
		return -1;
	while (off < len) {
		if ((w = write(fd, buf + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Replace this process with dotgit-deploy from our directory; argv[0]
 * stays the hook's path, which tells it what to run. Returns on failure. */
static void
exec_main(char **argv, int fd)
{
	char self[PATH_MAX], *slash, *path;

	if (realpath("/proc/self/exe", self) == NULL ||
	    (slash = strrchr(self, '/')) == NULL)
		return;
	*slash = '\0';
	if (asprintf(&path, "%s/%s", self, MAIN_NAME) < 0)
		return;
	if (dup2(fd, 0) == 0)
		execv(path, argv);
	fprintf(stderr, "dotgit-deploy: cannot run '%s': %s\n", path,
	    strerror(errno));
	free(path);
}

/* Run the hook dotgit-deploy replaced, if there is one: its status. */
static int
run_chained(char **argv, int fd)
{
	posix_spawn_file_actions_t fa;
	const char *slash = strrchr(argv[0], '/');
	char *path;
	pid_t pid;
	int rc, ws;

	if (slash == NULL)
		rc = asprintf(&path, "%s", CHAINED);
	else
		rc = asprintf(&path, "%.*s/%s", (int)(slash - argv[0]),
		    argv[0], CHAINED);
	if (rc < 0)
		return 1;
	if (access(path, X_OK) != 0) {
		free(path);
		return 0;
	}
	argv[0] = path;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 0);
	rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "dotgit-deploy: cannot run '%s': %s\n", path,
		    strerror(rc));
		free(path);
		return 1;
	}
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	free(path);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

int
main(int argc, char **argv)
{
	size_t len;
	char *buf = read_input(&len);
	int fd, rc;

	if (buf == NULL || (fd = input_fd(buf, len)) < 0) {
		fprintf(stderr, "dotgit-deploy: reference-transaction: %s\n",
		    strerror(errno));
		return 1;
	}
	if (argc >= 2 && strcmp(argv[1], "committed") == 0 &&
	    may_be_push(buf, len))
		exec_main(argv, fd);
	free(buf);
	rc = run_chained(argv, fd);
	close(fd);
	return rc;
}
