/* SPDX-License-Identifier: ISC */
/* test_capacity.c - days to full by least squares: exact figures on
 * known lines, noisy growth, flat and shrinking figures, spans too short
 * to say, the 30-day window and each hour weighing as one. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capacity.h"

#define T0	1764680000LL	/* a real clock's seconds: big numbers */
#define HOUR	3600
#define DAY	86400

static void
assert_near(double got, double want, double tolerance)
{
	double d = got > want ? got - want : want - got;

	if (d > tolerance)
		fail_msg("%.12g is not %.12g (+- %g)", got, want, tolerance);
}

/* value = base + per_hour * h, one point an hour for hours hours. */
static struct capacity_point *
line(size_t hours, double base, double per_hour)
{
	struct capacity_point *p = calloc(hours, sizeof(*p));

	assert_non_null(p);
	for (size_t h = 0; h < hours; h++) {
		p[h].at = T0 + (int64_t)h * HOUR;
		p[h].value = base + per_hour * (double)h;
	}
	return p;
}

static void
test_known_line(void **state)
{
	struct capacity_point *p = line(48, 1e12, 5e8);
	struct capacity_line l;
	int64_t now = T0 + 47 * HOUR;
	double days = -1;

	(void)state;
	capacity_fit(p, 48, now, &l);
	assert_int_equal(l.trend, CAPACITY_OK);
	assert_near(l.slope, 24 * 5e8, 1e-3);
	assert_near(l.at_now, 1e12 + 47 * 5e8, 1e-2);
	/* 10 days of growth left */
	assert_int_equal(capacity_days(&l, 1e12 + 47 * 5e8 + 10 * 24 * 5e8,
				       &days), CAPACITY_OK);
	assert_near(days, 10, 1e-9);
	/* measured from now, not from the newest sample: a day later, one
	 * day less */
	capacity_fit(p, 48, now + DAY, &l);
	assert_int_equal(capacity_days(&l, 1e12 + 47 * 5e8 + 10 * 24 * 5e8,
				       &days), CAPACITY_OK);
	assert_near(days, 9, 1e-9);
	/* already past the limit: 0 days, never negative */
	assert_int_equal(capacity_days(&l, 1e12, &days), CAPACITY_OK);
	assert_near(days, 0, 0);
	free(p);
}

/* Deterministic noise of up to +- amp around a known line. */
static void
test_noisy(void **state)
{
	size_t n = 30 * 24;
	struct capacity_point *p = line(n, 4e11, 1e8);
	struct capacity_line l;
	uint32_t seed = 12345;
	double days = -1;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i].value += ((double)(seed >> 16 & 0x7fff) / 16383.5 - 1) *
			      5e8;
	}
	capacity_fit(p, n, p[n - 1].at, &l);
	assert_int_equal(l.trend, CAPACITY_OK);
	assert_near(l.slope, 24 * 1e8, 24 * 1e8 * 0.01);
	assert_int_equal(capacity_days(&l, 4e11 + (double)(n - 1) * 1e8 +
				       20 * 24 * 1e8, &days), CAPACITY_OK);
	assert_near(days, 20, 0.5);
	free(p);
}

static void
test_not_growing(void **state)
{
	struct capacity_point *flat = line(72, 5e9, 0);
	struct capacity_point *down = line(72, 5e9, -1e6);
	struct capacity_line l;
	double days = -1;

	(void)state;
	capacity_fit(flat, 72, T0 + 71 * HOUR, &l);
	assert_int_equal(l.trend, CAPACITY_NOT_GROWING);
	assert_int_equal(capacity_days(&l, 1e10, &days), CAPACITY_NOT_GROWING);
	assert_near(days, -1, 0);	/* untouched */
	capacity_fit(down, 72, T0 + 71 * HOUR, &l);
	assert_int_equal(l.trend, CAPACITY_NOT_GROWING);
	assert_near(l.slope, -24e6, 1e-6);
	assert_string_equal(capacity_trend_name(l.trend), "not_growing");
	free(flat);
	free(down);
}

static void
test_short_spans(void **state)
{
	struct capacity_point two[2] = { { T0, 1 }, { T0 + DAY - 1, 100 } };
	struct capacity_line l;
	double days = -1;

	(void)state;
	capacity_fit(two, 0, T0, &l);
	assert_int_equal(l.trend, CAPACITY_NOT_ENOUGH_DATA);
	assert_near(l.at_now, 0, 0);
	capacity_fit(two, 1, T0, &l);
	assert_int_equal(l.trend, CAPACITY_NOT_ENOUGH_DATA);
	assert_near(l.at_now, 1, 0);
	/* a second short of a day */
	capacity_fit(two, 2, T0 + DAY, &l);
	assert_int_equal(l.trend, CAPACITY_NOT_ENOUGH_DATA);
	assert_near(l.at_now, 100, 0);	/* the newest value, as it is */
	assert_near(l.slope, 0, 0);
	assert_int_equal(capacity_days(&l, 1000, &days),
			 CAPACITY_NOT_ENOUGH_DATA);
	assert_string_equal(capacity_trend_name(l.trend), "not_enough_data");
	/* a whole day is enough: 99 a day, from 100 to 199 in one day */
	two[1].at = T0 + DAY;
	capacity_fit(two, 2, T0 + DAY, &l);
	assert_int_equal(l.trend, CAPACITY_OK);
	assert_string_equal(capacity_trend_name(l.trend), "ok");
	assert_int_equal(capacity_days(&l, 199, &days), CAPACITY_OK);
	assert_near(days, 1, 1e-12);
}

/* Samples older than 30 days do not count, nor do those after now. */
static void
test_window(void **state)
{
	size_t n = 40 * 24;
	struct capacity_point *p = line(n, 0, 1e6);
	struct capacity_line l;
	int64_t now = p[n - 1].at;

	(void)state;
	/* the last 30 days flat, the 10 before steep */
	for (size_t i = 0; i < n; i++)
		if (p[i].at > now - CAPACITY_WINDOW_S)
			p[i].value = 7e9;
	capacity_fit(p, n, now, &l);
	assert_int_equal(l.trend, CAPACITY_NOT_GROWING);
	assert_near(l.slope, 0, 1e-6);
	/* seen from 30 days ago, the steep part is the window */
	capacity_fit(p, n, now - CAPACITY_WINDOW_S, &l);
	assert_int_equal(l.trend, CAPACITY_OK);
	assert_near(l.slope, 24e6, 1e-3);
	/* nothing in the window: not enough data, the newest value */
	capacity_fit(p, n, now + CAPACITY_WINDOW_S, &l);
	assert_int_equal(l.trend, CAPACITY_NOT_ENOUGH_DATA);
	assert_near(l.at_now, 7e9, 0);
	free(p);
}

/* Twelve samples in one hour weigh as one: the figures of a weighted
 * fit, computed apart (not the 58.42 a day of an unweighted one). */
static void
test_hour_weighs_one(void **state)
{
	struct capacity_point p[14] = { { T0 - T0 % HOUR, 0 },
					{ T0 - T0 % HOUR + DAY, 0 } };
	struct capacity_line l;

	(void)state;
	for (int k = 0; k < 12; k++) {
		p[2 + k].at = p[0].at + 2 * DAY + k * 300;
		p[2 + k].value = 100;
	}
	capacity_fit(p, 14, p[0].at + 176400, &l);
	assert_int_equal(l.trend, CAPACITY_OK);
	assert_near(l.slope, 49.6782495513926, 1e-9);
	assert_near(l.at_now, 84.7652710922693, 1e-9);
}

/* A project's total: the sum of its guests' lines. */
static void
test_line_add(void **state)
{
	struct capacity_line sum = { CAPACITY_NOT_ENOUGH_DATA, 0, 0 };
	struct capacity_line a = { CAPACITY_OK, 10, 100 };
	struct capacity_line b = { CAPACITY_NOT_GROWING, -4, 50 };
	struct capacity_line c = { CAPACITY_NOT_ENOUGH_DATA, 0, 30 };
	double days = -1;

	(void)state;
	capacity_line_add(&sum, &c);
	assert_int_equal(sum.trend, CAPACITY_NOT_ENOUGH_DATA);
	assert_near(sum.at_now, 30, 0);
	capacity_line_add(&sum, &a);
	capacity_line_add(&sum, &b);
	assert_int_equal(sum.trend, CAPACITY_OK);
	assert_near(sum.slope, 6, 0);
	assert_near(sum.at_now, 180, 0);
	assert_int_equal(capacity_days(&sum, 240, &days), CAPACITY_OK);
	assert_near(days, 10, 1e-12);
	b.slope = -20;
	capacity_line_add(&sum, &b);
	assert_int_equal(sum.trend, CAPACITY_NOT_GROWING);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_line),
		cmocka_unit_test(test_noisy),
		cmocka_unit_test(test_not_growing),
		cmocka_unit_test(test_short_spans),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_hour_weighs_one),
		cmocka_unit_test(test_line_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
