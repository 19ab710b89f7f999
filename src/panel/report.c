/* SPDX-License-Identifier: ISC */
/*
 * report.c - a guest's report checked and read into struct guest_report
 * (see report.h for every bound).  Nothing here trusts the guest: each
 * member is looked up, typed and bounded before it is copied, and the
 * first fault refuses the whole report, naming its JSON path.
 *
 * A report may list 100,000 mailboxes and more, so their checks are
 * cheap: the address's grammar first (mapsyntax.h, pure ASCII), its
 * domain through validate_domain() (libidn2, UTS#39) once per run of the
 * same domain, and duplicates found through an open-addressing table of
 * FNV-1a hashes rather than by sorting (which would lose the index to
 * name).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "mapsyntax.h"
#include "report.h"
#include "validate.h"

#define PATH_MAX_LEN	64	/* err->field's size */

static int
fail_missing(const char *path, struct hk_err *err)
{
	return hk_failr(err, HK_EINVAL, path, HK_R_report_missing, NULL);
}

static int
fail_type(const char *path, const char *type, struct hk_err *err)
{
	return hk_failr(err, HK_EINVAL, path, HK_R_report_type, "type", type,
			NULL);
}

static int
fail_range(const char *path, const char *value, int64_t cap,
	   struct hk_err *err)
{
	return hk_failr(err, HK_EINVAL, path, HK_R_report_range, "value",
			value, "max", HK_NUM(cap - 1), NULL);
}

/* parent.key into path[PATH_MAX_LEN]. */
static const char *
join(char *path, const char *parent, const char *key)
{
	snprintf(path, PATH_MAX_LEN, "%s.%s", parent, key);
	return path;
}

/* The member key of obj, of JSON type type (a word for the refusal). */
static const json_t *
member(const json_t *obj, const char *parent, const char *key,
       json_type type, const char *type_word, struct hk_err *err)
{
	char path[PATH_MAX_LEN];
	const json_t *v = json_object_get(obj, key);

	join(path, parent, key);
	if (v == NULL) {
		fail_missing(path, err);
		return NULL;
	}
	if (json_typeof(v) != type) {
		fail_type(path, type_word, err);
		return NULL;
	}
	return v;
}

/* An integer v at path, 0 <= v < cap. */
static int
integer(const json_t *v, const char *path, int64_t cap, int64_t *out,
	struct hk_err *err)
{
	json_int_t n;

	if (!json_is_integer(v))
		return fail_type(path, "integer", err);
	n = json_integer_value(v);
	if (n < 0 || n >= cap)
		return fail_range(path, HK_NUM(n), cap, err);
	*out = (int64_t)n;
	return 0;
}

/* The integer member key of obj (null too when null_ok: *out -1). */
static int
int_member(const json_t *obj, const char *parent, const char *key,
	   int64_t cap, int null_ok, int64_t *out, struct hk_err *err)
{
	char path[PATH_MAX_LEN];
	const json_t *v = json_object_get(obj, key);

	join(path, parent, key);
	if (v == NULL)
		return fail_missing(path, err);
	if (null_ok && json_is_null(v)) {
		*out = -1;
		return 0;
	}
	if (!json_is_integer(v))
		return fail_type(path, null_ok ? "integer or null" : "integer",
				 err);
	return integer(v, path, cap, out, err);
}

/* used <= total and used + free <= total (both below 2^60: no overflow). */
static int
within_total(const char *parent, const char *what, int64_t total,
	     int64_t used, int64_t free_, struct hk_err *err)
{
	char path[PATH_MAX_LEN], key[32];

	if (used > total) {
		snprintf(key, sizeof(key), "%s_used", what);
		return hk_failr(err, HK_EINVAL, join(path, parent, key),
				HK_R_report_over_total, "value", HK_NUM(used),
				"total", HK_NUM(total), NULL);
	}
	if (free_ > total - used) {
		snprintf(key, sizeof(key), "%s_free", what);
		return hk_failr(err, HK_EINVAL, join(path, parent, key),
				HK_R_report_used_free, "used", HK_NUM(used),
				"free", HK_NUM(free_), "total", HK_NUM(total),
				NULL);
	}
	return 0;
}

static int
read_fs(const json_t *report, struct guest_report *r, struct hk_err *err)
{
	const char *p = "report.fs";
	const json_t *fs = member(report, "report", "fs", JSON_OBJECT,
				  "object", err);

	if (fs == NULL ||
	    member(fs, p, "root", JSON_STRING, "string", err) == NULL ||
	    int_member(fs, p, "bytes_total", REPORT_BYTES_CAP, 0,
		       &r->fs_bytes_total, err) < 0 ||
	    int_member(fs, p, "bytes_used", REPORT_BYTES_CAP, 0,
		       &r->fs_bytes_used, err) < 0 ||
	    int_member(fs, p, "bytes_free", REPORT_BYTES_CAP, 0,
		       &r->fs_bytes_free, err) < 0 ||
	    int_member(fs, p, "inodes_total", REPORT_COUNT_CAP, 0,
		       &r->fs_inodes_total, err) < 0 ||
	    int_member(fs, p, "inodes_used", REPORT_COUNT_CAP, 0,
		       &r->fs_inodes_used, err) < 0 ||
	    int_member(fs, p, "inodes_free", REPORT_COUNT_CAP, 0,
		       &r->fs_inodes_free, err) < 0)
		return -1;
	if (within_total(p, "bytes", r->fs_bytes_total, r->fs_bytes_used,
			 r->fs_bytes_free, err) < 0)
		return -1;
	return within_total(p, "inodes", r->fs_inodes_total,
			    r->fs_inodes_used, r->fs_inodes_free, err);
}

static int
read_queue(const json_t *report, struct guest_report *r, struct hk_err *err)
{
	const char *p = "report.queue";
	const json_t *q = member(report, "report", "queue", JSON_OBJECT,
				 "object", err);

	if (q == NULL ||
	    int_member(q, p, "active", REPORT_COUNT_CAP, 0, &r->q_active,
		       err) < 0 ||
	    int_member(q, p, "deferred", REPORT_COUNT_CAP, 0, &r->q_deferred,
		       err) < 0 ||
	    int_member(q, p, "hold", REPORT_COUNT_CAP, 0, &r->q_hold,
		       err) < 0 ||
	    int_member(q, p, "incoming", REPORT_COUNT_CAP, 0, &r->q_incoming,
		       err) < 0)
		return -1;
	return int_member(q, p, "oldest_deferred_s", REPORT_COUNT_CAP, 1,
			  &r->q_oldest_deferred_s, err);
}

/* A version string: 0..REPORT_VERSION_MAX printable ASCII characters. */
static int
version(const json_t *versions, const char *key, char out[64],
	struct hk_err *err)
{
	char path[PATH_MAX_LEN];
	const json_t *v = member(versions, "report.versions", key,
				 JSON_STRING, "string", err);
	const char *s;
	size_t n;

	if (v == NULL)
		return -1;
	s = json_string_value(v);
	n = json_string_length(v);
	for (size_t i = 0; i < n && n <= REPORT_VERSION_MAX; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			n = SIZE_MAX;	/* not printable ASCII */
	if (n > REPORT_VERSION_MAX)
		return hk_failr(err, HK_EINVAL,
				join(path, "report.versions", key),
				HK_R_report_version, "max",
				HK_NUM(REPORT_VERSION_MAX), NULL);
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int
read_host(const json_t *report, struct guest_report *r, struct hk_err *err)
{
	const json_t *load, *versions;
	char path[PATH_MAX_LEN], num[32];

	if (int_member(report, "report", "at", REPORT_COUNT_CAP, 0,
		       &r->guest_at, err) < 0 ||
	    int_member(report, "report", "uptime_s", REPORT_COUNT_CAP, 0,
		       &r->uptime_s, err) < 0)
		return -1;
	if ((load = member(report, "report", "load", JSON_ARRAY, "array",
			   err)) == NULL)
		return -1;
	if (json_array_size(load) != 3)
		return fail_type("report.load", "array of 3 numbers", err);
	for (size_t i = 0; i < 3; i++) {
		const json_t *v = json_array_get(load, i);
		double x = json_number_value(v);

		snprintf(path, sizeof(path), "report.load[%zu]", i);
		if (!json_is_number(v))
			return fail_type(path, "number", err);
		if (!(x >= 0 && x < REPORT_LOAD_CAP)) {	/* NaN too */
			snprintf(num, sizeof(num), "%g", x);
			return fail_range(path, num, (int64_t)REPORT_LOAD_CAP,
					  err);
		}
		r->load[i] = x;
	}
	if ((versions = member(report, "report", "versions", JSON_OBJECT,
			       "object", err)) == NULL)
		return -1;
	if (version(versions, "postfix", r->postfix_version, err) < 0)
		return -1;
	return version(versions, "dovecot", r->dovecot_version, err);
}

/* --- the index of a report's addresses (report.h) --- */

int
report_index_init(struct report_index *x, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	x->mask = cap - 1;
	return (x->slot = calloc(cap, sizeof(*x->slot))) ? 0 : -1;
}

void
report_index_free(struct report_index *x)
{
	free(x->slot);
	x->slot = NULL;
}

long
report_index_add(struct report_index *x, const struct guest_report *r,
		 size_t i)
{
	const char *a = r->mailboxes[i].address;
	size_t h = (size_t)fnv1a(FNV1A_START, a) & x->mask;

	for (; x->slot[h] != 0; h = (h + 1) & x->mask)
		if (strcmp(r->mailboxes[x->slot[h] - 1].address, a) == 0)
			return (long)x->slot[h] - 1;
	x->slot[h] = (uint32_t)i + 1;
	return -1;
}

long
report_index_find(const struct report_index *x, const struct guest_report *r,
		  const char *local, const char *domain)
{
	size_t len = strlen(local);
	size_t h = (size_t)fnv1a(fnv1a(fnv1a(FNV1A_START, local), "@"),
				 domain) & x->mask;

	for (; x->slot[h] != 0; h = (h + 1) & x->mask) {
		const char *a = r->mailboxes[x->slot[h] - 1].address;

		if (strncmp(a, local, len) == 0 && a[len] == '@' &&
		    strcmp(a + len + 1, domain) == 0)
			return (long)x->slot[h] - 1;
	}
	return -1;
}

/* --- the mailboxes --- */

/* In the canonical form the panel stores: the grammar of a map's
 * address, and its domain as validate_domain() gives it (checked once
 * for a run of addresses in the same domain, in last_domain). */
static int
canonical_address(const char *s, size_t n, char *last_domain)
{
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *at;
	struct hk_err e;

	if (strlen(s) != n || !mapsyntax_address(s, n))
		return 0;
	at = strchr(s, '@') + 1;
	if (strcmp(at, last_domain) == 0)
		return 1;
	if (validate_domain(at, "domain", domain, &e) < 0 ||
	    strcmp(domain, at) != 0)
		return 0;
	snprintf(last_domain, MAPSYNTAX_DOMAIN_MAX + 1, "%s", at);
	return 1;
}

/* Entry i, [address, bytes, messages], into r->mailboxes[i]. */
static int
read_mailbox(const json_t *e, size_t i, struct guest_report *r,
	     char *last_domain, struct hk_err *err)
{
	struct report_mailbox *m = &r->mailboxes[i];
	char path[PATH_MAX_LEN];
	const json_t *a = json_array_get(e, 0);

	snprintf(path, sizeof(path), "report.mailboxes[%zu]", i);
	if (!json_is_array(e) || json_array_size(e) != 3)
		return fail_type(path, "[address, bytes, messages]", err);
	snprintf(path, sizeof(path), "report.mailboxes[%zu][0]", i);
	if (!json_is_string(a))
		return fail_type(path, "string", err);
	if (!canonical_address(json_string_value(a), json_string_length(a),
			       last_domain))
		return hk_failr(err, HK_EINVAL, path, HK_R_report_address,
				NULL);
	snprintf(path, sizeof(path), "report.mailboxes[%zu][1]", i);
	if (integer(json_array_get(e, 1), path, REPORT_BYTES_CAP,
		    &m->used_bytes, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "report.mailboxes[%zu][2]", i);
	if (integer(json_array_get(e, 2), path, REPORT_COUNT_CAP,
		    &m->messages, err) < 0)
		return -1;
	if (m->used_bytes >= REPORT_SUM_CAP - r->mailbox_bytes)
		return hk_failr(err, HK_EINVAL, "report.mailboxes",
				HK_R_report_sum_range, "max",
				HK_NUM(REPORT_SUM_CAP - 1), NULL);
	if ((m->address = strdup(json_string_value(a))) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	r->mailbox_bytes += m->used_bytes;
	r->mailbox_messages += m->messages;	/* < 2^20 * 2^40 */
	return 0;
}

static int
read_mailboxes(const json_t *report, struct guest_report *r,
	       struct hk_err *err)
{
	char last_domain[MAPSYNTAX_DOMAIN_MAX + 1] = "", path[PATH_MAX_LEN];
	const json_t *list = member(report, "report", "mailboxes", JSON_ARRAY,
				    "array", err);
	struct report_index seen;
	size_t n;
	long dup;
	int rc = 0;

	if (list == NULL)
		return -1;
	if ((n = json_array_size(list)) > REPORT_MAX_MAILBOXES)
		return hk_failr(err, HK_EINVAL, "report.mailboxes",
				HK_R_report_too_many, "max",
				HK_NUM(REPORT_MAX_MAILBOXES), NULL);
	if ((r->mailboxes = calloc(n ? n : 1, sizeof(*r->mailboxes))) == NULL ||
	    report_index_init(&seen, n) < 0)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = read_mailbox(json_array_get(list, i), i, r, last_domain,
				  err);
		r->n_mailboxes = i + (rc == 0);	/* what report_free frees */
		if (rc == 0 && (dup = report_index_add(&seen, r, i)) >= 0) {
			snprintf(path, sizeof(path), "report.mailboxes[%zu][0]",
				 i);
			rc = hk_failr(err, HK_EINVAL, path,
				      HK_R_report_address_twice, "address",
				      r->mailboxes[i].address, NULL);
		}
	}
	report_index_free(&seen);
	return rc;
}

int
report_from_json(const json_t *report, struct guest_report *r,
		 struct hk_err *err)
{
	memset(r, 0, sizeof(*r));
	if (!json_is_object(report))
		return fail_type("report", "object", err);
	if (read_host(report, r, err) < 0 || read_fs(report, r, err) < 0 ||
	    read_queue(report, r, err) < 0 ||
	    read_mailboxes(report, r, err) < 0) {
		report_free(r);
		return -1;
	}
	return 0;
}

void
report_free(struct guest_report *r)
{
	for (size_t i = 0; i < r->n_mailboxes; i++)
		free(r->mailboxes[i].address);
	free(r->mailboxes);
	memset(r, 0, sizeof(*r));
}
