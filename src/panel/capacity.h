/* SPDX-License-Identifier: ISC */
/*
 * capacity.h - when a growing figure reaches its limit: a straight line
 * fitted by least squares to the samples of the last 30 days, extended
 * to the limit.  Pure arithmetic on points the caller read (the store
 * reads guest_sample), so that it is tested with exact figures.
 *
 * Samples come every few minutes for the last 48 hours and hourly before
 * (guest_sample's two steps): weighing each sample alike would let the
 * last two days outvote the 28 before them twelve to one, so each hour
 * that holds samples weighs as one, shared among its samples.
 */
#ifndef HK_CAPACITY_H
#define HK_CAPACITY_H

#include <stddef.h>
#include <stdint.h>

#define CAPACITY_WINDOW_S	(30 * 86400)	/* the samples fitted */
#define CAPACITY_MIN_SPAN_S	86400	/* shorter: not enough data */

enum capacity_trend {
	CAPACITY_OK,			/* growing: days is a figure */
	CAPACITY_NOT_ENOUGH_DATA,	/* < 2 samples or < 24 h of them */
	CAPACITY_NOT_GROWING,		/* slope <= 0 */
};

struct capacity_point {
	int64_t at;		/* seconds */
	double value;
};

/* A fitted line, as its value at `now` and its slope. */
struct capacity_line {
	enum capacity_trend trend;
	double slope;		/* per day */
	double at_now;		/* the line's value at now; without a fit,
				 * the newest sample's value (0: none) */
};

/* Fits the points with now - CAPACITY_WINDOW_S < at <= now; p sorted by
 * at (older ones are skipped).  Not enough data gives slope 0. */
void capacity_fit(const struct capacity_point *p, size_t n, int64_t now,
		  struct capacity_line *line);

/* Adds line l to sum (start from {CAPACITY_NOT_ENOUGH_DATA, 0, 0}): the
 * line of a total whose parts are fitted each on their own.  A part
 * without enough data counts as its newest value, constant; the sum has
 * enough data when one part has. */
void capacity_line_add(struct capacity_line *sum,
		       const struct capacity_line *l);

/* Days from now until the line reaches limit (0 when it is there
 * already), set only when the answer is CAPACITY_OK; a line without
 * enough data or not growing answers so. */
enum capacity_trend capacity_days(const struct capacity_line *line,
				  double limit, double *days);

/* "ok", "not_enough_data", "not_growing" (API text). */
const char *capacity_trend_name(enum capacity_trend trend);

#endif
