/* SPDX-License-Identifier: ISC */
/* test_ratelimit.c -- pacing with a fake clock, server corrections */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "ratelimit.h"

/* A Unix time on a minute boundary: the server's windows start here. */
#define T0 1767225600.0

/* Send n requests as fast as the bucket allows, from `start`. */
static void
pace(struct ratelimit *rl, double start, double *times, int n)
{
	double now = start;
	int i;

	for (i = 0; i < n; i++) {
		now += ratelimit_delay(rl, now);
		assert_true(ratelimit_delay(rl, now) == 0);
		ratelimit_take(rl, now);
		times[i] = now;
	}
}

/* Most requests in any window [t, t + len) starting at a request, and in
 * the fixed windows [T0 + k*len, T0 + (k+1)*len) shifted by `offset`. */
static int
max_sliding(const double *t, int n, double len)
{
	int i, j, best = 0;

	for (i = 0; i < n; i++) {
		for (j = i; j < n && t[j] < t[i] + len; j++)
			;
		if (j - i > best)
			best = j - i;
	}
	return best;
}

static int
max_fixed(const double *t, int n, double len, double offset)
{
	int i, count = 0, best = 0;
	long cur = -1, w;

	for (i = 0; i < n; i++) {
		/* shifted so the quotient is positive and truncation floors */
		w = (long)((t[i] - T0 - offset + 100 * len) / len);
		if (w != cur) {
			cur = w;
			count = 0;
		}
		if (++count > best)
			best = count;
	}
	return best;
}

static void
check_plan(int per_minute, int n)
{
	struct ratelimit rl;
	double *t = calloc((size_t)n, sizeof(*t)), off;
	double minutes;

	ratelimit_init(&rl, per_minute);
	pace(&rl, T0, t, n);
	assert_true(max_sliding(t, n, 60) <= per_minute);
	for (off = 0; off < 60; off += 0.25)
		assert_true(max_fixed(t, n, 60, off) <= per_minute);
	/* and not needlessly slow: at least 85% of the plan sustained */
	minutes = (t[n - 1] - t[0]) / 60;
	assert_true((n - 1) / minutes >= 0.85 * per_minute);
	free(t);
}

static void
test_free_plan_never_exceeds_60(void **state)
{
	(void)state;
	check_plan(60, 200);
}

static void
test_pro_plan_never_exceeds_600(void **state)
{
	(void)state;
	check_plan(600, 2000);
}

static void
test_tiny_limits(void **state)
{
	(void)state;
	check_plan(1, 5);
	check_plan(7, 30);
}

static void
test_small_burst_then_pacing(void **state)
{
	struct ratelimit rl;
	int i;

	(void)state;
	ratelimit_init(&rl, 60);
	for (i = 0; i < 6; i++) {
		assert_true(ratelimit_delay(&rl, T0) == 0);
		ratelimit_take(&rl, T0);
	}
	assert_true(ratelimit_delay(&rl, T0) > 1.0);
	assert_true(ratelimit_delay(&rl, T0) < 1.2);
	/* idle for long: the burst is back, no more */
	assert_true(ratelimit_delay(&rl, T0 + 3600) == 0);
}

static void
test_remaining_zero_waits_for_reset(void **state)
{
	struct ratelimit rl;

	(void)state;
	ratelimit_init(&rl, 60);
	ratelimit_take(&rl, T0 + 43);
	ratelimit_observe(&rl, 60, 0, (long long)T0 + 60, T0 + 43);
	assert_float_equal(ratelimit_delay(&rl, T0 + 43), 17, 1e-9);
	assert_float_equal(ratelimit_delay(&rl, T0 + 50), 10, 1e-9);
	assert_true(ratelimit_delay(&rl, T0 + 60) == 0);
	/* a reset a day ahead is clock skew: at most one window */
	ratelimit_observe(&rl, 60, 0, (long long)T0 + 86400, T0 + 61);
	assert_float_equal(ratelimit_delay(&rl, T0 + 61), 60, 1e-9);
	/* missing headers change nothing */
	ratelimit_init(&rl, 60);
	ratelimit_observe(&rl, -1, -1, -1, T0);
	assert_true(ratelimit_delay(&rl, T0) == 0);
}

static void
test_remaining_counts_down(void **state)
{
	struct ratelimit rl;

	(void)state;
	ratelimit_init(&rl, 60);
	/* someone else used the key: 2 left until the reset */
	ratelimit_observe(&rl, 60, 2, (long long)T0 + 30, T0);
	ratelimit_take(&rl, T0);
	assert_true(ratelimit_delay(&rl, T0) == 0);
	ratelimit_take(&rl, T0);
	assert_float_equal(ratelimit_delay(&rl, T0), 30, 1e-9);
	assert_true(ratelimit_delay(&rl, T0 + 30) == 0);
}

/* A fixed jitter for the tests: spread factor 0.5 + this. */
static double	fixed_jitter = 0.5;

static double
jitter_stub(void)
{
	return fixed_jitter;
}

/* Deterministic jitter for the simulations (an LCG, uniform enough). */
static unsigned long	lcg_state = 12345;

static double
jitter_lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005UL + 1442695040888963407UL;
	return (double)(lcg_state >> 11) / (double)(1UL << 53);
}

/* Another client used the key within the window: at the margin the
 * client waits for the reset; above it, below a tenth of the limit, its
 * next request is spread over what is left of the window. */
static void
test_shared_key_margin_and_spread(void **state)
{
	struct ratelimit rl;

	(void)state;
	ratelimit_init(&rl, 600);
	rl.rand01 = jitter_stub;
	fixed_jitter = 0.5;			/* spread factor 1 */
	ratelimit_take(&rl, T0 + 10);
	ratelimit_observe(&rl, -1, 100, (long long)T0 + 60, T0 + 10);
	/* 100 left and ours the only use seen: nothing changes */
	ratelimit_take(&rl, T0 + 10.2);
	ratelimit_observe(&rl, -1, 99, (long long)T0 + 60, T0 + 10.2);
	assert_true(ratelimit_delay(&rl, T0 + 10.2) < 0.11);
	/* 30 left, not the 98 our request leaves: others use the key */
	ratelimit_take(&rl, T0 + 40);
	ratelimit_observe(&rl, -1, 30, (long long)T0 + 60, T0 + 40);
	/* (60 - 40) s for 30 - 6 requests above the margin */
	assert_float_equal(ratelimit_delay(&rl, T0 + 40), 20.0 / 24, 1e-9);
	fixed_jitter = 1;			/* factor 1.5 */
	ratelimit_take(&rl, T0 + 41);
	ratelimit_observe(&rl, -1, 25, (long long)T0 + 60, T0 + 41);
	assert_float_equal(ratelimit_delay(&rl, T0 + 41),
	    1.5 * 19.0 / 19, 1e-9);
	/* at the margin: wait for the reset, not a request later */
	ratelimit_take(&rl, T0 + 50);
	ratelimit_observe(&rl, -1, 6, (long long)T0 + 60, T0 + 50);
	assert_float_equal(ratelimit_delay(&rl, T0 + 50), 10, 1e-9);
	assert_true(ratelimit_delay(&rl, T0 + 60) == 0);
	/* the next window: still shared, plenty left, nothing added */
	ratelimit_take(&rl, T0 + 60);
	ratelimit_observe(&rl, -1, 580, (long long)T0 + 120, T0 + 60);
	assert_true(ratelimit_delay(&rl, T0 + 60.2) == 0);
	/* low again there: still the margin */
	ratelimit_take(&rl, T0 + 100);
	ratelimit_observe(&rl, -1, 4, (long long)T0 + 120, T0 + 100);
	assert_float_equal(ratelimit_delay(&rl, T0 + 100), 20, 1e-9);
	/* a window later with no sharing seen: alone again, as before */
	ratelimit_take(&rl, T0 + 200);
	ratelimit_observe(&rl, -1, 2, (long long)T0 + 240, T0 + 200);
	assert_true(ratelimit_delay(&rl, T0 + 200.2) == 0);
}

/*
 * One client and the server, simulated in 1 ms steps for `secs` from T0:
 * `n` clients with a plan of `limit`/min, each with an endless backlog,
 * one request in flight at a time, its reply (with X-RateLimit-Remaining
 * and -Reset, or a 429 with Retry-After) `lat` seconds later; the server
 * counts in fixed 60 s windows from T0. *n429 gets the 429s, sent[i]
 * each client's requests, per_window[w] the requests the server took.
 */
#define SIM_CLIENTS	4
#define SIM_WINDOWS	8

static void
simulate(int n, int limit, double secs, double lat, int observe,
    int *n429, long *sent, long *per_window)
{
	struct ratelimit rl[SIM_CLIENTS];
	double reply_at[SIM_CLIENTS];
	long remaining[SIM_CLIENTS], count[SIM_WINDOWS] = { 0 };
	int status[SIM_CLIENTS], i, w;
	long step;
	double now;

	assert_true(n <= SIM_CLIENTS && secs <= 60 * SIM_WINDOWS);
	*n429 = 0;
	for (i = 0; i < n; i++) {
		ratelimit_init(&rl[i], limit);
		rl[i].rand01 = jitter_lcg;
		reply_at[i] = -1;
		sent[i] = 0;
	}
	for (step = 0; step < (long)(secs * 1000); step++) {
		now = T0 + step / 1000.0;
		w = (int)(step / 60000);
		for (i = 0; i < n; i++) {
			if (reply_at[i] >= 0 && now >= reply_at[i]) {
				reply_at[i] = -1;
				if (status[i] == 429)
					ratelimit_retry_after(&rl[i],
					    (T0 + 60.0 * (w + 1)) - now, now);
				else if (observe)
					ratelimit_observe(&rl[i], -1,
					    remaining[i],
					    (long long)T0 + 60 * (w + 1), now);
			}
			if (reply_at[i] >= 0 || ratelimit_delay(&rl[i],
			    now) > 0)
				continue;
			ratelimit_take(&rl[i], now);
			sent[i]++;
			if (count[w] >= limit) {
				status[i] = 429;
				(*n429)++;
			} else {
				status[i] = 201;
				remaining[i] = limit - ++count[w];
			}
			reply_at[i] = now + lat;
		}
	}
	for (w = 0; w < SIM_WINDOWS; w++)
		per_window[w] = count[w];
}

/* Three daemons on one key (bench/pacing.py's case): no 429, and the
 * windows still used to within a few percent. */
static void
test_three_clients_share_a_key(void **state)
{
	long sent[SIM_CLIENTS], win[SIM_WINDOWS];
	int n429, w, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		lcg_state = 12345 + (unsigned long)i;
		simulate(3, 600, 300, 0.02, 1, &n429, sent, win);
		assert_int_equal(n429, 0);
		for (w = 0; w < 5; w++)
			assert_true(win[w] >= 570 && win[w] <= 600);
		assert_true(sent[0] > 300 && sent[1] > 300 && sent[2] > 300);
	}
	/* the free plan, and more clients than the margin was made for */
	simulate(3, 60, 300, 0.02, 1, &n429, sent, win);
	assert_int_equal(n429, 0);
	for (w = 0; w < 5; w++)
		assert_true(win[w] >= 54);
	simulate(4, 600, 300, 0.05, 1, &n429, sent, win);
	assert_int_equal(n429, 0);
}

/* A client alone is paced exactly as if it never read the headers: the
 * margin and the spread never slow it. */
static void
test_alone_not_slowed(void **state)
{
	long sent[SIM_CLIENTS], win[SIM_WINDOWS], blind, blind_win[SIM_WINDOWS];
	int n429, w, plan;
	static const int plans[] = { 60, 600, 7 };

	(void)state;
	for (plan = 0; plan < 3; plan++) {
		simulate(1, plans[plan], 300, 0.02, 0, &n429, sent, blind_win);
		blind = sent[0];
		simulate(1, plans[plan], 300, 0.02, 1, &n429, sent, win);
		assert_int_equal(n429, 0);
		assert_int_equal(sent[0], blind);
		for (w = 0; w < 5; w++)
			assert_int_equal(win[w], blind_win[w]);
	}
}

static void
test_lower_limit_adopted(void **state)
{
	struct ratelimit rl;
	double t[100];

	(void)state;
	ratelimit_init(&rl, 60);
	ratelimit_observe(&rl, 600, 599, (long long)T0 + 60, T0);
	assert_int_equal(rl.limit, 60);
	ratelimit_observe(&rl, 30, 29, (long long)T0 + 60, T0);
	assert_int_equal(rl.limit, 30);
	pace(&rl, T0, t, 100);
	assert_true(max_sliding(t, 100, 60) <= 30);
}

static void
test_retry_after(void **state)
{
	struct ratelimit rl;

	(void)state;
	ratelimit_init(&rl, 600);
	ratelimit_retry_after(&rl, 10, T0);
	assert_float_equal(ratelimit_delay(&rl, T0), 10, 1e-9);
	assert_float_equal(ratelimit_delay(&rl, T0 + 4), 6, 1e-9);
	/* a shorter one does not shorten the wait */
	ratelimit_retry_after(&rl, 1, T0 + 4);
	assert_float_equal(ratelimit_delay(&rl, T0 + 4), 6, 1e-9);
	assert_true(ratelimit_delay(&rl, T0 + 10) == 0);
}

static void
test_clock_steps_back(void **state)
{
	struct ratelimit rl;
	double d;

	(void)state;
	ratelimit_init(&rl, 60);
	ratelimit_take(&rl, T0);
	d = ratelimit_delay(&rl, T0 - 3600);
	assert_true(d >= 0 && d < 2);
	ratelimit_take(&rl, T0 - 3600);
	assert_true(ratelimit_delay(&rl, T0 + 1) < 2);
}

static void
test_backoff_bounds(void **state)
{
	int a;

	(void)state;
	assert_float_equal(ratelimit_backoff(1, 2, 300, 0), 0, 0);
	assert_float_equal(ratelimit_backoff(1, 2, 300, 0.5), 1, 1e-12);
	assert_float_equal(ratelimit_backoff(3, 2, 300, 0.5), 4, 1e-12);
	assert_float_equal(ratelimit_backoff(4, 2, 300, 1), 16, 1e-12);
	for (a = -3; a < 2000; a += 7) {
		double lo = ratelimit_backoff(a, 2, 300, 0);
		double hi = ratelimit_backoff(a, 2, 300, 0.999999);

		assert_true(lo >= 0 && hi <= 300 && hi >= lo);
	}
	assert_float_equal(ratelimit_backoff(1000, 2, 300, 0.5), 150, 1e-9);
	assert_float_equal(ratelimit_backoff(2, 2, 300, 7), 4, 1e-12);
	assert_float_equal(ratelimit_backoff(2, 2, 300, -1), 0, 0);
}

/* Any input: no overflow, no wait longer than RATELIMIT_BLOCK_MAX. */
static void
test_extreme_inputs(void **state)
{
	struct ratelimit rl;
	double d;

	(void)state;
	ratelimit_init(&rl, 60);
	ratelimit_retry_after(&rl, 1e300, T0);
	assert_true(ratelimit_delay(&rl, T0) <= RATELIMIT_BLOCK_MAX);
	assert_true(ratelimit_delay(&rl, T0) > RATELIMIT_BLOCK_MAX - 1);
	ratelimit_init(&rl, 60);
	ratelimit_retry_after(&rl, __builtin_inf(), T0);
	assert_true(ratelimit_delay(&rl, T0) <= RATELIMIT_BLOCK_MAX);
	ratelimit_init(&rl, 60);
	ratelimit_retry_after(&rl, __builtin_nan(""), T0);
	assert_true(ratelimit_delay(&rl, T0) < 2);
	ratelimit_init(&rl, 60);
	ratelimit_retry_after(&rl, -1e300, T0);
	assert_true(ratelimit_delay(&rl, T0) < 2);
	/* a clock that stepped back a day: still at most the block */
	ratelimit_init(&rl, 60);
	ratelimit_retry_after(&rl, 600, T0);
	d = ratelimit_delay(&rl, T0 - 86400);
	assert_true(d <= RATELIMIT_BLOCK_MAX && d >= 600);
	/* headers from the far future or past */
	ratelimit_init(&rl, 60);
	ratelimit_observe(&rl, 9223372036854775807L, 0, 9223372036854775807LL,
	    T0);
	assert_true(ratelimit_delay(&rl, T0) <= RATELIMIT_WINDOW);
	ratelimit_observe(&rl, -9223372036854775807L - 1,
	    -9223372036854775807L - 1, -9223372036854775807LL - 1, T0);
	assert_true(ratelimit_delay(&rl, T0) <= RATELIMIT_WINDOW);
	assert_true(ratelimit_delay(&rl, 1e300) <= RATELIMIT_BLOCK_MAX);
	assert_true(ratelimit_delay(&rl, -1e300) <= RATELIMIT_BLOCK_MAX);
	/* backoff */
	assert_true(ratelimit_backoff(2147483647, 1, 300, 1) == 300);
	assert_true(ratelimit_backoff(-2147483647 - 1, 1, 300, 1) == 1);
	assert_true(ratelimit_backoff(2147483647, -1, 300, 1) == 0);
	assert_true(ratelimit_backoff(2147483647, __builtin_nan(""), 300,
	    1) == 0);
	assert_true(ratelimit_backoff(64, 1, __builtin_inf(), 1) > 1e18);
	assert_true(ratelimit_backoff(64, 1, __builtin_nan(""), 1) == 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_plan_never_exceeds_60),
		cmocka_unit_test(test_pro_plan_never_exceeds_600),
		cmocka_unit_test(test_tiny_limits),
		cmocka_unit_test(test_small_burst_then_pacing),
		cmocka_unit_test(test_remaining_zero_waits_for_reset),
		cmocka_unit_test(test_remaining_counts_down),
		cmocka_unit_test(test_shared_key_margin_and_spread),
		cmocka_unit_test(test_three_clients_share_a_key),
		cmocka_unit_test(test_alone_not_slowed),
		cmocka_unit_test(test_lower_limit_adopted),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_extreme_inputs),
		cmocka_unit_test(test_clock_steps_back),
		cmocka_unit_test(test_backoff_bounds),
	};

	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
