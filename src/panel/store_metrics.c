/* SPDX-License-Identifier: ISC */
/*
 * store_metrics.c - the panel's figures in Prometheus's text exposition
 * format (version 0.0.4), for GET /metrics: guests' states and
 * generations, their pushes, the age and figures of their last reports
 * and the warnings open.  See store.h.
 *
 * Each family is one query whose columns are the labels' values in order
 * and then the sample's value; a family's samples are written together,
 * after its HELP and TYPE, as the format requires.  All are gauges: the
 * push history is trimmed per guest, so a count over it is no counter.
 */
#include "config.h"

#include <string.h>

#include "store.h"
#include "store_report.h"

#define LABELS_MAX	4

struct family {
	const char *name;
	const char *help;
	const char *labels[LABELS_MAX + 1];	/* NULL-terminated */
	const char *sql;			/* $1: now (seconds) */
};

#define REPORT_JOIN	" FROM guest g JOIN guest_report r ON r.guest_id = g.id"
#define KINDS3(col, a, b, c) \
	"SELECT g.name, '" a "', r." col a REPORT_JOIN " UNION ALL " \
	"SELECT g.name, '" b "', r." col b REPORT_JOIN " UNION ALL " \
	"SELECT g.name, '" c "', r." col c REPORT_JOIN

static const struct family families[] = {
	{ "hakomail_guest_state", "The guest's push state (1 for the one it "
	  "is in).", { "guest", "project", "state", NULL },
	  "SELECT g.name, p.name, g.state, 1 FROM guest g JOIN project p ON "
	  "p.id = g.project_id ORDER BY g.name" },
	{ "hakomail_guest_generation", "Generation of the maps the panel "
	  "wants on the guest (desired) and the one it serves (applied).",
	  { "guest", "kind", NULL },
	  "SELECT name, 'desired', desired_gen FROM guest UNION ALL "
	  "SELECT name, 'applied', applied_gen FROM guest ORDER BY 1, 2" },
	{ "hakomail_guest_push_failures", "Failed pushes in a row.",
	  { "guest", NULL }, "SELECT name, failures FROM guest ORDER BY name" },
	{ "hakomail_guest_last_push_duration_seconds", "How long the last "
	  "finished push of the maps took.", { "guest", "result", NULL },
	  "SELECT g.name, p.result, (p.finished_ms - p.started_ms) / 1000.0 "
	  "FROM guest g JOIN push p ON p.id = (SELECT MAX(id) FROM push WHERE"
	  " guest_id = g.id AND kind = 'apply' AND finished_ms IS NOT NULL)"
	  " ORDER BY g.name" },
	{ "hakomail_guest_last_push_timestamp_seconds", "When maps last went "
	  "out to the guest (or were last tried).", { "guest", NULL },
	  "SELECT name, last_push_at FROM guest WHERE last_push_at IS NOT "
	  "NULL ORDER BY name" },
	{ "hakomail_guest_report_age_seconds", "Age of the guest's last "
	  "report stored.", { "guest", NULL },
	  "SELECT g.name, $1 - r.at" REPORT_JOIN " ORDER BY g.name" },
	{ "hakomail_guest_fs_bytes", "The guest's mail filesystem, in bytes.",
	  { "guest", "kind", NULL }, KINDS3("fs_bytes_", "total", "used",
					    "free") " ORDER BY 1, 2" },
	{ "hakomail_guest_fs_inodes", "The guest's mail filesystem, in "
	  "inodes.", { "guest", "kind", NULL },
	  KINDS3("fs_inodes_", "total", "used", "free") " ORDER BY 1, 2" },
	{ "hakomail_guest_queue_messages", "Messages in the guest's Postfix "
	  "queues.", { "guest", "queue", NULL },
	  KINDS3("q_", "active", "deferred", "hold") " UNION ALL SELECT "
	  "g.name, 'incoming', r.q_incoming" REPORT_JOIN " ORDER BY 1, 2" },
	{ "hakomail_guest_queue_oldest_deferred_seconds", "Age of the oldest "
	  "deferred message (absent when none is).", { "guest", NULL },
	  "SELECT g.name, r.q_oldest_deferred_s" REPORT_JOIN " WHERE "
	  "r.q_oldest_deferred_s IS NOT NULL ORDER BY g.name" },
	{ "hakomail_guest_mailboxes", "Mailboxes the guest reported.",
	  { "guest", NULL },
	  "SELECT g.name, r.mailboxes" REPORT_JOIN " ORDER BY g.name" },
	{ "hakomail_guest_mailbox_bytes", "Bytes in the guest's mailboxes, as "
	  "Dovecot counts them.", { "guest", NULL },
	  "SELECT g.name, r.mailbox_bytes" REPORT_JOIN " ORDER BY g.name" },
	{ "hakomail_guest_load", "The guest's load average.",
	  { "guest", "minutes", NULL },
	  "SELECT g.name, '1', r.load1" REPORT_JOIN " UNION ALL SELECT "
	  "g.name, '5', r.load5" REPORT_JOIN " UNION ALL SELECT g.name, '15',"
	  " r.load15" REPORT_JOIN " ORDER BY 1, 2" },
	{ "hakomail_warnings_open", "Warnings open, by kind.",
	  { "kind", NULL }, "SELECT kind, COUNT(*) FROM warning WHERE "
	  "ended_at IS NULL GROUP BY kind ORDER BY kind" },
	{ "hakomail_warning_open", "Each open warning (1), with what it is "
	  "about.", { "kind", "object", "guest", NULL },
	  "SELECT w.kind, w.object, COALESCE(g.name, ''), 1 FROM warning w "
	  "LEFT JOIN guest g ON g.id = w.guest_id WHERE w.ended_at IS NULL "
	  "ORDER BY w.kind, w.object" },
	{ NULL, NULL, { NULL }, NULL }
};

/* A label value: backslash, double quote and newline escaped. */
static int
put_label_value(struct strbuf *out, const char *v)
{
	int bad = 0;

	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			bad |= strbuf_printf(out, "\\%c", *v) < 0;
		else if (*v == '\n')
			bad |= strbuf_printf(out, "\\n") < 0;
		else
			bad |= strbuf_append(out, v, 1) < 0;
	}
	return bad ? -1 : 0;
}

struct sample_ctx {
	const struct family *f;
	struct strbuf *out;
};

static int
sample_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct sample_ctx *c = ctx;
	const char *value = row->vals[row->ncols - 1];
	int bad, i;

	if (value == NULL)
		return 0;
	bad = strbuf_printf(c->out, "%s", c->f->name) < 0;
	for (i = 0; c->f->labels[i] != NULL && i < row->ncols - 1; i++) {
		bad |= strbuf_printf(c->out, "%s%s=\"", i ? "," : "{",
				     c->f->labels[i]) < 0;
		bad |= put_label_value(c->out, row->vals[i] ? row->vals[i] :
				       "") < 0;
		bad |= strbuf_printf(c->out, "\"") < 0;
	}
	bad |= strbuf_printf(c->out, "%s %s\n", i ? "}" : "", value) < 0;
	return bad ? hk_fail(err, HK_ESYS, NULL, "out of memory") : 0;
}

int
store_metrics(struct db *db, int64_t now, struct strbuf *out,
	      struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(now) };

	for (const struct family *f = families; f->name != NULL; f++) {
		struct sample_ctx c = { f, out };
		int np = strstr(f->sql, "$1") != NULL ? 1 : 0;

		if (strbuf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n",
				  f->name, f->help, f->name) < 0)
			return hk_fail(err, HK_ESYS, NULL, "out of memory");
		if (db_query(db, f->sql, p, np, sample_row, &c, NULL, err) < 0)
			return -1;
	}
	return 0;
}
