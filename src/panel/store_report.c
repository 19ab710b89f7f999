/* SPDX-License-Identifier: ISC */
/*
 * store_report.c - a guest's report stored (see store.h): the latest
 * figures, the series and each mailbox's usage, in one transaction, so
 * that a report is taken whole or not at all.
 *
 * A guest may hold 100,000 mailboxes and report every five minutes
 * (goal: stored within a second), so their usage is read and written
 * set-based: one SELECT of the guest's mailboxes with their usage, each
 * matched to the report's address by a hash table, then only the rows
 * that change written, each kind in one stream (db_copy: COPY on
 * PostgreSQL).  Only the guest's own domains are read, so a mailbox of
 * another guest's domain is unknown here like one that does not exist,
 * and refuses the report before anything of it is written; except one
 * that the guest holds for a domain moving to or from it, which is
 * known but whose figures are the serving guest's.
 *
 * The series is downsampled at each save, for this guest only: step-0
 * samples are folded into hourly rows a whole hour at a time, once the
 * hour's end is 48 hours old, so that an hourly row is made once from
 * all its samples and never has to be merged with later ones.  Gauges
 * (filesystem, inodes, mailboxes, their bytes, load) take the hour's
 * mean, the trend a capacity fit wants; the queue's figures its maximum,
 * since mail stuck for ten minutes of the hour must still show.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "store.h"
#include "store_report.h"
#include "utf8.h"

#define KEEP_SAMPLES_S	(48 * 3600)
#define KEEP_HOURLY_S	(400 * 86400)
#define HOUR_S		3600

/* --- the latest figures and the step-0 sample --- */

static int
save_figures(struct db *db, int64_t guest_id, const struct guest_report *r,
	     int64_t now, struct hk_err *err)
{
	char load[3][32];
	struct db_param p[24];
	int k = 0;

	for (int i = 0; i < 3; i++)
		snprintf(load[i], sizeof(load[i]), "%.17g", r->load[i]);
	p[k++] = DB_INTV(guest_id);
	p[k++] = DB_INTV(now);
	p[k++] = DB_INTV(r->guest_at);
	p[k++] = DB_INTV(r->uptime_s);
	for (int i = 0; i < 3; i++)
		p[k++] = DB_TXT(load[i]);
	p[k++] = DB_TXT(r->postfix_version);
	p[k++] = DB_TXT(r->dovecot_version);
	p[k++] = DB_INTV(r->fs_bytes_total);
	p[k++] = DB_INTV(r->fs_bytes_used);
	p[k++] = DB_INTV(r->fs_bytes_free);
	p[k++] = DB_INTV(r->fs_inodes_total);
	p[k++] = DB_INTV(r->fs_inodes_used);
	p[k++] = DB_INTV(r->fs_inodes_free);
	p[k++] = DB_INTV(r->q_active);
	p[k++] = DB_INTV(r->q_deferred);
	p[k++] = DB_INTV(r->q_hold);
	p[k++] = DB_INTV(r->q_incoming);
	p[k++] = r->q_oldest_deferred_s < 0 ? DB_NUL :
	    DB_INTV(r->q_oldest_deferred_s);
	p[k++] = DB_INTV((int64_t)r->n_mailboxes);
	p[k++] = DB_INTV(r->mailbox_bytes);
	p[k++] = DB_INTV(r->mailbox_messages);
	return db_exec(db, "INSERT INTO guest_report (guest_id, at, guest_at, "
		       "uptime_s, load1, load5, load15, postfix_version, "
		       "dovecot_version, fs_bytes_total, fs_bytes_used, "
		       "fs_bytes_free, fs_inodes_total, fs_inodes_used, "
		       "fs_inodes_free, q_active, q_deferred, q_hold, "
		       "q_incoming, q_oldest_deferred_s, mailboxes, "
		       "mailbox_bytes, mailbox_messages) VALUES ($1, $2, $3, "
		       "$4, CAST($5 AS DOUBLE PRECISION), CAST($6 AS DOUBLE "
		       "PRECISION), CAST($7 AS DOUBLE PRECISION), $8, $9, $10,"
		       " $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
		       "$21, $22, $23) ON CONFLICT (guest_id) DO UPDATE SET "
		       "at = excluded.at, guest_at = excluded.guest_at, "
		       "uptime_s = excluded.uptime_s, load1 = excluded.load1, "
		       "load5 = excluded.load5, load15 = excluded.load15, "
		       "postfix_version = excluded.postfix_version, "
		       "dovecot_version = excluded.dovecot_version, "
		       "fs_bytes_total = excluded.fs_bytes_total, "
		       "fs_bytes_used = excluded.fs_bytes_used, fs_bytes_free "
		       "= excluded.fs_bytes_free, fs_inodes_total = "
		       "excluded.fs_inodes_total, fs_inodes_used = "
		       "excluded.fs_inodes_used, fs_inodes_free = "
		       "excluded.fs_inodes_free, q_active = excluded.q_active,"
		       " q_deferred = excluded.q_deferred, q_hold = "
		       "excluded.q_hold, q_incoming = excluded.q_incoming, "
		       "q_oldest_deferred_s = excluded.q_oldest_deferred_s, "
		       "mailboxes = excluded.mailboxes, mailbox_bytes = "
		       "excluded.mailbox_bytes, mailbox_messages = "
		       "excluded.mailbox_messages", p, k, NULL, err);
}

#define SAMPLE_COLS	"fs_bytes_total, fs_bytes_used, fs_inodes_total, " \
	"fs_inodes_used, q_active, q_deferred, q_hold, q_oldest_deferred_s, " \
	"mailboxes, mailbox_bytes, load1"

/* The figures just saved as the sample at their `at` (a second report
 * in the same second replaces the first's sample). */
static int
save_sample(struct db *db, int64_t guest_id, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };

	return db_exec(db, "INSERT INTO guest_sample (guest_id, step, at, "
		       SAMPLE_COLS ") SELECT guest_id, 0, at, " SAMPLE_COLS
		       " FROM guest_report WHERE guest_id = $1 ON CONFLICT "
		       "(guest_id, step, at) DO UPDATE SET fs_bytes_total = "
		       "excluded.fs_bytes_total, fs_bytes_used = "
		       "excluded.fs_bytes_used, fs_inodes_total = "
		       "excluded.fs_inodes_total, fs_inodes_used = "
		       "excluded.fs_inodes_used, q_active = excluded.q_active,"
		       " q_deferred = excluded.q_deferred, q_hold = "
		       "excluded.q_hold, q_oldest_deferred_s = "
		       "excluded.q_oldest_deferred_s, mailboxes = "
		       "excluded.mailboxes, mailbox_bytes = "
		       "excluded.mailbox_bytes, load1 = excluded.load1", p, 1,
		       NULL, err);
}

/* AVG of an integer column as an integer, rounded alike on both
 * backends (half away from zero; exact below 2^53 on SQLite). */
#define MEAN(c)	"CAST(ROUND(AVG(" c ")) AS BIGINT)"

/* Whole hours of step-0 samples whose end is KEEP_SAMPLES_S old become
 * step-3600 rows; hourly rows past KEEP_HOURLY_S go.  An hour already
 * folded (only if the panel's clock went back two days) keeps its row. */
static int
downsample(struct db *db, int64_t guest_id, int64_t now, struct hk_err *err)
{
	int64_t cut = now - KEEP_SAMPLES_S;
	struct db_param p[2];

	cut = cut > 0 ? cut - cut % HOUR_S : 0;
	p[0] = DB_INTV(guest_id);
	p[1] = DB_INTV(cut);
	if (db_exec(db, "INSERT INTO guest_sample (guest_id, step, at, "
		    SAMPLE_COLS ") SELECT guest_id, 3600, (at / 3600) * 3600, "
		    MEAN("fs_bytes_total") ", " MEAN("fs_bytes_used") ", "
		    MEAN("fs_inodes_total") ", " MEAN("fs_inodes_used") ", "
		    "MAX(q_active), MAX(q_deferred), MAX(q_hold), "
		    "MAX(q_oldest_deferred_s), " MEAN("mailboxes") ", "
		    MEAN("mailbox_bytes") ", AVG(load1) FROM guest_sample "
		    "WHERE guest_id = $1 AND step = 0 AND at < $2 GROUP BY "
		    "guest_id, at / 3600 ON CONFLICT (guest_id, step, at) DO "
		    "NOTHING", p, 2, NULL, err) < 0 ||
	    db_exec(db, "DELETE FROM guest_sample WHERE guest_id = $1 AND "
		    "step = 0 AND at < $2", p, 2, NULL, err) < 0)
		return -1;
	p[1] = DB_INTV(now - KEEP_HOURLY_S);
	return db_exec(db, "DELETE FROM guest_sample WHERE guest_id = $1 AND "
		       "step = 3600 AND at < $2", p, 2, NULL, err);
}

/* --- each mailbox's usage --- */

/* What the database holds for mailbox i of the report. */
enum usage_state { U_UNKNOWN, U_SAME, U_CHANGED, U_NEW };

struct usage {
	const struct guest_report *r;
	struct report_index index;
	int64_t *id;			/* [i]: the mailbox's id */
	unsigned char *state;		/* [i]: enum usage_state */
	size_t *todo, n_new, n_changed;	/* new ones first, then changed */
	int64_t now;
};

static void
usage_free(struct usage *u)
{
	report_index_free(&u->index);
	free(u->id);
	free(u->state);
	free(u->todo);
}

static int
usage_init(struct usage *u, const struct guest_report *r, int64_t now,
	   struct hk_err *err)
{
	size_t n = r->n_mailboxes ? r->n_mailboxes : 1;

	*u = (struct usage){ .r = r, .now = now };
	u->id = malloc(n * sizeof(*u->id));
	u->state = calloc(n, 1);
	u->todo = malloc(n * sizeof(*u->todo));
	if (u->id == NULL || u->state == NULL || u->todo == NULL ||
	    report_index_init(&u->index, r->n_mailboxes) < 0) {
		usage_free(u);
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	}
	for (size_t i = 0; i < r->n_mailboxes; i++)
		if (report_index_add(&u->index, r, i) >= 0) {
			usage_free(u);
			return hk_fail(err, HK_EINTERNAL, NULL, "a report lists "
				       "%s twice", r->mailboxes[i].address);
		}
	return 0;
}

/* A mailbox of the guest's domains (id, local_part, domain, used_bytes,
 * messages; no usage row: NULL): which listed one it is, if any, and
 * whether its figures change. */
static int
take_mailbox(void *arg, const struct db_row *row, struct hk_err *err)
{
	struct usage *u = arg;
	const char *const *v = row->vals;
	long i = report_index_find(&u->index, u->r, v[1], v[2]);
	const struct report_mailbox *m;

	(void)err;
	if (i < 0)	/* not listed: it keeps the figures it had */
		return 0;
	m = &u->r->mailboxes[i];
	u->id[i] = strtoll(v[0], NULL, 10);
	if (v[3] == NULL || v[4] == NULL)
		u->state[i] = U_NEW;
	else if (strtoll(v[3], NULL, 10) != m->used_bytes ||
		 strtoll(v[4], NULL, 10) != m->messages)
		u->state[i] = U_CHANGED;
	else
		u->state[i] = U_SAME;
	return 0;
}

/* A mailbox the guest holds for a domain moving to or from it, without
 * serving it (render.c): known, but its figures are the serving guest's
 * to give. */
static int
take_held(void *arg, const struct db_row *row, struct hk_err *err)
{
	struct usage *u = arg;
	long i = report_index_find(&u->index, u->r, row->vals[0],
				   row->vals[1]);

	(void)err;
	if (i >= 0 && u->state[i] == U_UNKNOWN)
		u->state[i] = U_SAME;
	return 0;
}

/* The refusal of listed mailbox i, no mailbox of the guest's domains. */
static int
refuse_unknown(const struct guest_report *r, size_t i, struct hk_err *err)
{
	char field[64];

	snprintf(field, sizeof(field), "report.mailboxes[%zu][0]", i);
	return hk_failr(err, HK_EINVAL, field, HK_R_report_unknown_mailbox,
			"address", r->mailboxes[i].address, NULL);
}

/*
 * Each listed address to its mailbox among the guest's domains', with the
 * figures stored for it, in one read: the first that matches none refuses
 * the report; u->todo gets the new rows, then the changed ones.  Matched
 * here, by a hash of the report's addresses, rather than by a join in the
 * database: PostgreSQL spent 0.35-0.45 s joining 100,000 addresses
 * copied in as text, and then wrote them all again to say which changed.
 */
static int
resolve(struct db *db, int64_t guest_id, struct usage *u, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };
	size_t n = u->r->n_mailboxes;

	if (db_query(db, "SELECT m.id, m.local_part, d.name, u.used_bytes, "
		     "u.messages FROM domain d JOIN mailbox m ON m.domain_id = "
		     "d.id LEFT JOIN mailbox_usage u ON u.mailbox_id = m.id "
		     "WHERE d.guest_id = $1", p, 1, take_mailbox, u, NULL,
		     err) < 0 ||
	    db_query(db, "SELECT m.local_part, d.name FROM domain d JOIN "
		     "domain_move mv ON mv.domain_id = d.id AND mv.live = 1 "
		     "JOIN mailbox m ON m.domain_id = d.id WHERE d.guest_id <> "
		     "$1 AND (mv.from_guest_id = $1 OR mv.to_guest_id = $1)",
		     p, 1, take_held, u, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (u->state[i] == U_UNKNOWN)
			return refuse_unknown(u->r, i, err);
		if (u->state[i] == U_NEW)
			u->todo[u->n_new++] = i;
	}
	for (size_t i = 0; i < n; i++)
		if (u->state[i] == U_CHANGED)
			u->todo[u->n_new + u->n_changed++] = i;
	return 0;
}

/* Row k of u->todo from off: (mailbox_id, used_bytes, messages, at). */
static int
copy_usage(struct usage *u, size_t off, size_t k, struct db_param *v)
{
	size_t i = u->todo[off + k];

	v[0] = DB_INTV(u->id[i]);
	v[1] = DB_INTV(u->r->mailboxes[i].used_bytes);
	v[2] = DB_INTV(u->r->mailboxes[i].messages);
	v[3] = DB_INTV(u->now);
	return 0;
}

static int
copy_new(void *arg, size_t k, struct db_param *v, struct hk_err *err)
{
	(void)err;
	return copy_usage(arg, 0, k, v);
}

static int
copy_changed(void *arg, size_t k, struct db_param *v, struct hk_err *err)
{
	struct usage *u = arg;

	(void)err;
	return copy_usage(u, u->n_new, k, v);
}

static const char *const usage_cols[4] = { "mailbox_id", "used_bytes",
					   "messages", "at" };

/* The changed rows through the temporary table report_usage (empty when
 * a save begins) and one UPDATE. */
static int
update_changed(struct db *db, struct usage *u, struct hk_err *err)
{
	if (db_temp_table(db, "report_usage", "mailbox_id BIGINT NOT NULL, "
			  "used_bytes BIGINT NOT NULL, messages BIGINT NOT "
			  "NULL, at BIGINT NOT NULL", err) < 0 ||
	    db_copy(db, "report_usage", usage_cols, 4, u->n_changed,
		    copy_changed, u, err) < 0)
		return -1;
	return db_exec(db, "UPDATE mailbox_usage SET used_bytes = "
		       "t.used_bytes, messages = t.messages, at = t.at FROM "
		       "report_usage t WHERE mailbox_usage.mailbox_id = "
		       "t.mailbox_id", NULL, 0, NULL, err);
}

/*
 * Usage rows written only where the figures changed, or are new (their
 * at: this save's time, when they were first reported so).  Rewriting
 * 100,000 unchanged rows every five minutes would be most of a save's
 * cost and leave as many dead rows behind for nothing.  New rows are
 * copied straight into mailbox_usage (PostgreSQL: COPY's multi-row
 * inserts); changed ones into a temporary table that one UPDATE then
 * reads (kept on their pages by mailbox_usage's fill factor, 012).
 */
static int
save_usage(struct db *db, int64_t guest_id, const struct guest_report *r,
	   int64_t now, struct hk_err *err)
{
	struct usage u;
	int rc;

	if (usage_init(&u, r, now, err) < 0)
		return -1;
	rc = resolve(db, guest_id, &u, err);
	if (rc == 0 && u.n_new > 0)
		rc = db_copy(db, "mailbox_usage", usage_cols, 4, u.n_new,
			     copy_new, &u, err);
	if (rc == 0 && u.n_changed > 0)
		rc = update_changed(db, &u, err);
	usage_free(&u);
	return rc < 0 ? -1 : 0;
}

/*
 * On PostgreSQL, where mailbox_usage has no foreign key (012), the locks
 * that keep a usage row from outliving its mailbox: the guest's domains
 * against deletion, then the guest's row, which a mailbox's deletion
 * waits for before it takes its usage rows (012's trigger).  In that
 * order, the order a domain's deletion takes them in.  A domain that
 * joins the guest after the first lock has no mailbox the guest can
 * report yet.
 */
static int
lock_guest(struct db *db, int64_t guest_id, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };
	int64_t found = 0;
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT id FROM domain WHERE guest_id = "
		 "$1%s", db_lock_keys(db));
	if (db_exec(db, sql, p, 1, NULL, err) < 0 ||
	    db_exec(db, "UPDATE guest SET report_error = NULL, "
		    "report_error_at = NULL WHERE id = $1", p, 1, &found,
		    err) < 0)
		return -1;
	if (found == 0)
		return hk_failr(err, HK_ENOTFOUND, "guest", HK_R_no_such_guest,
				NULL);
	return 0;
}

int
store_report_save(struct db *db, int64_t guest_id,
		  const struct guest_report *r, int64_t now,
		  struct hk_err *err)
{
	if (db_begin(db, 1, err) < 0)
		return -1;
	/* first, so that the guest cannot be deleted under the rows that
	 * name it, nor its mailboxes under their usage */
	if (lock_guest(db, guest_id, err) < 0 ||
	    save_figures(db, guest_id, r, now, err) < 0 ||
	    save_sample(db, guest_id, err) < 0 ||
	    save_usage(db, guest_id, r, now, err) < 0 ||
	    downsample(db, guest_id, now, err) < 0 || db_commit(db, err) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* why as stored: at most STORE_REPORT_ERROR_MAX bytes, cut where a
 * character begins, each byte that is not UTF-8 text (or is a control
 * character) as '?', so that the API can always show it. */
static void
clean_text(const char *why, char *out, size_t size)
{
	size_t n = utf8_copy(out, size, why, strlen(why));

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_seq((const unsigned char *)out + i, n - i, &cp);

		if (k == 0 || cp < 0x20 || cp == 0x7f) {
			out[i++] = '?';
			continue;
		}
		i += k;
	}
}

int
store_report_refused(struct db *db, int64_t guest_id, const char *why,
		     int64_t now, struct hk_err *err)
{
	char text[STORE_REPORT_ERROR_MAX + 1];
	struct db_param p[3] = { DB_INTV(guest_id), DB_TXT(text),
				 DB_INTV(now) };
	int64_t found = 0;

	clean_text(why ? why : "", text, sizeof(text));
	if (db_exec(db, "UPDATE guest SET report_error = $2, report_error_at "
		    "= $3 WHERE id = $1", p, 3, &found, err) < 0)
		return -1;
	if (found == 0)
		return hk_failr(err, HK_ENOTFOUND, "guest", HK_R_no_such_guest,
				NULL);
	return 0;
}
