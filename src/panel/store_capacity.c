/* SPDX-License-Identifier: ISC */
/*
 * store_capacity.c - a guest's capacity as GET /guests/{guest}/capacity
 * shows it: the latest figures, days to full from the series (fitted by
 * capacity.c), its warnings, and the series itself.  See store.h.
 *
 * Every read of the series names the whole primary key (guest_id, step,
 * at): "step IN (0, 3600)" lets both backends walk the index for each
 * step rather than scan the guest's rows.  The fitted lines and the
 * warnings come from store_warn.c, which raises warnings from the same.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "store.h"
#include "store_report.h"

/* x rounded to a hundredth (per 100: percentages) or a tenth (per 10:
 * days); divided, for 3 * 0.1 is 0.30000000000000004. */
static json_t *
rounded(double x, int per)
{
	double r = x * per + (x < 0 ? -0.5 : 0.5);

	return json_real((double)(int64_t)r / per);
}

/* The member of the report, or null when there is none. */
static json_t *
fig(json_t *rep, const char *key)
{
	json_t *v = rep ? json_object_get(rep, key) : NULL;

	return v ? json_incref(v) : json_null();
}

/* A REAL column arrives as text: a JSON number (null stays null). */
static void
real_member(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	if (s != NULL)
		json_object_set_new(obj, key, json_real(strtod(s, NULL)));
}

static json_t *
days_json(const struct capacity_line *l, double limit, int have_limit,
	  const char *days_key)
{
	double days = 0;
	enum capacity_trend t = have_limit ? capacity_days(l, limit, &days)
					   : CAPACITY_NOT_ENOUGH_DATA;

	return json_pack("{s:o, s:s}", days_key, t == CAPACITY_OK ?
			 rounded(days, 10) : json_null(), "trend",
			 capacity_trend_name(t));
}

static json_t *
disk_json(json_t *rep, const struct capacity_line *line)
{
	int64_t used = json_integer_value(json_object_get(rep,
							  "fs_bytes_used"));
	int64_t avail = used + json_integer_value(json_object_get(rep,
							  "fs_bytes_free"));
	json_t *d = days_json(line, (double)avail, rep != NULL && avail > 0,
			      "days_to_full");

	json_object_set_new(d, "percent", rep && avail > 0 ?
			    rounded(100.0 * (double)used / (double)avail,
				    100) : json_null());
	json_object_set_new(d, "bytes_total", fig(rep, "fs_bytes_total"));
	json_object_set_new(d, "bytes_used", fig(rep, "fs_bytes_used"));
	json_object_set_new(d, "bytes_free", fig(rep, "fs_bytes_free"));
	json_object_set_new(d, "inodes_total", fig(rep, "fs_inodes_total"));
	json_object_set_new(d, "inodes_used", fig(rep, "fs_inodes_used"));
	json_object_set_new(d, "inodes_free", fig(rep, "fs_inodes_free"));
	return d;
}

/* The figures of the report (null before any). */
static void
report_json(json_t *out, json_t *rep, int64_t now)
{
	json_t *at = fig(rep, "at");

	json_object_set_new(out, "report_at", at);
	json_object_set_new(out, "age_s", json_is_integer(at) ?
			    json_integer(now - json_integer_value(at)) :
			    json_null());
	json_object_set_new(out, "queue", json_pack("{s:o, s:o, s:o, s:o, "
		"s:o}", "active", fig(rep, "q_active"), "deferred",
		fig(rep, "q_deferred"), "hold", fig(rep, "q_hold"), "incoming",
		fig(rep, "q_incoming"), "oldest_deferred_s",
		fig(rep, "q_oldest_deferred_s")));
	json_object_set_new(out, "mailboxes", json_pack("{s:o, s:o, s:o}",
		"count", fig(rep, "mailboxes"), "bytes",
		fig(rep, "mailbox_bytes"), "messages",
		fig(rep, "mailbox_messages")));
	json_object_set_new(out, "load", rep ? json_pack("[o, o, o]",
		fig(rep, "load1"), fig(rep, "load5"), fig(rep, "load15")) :
		json_null());
	json_object_set_new(out, "uptime_s", fig(rep, "uptime_s"));
	json_object_set_new(out, "versions", json_pack("{s:o, s:o}",
		"postfix", fig(rep, "postfix_version"), "dovecot",
		fig(rep, "dovecot_version")));
}

#define REPORT_COLS \
	"at, uptime_s, load1, load5, load15, postfix_version, " \
	"dovecot_version, fs_bytes_total, fs_bytes_used, fs_bytes_free, " \
	"fs_inodes_total, fs_inodes_used, fs_inodes_free, q_active, " \
	"q_deferred, q_hold, q_incoming, q_oldest_deferred_s, mailboxes, " \
	"mailbox_bytes, mailbox_messages"

/* *rep: the guest's latest report, or NULL when it never reported. */
static int
report_get(struct db *db, int64_t guest_id, json_t **rep, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };

	*rep = NULL;
	if (db_query_object(db, "SELECT " REPORT_COLS " FROM guest_report "
			    "WHERE guest_id = $1", p, 1, rep, err) < 0) {
		if (err->code != HK_ENOTFOUND)
			return -1;
		hk_err_clear(err);
		return 0;
	}
	real_member(*rep, "load1");
	real_member(*rep, "load5");
	real_member(*rep, "load15");
	return 0;
}

/* "project_storage": the limit against the sum of the guests' latest
 * mailbox_bytes (guest_find's reported and reported_bytes). */
static json_t *
project_json(json_t *g, const struct capacity_line *line)
{
	int64_t limit = json_integer_value(json_object_get(g,
						   "max_storage_bytes"));
	int reported = json_integer_value(json_object_get(g, "reported")) > 0;
	json_t *out = days_json(line, (double)limit, limit > 0 && reported,
				"days_to_limit");

	json_object_set_new(out, "limit_bytes", limit > 0 ?
			    json_integer(limit) : json_null());
	json_object_set_new(out, "used_bytes", reported ? json_integer(
		json_integer_value(json_object_get(g, "reported_bytes"))) :
		json_null());
	return out;
}

/* The series as it is read: its points as JSON text, and the guest's own
 * samples of the fitted window when the series holds the whole window
 * (the panel asks for the last 30 days as stored), so that the fit need
 * not read them again. */
struct series_read {
	struct strbuf *text;
	struct capacity_samples *own;	/* NULL: the fit reads its own */
	int64_t after;			/* own: the samples after this */
	int rows;
};

/* A point of the series: [at, used, total, deferred, mailbox bytes,
 * load1]. */
static int
series_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct series_read *s = ctx;
	int64_t at;

	if ((s->rows++ > 0 && strbuf_append(s->text, ",", 1) < 0) ||
	    db_row_numbers(row, s->text) < 0)
		return hk_failr(err, HK_ETOOBIG, NULL, HK_R_answer_too_large,
				NULL);
	if (s->own == NULL || (at = strtoll(row->vals[0], NULL, 10)) <=
	    s->after)
		return 0;
	/* integers: strtoll is the same double as strtod, and quicker */
	return capacity_samples_add(s->own, at,
				    (double)strtoll(row->vals[1], NULL, 10),
				    (double)strtoll(row->vals[4], NULL, 10),
				    err);
}

static int
series_rows(struct db *db, int64_t guest_id, int64_t since, int64_t step,
	    int64_t now, struct series_read *s, struct hk_err *err)
{
	struct db_param p[4] = { DB_INTV(guest_id), DB_INTV(since),
				 DB_INTV(now), DB_INTV(step) };

	if (step == 0)
		return db_query(db, "SELECT at, fs_bytes_used, fs_bytes_total, "
				"q_deferred, mailbox_bytes, load1 FROM "
				"guest_sample WHERE guest_id = $1 AND step IN "
				"(0, 3600) AND at >= $2 AND at <= $3 ORDER BY "
				"at, step", p, 3, series_row, s, NULL, err);
	return db_query(db, "SELECT at - at % $4 AS b, CAST(ROUND(AVG("
			"fs_bytes_used)) AS BIGINT), CAST(ROUND(AVG("
			"fs_bytes_total)) AS BIGINT), CAST(ROUND(AVG("
			"q_deferred)) AS BIGINT), CAST(ROUND(AVG(mailbox_bytes"
			")) AS BIGINT), AVG(load1) FROM guest_sample WHERE "
			"guest_id = $1 AND step IN (0, 3600) AND at >= $2 AND "
			"at <= $3 GROUP BY b ORDER BY b", p, 4, series_row, s,
			NULL, err);
}

/* The points, as a JSON array. */
static int
series_read(struct db *db, int64_t guest_id, int64_t since, int64_t step,
	    int64_t now, struct series_read *s, struct hk_err *err)
{
	if (strbuf_append(s->text, "[", 1) < 0)
		return hk_failr(err, HK_ETOOBIG, NULL, HK_R_answer_too_large,
				NULL);
	if (series_rows(db, guest_id, since, step, now, s, err) < 0)
		return -1;
	if (strbuf_append(s->text, "]", 1) < 0)
		return hk_failr(err, HK_ETOOBIG, NULL, HK_R_answer_too_large,
				NULL);
	return 0;
}

/* With the project's figures the body needs, in the same read: how many
 * guests it has (one: the fit reads no other's series), how many
 * reported, the sum of their latest mailbox_bytes. */
#define GUEST_CAP_COLS \
	"g.id, g.name AS guest, p.name AS project, g.project_id, g.state, " \
	"g.report_error, p.max_storage_bytes, (SELECT COUNT(*) FROM guest o " \
	"WHERE o.project_id = g.project_id) AS guests, (SELECT COUNT(*) " \
	"FROM guest o JOIN guest_report r ON r.guest_id = o.id WHERE " \
	"o.project_id = g.project_id) AS reported, (SELECT CAST(COALESCE(" \
	"SUM(r.mailbox_bytes), 0) AS BIGINT) FROM guest o JOIN guest_report " \
	"r ON r.guest_id = o.id WHERE o.project_id = g.project_id) AS " \
	"reported_bytes"

static int
guest_find(struct db *db, const struct hk_actor *actor, const char *name,
	   json_t **g, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(name), DB_INTV(actor->is_admin ? -1 :
						       actor->project_id) };

	if (db_query_object(db, "SELECT " GUEST_CAP_COLS " FROM guest g JOIN "
			    "project p ON p.id = g.project_id WHERE g.name = $1"
			    " AND ($2 < 0 OR g.project_id = $2)", p, 2, g,
			    err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"guest", HK_R_no_guest, "guest", name, NULL) : -1;
	return 0;
}

/* The body's figures into out and the series' points into pts, in the
 * caller's read transaction. */
static int
capacity_body(struct db *db, json_t *g, int64_t since, int64_t step,
	      int64_t now, json_t *out, struct strbuf *pts,
	      struct hk_err *err)
{
	int64_t gid = json_integer_value(json_object_get(g, "id"));
	struct capacity_samples own = { NULL, NULL, 0, 0 };
	struct series_read s = { pts, NULL, now - CAPACITY_WINDOW_S, 0 };
	struct capacity_line disk, project;
	json_t *rep = NULL, *part = NULL;
	int rc = -1;

	if (step == 0 && since <= now - CAPACITY_WINDOW_S + 1)
		s.own = &own;
	if (report_get(db, gid, &rep, err) < 0 ||
	    series_read(db, gid, since, step, now, &s, err) < 0)
		goto out;
	if (s.own != NULL && json_integer_value(json_object_get(g, "guests"))
	    == 1)
		store_capacity_lines_alone(gid, now, &own, &disk, &project);
	else if (store_capacity_lines(db, gid, json_integer_value(
		json_object_get(g, "project_id")), now, s.own, &disk, &project,
		err) < 0)
		goto out;
	report_json(out, rep, now);
	json_object_set_new(out, "disk", disk_json(rep, &disk));
	json_object_set_new(out, "project_storage", project_json(g, &project));
	if (store_warnings_guest(db, gid, &part, err) < 0)
		goto out;
	json_object_set_new(out, "warnings", part);
	rc = 0;
out:
	capacity_samples_free(&own);
	json_decref(rep);
	return rc;
}

/* The body's first members, from the guest's row. */
static json_t *
figures_new(json_t *g, struct hk_err *err)
{
	json_t *figs = json_pack("{s:O?, s:O?, s:O?, s:O?}", "guest",
				 json_object_get(g, "guest"), "project",
				 json_object_get(g, "project"), "state",
				 json_object_get(g, "state"), "report_error",
				 json_object_get(g, "report_error"));

	if (figs == NULL)
		hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	return figs;
}

/* The figures, then "series" (the last member) from its text. */
static int
body_out(struct strbuf *out, const json_t *figs, int64_t since,
	 int64_t step, const struct strbuf *pts)
{
	if (jsonout(out, figs) < 0)
		return -1;
	out->data[--out->len] = '\0';	/* the closing brace: more follows */
	if (strbuf_puts(out, ",\"series\":{\"since\":") < 0 ||
	    jsonout_integer(out, since) < 0 ||
	    strbuf_puts(out, ",\"step\":") < 0 ||
	    jsonout_integer(out, step) < 0 ||
	    strbuf_puts(out, ",\"points\":") < 0 ||
	    strbuf_append(out, strbuf_str(pts), pts->len) < 0)
		return -1;
	return strbuf_puts(out, "}}");
}

/* The body's figures (*figs) and the series' points as text (pts), in
 * one read transaction. */
static int
capacity_read(struct db *db, const struct hk_actor *actor, const char *guest,
	      int64_t *since, int64_t step, int64_t now, json_t **figs,
	      struct strbuf *pts, struct hk_err *err)
{
	json_t *g = NULL;

	*figs = NULL;
	if (step != 0 && (step < SERIES_STEP_MIN || step > SERIES_STEP_MAX))
		return hk_failr(err, HK_EINVAL, "step", HK_R_series_step, "min",
				HK_NUM(SERIES_STEP_MIN), "max",
				HK_NUM(SERIES_STEP_MAX), NULL);
	if (*since <= 0)
		*since = now - CAPACITY_WINDOW_S;
	if (db_begin(db, 0, err) < 0)
		return -1;
	if (guest_find(db, actor, guest, &g, err) < 0 ||
	    (*figs = figures_new(g, err)) == NULL ||
	    capacity_body(db, g, *since, step, now, *figs, pts, err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		json_decref(*figs);
		*figs = NULL;
		json_decref(g);
		return -1;
	}
	json_decref(g);
	return 0;
}

int
store_capacity_text(struct db *db, const struct hk_actor *actor,
		    const char *guest, int64_t since, int64_t step,
		    int64_t now, const struct warn_limits *l,
		    struct strbuf *out, struct hk_err *err)
{
	struct strbuf pts;
	json_t *figs;
	int rc;

	(void)l;
	strbuf_init(&pts, out->max);
	rc = capacity_read(db, actor, guest, &since, step, now, &figs, &pts,
			   err);
	if (rc == 0 && body_out(out, figs, since, step, &pts) < 0)
		rc = hk_failr(err, HK_ETOOBIG, NULL, HK_R_answer_too_large,
			      NULL);
	json_decref(figs);
	strbuf_free(&pts);
	return rc;
}

int
store_capacity_get(struct db *db, const struct hk_actor *actor,
		   const char *guest, int64_t since, int64_t step, int64_t now,
		   const struct warn_limits *l, json_t **out,
		   struct hk_err *err)
{
	struct strbuf pts;
	json_error_t jerr;
	json_t *points = NULL;
	int rc;

	(void)l;
	*out = NULL;
	strbuf_init(&pts, 0);
	rc = capacity_read(db, actor, guest, &since, step, now, out, &pts,
			   err);
	if (rc == 0 && (points = json_loadb(strbuf_str(&pts), pts.len, 0,
					    &jerr)) == NULL)
		rc = hk_fail(err, HK_EINTERNAL, NULL, "capacity series: %s",
			     jerr.text);
	if (rc == 0)
		json_object_set_new(*out, "series", json_pack("{s:I, s:I, s:o}",
			"since", (json_int_t)since, "step", (json_int_t)step,
			"points", points));
	else {
		json_decref(*out);
		*out = NULL;
	}
	strbuf_free(&pts);
	return rc;
}
