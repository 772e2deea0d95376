/* SPDX-License-Identifier: ISC */
/* ratelimit.h -- pacing requests to the plan's limit; retry backoff */
#ifndef DD_RATELIMIT_H
#define DD_RATELIMIT_H

/*
 * A token bucket, told the time by its caller: every function takes `now`,
 * Unix time in seconds (ratelimit_now(); the same clock as
 * X-RateLimit-Reset), so tests need no sleeping. A clock that steps back
 * refills nothing until it has caught up.
 *
 * Why these numbers. The server counts requests in fixed 60 s windows and
 * we do not know where its windows start (clock skew), nor how long each
 * request takes to get there (latency jitter). So the bucket keeps a
 * bound that holds for EVERY window, sliding ones included: with capacity
 * B and rate r, a request only when a whole token is there, k requests in
 * a half-open window of length W need B + r*W > k - 1, so k <= L as long
 * as r = (L - B + 1) / W. We take W = 60 s + RATELIMIT_SLACK, so a request
 * delayed up to that much relative to another still cannot make the
 * server see more than L in one of its windows, and B = L/10 clamped to
 * 1..RATELIMIT_BURST_MAX: a push of a few refs goes out at once while the
 * sustained pace stays at about 88% (free, 60/min: B 6, 53/min) to 95%
 * (pro, 600/min: B 10, 572/min) of the plan. Pacing at exactly L/60 with
 * any burst B > 1 could put L + B - 1 requests in one window.
 *
 * The server's word wins over the model: X-RateLimit-Remaining caps the
 * requests left until X-RateLimit-Reset (0: wait for the reset), a lower
 * X-RateLimit-Limit than configured is adopted (a higher one is not: the
 * configured plan is a ceiling), and Retry-After blocks until then.
 *
 * A key shared by several clients (a daemon on each of several hosts):
 * each one sees the same Remaining and, paced for the plan alone, would
 * spend the window's last requests at the same moment as the others --
 * 429s. A client knows it is not alone when Remaining drops by more than
 * its own requests within one window; from then until the end of the
 * next window, when Remaining is low (below a tenth of the limit, or
 * RATELIMIT_LOW_MIN), it
 *  - keeps a margin unspent: at RATELIMIT_MARGIN (a hundredth of the
 *    limit, at least RATELIMIT_MARGIN_MIN) requests left it waits for
 *    the reset, so that the others' requests in flight on a Remaining
 *    as stale as its own still fit;
 *  - spreads what is left above the margin over the rest of the window,
 *    its next request (window end - last) / (left - margin) after its
 *    last, times a jitter factor in [0.5, 1.5] drawn at each request, so
 *    that the clients' requests interleave and each one's Remaining is
 *    fresh.
 * A client alone never does either: paced by the bucket it cannot get
 * below the margin (pro: >= 18 left at the end of a window) nor faster
 * than the spread, so its rate is the model's.
 */

#define RATELIMIT_WINDOW	60.0
#define RATELIMIT_SLACK		2.0
#define RATELIMIT_BURST_MAX	10
/* Shared key (above): Remaining is low below limit / RATELIMIT_LOW_SHARE
 * or RATELIMIT_LOW_MIN; the margin is limit / RATELIMIT_MARGIN_SHARE, at
 * least RATELIMIT_MARGIN_MIN. */
#define RATELIMIT_LOW_SHARE	10
#define RATELIMIT_LOW_MIN	6
#define RATELIMIT_MARGIN_SHARE	100
#define RATELIMIT_MARGIN_MIN	3
/* Delays shorter than this are 0 (seconds). */
#define RATELIMIT_EPSILON	1e-4
/* The longest Retry-After block, in seconds: API_WAIT_MAX (api.h). No
 * delay is ever longer, whatever the inputs (a clock stepping back
 * included). */
#define RATELIMIT_BLOCK_MAX	900.0

struct ratelimit {
	int	 limit;		/* requests per minute in force */
	double	 rate;		/* tokens per second */
	double	 capacity;	/* the burst */
	double	 tokens;
	double	 last;		/* when tokens was brought up to date */
	int	 started;	/* tokens/last valid: 0 until first use */
	double	 blocked_until;	/* Retry-After, or a window used up */
	double	 window_end;	/* the server's reset time */
	long	 window_left;	/* requests it allows until then; -1: ? */
	double	 shared_until;	/* others use the key: margin, spread */
	double	 spread;	/* jitter factor of the next spread gap */
	double	(*rand01)(void);	/* its source: ratelimit_jitter */
};

/* Unix time now, with sub-second precision. */
double	ratelimit_now(void);
/* per_minute < 1 is taken as 1. The bucket starts full. */
void	ratelimit_init(struct ratelimit *, int per_minute);
/* Seconds to wait before the next request may go (0: now). */
double	ratelimit_delay(const struct ratelimit *, double now);
/* The tokens in the bucket at now (requests that may go at once), and
 * its capacity. */
double	ratelimit_tokens(const struct ratelimit *, double now);
/* Count a request sent at now (after waiting ratelimit_delay). */
void	ratelimit_take(struct ratelimit *, double now);
/* From a response's X-RateLimit-Limit, -Remaining and -Reset (Unix
 * seconds); pass -1 for a header that was missing. A reset more than a
 * window ahead is taken as a window ahead (clock skew). Call it after
 * ratelimit_take for the request the response answers: a Remaining
 * below what our own requests leave is another client's use. */
void	ratelimit_observe(struct ratelimit *, long limit, long remaining,
	    long long reset_unix, double now);
/* Retry-After: no request before now + secs (at most
 * RATELIMIT_BLOCK_MAX; negative or NaN is 0). */
void	ratelimit_retry_after(struct ratelimit *, double secs, double now);

/*
 * Seconds to wait before retry number `attempt` (1 after the first
 * failure): exponential with full jitter, rand01 * min(cap, base *
 * 2^(attempt-1)), rand01 in [0, 1] (clamped). Pure.
 */
double	ratelimit_backoff(int attempt, double base, double cap,
	    double rand01);
/* A uniform random number in [0, 1], for the jitter. */
double	ratelimit_jitter(void);

#endif
