/* SPDX-License-Identifier: ISC */
/*
 * bench_util.c - what the benchmark drivers share.  See bench_util.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_util.h"

static const char *prog = "bench";

void
bench_name(const char *name)
{
	prog = name;
}

void
bench_die(const char *what, const struct hk_err *err)
{
	fprintf(stderr, "%s: %s: %s%s%s\n", prog, what,
		err->field[0] ? err->field : "", err->field[0] ? ": " : "",
		err->message);
	exit(1);
}

double
bench_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
bench_by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

long
bench_num_arg(const char *s, long min, long max, void (*usage)(void))
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		usage();
	return v;
}
