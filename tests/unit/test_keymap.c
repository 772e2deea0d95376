/* SPDX-License-Identifier: ISC */
/* test_keymap.c -- the (number, string) hash table of the configuration */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "keymap.h"

#define MANY	5000

/* Thousands of keys (the table doubles many times): each found with its
 * value, the tag part of the key, nothing else found. */
static void
test_many_keys(void **state)
{
	struct keymap m = KEYMAP_INIT;
	char key[32];
	long v;
	int i;

	(void)state;
	assert_int_equal(keymap_get(&m, 0, "", &v), 0);
	for (i = 0; i < MANY; i++) {
		snprintf(key, sizeof(key), "team%04d/*", i);
		keymap_set(&m, i % 2, key, i);
	}
	assert_int_equal(m.n, MANY);
	assert_true(m.size >= 2 * m.n);
	for (i = 0; i < MANY; i++) {
		snprintf(key, sizeof(key), "team%04d/*", i);
		assert_int_equal(keymap_get(&m, i % 2, key, &v), 1);
		assert_int_equal(v, i);
		assert_int_equal(keymap_get(&m, 1 - i % 2, key, NULL), 0);
	}
	assert_int_equal(keymap_get(&m, 0, "team", NULL), 0);
	assert_int_equal(keymap_get(&m, 0, "", NULL), 0);
	keymap_release(&m);
	assert_int_equal(m.n, 0);
	assert_int_equal(keymap_get(&m, 0, "team0000/*", NULL), 0);
}

/* Setting a key again replaces its value and adds nothing; the empty
 * string and negative tags are keys like any other. */
static void
test_replace(void **state)
{
	struct keymap m = KEYMAP_INIT;
	long v = 0;

	(void)state;
	keymap_set(&m, -1, "", 1);
	keymap_set(&m, -1, "", 2);
	keymap_set(&m, 1000, "environment", 3);
	assert_int_equal(m.n, 2);
	assert_int_equal(keymap_get(&m, -1, "", &v), 1);
	assert_int_equal(v, 2);
	assert_int_equal(keymap_get(&m, 1000, "environment", &v), 1);
	assert_int_equal(v, 3);
	assert_int_equal(keymap_get(&m, 1001, "environment", &v), 0);
	keymap_release(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_replace),
	};

	return cmocka_run_group_tests_name("keymap", tests, NULL, NULL);
}
