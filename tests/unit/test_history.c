/* SPDX-License-Identifier: ISC */
/* test_history.c -- which deployment a rollback deploys again */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "xmalloc.h"

/* Records newest first from "commit:status" words: 'a'..'e' commits. */
static void
make(struct history *h, const char *const *recs)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	while (recs[h->n] != NULL)
		h->n++;
	h->v = xcalloc(h->n + 1, sizeof(*h->v));
	for (i = 0; i < h->n; i++) {
		memset(h->v[i].commit, recs[i][0], 40);
		h->v[i].status = xstrdup(recs[i] + 2);
	}
}

static char
pick(const char *const *recs, const char *to, int steps)
{
	const struct job *target, *live;
	struct history h;
	struct error err;
	char c;

	make(&h, recs);
	error_clear(&err);
	c = history_target(&h, to, steps, &target, &live, &err) == 0 ?
	    target->commit[0] : '-';
	history_release(&h);
	return c;
}

static void
test_targets(void **state)
{
	static const char *const plain[] = { "c:ready", "b:ready", "a:ready",
	    NULL };
	static const char *const failed_on_top[] = { "d:error", "c:ready",
	    "c:ready", "b:error", "a:ready", NULL };
	static const char *const flip[] = { "c:ready", "b:ready", "c:ready",
	    "a:ready", NULL };
	static const char *const building[] = { "d:building", "c:ready",
	    NULL };
	static const char *const none[] = { "a:error", "b:queued", NULL };

	(void)state;
	assert_int_equal(pick(plain, NULL, 1), 'b');
	assert_int_equal(pick(plain, NULL, 2), 'a');
	assert_int_equal(pick(plain, NULL, 3), '-');
	/* the live one is the newest ready; errors are no target */
	assert_int_equal(pick(failed_on_top, NULL, 1), 'a');
	/* the live commit again is no step */
	assert_int_equal(pick(flip, NULL, 2), 'a');
	assert_int_equal(pick(building, NULL, 1), '-');
	assert_int_equal(pick(none, NULL, 1), '-');
	assert_int_equal(pick(plain, "aaaa", 1), 'a');
	assert_int_equal(pick(failed_on_top, "bbbb", 1), '-');	/* error */
	assert_int_equal(pick(plain, "zz", 1), '-');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
	};

	return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}
