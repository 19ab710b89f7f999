-- SPDX-License-Identifier: ISC
-- 012 (as sql/sqlite/012): mailbox_usage made cheap to write, for a guest's
-- report of 100,000 mailboxes stored within a second (issue 16).
--
-- Half of each page left free, so that a usage row overwritten by the
-- next report stays on its page (a HOT update: no new index entry, the
-- old version pruned in place); the rows there are rewritten so.
ALTER TABLE mailbox_usage SET (fillfactor = 50);
CLUSTER mailbox_usage USING mailbox_usage_pkey;

-- The foreign key checked each new row on its own, locking its mailbox
-- (1.2 s of CPU for a guest's first report of 100,000).  What it kept
-- true holds still: store_report_save() reads the mailboxes with the
-- guest's domains locked against deletion and its guest row locked, and
-- a mailbox deleted takes its usage with it here, once that guest row is
-- free (so after a report that read the mailbox has committed its usage
-- row, which this DELETE then sees).  A domain deleted goes by its own
-- row, which such a report holds.  A mailbox's id is never used again.
ALTER TABLE mailbox_usage DROP CONSTRAINT mailbox_usage_mailbox_id_fkey;
CREATE FUNCTION hakomail_usage_gone() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN
	PERFORM 1 FROM guest WHERE id IN (SELECT d.guest_id FROM domain d
		WHERE d.id IN (SELECT domain_id FROM gone)) ORDER BY id
		FOR NO KEY UPDATE;
	DELETE FROM mailbox_usage WHERE mailbox_id IN (SELECT id FROM gone);
	RETURN NULL;
END$$;
CREATE TRIGGER mailbox_usage_gone AFTER DELETE ON mailbox
	REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
	EXECUTE FUNCTION hakomail_usage_gone();
