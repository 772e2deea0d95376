/* SPDX-License-Identifier: ISC */
/* test_secret.c -- where the key may not go: children, core dumps */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "child.h"
#include "config.h"
#include "log.h"

static int
has(char **env, const char *entry)
{
	size_t i;

	for (i = 0; env[i] != NULL; i++)
		if (strcmp(env[i], entry) == 0)
			return 1;
	return 0;
}

static int
named(char **env, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return 1;
	return 0;
}

static void
test_child_env(void **state)
{
	static const char *const drop[] = { "DROP_ME", NULL };
	char **env;
	size_t n;

	(void)state;
	setenv("DOTGIT_API_KEY", "gl_api_child_0123", 1);
	setenv("DOTGIT_API_KEY_FILE", "kept", 1);
	setenv("DROP_ME", "x", 1);
	setenv("DROP_ME_NOT", "y", 1);
	env = child_env(NULL, 0);
	assert_false(named(env, "DOTGIT_API_KEY"));
	assert_true(has(env, "DOTGIT_API_KEY_FILE=kept"));
	assert_true(has(env, "DROP_ME=x"));
	free(env);
	env = child_env(drop, 2);
	assert_false(named(env, "DOTGIT_API_KEY"));
	assert_false(named(env, "DROP_ME"));
	assert_true(has(env, "DROP_ME_NOT=y"));
	for (n = 0; env[n] != NULL; n++)
		;
	/* room for two more, then the NULL */
	env[n] = (char *)"A=1";
	env[n + 1] = (char *)"B=2";
	assert_null(env[n + 2]);
	free(env);
	unsetenv("DOTGIT_API_KEY");
	unsetenv("DOTGIT_API_KEY_FILE");
	unsetenv("DROP_ME");
	unsetenv("DROP_ME_NOT");
}

static void
test_reading_the_key_stops_core_dumps(void **state)
{
	struct config cfg;
	struct rlimit rl;
	struct error err;
	char *key = NULL;

	(void)state;
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	memset(&cfg, 0, sizeof(cfg));
	setenv("DOTGIT_API_KEY", "gl_api_core_0123", 1);
	error_clear(&err);
	assert_int_equal(config_read_key(&key, &cfg, &err), 0);
	assert_string_equal(key, "gl_api_core_0123");
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_int_equal(rl.rlim_cur, 0);
	assert_int_equal(rl.rlim_max, 0);
	free(key);
	unsetenv("DOTGIT_API_KEY");
	log_set_secret(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_env),
		cmocka_unit_test(test_reading_the_key_stops_core_dumps),
	};

	return cmocka_run_group_tests_name("secret", tests, NULL, NULL);
}
