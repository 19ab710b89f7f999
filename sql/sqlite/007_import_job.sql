-- SPDX-License-Identifier: ISC
-- 007: CSV imports through the API run as jobs.
--
-- A job is made by POST /imports and run by the FastCGI worker that took
-- the upload, once it has answered (worker: "host:pid"; a job whose
-- worker died is failed by the supervisor).  phase/done/total are its
-- progress; rows/added/updated/invalid and problems (a JSON array of
-- {line, column, reason}) its report; error a JSON {code, message, field}.
-- One job at a time per project (operators' jobs, which have no project,
-- count as project 0).
CREATE TABLE import_job (
	id           INTEGER PRIMARY KEY,
	project_id   INTEGER REFERENCES project(id) ON DELETE CASCADE,
	actor        TEXT NOT NULL,
	kind         TEXT NOT NULL CHECK (kind IN ('mailboxes', 'aliases')),
	filename     TEXT NOT NULL DEFAULT '',
	dry_run      INTEGER NOT NULL,
	skip_invalid INTEGER NOT NULL,
	upsert       INTEGER NOT NULL,
	encoding     TEXT NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('queued', 'running',
	                                             'done', 'failed')),
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
CREATE UNIQUE INDEX import_job_active ON import_job(COALESCE(project_id, 0))
	WHERE state IN ('queued', 'running');
CREATE INDEX import_job_project ON import_job(project_id, id);
