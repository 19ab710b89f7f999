/* SPDX-License-Identifier: ISC */
/*
 * capacity.c - days until a figure reaches its limit, by weighted least
 * squares.  See capacity.h.  Times are centred on their weighted mean
 * before they are squared: squares of raw Unix seconds (~3e18) would
 * leave a double too few digits for the slope.
 */
#include "config.h"

#include "capacity.h"

/* The first point inside the window. */
static size_t
window_start(const struct capacity_point *p, size_t n, int64_t now)
{
	size_t i = 0;

	while (i < n && p[i].at <= now - CAPACITY_WINDOW_S)
		i++;
	return i;
}

/* Each point's weight: 1 / the number of points in its hour. */
static double
weight(const struct capacity_point *p, size_t lo, size_t hi, size_t i)
{
	int64_t hour = p[i].at - p[i].at % 3600;
	size_t a = i, b = i + 1;

	while (a > lo && p[a - 1].at - p[a - 1].at % 3600 == hour)
		a--;
	while (b < hi && p[b].at - p[b].at % 3600 == hour)
		b++;
	return 1.0 / (double)(b - a);
}

void
capacity_fit(const struct capacity_point *p, size_t n, int64_t now,
	     struct capacity_line *line)
{
	size_t lo = window_start(p, n, now), hi = lo;
	double w, sw = 0, st = 0, sv = 0, tm, vm, sxx = 0, sxy = 0;

	while (hi < n && p[hi].at <= now)
		hi++;
	line->trend = CAPACITY_NOT_ENOUGH_DATA;
	line->slope = 0;
	line->at_now = hi > lo ? p[hi - 1].value : (n > 0 && lo == n ?
						     p[n - 1].value : 0);
	if (hi - lo < 2 || p[hi - 1].at - p[lo].at < CAPACITY_MIN_SPAN_S)
		return;
	for (size_t i = lo; i < hi; i++) {
		w = weight(p, lo, hi, i);
		sw += w;
		st += w * (double)(p[i].at - p[lo].at);
		sv += w * p[i].value;
	}
	tm = st / sw;
	vm = sv / sw;
	for (size_t i = lo; i < hi; i++) {
		double dt = (double)(p[i].at - p[lo].at) - tm;

		w = weight(p, lo, hi, i);
		sxx += w * dt * dt;
		sxy += w * dt * (p[i].value - vm);
	}
	line->slope = sxy / sxx * 86400.0;
	line->at_now = vm + sxy / sxx * ((double)(now - p[lo].at) - tm);
	line->trend = line->slope > 0 ? CAPACITY_OK : CAPACITY_NOT_GROWING;
}

void
capacity_line_add(struct capacity_line *sum, const struct capacity_line *l)
{
	int fitted = sum->trend != CAPACITY_NOT_ENOUGH_DATA ||
		     l->trend != CAPACITY_NOT_ENOUGH_DATA;

	sum->slope += l->slope;
	sum->at_now += l->at_now;
	if (fitted)
		sum->trend = sum->slope > 0 ? CAPACITY_OK :
			     CAPACITY_NOT_GROWING;
}

enum capacity_trend
capacity_days(const struct capacity_line *line, double limit, double *days)
{
	if (line->trend != CAPACITY_OK)
		return line->trend;
	*days = line->at_now >= limit ? 0 :
		(limit - line->at_now) / line->slope;
	return CAPACITY_OK;
}

const char *
capacity_trend_name(enum capacity_trend trend)
{
	switch (trend) {
	case CAPACITY_OK:
		return "ok";
	case CAPACITY_NOT_GROWING:
		return "not_growing";
	case CAPACITY_NOT_ENOUGH_DATA:
		break;
	}
	return "not_enough_data";
}
