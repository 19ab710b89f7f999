-- SPDX-License-Identifier: ISC
-- 009: an import job can end "interrupted" (as sql/sqlite/009): the
-- worker running it shut down (SIGTERM, past [fcgi] shutdown_timeout) or
-- died before its end, and nothing of it was written.
ALTER TABLE import_job DROP CONSTRAINT import_job_state_check;
ALTER TABLE import_job ADD CONSTRAINT import_job_state_check
	CHECK (state IN ('queued', 'running', 'done', 'checked', 'failed',
	                 'interrupted'));
-- The jobs of a worker that was gone said "failed" until now.
UPDATE import_job SET state = 'interrupted' WHERE state = 'failed' AND
	error LIKE '%the worker running the import stopped before the end%';
