/* SPDX-License-Identifier: ISC */
/*
 * clock.h - the monotonic clock in milliseconds, for deadlines, pacing and
 * durations (never for dates: it has no epoch).  POSIX clock_gettime().
 */
#ifndef HK_CLOCK_H
#define HK_CLOCK_H

long long clock_mono_ms(void);

#endif
