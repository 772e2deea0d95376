/* SPDX-License-Identifier: ISC */
/* ratelimit.c -- token bucket with the server's corrections (see .h) */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ratelimit.h"

static double	max2(double a, double b);
static double	clamp(double x, double hi);
static void	set_limit(struct ratelimit *rl, int per_minute);
static double	tokens_at(const struct ratelimit *rl, double now);
static double	shared_delay(const struct ratelimit *rl, double now);
static long	margin(const struct ratelimit *rl);

static double
max2(double a, double b)
{
	return a > b ? a : b;
}

/* x within [0, hi]; NaN is 0. */
static double
clamp(double x, double hi)
{
	if (!(x > 0))
		return 0;
	return x < hi ? x : hi;
}

double
ratelimit_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Capacity and rate for a limit, keeping tokens within the capacity. */
static void
set_limit(struct ratelimit *rl, int per_minute)
{
	int burst;

	if (per_minute < 1)
		per_minute = 1;
	burst = per_minute / 10;
	if (burst < 1)
		burst = 1;
	if (burst > RATELIMIT_BURST_MAX)
		burst = RATELIMIT_BURST_MAX;
	rl->limit = per_minute;
	rl->capacity = burst;
	rl->rate = (per_minute - burst + 1) /
	    (RATELIMIT_WINDOW + RATELIMIT_SLACK);
	if (rl->tokens > rl->capacity)
		rl->tokens = rl->capacity;
}

void
ratelimit_init(struct ratelimit *rl, int per_minute)
{
	rl->tokens = 0;
	set_limit(rl, per_minute);
	rl->tokens = rl->capacity;
	rl->last = 0;
	rl->started = 0;
	rl->blocked_until = 0;
	rl->window_end = 0;
	rl->window_left = -1;
	rl->shared_until = 0;
	rl->spread = 1;
	rl->rand01 = ratelimit_jitter;
}

/* The tokens there are at now. */
static double
tokens_at(const struct ratelimit *rl, double now)
{
	double t;

	if (!rl->started || now <= rl->last)
		return rl->started ? rl->tokens : rl->capacity;
	t = rl->tokens + (now - rl->last) * rl->rate;
	return t > rl->capacity ? rl->capacity : t;
}

double
ratelimit_tokens(const struct ratelimit *rl, double now)
{
	return tokens_at(rl, now);
}

double
ratelimit_delay(const struct ratelimit *rl, double now)
{
	double t = tokens_at(rl, now), d = 0;

	if (t < 1)
		d = (1 - t) / rl->rate;
	d = max2(d, clamp(rl->blocked_until - now, RATELIMIT_BLOCK_MAX));
	if (rl->window_left == 0 && now < rl->window_end)
		d = max2(d, clamp(rl->window_end - now, RATELIMIT_WINDOW));
	d = max2(d, shared_delay(rl, now));
	/* Unix time in a double is exact to ~0.2 us: after sleeping the
	 * delay given, rounding must not ask for another sleep of a few
	 * nanoseconds. 0.1 ms early is far inside RATELIMIT_SLACK. */
	return d >= RATELIMIT_EPSILON ? d : 0;
}

/* Requests a client sharing the key leaves unspent in a window. */
static long
margin(const struct ratelimit *rl)
{
	long m = rl->limit / RATELIMIT_MARGIN_SHARE;

	return m > RATELIMIT_MARGIN_MIN ? m : RATELIMIT_MARGIN_MIN;
}

/*
 * The wait a shared key adds when Remaining is low (ratelimit.h): until
 * the reset at the margin, else the next request of the spread. 0 for a
 * client alone, or with plenty left.
 */
static double
shared_delay(const struct ratelimit *rl, double now)
{
	long left = rl->window_left, m = margin(rl), low;
	double gap, next;

	low = rl->limit / RATELIMIT_LOW_SHARE;
	if (low < RATELIMIT_LOW_MIN)
		low = RATELIMIT_LOW_MIN;
	if (!(now < rl->shared_until) || !(now < rl->window_end) ||
	    left < 0 || left >= low)
		return 0;
	if (left <= m)
		return clamp(rl->window_end - now, RATELIMIT_WINDOW);
	if (!rl->started)
		return 0;
	gap = (rl->window_end - rl->last) / (double)(left - m);
	next = rl->last + gap * rl->spread;
	if (next > rl->window_end)
		next = rl->window_end;
	return clamp(next - now, RATELIMIT_WINDOW);
}

void
ratelimit_take(struct ratelimit *rl, double now)
{
	rl->tokens = tokens_at(rl, now) - 1;
	if (!rl->started || now > rl->last)
		rl->last = now;
	rl->started = 1;
	if (now >= rl->window_end)
		rl->window_left = -1;
	else if (rl->window_left > 0)
		rl->window_left--;
	rl->spread = 0.5 + clamp(rl->rand01(), 1);
}

void
ratelimit_observe(struct ratelimit *rl, long limit, long remaining,
    long long reset_unix, double now)
{
	double reset = (double)reset_unix;

	if (limit > 0 && limit < rl->limit) {
		rl->tokens = tokens_at(rl, now);
		rl->last = now;
		rl->started = 1;
		set_limit(rl, limit > 1000000 ? 1000000 : (int)limit);
	}
	if (remaining < 0 || reset_unix < 0 || reset <= now)
		return;
	if (reset > now + RATELIMIT_WINDOW)
		reset = now + RATELIMIT_WINDOW;
	/* the same window, and fewer left than our requests leave */
	if (reset == rl->window_end && remaining < rl->window_left)
		rl->shared_until = reset + RATELIMIT_WINDOW;
	rl->window_end = reset;
	rl->window_left = remaining;
}

void
ratelimit_retry_after(struct ratelimit *rl, double secs, double now)
{
	secs = clamp(secs, RATELIMIT_BLOCK_MAX);
	rl->blocked_until = max2(rl->blocked_until, now + secs);
	rl->tokens = 0;
	rl->last = now;
	rl->started = 1;
}

double
ratelimit_backoff(int attempt, double base, double cap, double rand01)
{
	double ceiling = base;
	int i;

	if (!(rand01 >= 0))		/* negative or NaN */
		rand01 = 0;
	if (rand01 > 1)
		rand01 = 1;
	if (!(base > 0))		/* negative or NaN */
		return 0;
	for (i = 1; i < attempt && ceiling < cap; i++)
		ceiling *= 2;
	if (ceiling > cap)
		ceiling = cap;
	return ceiling > 0 ? rand01 * ceiling : 0;
}

double
ratelimit_jitter(void)
{
	return (double)arc4random() / (double)UINT32_MAX;
}
