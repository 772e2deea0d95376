/*
 * fuzz_config.c -- the configuration: loading, rule matching, and what
 * `config explain` prints.
 *
 * Input: a trusted file, a NUL, a tracked (work tree) file, a NUL,
 * names to match, one per line. Properties: every problem message is
 * printable UTF-8 (they go to a terminal: the tracked file is anyone's
 * content); rules_match gives an exact rule when one is equal, else the
 * first glob that matches, else none; `config explain NAME`, in text,
 * prints printable UTF-8 only, and with --json, one JSON document.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "fuzz.h"
#include "log.h"
#include "rules.h"
#include "xmalloc.h"

#define MAX_NAMES	8

static char	 file[] = "/tmp/dd-fuzz-config-XXXXXX";
static int	 out_fd = -1;

static void
remove_file(void)
{
	unlink(file);
}

void
fuzz_setup(void)
{
	int fd;

	unsetenv("DOTGIT_API_KEY");
	if ((fd = mkstemp(file)) < 0)
		fuzz_fail("cannot make a temporary file");
	close(fd);
	atexit(remove_file);
	if ((out_fd = memfd_create("explain", 0)) < 0)
		fuzz_fail("memfd_create");
}

static void
check_problems(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nproblems; i++)
		if (!fuzz_printable(cfg->problems[i].msg,
		    strlen(cfg->problems[i].msg), ""))
			fuzz_fail("problem %zu is not printable: '%s'", i,
			    cfg->problems[i].msg);
}

static void
check_match(const struct config *cfg, enum rule_kind kind,
    const char *name)
{
	const struct rule *got = rules_match(cfg, kind, name), *want = NULL;
	size_t i;

	for (i = 0; i < cfg->nrules && want == NULL; i++)
		if (cfg->rules[i].kind == kind && cfg->rules[i].exact &&
		    strcmp(cfg->rules[i].pattern, name) == 0)
			want = &cfg->rules[i];
	for (i = 0; i < cfg->nrules && want == NULL; i++)
		if (cfg->rules[i].kind == kind && !cfg->rules[i].exact &&
		    rules_glob_match(cfg->rules[i].pattern, name))
			want = &cfg->rules[i];
	if (got != want)
		fuzz_fail("rules_match chose another rule");
}

/* Run `config explain` with stdout in out_fd; what it printed. */
static char *
explain(const char *name, const char *opt, size_t *len)
{
	char *argv[] = { (char *)"dotgit-deploy", (char *)"config",
	    (char *)"explain", (char *)name, (char *)opt, NULL };
	struct cmd_args a;
	struct ctx ctx = { 0 };
	struct error err;
	int saved, argc = opt != NULL ? 5 : 4;
	char *out;
	off_t n;

	ctx.argv0 = "dotgit-deploy";
	ctx.config_file = file;
	ctx.level = LOG_LEVEL_QUIET;
	error_clear(&err);
	fflush(stdout);
	saved = dup(1);
	if (ftruncate(out_fd, 0) < 0 || lseek(out_fd, 0, SEEK_SET) < 0 ||
	    dup2(out_fd, 1) < 0)
		fuzz_fail("cannot catch stdout");
	if (cmd_parse(&a, argc, argv, &err) == 0 &&
	    cmd_check_args(&a, &err) == 0)
		(void)cmd_args_command(&a)->exec(&ctx, &a, &err);
	cmd_args_release(&a);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = lseek(out_fd, 0, SEEK_CUR);
	out = xmalloc((size_t)n + 1);
	if (pread(out_fd, out, (size_t)n, 0) != n)
		fuzz_fail("cannot read what explain printed");
	out[n] = '\0';
	*len = (size_t)n;
	if (!fuzz_printable(err.msg, strlen(err.msg), "") ||
	    !fuzz_printable(err.hint, strlen(err.hint), ""))
		fuzz_fail("explain: an error not printable: '%s'", err.msg);
	return out;
}

static void
check_explain(const char *text, const char *name)
{
	json_error_t jerr;
	json_t *j;
	char *out;
	size_t len;
	FILE *f;

	if ((f = fopen(file, "w")) == NULL)
		fuzz_fail("cannot write the config");
	fputs(text, f);
	fclose(f);
	out = explain(name, NULL, &len);
	if (!fuzz_printable(out, len, "\n"))
		fuzz_fail("explain printed what a terminal would obey");
	free(out);
	out = explain(name, "--json", &len);
	if (len > 0 && (j = json_loads(out, 0, &jerr)) == NULL)
		fuzz_fail("explain --json: not JSON: %s", jerr.text);
	else if (len > 0)
		json_decref(j);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_str(data, size), *parts[3], *names[MAX_NAMES];
	struct config_source src[2] = {
		{ "/fuzz/system.ini", CONFIG_SYSTEM, 0, 0, NULL },
		{ "/fuzz/.dotgit-deploy.ini", CONFIG_WORKTREE, 0, 0, NULL },
	};
	struct config cfg;
	struct error err;
	size_t np, nn = 1, i;

	np = fuzz_split(buf, size, '\0', parts, 3);
	src[0].text = parts[0];
	src[1].text = np > 1 ? parts[1] : "";
	names[0] = (char *)"main";
	if (np > 2)
		nn = fuzz_split(parts[2], strlen(parts[2]), '\n', names,
		    MAX_NAMES);
	error_clear(&err);
	memset(&cfg, 0, sizeof(cfg));
	if (config_load_layers(&cfg, src, 2, &err) == 0)
		for (i = 0; i < nn; i++) {
			check_match(&cfg, RULE_BRANCH, names[i]);
			check_match(&cfg, RULE_TAG, names[i]);
		}
	check_problems(&cfg);
	config_release(&cfg);
	if (names[0][0] != '\0' && names[0][0] != '-')
		check_explain(parts[0], names[0]);
	free(buf);
	return 0;
}
