-- SPDX-License-Identifier: ISC
-- 009: an import job can end "interrupted": the worker running it shut
-- down (SIGTERM, past [fcgi] shutdown_timeout) or died before its end,
-- and nothing of it was written.
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
	                                             'failed',
	                                             'interrupted')),
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
	SELECT id, project_id, actor, via, kind, filename, dry_run,
	skip_invalid, upsert, encoding, state, phase, done, total, rows, added,
	updated, invalid, problems, problems_more, error, worker, created_at,
	started_at, finished_at FROM import_job;
DROP TABLE import_job;
ALTER TABLE import_job_new RENAME TO import_job;
CREATE UNIQUE INDEX import_job_active ON import_job(COALESCE(project_id, 0))
	WHERE state IN ('queued', 'running');
CREATE INDEX import_job_project ON import_job(project_id, id);
-- The jobs of a worker that was gone said "failed" until now.
UPDATE import_job SET state = 'interrupted' WHERE state = 'failed' AND
	error LIKE '%the worker running the import stopped before the end%';
