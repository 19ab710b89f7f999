/* SPDX-License-Identifier: ISC */
/*
 * bench_util.h - what the benchmark drivers share: a fatal error with
 * the driver's name, the monotonic clock, sorting timings and numeric
 * options.  Benchmarks only: a library module never exits.
 */
#ifndef HK_BENCH_UTIL_H
#define HK_BENCH_UTIL_H

#include "err.h"

/* The name every message starts with (the driver's). */
void bench_name(const char *name);
/* Prints "NAME: WHAT: FIELD: MESSAGE" and exits 1. */
void bench_die(const char *what, const struct hk_err *err);
/* CLOCK_MONOTONIC in milliseconds. */
double bench_now_ms(void);
/* For qsort() of doubles, ascending. */
int bench_by_double(const void *a, const void *b);
/* s as a decimal in min..max; else usage() (which exits). */
long bench_num_arg(const char *s, long min, long max, void (*usage)(void));

#endif
