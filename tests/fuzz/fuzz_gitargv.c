/*
 * fuzz_gitargv.c -- client_parse_git_argv, the `git push` command line
 * the client hooks read from /proc/PID/cmdline.
 *
 * Input: the command line, NUL-separated (as /proc gives it; the reader
 * always ends the buffer with a NUL past `len`, as here). Properties: a
 * line that is not `git ... push` yields nothing; every push option
 * found is a word of the line or the tail of one (-oVALUE,
 * --push-option=VALUE), and so is every `-c push.pushOption` value.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "fuzz.h"

/* 1 if s is the tail of one of the words of cmdline[0..len). */
static int
tail_of_word(const char *s, const char *cmdline, size_t len)
{
	const char *p, *end = cmdline + len;
	size_t n = strlen(s), w;

	for (p = cmdline; p < end; p += w + 1) {
		w = strlen(p);
		if (w >= n && memcmp(p + w - n, s, n) == 0)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct git_push_argv a;
	char *cmdline = fuzz_str(data, size);
	size_t i;

	client_parse_git_argv(&a, cmdline, size);
	if (!a.is_push && (a.noptions > 0 || a.dry_run))
		fuzz_fail("options found in a command that is not a push");
	for (i = 0; i < a.noptions; i++)
		if (!tail_of_word(a.options[i], cmdline, size))
			fuzz_fail("push option %zu is not from the line", i);
	for (i = 0; i < a.nconfig; i++)
		if (!tail_of_word(a.config[i], cmdline, size))
			fuzz_fail("config value %zu is not from the line", i);
	client_git_push_argv_release(&a);
	free(cmdline);
	return 0;
}
