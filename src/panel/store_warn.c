/* SPDX-License-Identifier: ISC */
/*
 * store_warn.c - warnings: a threshold crossed by what a guest reports
 * raises one row, which stays open while it holds and ends when it
 * clears.  Raising on every report would bury the one that matters, so
 * each kind and object has at most one open row (the unique index
 * warning_open), and only a raise or an end is audited and mailed.  Also
 * the lines fitted to the series (capacity.c), which the warnings and
 * store_capacity.c's body both read; their queries name the whole
 * primary key (guest_id, step IN (0, 3600), at) so that each step is
 * one index range.  See store.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "store.h"
#include "store_report.h"

int
capacity_samples_add(struct capacity_samples *s, int64_t at, double fs,
		     double mb, struct hk_err *err)
{
	size_t cap = s->cap ? 2 * s->cap : 2048;
	void *p;

	if (s->n == s->cap) {
		if ((p = realloc(s->mb, cap * sizeof(*s->mb))) == NULL)
			return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
		s->mb = p;
		if ((p = realloc(s->fs, cap * sizeof(*s->fs))) == NULL)
			return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
		s->fs = p;
		s->cap = cap;
	}
	s->mb[s->n].at = s->fs[s->n].at = at;
	s->fs[s->n].value = fs;
	s->mb[s->n].value = mb;
	s->n++;
	return 0;
}

void
capacity_samples_free(struct capacity_samples *s)
{
	free(s->mb);
	free(s->fs);
	*s = (struct capacity_samples){ NULL, NULL, 0, 0 };
}

/* The project's series, (guest id, at, fs_bytes_used, mailbox_bytes)
 * rows by guest then at: each guest's mailbox_bytes fitted and added to
 * the project's line, the guest's own fs_bytes_used fitted too.  The
 * guest's own samples, when the caller gave them, are added in their
 * place in guest order, so that the sum is the same either way. */
struct fit_rows {
	struct capacity_samples rows;
	const struct capacity_samples *own;	/* NULL: among the rows */
	int64_t gid, guest_id, now;
	struct capacity_line *disk, *project;
};

static void
fit_guest(struct fit_rows *f, int64_t gid, const struct capacity_samples *s)
{
	struct capacity_line l;

	if (s->n == 0)
		return;
	capacity_fit(s->mb, s->n, f->now, &l);
	capacity_line_add(f->project, &l);
	if (gid == f->guest_id)
		capacity_fit(s->fs, s->n, f->now, f->disk);
}

/* The guest before gid (INT64_MAX: at the end) is done with: fitted. */
static void
fit_flush(struct fit_rows *f, int64_t gid)
{
	if (f->gid >= 0)
		fit_guest(f, f->gid, &f->rows);
	f->rows.n = 0;
	if (f->own != NULL && f->guest_id < gid) {
		fit_guest(f, f->guest_id, f->own);
		f->own = NULL;
	}
}

static int
fit_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct fit_rows *f = ctx;
	int64_t gid = strtoll(row->vals[0], NULL, 10);

	if (gid != f->gid) {
		fit_flush(f, gid);
		f->gid = gid;
	}
	return capacity_samples_add(&f->rows, strtoll(row->vals[1], NULL, 10),
				    strtod(row->vals[2], NULL),
				    strtod(row->vals[3], NULL), err);
}

int
store_capacity_lines(struct db *db, int64_t guest_id, int64_t project_id,
		     int64_t now, const struct capacity_samples *own,
		     struct capacity_line *disk, struct capacity_line *project,
		     struct hk_err *err)
{
	struct db_param p[4] = { DB_INTV(project_id),
				 DB_INTV(now - CAPACITY_WINDOW_S),
				 DB_INTV(now), DB_INTV(own ? guest_id : -1) };
	struct fit_rows f = { .own = own, .gid = -1, .guest_id = guest_id,
			      .now = now, .disk = disk, .project = project };
	int rc;

	*disk = (struct capacity_line){ CAPACITY_NOT_ENOUGH_DATA, 0, 0 };
	*project = *disk;
	/* one read for both lines: one index range per guest and step */
	rc = db_query(db, "SELECT s.guest_id, s.at, s.fs_bytes_used, "
		      "s.mailbox_bytes FROM guest g JOIN guest_sample s ON "
		      "s.guest_id = g.id WHERE g.project_id = $1 AND g.id <> $4"
		      " AND s.step IN (0, 3600) AND s.at > $2 AND s.at <= $3 "
		      "ORDER BY s.guest_id, s.at", p, 4, fit_row, &f, NULL,
		      err);
	fit_flush(&f, INT64_MAX);
	capacity_samples_free(&f.rows);
	return rc;
}

void
store_capacity_lines_alone(int64_t guest_id, int64_t now,
			   const struct capacity_samples *own,
			   struct capacity_line *disk,
			   struct capacity_line *project)
{
	struct fit_rows f = { .own = own, .gid = -1, .guest_id = guest_id,
			      .now = now, .disk = disk, .project = project };

	*disk = (struct capacity_line){ CAPACITY_NOT_ENOUGH_DATA, 0, 0 };
	*project = *disk;
	fit_flush(&f, INT64_MAX);
}

/* One evaluation, in its transaction. */
struct eval {
	struct db *db;
	int64_t guest_id, project_id, now;
	json_t *g;		/* guest, project, max_storage_bytes */
	json_t *changes;	/* what was raised or cleared */
	struct hk_actor actor;	/* pushd's, for the audit log */
};

/* A threshold as evaluated now: crossed or not, with the figure. */
struct crossing {
	const char *kind, *object;
	int guest;		/* about the guest (else its project) */
	int crossed;
	double value, threshold;
	int64_t open_id;	/* the open row, 0: none */
};

static const char *
gstr(const struct eval *e, const char *key)
{
	return json_string_value(json_object_get(e->g, key));
}

/* A figure as the row keeps it (a hundredth is all anyone reads). */
static double
hundredths(double x)
{
	return (double)(int64_t)(x * 100 + (x < 0 ? -0.5 : 0.5)) / 100;
}

/* The audit entry and the change for the mail. */
static int
note(struct eval *e, const struct crossing *c, const char *event,
     struct hk_err *err)
{
	char action[32];
	json_t *guest = c->guest ? json_string(gstr(e, "guest")) : json_null();

	snprintf(action, sizeof(action), "warning.%s", event);
	json_array_append_new(e->changes, json_pack("{s:s, s:s, s:s, s:O, "
		"s:s, s:f, s:f, s:I}", "event", event, "kind", c->kind,
		"object", c->object, "guest", guest, "project",
		gstr(e, "project"), "value", hundredths(c->value),
		"threshold", c->threshold, "at", (json_int_t)e->now));
	return store_audit(e->db, &e->actor, action, c->object, e->project_id,
			   json_pack("{s:s, s:o, s:f, s:f}", "kind", c->kind,
				     "guest", guest, "value",
				     hundredths(c->value), "threshold",
				     c->threshold), err);
}

static int
raise_row(struct eval *e, const struct crossing *c, struct hk_err *err)
{
	char value[32], threshold[32];
	struct db_param p[7];

	snprintf(value, sizeof(value), "%.2f", c->value);
	snprintf(threshold, sizeof(threshold), "%.17g", c->threshold);
	p[0] = c->guest ? DB_INTV(e->guest_id) : DB_NUL;
	p[1] = DB_INTV(e->project_id);
	p[2] = DB_TXT(c->kind);
	p[3] = DB_TXT(c->object);
	p[4] = DB_TXT(value);
	p[5] = DB_TXT(threshold);
	p[6] = DB_INTV(e->now);
	if (db_exec(e->db, "INSERT INTO warning (guest_id, project_id, kind, "
		    "object, value, threshold, started_at) VALUES ($1, $2, $3, "
		    "$4, CAST($5 AS DOUBLE PRECISION), CAST($6 AS DOUBLE "
		    "PRECISION), $7)", p, 7, NULL, err) < 0)
		return -1;
	return note(e, c, "raised", err);
}

/* Still crossed: the row follows the figure.  Cleared: it ends, keeping
 * the last figure that crossed. */
static int
keep_or_end(struct eval *e, const struct crossing *c, struct hk_err *err)
{
	char value[32], threshold[32];
	struct db_param p[4] = { DB_INTV(c->open_id), DB_TXT(value),
				 DB_TXT(threshold), DB_INTV(e->now) };

	snprintf(value, sizeof(value), "%.2f", c->value);
	snprintf(threshold, sizeof(threshold), "%.17g", c->threshold);
	if (c->crossed)
		return db_exec(e->db, "UPDATE warning SET value = CAST($2 AS "
			       "DOUBLE PRECISION), threshold = CAST($3 AS "
			       "DOUBLE PRECISION) WHERE id = $1", p, 3, NULL,
			       err);
	if (db_exec(e->db, "UPDATE warning SET ended_at = $2 WHERE id = $1",
		    (struct db_param[]){ p[0], p[3] }, 2, NULL, err) < 0)
		return -1;
	return note(e, c, "cleared", err);
}

static int
apply(struct eval *e, const struct crossing *c, struct hk_err *err)
{
	if (c->open_id > 0)
		return keep_or_end(e, c, err);
	return c->crossed ? raise_row(e, c, err) : 0;
}

/* A guest's or project's threshold: its open row looked up, then
 * applied. */
static int
settle(struct eval *e, struct crossing *c, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(c->kind), DB_TXT(c->object) };

	if (db_query_int(e->db, "SELECT id FROM warning WHERE kind = $1 AND "
			 "object = $2 AND ended_at IS NULL", p, 2, &c->open_id,
			 err) < 0) {
		if (err->code != HK_ENOTFOUND)
			return -1;
		hk_err_clear(err);
		c->open_id = 0;
	}
	return apply(e, c, err);
}

static int64_t
rint64(json_t *rep, const char *key)
{
	return json_integer_value(json_object_get(rep, key));
}

/* disk_used, disk_days, queue_deferred, queue_age. */
static int
guest_kinds(struct eval *e, json_t *rep, const struct capacity_line *disk,
	    const struct warn_limits *l, struct hk_err *err)
{
	const char *name = gstr(e, "guest");
	int64_t used = rint64(rep, "fs_bytes_used");
	int64_t avail = used + rint64(rep, "fs_bytes_free");
	json_t *age = json_object_get(rep, "q_oldest_deferred_s");
	double days = 0;
	struct crossing c[4] = {
		{ "disk_used", name, 1, 0, 0, l->disk_percent, 0 },
		{ "disk_days", name, 1, 0, 0, l->disk_days, 0 },
		{ "queue_deferred", name, 1, 0, 0, (double)l->queue_deferred,
		  0 },
		{ "queue_age", name, 1, 0, 0, (double)l->queue_age_s, 0 },
	};

	if (rep != NULL && avail > 0) {
		c[0].value = 100.0 * (double)used / (double)avail;
		c[0].crossed = c[0].value >= l->disk_percent;
		c[1].crossed = capacity_days(disk, (double)avail, &days) ==
			       CAPACITY_OK && days <= l->disk_days;
		c[1].value = days;
	}
	c[2].value = (double)rint64(rep, "q_deferred");
	c[2].crossed = rep != NULL && rint64(rep, "q_deferred") >
		       l->queue_deferred;
	c[3].value = (double)json_integer_value(age);
	c[3].crossed = json_is_integer(age) && json_integer_value(age) >
		       l->queue_age_s;
	for (int i = 0; i < 4; i++)
		if (settle(e, &c[i], err) < 0)
			return -1;
	return 0;
}

static int
project_kind(struct eval *e, const struct capacity_line *line,
	     const struct warn_limits *l, struct hk_err *err)
{
	int64_t limit = json_integer_value(json_object_get(e->g,
						   "max_storage_bytes"));
	double days = 0;
	struct crossing c = { "project_days", gstr(e, "project"), 0, 0, 0,
			      l->disk_days, 0 };

	c.crossed = limit > 0 && capacity_days(line, (double)limit, &days) ==
		    CAPACITY_OK && days <= l->disk_days;
	c.value = days;
	return settle(e, &c, err);
}

/* Each mailbox of the guest over mailbox_percent of its quota, against
 * the guest's open mailbox_quota rows: those not over any more end,
 * a deleted mailbox's with them. */
static int
mailbox_kind(struct eval *e, const struct warn_limits *l, struct hk_err *err)
{
	char pct[32];
	struct db_param p[2] = { DB_INTV(e->guest_id), DB_TXT(pct) };
	json_t *over = NULL, *open = NULL, *seen = json_object(), *row;
	struct crossing c = { "mailbox_quota", NULL, 1, 1, 0,
			      l->mailbox_percent, 0 };
	size_t i;
	int rc = -1;

	snprintf(pct, sizeof(pct), "%.17g", l->mailbox_percent);
	if (db_query_json(e->db, "SELECT w.id, w.object FROM warning w WHERE "
			  "w.kind = 'mailbox_quota' AND w.guest_id = $1 AND "
			  "w.ended_at IS NULL", p, 1, &open, err) < 0 ||
	    db_query_json(e->db, "SELECT m.local_part || '@' || d.name AS "
			  "address, u.used_bytes, m.quota_bytes FROM domain d "
			  "JOIN mailbox m ON m.domain_id = d.id JOIN "
			  "mailbox_usage u ON u.mailbox_id = m.id WHERE "
			  "d.guest_id = $1 AND m.quota_bytes > 0 AND CAST("
			  "u.used_bytes AS DOUBLE PRECISION) * 100 >= CAST($2"
			  " AS DOUBLE PRECISION) * m.quota_bytes", p, 2, &over,
			  err) < 0)
		goto out;
	json_array_foreach(open, i, row)
		json_object_set(seen, json_string_value(json_object_get(row,
			"object")), json_object_get(row, "id"));
	json_array_foreach(over, i, row) {
		c.object = json_string_value(json_object_get(row, "address"));
		c.value = 100.0 * (double)rint64(row, "used_bytes") /
			  (double)rint64(row, "quota_bytes");
		c.open_id = json_integer_value(json_object_get(seen, c.object));
		json_object_del(seen, c.object);
		if (apply(e, &c, err) < 0)
			goto out;
	}
	c.crossed = 0;
	json_array_foreach(open, i, row) {
		c.object = json_string_value(json_object_get(row, "object"));
		c.open_id = json_integer_value(json_object_get(seen, c.object));
		c.value = 0;
		if (c.open_id > 0 && apply(e, &c, err) < 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(over);
	json_decref(open);
	json_decref(seen);
	return rc;
}

/* Every kind, in the caller's transaction. */
static int
eval_all(struct eval *e, const struct warn_limits *l, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(e->guest_id) };
	struct capacity_line disk, project;
	json_t *rep = NULL;
	int rc;

	if (db_query_object(e->db, "SELECT fs_bytes_used, fs_bytes_free, "
			    "q_deferred, q_oldest_deferred_s FROM guest_report "
			    "WHERE guest_id = $1", p, 1, &rep, err) < 0) {
		if (err->code != HK_ENOTFOUND)
			return -1;
		hk_err_clear(err);
		rep = NULL;
	}
	rc = store_capacity_lines(e->db, e->guest_id, e->project_id, e->now,
				  NULL, &disk, &project, err);
	if (rc == 0)
		rc = guest_kinds(e, rep, &disk, l, err);
	if (rc == 0)
		rc = mailbox_kind(e, l, err);
	if (rc == 0)
		rc = project_kind(e, &project, l, err);
	json_decref(rep);
	return rc;
}

int
store_warn_eval(struct db *db, int64_t guest_id, const struct warn_limits *l,
		int64_t now, json_t **changes, struct hk_err *err)
{
	struct eval e = { .db = db, .guest_id = guest_id, .now = now };
	struct db_param p[1] = { DB_INTV(guest_id) };

	*changes = NULL;
	snprintf(e.actor.login, sizeof(e.actor.login), "pushd");
	snprintf(e.actor.via, sizeof(e.actor.via), "pushd");
	e.actor.is_admin = 1;
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (db_query_object(db, "SELECT g.name AS guest, p.name AS project, "
			    "p.id AS project_id, p.max_storage_bytes FROM "
			    "guest g JOIN project p ON p.id = g.project_id "
			    "WHERE g.id = $1", p, 1, &e.g, err) < 0) {
		db_rollback(db);
		return -1;
	}
	e.project_id = json_integer_value(json_object_get(e.g, "project_id"));
	e.changes = json_array();
	/* one evaluation of the project at a time: project_days is shared
	 * by every guest of it, whichever node evaluates them */
	if (store_limit_lock(db, e.project_id, err) < 0 ||
	    eval_all(&e, l, err) < 0 || db_commit(db, err) < 0) {
		db_rollback(db);
		json_decref(e.g);
		json_decref(e.changes);
		return -1;
	}
	json_decref(e.g);
	if (json_array_size(e.changes) > 0)
		*changes = e.changes;
	else
		json_decref(e.changes);
	return 0;
}

#define WARN_COLS \
	"w.id, w.kind, w.object, g.name AS guest, p.name AS project, " \
	"w.value, w.threshold, w.started_at, w.ended_at FROM warning w " \
	"LEFT JOIN guest g ON g.id = w.guest_id JOIN project p ON p.id = " \
	"w.project_id "

/* value and threshold arrive as text (REAL columns): numbers. */
static void
warn_reals(json_t *rows)
{
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row) {
		const char *keys[2] = { "value", "threshold" };

		for (int k = 0; k < 2; k++) {
			const char *s = json_string_value(json_object_get(row,
								  keys[k]));

			if (s != NULL)
				json_object_set_new(row, keys[k],
						    json_real(strtod(s, NULL)));
		}
	}
}

int
store_warnings_list(struct db *db, const struct hk_actor *actor, int all,
		    json_t **out, struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(actor->is_admin ? -1 :
					 actor->project_id), DB_INTV(all != 0),
				 DB_INTV(WARNINGS_MAX) };

	*out = NULL;
	if (db_query_json(db, "SELECT " WARN_COLS "WHERE ($1 < 0 OR "
			  "w.project_id = $1) AND ($2 = 1 OR w.ended_at IS "
			  "NULL) ORDER BY w.started_at DESC, w.id DESC LIMIT "
			  "$3",
			  p, 3, out, err) < 0) {
		*out = NULL;
		return -1;
	}
	warn_reals(*out);
	return 0;
}

int
store_warnings_guest(struct db *db, int64_t guest_id, json_t **out,
		     struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };

	*out = NULL;
	if (db_query_json(db, "SELECT " WARN_COLS "WHERE w.ended_at IS NULL "
			  "AND (w.guest_id = $1 OR (w.guest_id IS NULL AND "
			  "w.project_id = (SELECT project_id FROM guest WHERE "
			  "id = $1))) ORDER BY w.started_at DESC, w.id DESC", p,
			  1, out, err) < 0) {
		*out = NULL;
		return -1;
	}
	warn_reals(*out);
	return 0;
}
