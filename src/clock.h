/* SPDX-License-Identifier: ISC */
/* clock.h -- monotonic time for deadlines and waits */
#ifndef DD_CLOCK_H
#define DD_CLOCK_H

/* Milliseconds on the monotonic clock (not wall time). */
long long	clock_ms(void);

#endif
