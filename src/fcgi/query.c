/* SPDX-License-Identifier: ISC */
/*
 * query.c - strict parsing of a request's query string.  See query.h.
 */
#include "config.h"

#include <string.h>

#include "digest.h"
#include "http.h"
#include "query.h"
#include "validate.h"

#define KEY_MAX	32

/* A key we could name in an error: [a-z_], 1..KEY_MAX.  Anything else is
 * not echoed back (it may not even be UTF-8). */
static int
key_ok(const char *s, size_t n)
{
	if (n == 0 || n > KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return 0;
	return 1;
}

static int
known_index(const struct query *q, const char *key)
{
	for (int i = 0; q->known[i] != NULL; i++)
		if (strcmp(q->known[i], key) == 0)
			return i;
	return -1;
}

/* Decodes src[0..n) into out[QUERY_VALUE_MAX + 1]. */
static int
decode_value(const char *src, size_t n, char *out, const char *key,
	     struct hk_err *err)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)src[i];

		if (c == '%') {
			int hi = i + 2 < n ? hex_value(src[i + 1]) : -1;
			int lo = i + 2 < n ? hex_value(src[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return hk_failr(err, HK_EINVAL, key,
						HK_R_bad_percent_escape, NULL);
			c = hi * 16 + lo;
			i += 2;
		}
		if (o == QUERY_VALUE_MAX)
			return hk_failr(err, HK_EINVAL, key,
					HK_R_longer_than_octets, "max",
					HK_NUM(QUERY_VALUE_MAX), NULL);
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (o == 0)
		return hk_failr(err, HK_EINVAL, key, HK_R_needs_value, NULL);
	/* Also refuses an encoded NUL: it is a control character. */
	if (!validate_utf8_text(out, o))
		return hk_failr(err, HK_EINVAL, key, HK_R_query_text, NULL);
	return 0;
}

/* One "key=value" of s[0..n). */
static int
parse_pair(struct query *q, const char *s, size_t n, struct hk_err *err)
{
	const char *eq = memchr(s, '=', n);
	size_t klen = eq ? (size_t)(eq - s) : n;
	char key[KEY_MAX + 1];
	int k;

	if (n == 0)
		return hk_failr(err, HK_EINVAL, "query", HK_R_query_empty,
				NULL);
	if (!key_ok(s, klen))
		return hk_failr(err, HK_EINVAL, "query", HK_R_query_name, NULL);
	memcpy(key, s, klen);
	key[klen] = '\0';
	if ((k = known_index(q, key)) < 0)
		return hk_failr(err, HK_EINVAL, key, HK_R_unknown_parameter,
				NULL);
	if (q->val[k] != NULL)
		return hk_failr(err, HK_EINVAL, key, HK_R_parameter_twice,
				NULL);
	if (eq == NULL)
		return hk_failr(err, HK_EINVAL, key, HK_R_needs_value, NULL);
	if (decode_value(eq + 1, n - klen - 1, q->buf[k], key, err) < 0)
		return -1;
	q->val[k] = q->buf[k];
	return 0;
}

int
query_parse(const char *uri, const char *const *known, struct query *q,
	    struct hk_err *err)
{
	const char *p = uri ? strchr(uri, '?') : NULL, *end;
	size_t nk = 0;

	memset(q->val, 0, sizeof(q->val));
	q->known = known;
	while (known[nk] != NULL)
		nk++;
	if (nk > QUERY_MAX_KEYS)
		return hk_fail(err, HK_EINTERNAL, NULL, "too many query keys");
	if (p == NULL)
		return 0;
	p++;
	end = p + strcspn(p, "#");
	if (p == end)
		return 0;		/* a bare '?' */
	for (;;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		size_t n = amp ? (size_t)(amp - p) : (size_t)(end - p);

		if (parse_pair(q, p, n, err) < 0)
			return -1;
		if (amp == NULL)
			return 0;
		p = amp + 1;
	}
}

const char *
query_get(const struct query *q, const char *key)
{
	int k = known_index(q, key);

	return k < 0 ? NULL : q->val[k];
}

int
query_int64(const struct query *q, const char *key, int64_t min, int64_t max,
	    int64_t dflt, int64_t *out, struct hk_err *err)
{
	const char *v = query_get(q, key);
	int64_t n = 0;

	*out = dflt;
	if (v == NULL)
		return 0;
	/* Digits only: no sign, space, hex or exponent; stop before n could
	 * overflow (max is at most INT64_MAX / 10 in practice). */
	for (const char *s = v; *s; s++) {
		if (*s < '0' || *s > '9' || n > max)
			return hk_failr(err, HK_EINVAL, key, HK_R_integer_range,
					"min", HK_NUM(min), "max", HK_NUM(max),
					NULL);
		n = n * 10 + (*s - '0');
	}
	if (n < min || n > max)
		return hk_failr(err, HK_EINVAL, key, HK_R_integer_range, "min",
				HK_NUM(min), "max", HK_NUM(max), NULL);
	*out = n;
	return 0;
}

int
query_int(const struct query *q, const char *key, int min, int max,
	  int dflt, int *out, struct hk_err *err)
{
	int64_t n;

	if (query_int64(q, key, min, max, dflt, &n, err) < 0)
		return -1;
	*out = (int)n;
	return 0;
}

int
query_bool(const struct query *q, const char *key, int dflt, int *out,
	   struct hk_err *err)
{
	const char *v = query_get(q, key);

	*out = dflt;
	if (v == NULL)
		return 0;
	if (strcmp(v, "true") == 0)
		*out = 1;
	else if (strcmp(v, "false") == 0)
		*out = 0;
	else
		return hk_failr(err, HK_EINVAL, key, HK_R_true_or_false, NULL);
	return 0;
}
