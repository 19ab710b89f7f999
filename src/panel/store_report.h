/* SPDX-License-Identifier: ISC */
/*
 * store_report.h - what the guests report, as the panel keeps and reads
 * it: a report stored (store_report.c), the capacity and warnings that
 * follow from the stored figures (store_capacity.c, store_warn.c) and the
 * figures for Prometheus (store_metrics.c).  Over the same db interface
 * and actors as store.h; the report itself is parsed by report.h, the
 * fits are capacity.h's.
 */
#ifndef HK_STORE_REPORT_H
#define HK_STORE_REPORT_H

#include <stdint.h>

#include <jansson.h>

#include "capacity.h"
#include "db.h"
#include "err.h"
#include "store.h"
#include "strbuf.h"

/* --- what guests report (store_report.c; the report: report.h) --- */
struct guest_report;
/*
 * One transaction: the latest figures (guest_report, overwritten), a
 * step-0 sample at now, each listed mailbox's usage (mailbox_usage, one
 * row per mailbox, overwritten where the figures changed; its at is when
 * the guest first reported them, so they hold as of guest_report.at for
 * every mailbox that report listed; a mailbox of the guest the report
 * does not list keeps the figures it had), report_error cleared; then the
 * guest's series downsampled: step-0 samples older than 48 hours folded,
 * a whole hour at a time, into step-3600 rows (at: the hour's start;
 * gauges - filesystem, mailboxes, load - their mean, the queue's figures
 * their maximum), step-3600 rows older than 400 days dropped.  r is as
 * report_from_json() left it (no address twice).  An address that is
 * not a mailbox of a domain on this guest is refused (HK_EINVAL, field
 * "report.mailboxes[i][0]", reason report_unknown_mailbox, the address
 * as param) and nothing is written; a guest that is no more is
 * HK_ENOTFOUND (no_such_guest).
 */
int store_report_save(struct db *db, int64_t guest_id,
		      const struct guest_report *r, int64_t now,
		      struct hk_err *err);
/* A report refused or not had: guest.report_error (why, cut to
 * STORE_REPORT_ERROR_MAX bytes, anything not UTF-8 text as '?') and
 * report_error_at; the figures stay.  HK_ENOTFOUND for no such guest. */
#define STORE_REPORT_ERROR_MAX	1000
int store_report_refused(struct db *db, int64_t guest_id, const char *why,
			 int64_t now, struct hk_err *err);

/* --- /metrics (store_metrics.c) --- */
/* Appends the panel's figures to out in Prometheus's text exposition
 * format: every guest's state, generations, pushes, report age and
 * figures, and the warnings open.  now: seconds. */
int store_metrics(struct db *db, int64_t now, struct strbuf *out,
		  struct hk_err *err);

/* --- capacity and warnings (store_capacity.c, store_warn.c), from what
 * guests report (guest_report, guest_sample, mailbox_usage) --- */
struct warn_limits;	/* conf.h: [warn] */
/* A guest's samples (fs_bytes_used and mailbox_bytes, each at its at),
 * oldest first, as a caller that read them for itself keeps them. */
struct capacity_samples {
	struct capacity_point *fs, *mb;
	size_t n, cap;
};
int capacity_samples_add(struct capacity_samples *s, int64_t at, double fs,
			 double mb, struct hk_err *err);
void capacity_samples_free(struct capacity_samples *s);	/* empty again */
/* The fitted lines (capacity.h) at now: the guest's mail filesystem used
 * (fs_bytes_used) and the sum of its project's guests' mailbox_bytes,
 * each guest's series fitted on its own and the lines added.  own: the
 * guest's samples in the window (now - CAPACITY_WINDOW_S, now], when the
 * caller read them already (the lines are the same), else NULL. */
int store_capacity_lines(struct db *db, int64_t guest_id, int64_t project_id,
			 int64_t now, const struct capacity_samples *own,
			 struct capacity_line *disk,
			 struct capacity_line *project, struct hk_err *err);
/* The same lines of a guest that is its project's only one, from own
 * alone: nothing to read. */
void store_capacity_lines_alone(int64_t guest_id, int64_t now,
				const struct capacity_samples *own,
				struct capacity_line *disk,
				struct capacity_line *project);
/*
 * After store_report_save, in a transaction of its own: each threshold
 * of l crossed raises a warning (a row from started_at, one open row per
 * kind and object: warning_open), one still crossed keeps its row (its
 * value follows the figure), one that cleared ends (ended_at).  Each
 * raise and end is audited (actor "pushd", via "pushd", action
 * "warning.raised" / "warning.cleared", detail {kind, guest, value,
 * threshold}).  Kinds, each with its object:
 *   disk_used       the guest's name: bytes used >= disk_percent of the
 *                   bytes the mail can have (used + free, as df counts)
 *   disk_days       the guest's name: days to full <= disk_days
 *   queue_deferred  the guest's name: deferred messages > queue_deferred
 *   queue_age       the guest's name: oldest deferred > queue_age_s
 *   mailbox_quota   an address of the guest's: used >= mailbox_percent of
 *                   its quota (quota 0: none); a mailbox that no longer
 *                   exists ends its warning
 *   project_days    the project's name (no guest): days until the sum of
 *                   its guests' mailbox_bytes reaches max_storage_bytes
 *                   (0: none) <= disk_days
 * *changes gets an array of what was raised or cleared, each {"event":
 * "raised"|"cleared", "kind", "object", "guest" (or null), "project",
 * "value", "threshold", "at"}, or NULL when nothing changed.  Several
 * nodes may evaluate guests of one project at once: each holds the
 * project's row while it evaluates.
 */
int store_warn_eval(struct db *db, int64_t guest_id,
		    const struct warn_limits *l, int64_t now, json_t **changes,
		    struct hk_err *err);
/*
 * GET /guests/{guest}/capacity's body, for a guest the actor reaches
 * (HK_ENOTFOUND alike for a missing one and another project's):
 * {"guest", "project", "state", "report_at" (when the latest report was
 * stored), "age_s", "report_error", "disk": {bytes_total, bytes_used,
 * bytes_free, percent (used of used + free), inodes_total, inodes_used,
 * inodes_free, days_to_full, trend}, "queue": {active, deferred, hold,
 * incoming, oldest_deferred_s}, "mailboxes": {count, bytes, messages},
 * "project_storage": {limit_bytes (null: none), used_bytes (the sum of
 * its guests' latest mailbox_bytes), days_to_limit, trend}, "load",
 * "uptime_s", "versions": {postfix, dovecot}, "warnings": [the open
 * warnings of the guest and of its project, as store_warnings_list],
 * "series": {since, step, points: [[at, fs_bytes_used, fs_bytes_total,
 * q_deferred, mailbox_bytes, load1], ...]}}.  A figure never reported
 * is null; trend is ok, not_enough_data or not_growing, days only with
 * ok.  The series holds the samples at or after since (<= 0: the last
 * 30 days) as stored (step 0), or averaged over buckets of step seconds
 * (60..31536000; else HK_EINVAL, field "step"), each at its bucket's
 * start.  l is not read yet (NULL allowed): the body shows figures, the
 * warnings say which crossed.
 */
#define SERIES_STEP_MIN	60
#define SERIES_STEP_MAX	31536000
int store_capacity_get(struct db *db, const struct hk_actor *actor,
		       const char *guest, int64_t since, int64_t step,
		       int64_t now, const struct warn_limits *l, json_t **out,
		       struct hk_err *err);
/* The same body as JSON text appended to out, as the API sends it (a
 * series too large for out's ceiling: HK_ETOOBIG, answer_too_large).
 * Its reals are the numbers store_capacity_get gives, not always in the
 * same digits (0.1, not 0.10000000000000001). */
int store_capacity_text(struct db *db, const struct hk_actor *actor,
			const char *guest, int64_t since, int64_t step,
			int64_t now, const struct warn_limits *l,
			struct strbuf *out, struct hk_err *err);
/* GET /warnings: the open ones (all 0) or every one (all 1), newest
 * first (at most WARNINGS_MAX), an owner's project only: [{"id", "kind",
 * "object", "guest" (null: a project's), "project", "value", "threshold",
 * "started_at", "ended_at" (null: open)}]. */
#define WARNINGS_MAX	1000
int store_warnings_list(struct db *db, const struct hk_actor *actor,
			int all, json_t **out, struct hk_err *err);
/* The open warnings of guest_id and of its project, as above. */
int store_warnings_guest(struct db *db, int64_t guest_id, json_t **out,
			 struct hk_err *err);

#endif
