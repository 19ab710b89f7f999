-- SPDX-License-Identifier: ISC
-- 008: every import is a job, whatever door it came through.
--
-- via: the door, as the audit log names it: 'api' (a key), 'web' (a
-- session of the web panel) or 'cli' (hakomail import, run in the
-- foreground by the operator: its worker is "cli:host:pid").  Jobs made
-- before this migration came through the API; which of its doors is not
-- known, so they say 'api'.
-- state 'checked': a dry run that ran to its end, with or without
-- problems (in invalid and problems); 'failed' is kept for an import that
-- could not run or was refused (error says why).
-- SQLite cannot change a CHECK: the table is made again.
CREATE TABLE import_job_new (
	id           INTEGER PRIMARY KEY,
	project_id   INTEGER REFERENCES project(id) ON DELETE CASCADE,
	actor        TEXT NOT NULL,
	via          TEXT NOT NULL DEFAULT 'api'
	             CHECK (via IN ('api', 'web', 'cli')),
	kind         TEXT NOT NULL CHECK (kind IN ('mailboxes', 'aliases')),
	filename     TEXT NOT NULL DEFAULT '',
	dry_run      INTEGER NOT NULL,
	skip_invalid INTEGER NOT NULL,
	upsert       INTEGER NOT NULL,
	encoding     TEXT NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('queued', 'running',
	                                             'done', 'checked',
	                                             'failed')),
	phase        TEXT,
	done         INTEGER NOT NULL DEFAULT 0,
	total        INTEGER NOT NULL DEFAULT 0,
	rows         INTEGER NOT NULL DEFAULT 0,
	added        INTEGER NOT NULL DEFAULT 0,
	updated      INTEGER NOT NULL DEFAULT 0,
	invalid      INTEGER NOT NULL DEFAULT 0,
	problems     TEXT NOT NULL DEFAULT '[]',
	problems_more INTEGER NOT NULL DEFAULT 0,
	error        TEXT,
	worker       TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	started_at   INTEGER,
	finished_at  INTEGER
);
INSERT INTO import_job_new (id, project_id, actor, via, kind, filename,
	dry_run, skip_invalid, upsert, encoding, state, phase, done, total,
	rows, added, updated, invalid, problems, problems_more, error, worker,
	created_at, started_at, finished_at)
	SELECT id, project_id, actor, 'api', kind, filename, dry_run,
	skip_invalid, upsert, encoding, state, phase, done, total, rows, added,
	updated, invalid, problems, problems_more, error, worker, created_at,
	started_at, finished_at FROM import_job;
DROP TABLE import_job;
ALTER TABLE import_job_new RENAME TO import_job;
CREATE UNIQUE INDEX import_job_active ON import_job(COALESCE(project_id, 0))
	WHERE state IN ('queued', 'running');
CREATE INDEX import_job_project ON import_job(project_id, id);
-- The dry runs already ended say so too.
UPDATE import_job SET state = 'checked', error = NULL WHERE dry_run = 1 AND
	(state = 'done' OR (state = 'failed' AND invalid > 0 AND
	 error LIKE '%"code":"invalid"%'));
