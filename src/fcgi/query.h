/* SPDX-License-Identifier: ISC */
/*
 * query.h - the query string of a GET request ("?limit=100&cursor=x"),
 * held to the same standard as a request body: only the keys the handler
 * names, each at most once and with a value, every value percent-decoded
 * into UTF-8 without control characters.  A bad query fails HK_EINVAL with
 * the key as the field ("query" when there is no sensible key to name).
 *
 * '+' stands for itself, not for a space: local parts may hold '+' and no
 * value here may hold a space.
 */
#ifndef HK_QUERY_H
#define HK_QUERY_H

#include <stdint.h>

#include "err.h"

#define QUERY_MAX_KEYS	8
#define QUERY_VALUE_MAX	320	/* decoded octets: an address and more */

struct query {
	const char *const *known;	/* NULL-terminated */
	const char *val[QUERY_MAX_KEYS];	/* per known key; NULL: absent */
	char buf[QUERY_MAX_KEYS][QUERY_VALUE_MAX + 1];
};

/* Parses the query of uri (after '?', up to '#'), allowing the keys of
 * known[] (at most QUERY_MAX_KEYS; an empty list allows no query). */
int query_parse(const char *uri, const char *const *known, struct query *q,
		struct hk_err *err);

/* The decoded value of key, or NULL if it was not given. */
const char *query_get(const struct query *q, const char *key);

/* key as a decimal integer in min..max; dflt when absent. */
int query_int(const struct query *q, const char *key, int min, int max,
	      int dflt, int *out, struct hk_err *err);
int query_int64(const struct query *q, const char *key, int64_t min,
		int64_t max, int64_t dflt, int64_t *out, struct hk_err *err);

/* key as "true" (1) or "false" (0); dflt when absent. */
int query_bool(const struct query *q, const char *key, int dflt, int *out,
	       struct hk_err *err);

#endif
