/* SPDX-License-Identifier: ISC */
/* test_lazylib.c -- loading a library on first use, and its errors */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lazylib.h"

static void
test_loads_once(void **state)
{
	static double (*cosine)(double);
	static void *handle;
	const struct lazylib_sym sym = { "cos", &cosine };
	struct error err;
	void *first;

	(void)state;
	error_clear(&err);
	assert_int_equal(lazylib_open(&handle, "libm.so.6", &sym, 1, &err), 0);
	assert_non_null(handle);
	assert_non_null(cosine);
	assert_true(cosine(0.0) == 1.0);
	first = handle;
	cosine = NULL;
	assert_int_equal(lazylib_open(&handle, "libm.so.6", &sym, 1, &err), 0);
	assert_ptr_equal(handle, first);
	assert_null(cosine);		/* loaded already: nothing done */
}

static void
test_missing_library(void **state)
{
	static void (*fn)(void);
	void *handle = NULL;
	const struct lazylib_sym sym = { "f", &fn };
	struct error err;

	(void)state;
	error_clear(&err);
	assert_int_equal(lazylib_open(&handle, "libdotgit-nope.so.9", &sym, 1,
	    &err), -1);
	assert_int_equal(err.exit, EXIT_FAIL);
	assert_null(handle);
	assert_string_equal(err.msg, "cannot load libdotgit-nope.so.9: "
	    "cannot open shared object file: No such file or directory");
	assert_string_equal(err.hint, "install the package that provides "
	    "libdotgit-nope.so.9");
}

static void
test_missing_function(void **state)
{
	static double (*cosine)(double);
	static void (*nope)(void);
	void *handle = NULL;
	const struct lazylib_sym syms[] = {
		{ "cos", &cosine },
		{ "dotgit_nope", &nope },
	};
	struct error err;

	(void)state;
	error_clear(&err);
	assert_int_equal(lazylib_open(&handle, "libm.so.6", syms, 2, &err),
	    -1);
	assert_null(handle);
	assert_string_equal(err.msg, "cannot load libm.so.6: no function "
	    "'dotgit_nope' in it");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_once),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_missing_function),
	};

	return cmocka_run_group_tests_name("lazylib", tests, NULL, NULL);
}
