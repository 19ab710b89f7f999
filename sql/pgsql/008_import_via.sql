-- SPDX-License-Identifier: ISC
-- 008: every import is a job, whatever door it came through (as
-- sql/sqlite/008).
--
-- via: the door, as the audit log names it: 'api' (a key), 'web' (a
-- session of the web panel) or 'cli' (hakomail import, run in the
-- foreground by the operator: its worker is "cli:host:pid").  Jobs made
-- before this migration came through the API; which of its doors is not
-- known, so they say 'api'.
-- state 'checked': a dry run that ran to its end, with or without
-- problems (in invalid and problems); 'failed' is kept for an import that
-- could not run or was refused (error says why).
ALTER TABLE import_job ADD COLUMN via TEXT NOT NULL DEFAULT 'api'
	CHECK (via IN ('api', 'web', 'cli'));
ALTER TABLE import_job DROP CONSTRAINT import_job_state_check;
ALTER TABLE import_job ADD CONSTRAINT import_job_state_check
	CHECK (state IN ('queued', 'running', 'done', 'checked', 'failed'));
-- The dry runs already ended say so too.
UPDATE import_job SET state = 'checked', error = NULL WHERE dry_run = 1 AND
	(state = 'done' OR (state = 'failed' AND invalid > 0 AND
	 error LIKE '%"code":"invalid"%'));
