/* SPDX-License-Identifier: ISC */
/*
 * mtaout.c - strict readers of `doveadm -f tab quota get -A` and
 * `postqueue -j` (see mtaout.h).  Dovecot's tab format is used rather than
 * flow (whose "Quota name=User quota" has a key and a value with spaces,
 * and whose username comes without a key under -A) or json (a single
 * array of every row, held whole in memory twice): a fixed header, then
 * rows of exactly six tab-separated fields.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "mtaout.h"
#include "utf8.h"

#define QUOTA_HEADER	"Username\tQuota name\tType\tValue\tLimit\t%"
#define QUOTA_FIELDS	6
#define NUM_DIGITS_MAX	18	/* below INT64_MAX / 1024 */
#define QUEUE_LINE_MAX	(1 << 20)

/* The line starting at *pos (without its '\n'); 0 at the end. */
static int
next_line(const char *text, size_t len, size_t *pos, const char **line,
	  size_t *line_len)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*line_len = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += *line_len + (nl != NULL);
	return 1;
}

/* Splits s[0..n) at tabs into exactly want fields. */
static int
split_tabs(const char *s, size_t n, const char **f, size_t *flen, int want)
{
	int k = 0;
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '\t')
			continue;
		if (k == want)
			return -1;
		f[k] = s + start;
		flen[k++] = i - start;
		start = i + 1;
	}
	return k == want ? 0 : -1;
}

static int
decimal(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;

	if (n == 0 || n > NUM_DIGITS_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* A user name as Dovecot prints it: UTF-8, nothing blank or control. */
static int
user_ok(const char *s, size_t n)
{
	if (n == 0 || n > 1024 || !utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
same(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && memcmp(a, b, an) == 0;
}

/* The user being read: which of its two rows were seen. */
struct quota_state {
	struct mtaout_mailbox m;
	int have_storage, have_messages;
	const char *root;	/* the quota root's name, from the first row */
	size_t root_len;
};

/* Hands the user read so far to fn; both rows must have been seen. */
static int
flush_user(struct quota_state *st, mtaout_mailbox_fn fn, void *ctx,
	   size_t lineno, struct hk_err *err)
{
	if (st->m.user == NULL)
		return 0;
	if (!st->have_storage || !st->have_messages)
		return hk_fail(err, HK_EPROTO, "doveadm", "doveadm quota line "
			       "%zu: %.*s has no %s row", lineno,
			       (int)(st->m.user_len > 200 ? 200 : st->m.user_len),
			       st->m.user, st->have_storage ? "MESSAGE" :
			       "STORAGE");
	if (fn(ctx, &st->m, err) < 0)
		return -1;
	memset(&st->m, 0, sizeof(st->m));
	st->have_storage = st->have_messages = 0;
	return 0;
}

/* One row: f[0] user, f[1] quota name, f[2] type, f[3] value. */
static int
quota_row(struct quota_state *st, const char **f, size_t *fl,
	  mtaout_mailbox_fn fn, void *ctx, size_t lineno, struct hk_err *err)
{
	int64_t v;
	int storage = same(f[2], fl[2], "STORAGE", 7);

	if (!user_ok(f[0], fl[0]) || decimal(f[3], fl[3], &v) < 0 ||
	    (!storage && !same(f[2], fl[2], "MESSAGE", 7)))
		return hk_fail(err, HK_EPROTO, "doveadm", "doveadm quota line "
			       "%zu: bad user, type or value", lineno);
	if (st->root == NULL) {
		st->root = f[1];
		st->root_len = fl[1];
	} else if (!same(f[1], fl[1], st->root, st->root_len)) {
		return hk_fail(err, HK_EPROTO, "doveadm", "doveadm quota line "
			       "%zu: a second quota root", lineno);
	}
	if (st->m.user != NULL && !same(f[0], fl[0], st->m.user, st->m.user_len)
	    && flush_user(st, fn, ctx, lineno, err) < 0)
		return -1;
	if (storage ? st->have_storage : st->have_messages)
		return hk_fail(err, HK_EPROTO, "doveadm", "doveadm quota line "
			       "%zu: %s twice for one user", lineno,
			       storage ? "STORAGE" : "MESSAGE");
	st->m.user = f[0];
	st->m.user_len = fl[0];
	if (storage) {
		st->m.bytes = v * 1024;
		st->have_storage = 1;
	} else {
		st->m.messages = v;
		st->have_messages = 1;
	}
	return 0;
}

int
mtaout_quota_tab(const char *text, size_t len, mtaout_mailbox_fn fn,
		 void *ctx, struct hk_err *err)
{
	struct quota_state st;
	const char *line, *f[QUOTA_FIELDS];
	size_t pos = 0, n, fl[QUOTA_FIELDS], lineno = 1;

	memset(&st, 0, sizeof(st));
	if (!next_line(text, len, &pos, &line, &n))
		return 0;
	if (!same(line, n, QUOTA_HEADER, strlen(QUOTA_HEADER)))
		return hk_fail(err, HK_EPROTO, "doveadm", "doveadm quota: not "
			       "the tab header of `quota get`");
	while (next_line(text, len, &pos, &line, &n)) {
		lineno++;
		if (split_tabs(line, n, f, fl, QUOTA_FIELDS) < 0)
			return hk_fail(err, HK_EPROTO, "doveadm", "doveadm "
				       "quota line %zu: not %d fields", lineno,
				       QUOTA_FIELDS);
		if (quota_row(&st, f, fl, fn, ctx, lineno, err) < 0)
			return -1;
	}
	return flush_user(&st, fn, ctx, lineno, err);
}

/* The counter of a queue as postqueue -j names it, or NULL. */
static int64_t *
queue_counter(struct mtaout_queue *q, const char *name)
{
	if (strcmp(name, "active") == 0)
		return &q->active;
	if (strcmp(name, "deferred") == 0)
		return &q->deferred;
	if (strcmp(name, "hold") == 0)
		return &q->hold;
	if (strcmp(name, "incoming") == 0 || strcmp(name, "maildrop") == 0)
		return &q->incoming;
	return NULL;
}

static int
queue_line(struct mtaout_queue *q, const char *line, size_t n, size_t lineno,
	   struct hk_err *err)
{
	json_t *o = json_loadb(line, n, JSON_REJECT_DUPLICATES, NULL);
	json_t *name = json_object_get(o, "queue_name");
	json_t *at = json_object_get(o, "arrival_time");
	int64_t *counter = json_is_string(name) ?
	    queue_counter(q, json_string_value(name)) : NULL;
	int rc = 0;

	if (!json_is_object(o) || counter == NULL || !json_is_integer(at) ||
	    json_integer_value(at) < 0) {
		rc = hk_fail(err, HK_EPROTO, "postqueue", "postqueue -j line "
			     "%zu: not a message of a known queue", lineno);
	} else {
		(*counter)++;
		if (counter == &q->deferred &&
		    json_integer_value(at) < q->oldest_deferred_at)
			q->oldest_deferred_at = json_integer_value(at);
	}
	json_decref(o);
	return rc;
}

int
mtaout_postqueue(const char *text, size_t len, struct mtaout_queue *q,
		 struct hk_err *err)
{
	const char *line;
	size_t pos = 0, n, lineno = 0;

	memset(q, 0, sizeof(*q));
	q->oldest_deferred_at = INT64_MAX;
	while (next_line(text, len, &pos, &line, &n)) {
		lineno++;
		if (n > QUEUE_LINE_MAX)
			return hk_fail(err, HK_EPROTO, "postqueue", "postqueue "
				       "-j line %zu: longer than %d bytes",
				       lineno, QUEUE_LINE_MAX);
		if (queue_line(q, line, n, lineno, err) < 0)
			return -1;
	}
	return 0;
}

/* One "key\nvalue\n" pair of a dict file, at *pos. */
static int
clone_pair(const char *text, size_t len, size_t *pos, const char **key,
	   size_t *key_len, const char **val, size_t *val_len)
{
	if (!next_line(text, len, pos, key, key_len))
		return 0;
	if (!next_line(text, len, pos, val, val_len))
		return -1;
	return 1;
}

int
mtaout_quota_clone(const char *text, size_t len, int64_t *bytes,
		   int64_t *messages, struct hk_err *err)
{
	static const char kb[] = "priv/quota/storage";
	static const char km[] = "priv/quota/messages";
	const char *key, *val;
	size_t pos = 0, key_len, val_len;
	int have_b = 0, have_m = 0, rc;

	while ((rc = clone_pair(text, len, &pos, &key, &key_len, &val,
				&val_len)) > 0) {
		int64_t *to = same(key, key_len, kb, sizeof(kb) - 1) ? bytes :
		    same(key, key_len, km, sizeof(km) - 1) ? messages : NULL;
		int *seen = to == bytes ? &have_b : &have_m;

		if (to == NULL)		/* a key of another plugin's */
			continue;
		if (*seen || decimal(val, val_len, to) < 0)
			return hk_fail(err, HK_EPROTO, "usage", "quota clone "
				       "file: %s %s", *seen ? "a second" :
				       "a bad value of", to == bytes ? kb : km);
		*seen = 1;
	}
	if (rc < 0)
		return hk_fail(err, HK_EPROTO, "usage", "quota clone file: "
			       "a key without a value");
	if (!have_b || !have_m)
		return hk_fail(err, HK_EPROTO, "usage", "quota clone file: "
			       "no %s", have_b ? km : kb);
	return 0;
}
