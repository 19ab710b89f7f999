/* SPDX-License-Identifier: ISC */
/*
 * store_report.c - a guest's report stored (see store.h): the latest
 * figures, the series and each mailbox's usage, in one transaction, so
 * that a report is taken whole or not at all.
 *
 * A guest may hold 100,000 mailboxes and report every five minutes, so
 * their usage is written set-based: the report's rows go into a
 * temporary table in one stream (db_copy: COPY on PostgreSQL), then one
 * INSERT ... SELECT joins them to the guest's mailboxes and overwrites
 * their usage.  Only the guest's own domains join, so a mailbox of
 * another guest's domain is unknown here like one that does not exist;
 * the rows written are counted, and fewer than the report lists means
 * one was unknown, which is then looked for (only then) and refuses the
 * report.
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
#include <string.h>

#include "mapsyntax.h"
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

struct copy_ctx {
	const struct guest_report *r;
	char local[MAPSYNTAX_LOCAL_MAX + 1];
};

/* Mailbox i as (local_part, domain, used_bytes, messages). */
static int
copy_mailbox(void *arg, size_t i, struct db_param *v, struct hk_err *err)
{
	struct copy_ctx *c = arg;
	const struct report_mailbox *m = &c->r->mailboxes[i];
	const char *at = strchr(m->address, '@');

	if (at == NULL || (size_t)(at - m->address) > MAPSYNTAX_LOCAL_MAX)
		return hk_fail(err, HK_EINTERNAL, NULL, "not an address");
	memcpy(c->local, m->address, (size_t)(at - m->address));
	c->local[at - m->address] = '\0';
	v[0] = DB_TXT(c->local);
	v[1] = DB_TXT(at + 1);
	v[2] = DB_INTV(m->used_bytes);
	v[3] = DB_INTV(m->messages);
	return 0;
}

struct unknown {
	char address[MAPSYNTAX_ADDRESS_MAX + 1];
};

static int
take_unknown(void *arg, const struct db_row *row, struct hk_err *err)
{
	struct unknown *u = arg;

	(void)err;
	snprintf(u->address, sizeof(u->address), "%s@%s",
		 row->vals[0] ? row->vals[0] : "", row->vals[1] ?
		 row->vals[1] : "");
	return 0;
}

/* The refusal for the first listed address that is no mailbox of the
 * guest's domains (looked for only once the count said there is one). */
static int
refuse_unknown(struct db *db, int64_t guest_id, const struct guest_report *r,
	       struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };
	struct unknown u = { "" };
	char field[64];
	size_t i;

	if (db_query(db, "SELECT t.local_part, t.domain FROM report_in t "
		     "WHERE NOT EXISTS (SELECT 1 FROM mailbox m JOIN domain d "
		     "ON d.id = m.domain_id WHERE d.guest_id = $1 AND d.name "
		     "= t.domain AND m.local_part = t.local_part) LIMIT 1", p,
		     1, take_unknown, &u, NULL, err) < 0)
		return -1;
	if (u.address[0] == '\0')	/* every one known: one listed twice */
		return hk_fail(err, HK_EINTERNAL, NULL, "a report's mailboxes "
			       "matched %zu rows, not as many", r->n_mailboxes);
	for (i = 0; i < r->n_mailboxes; i++)
		if (strcmp(r->mailboxes[i].address, u.address) == 0)
			break;
	snprintf(field, sizeof(field), "report.mailboxes[%zu][0]", i);
	return hk_failr(err, HK_EINVAL, field, HK_R_report_unknown_mailbox,
			"address", u.address, NULL);
}

/* The report's mailboxes into the temporary table report_in, and the
 * table their ids go to (report_ids), both empty when a save begins. */
static int
fill_report_in(struct db *db, const struct guest_report *r,
	       struct hk_err *err)
{
	static const char *const cols[4] = { "local_part", "domain",
					     "used_bytes", "messages" };
	struct copy_ctx c = { .r = r };

	if (db_temp_table(db, "report_in", "local_part TEXT NOT NULL, domain "
			  "TEXT NOT NULL, used_bytes BIGINT NOT NULL, messages "
			  "BIGINT NOT NULL", err) < 0 ||
	    db_temp_table(db, "report_ids", "mailbox_id BIGINT NOT NULL, "
			  "used_bytes BIGINT NOT NULL, messages BIGINT NOT "
			  "NULL, state INTEGER NOT NULL", err) < 0)
		return -1;
	return db_copy(db, "report_in", cols, 4, r->n_mailboxes, copy_mailbox,
		       &c, err);
}

/* Each listed address to its mailbox among the guest's domains', in one
 * join that also says what the report changes (report_ids.state: 0 the
 * figures stored already, 1 new figures, 2 no row yet), read before any
 * is written; fewer rows than listed means one is unknown. */
static int
resolve(struct db *db, int64_t guest_id, const struct guest_report *r,
	struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };
	int64_t found = 0;

	if (db_exec(db, "INSERT INTO report_ids (mailbox_id, used_bytes, "
		    "messages, state) SELECT m.id, t.used_bytes, t.messages, "
		    "CASE WHEN u.mailbox_id IS NULL THEN 2 WHEN u.used_bytes "
		    "<> t.used_bytes OR u.messages <> t.messages THEN 1 ELSE 0"
		    " END FROM report_in t JOIN domain d ON d.name = t.domain "
		    "JOIN mailbox m ON m.domain_id = d.id AND m.local_part = "
		    "t.local_part LEFT JOIN mailbox_usage u ON u.mailbox_id = "
		    "m.id WHERE d.guest_id = $1", p, 1, &found, err) < 0)
		return -1;
	return found == (int64_t)r->n_mailboxes ? 0 :
	    refuse_unknown(db, guest_id, r, err);
}

/*
 * Usage rows written only where the figures changed, or are new (their
 * at: this save's time, when they were first reported so).  Rewriting
 * 100,000 unchanged rows every five minutes would be most of a save's
 * cost (a PostgreSQL UPDATE of 100,000 rows alone took 0.7 s of CPU) and
 * leave as many dead rows behind for nothing.  The new rows are inserted
 * without looking at mailbox_usage again: PostgreSQL, planning an
 * anti-join against a table it has no statistics for, chose to scan it
 * once per row, a scan that grows with every row inserted.
 */
static int
save_usage(struct db *db, int64_t guest_id, const struct guest_report *r,
	   int64_t now, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(now) };

	if (fill_report_in(db, r, err) < 0 ||
	    resolve(db, guest_id, r, err) < 0)
		return -1;
	if (db_exec(db, "UPDATE mailbox_usage SET used_bytes = t.used_bytes, "
		    "messages = t.messages, at = $1 FROM report_ids t WHERE "
		    "t.state = 1 AND mailbox_usage.mailbox_id = t.mailbox_id",
		    p, 1, NULL, err) < 0 ||
	    db_exec(db, "INSERT INTO mailbox_usage (mailbox_id, used_bytes, "
		    "messages, at) SELECT mailbox_id, used_bytes, messages, $1"
		    " FROM report_ids WHERE state = 2", p, 1, NULL, err) < 0)
		return -1;
	return 0;
}

int
store_report_save(struct db *db, int64_t guest_id,
		  const struct guest_report *r, int64_t now,
		  struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };
	int64_t found = 0;

	if (db_begin(db, 1, err) < 0)
		return -1;
	/* first, so that (PostgreSQL) the guest's row is locked: it cannot
	 * be deleted under the rows that name it */
	if (db_exec(db, "UPDATE guest SET report_error = NULL, "
		    "report_error_at = NULL WHERE id = $1", p, 1, &found,
		    err) < 0)
		goto fail;
	if (found == 0) {
		hk_failr(err, HK_ENOTFOUND, "guest", HK_R_no_such_guest, NULL);
		goto fail;
	}
	if (save_figures(db, guest_id, r, now, err) < 0 ||
	    save_sample(db, guest_id, err) < 0 ||
	    save_usage(db, guest_id, r, now, err) < 0 ||
	    downsample(db, guest_id, now, err) < 0 || db_commit(db, err) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
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
