/* SPDX-License-Identifier: ISC */
/* proc.c -- what /proc says of a process: is it still the one we saw */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsio.h"
#include "proc.h"

#define PROC_CMDLINE_MAX	(1u << 20)

unsigned long long
proc_start(long pid, long *ppid)
{
	unsigned long long start = 0;
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, i;

	if (ppid != NULL)
		*ppid = 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the name in parentheses may hold anything: skip to its end, then
	 * come state(3) ppid(4) ... starttime(22) */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' ||
	    p[2] == 'Z' || p[2] == 'X')	/* a zombie has ended too */
		return 0;
	for (i = 3; i <= 22 && p != NULL; i++) {
		p = strchr(p + 1, ' ');
		if (i == 4 && p != NULL && ppid != NULL)
			*ppid = strtol(p + 1, NULL, 10);
	}
	if (p != NULL)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

char *
proc_cmdline(long pid, size_t *len)
{
	char path[64], *buf;
	int fd;

	*len = 0;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fsio_read_fd(fd, PROC_CMDLINE_MAX, 0, &buf, len) < 0)
		buf = NULL;
	close(fd);
	return buf;
}
