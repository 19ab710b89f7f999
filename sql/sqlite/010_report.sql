-- SPDX-License-Identifier: ISC
-- 010: what each guest reports (hakomail-agent's `report` verb, collected
-- by pushd): the latest figures, a time series, mailbox usage, warnings.
--
-- guest.report_at: when the next report is due (seconds); report_error and
-- report_error_at: the last report refused and why (the figures stored
-- before it stay, with their age).
ALTER TABLE guest ADD COLUMN report_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guest ADD COLUMN report_error TEXT;
ALTER TABLE guest ADD COLUMN report_error_at INTEGER;

-- The latest report accepted, one row per guest, overwritten.  at is the
-- panel's clock when it was stored; guest_at the guest's own clock.
-- q_oldest_deferred_s is NULL when nothing is deferred.
CREATE TABLE guest_report (
	guest_id        INTEGER PRIMARY KEY REFERENCES guest(id)
	                ON DELETE CASCADE,
	at              INTEGER NOT NULL,
	guest_at        INTEGER NOT NULL,
	uptime_s        INTEGER NOT NULL,
	load1           REAL NOT NULL,
	load5           REAL NOT NULL,
	load15          REAL NOT NULL,
	postfix_version TEXT NOT NULL,
	dovecot_version TEXT NOT NULL,
	fs_bytes_total  INTEGER NOT NULL,
	fs_bytes_used   INTEGER NOT NULL,
	fs_bytes_free   INTEGER NOT NULL,
	fs_inodes_total INTEGER NOT NULL,
	fs_inodes_used  INTEGER NOT NULL,
	fs_inodes_free  INTEGER NOT NULL,
	q_active        INTEGER NOT NULL,
	q_deferred      INTEGER NOT NULL,
	q_hold          INTEGER NOT NULL,
	q_incoming      INTEGER NOT NULL,
	q_oldest_deferred_s INTEGER,
	mailboxes       INTEGER NOT NULL,
	mailbox_bytes   INTEGER NOT NULL,
	mailbox_messages INTEGER NOT NULL
);

-- The series: step 0 rows are single reports (kept 48 hours), step 3600
-- rows one hour each, at its start (kept 400 days).
CREATE TABLE guest_sample (
	guest_id        INTEGER NOT NULL REFERENCES guest(id) ON DELETE CASCADE,
	step            INTEGER NOT NULL CHECK (step IN (0, 3600)),
	at              INTEGER NOT NULL,
	fs_bytes_total  INTEGER NOT NULL,
	fs_bytes_used   INTEGER NOT NULL,
	fs_inodes_total INTEGER NOT NULL,
	fs_inodes_used  INTEGER NOT NULL,
	q_active        INTEGER NOT NULL,
	q_deferred      INTEGER NOT NULL,
	q_hold          INTEGER NOT NULL,
	q_oldest_deferred_s INTEGER,
	mailboxes       INTEGER NOT NULL,
	mailbox_bytes   INTEGER NOT NULL,
	load1           REAL NOT NULL,
	PRIMARY KEY (guest_id, step, at)
);

-- Each mailbox's usage as Dovecot last counted it, overwritten.
CREATE TABLE mailbox_usage (
	mailbox_id INTEGER PRIMARY KEY REFERENCES mailbox(id) ON DELETE CASCADE,
	used_bytes INTEGER NOT NULL,
	messages   INTEGER NOT NULL,
	at         INTEGER NOT NULL
);

-- A threshold crossed: one row from when it was crossed (started_at) to
-- when it cleared (ended_at, NULL while it holds).  kind is one of
-- disk_used, disk_days, queue_deferred, queue_age, mailbox_quota,
-- project_days; object names what it is about (a guest's or project's
-- name, a mailbox's address).
CREATE TABLE warning (
	id         INTEGER PRIMARY KEY,
	guest_id   INTEGER REFERENCES guest(id) ON DELETE CASCADE,
	project_id INTEGER REFERENCES project(id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	object     TEXT NOT NULL,
	value      REAL NOT NULL,
	threshold  REAL NOT NULL,
	started_at INTEGER NOT NULL,
	ended_at   INTEGER,
	detail     TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX warning_open ON warning(kind, object)
	WHERE ended_at IS NULL;
CREATE INDEX warning_guest ON warning(guest_id, started_at);
CREATE INDEX warning_project ON warning(project_id, started_at);
