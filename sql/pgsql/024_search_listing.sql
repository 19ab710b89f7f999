-- SPDX-License-Identifier: ISC
-- 024: each row of mailbox_search also holds what a listing filters and
-- sorts on (its domain, local part and active flag), as the mailbox
-- holds them: the candidates of a search then give a page's rows in the
-- one pass that rechecks them (db_pgsql.c's collect), where each
-- candidate's mailbox was read too (1,250 random reads for a whole name
-- in a domain of 500,000: 4 ms).  The triggers keep them as they keep
-- doc: in the write's own transaction.  A mailbox never changes domain.
ALTER TABLE mailbox_search ADD COLUMN domain_id BIGINT,
	ADD COLUMN local_part TEXT COLLATE "C", ADD COLUMN active INTEGER;
UPDATE mailbox_search s SET domain_id = m.domain_id,
	local_part = m.local_part, active = m.active
FROM mailbox m WHERE m.id = s.id;
ALTER TABLE mailbox_search ALTER COLUMN domain_id SET NOT NULL,
	ALTER COLUMN local_part SET NOT NULL,
	ALTER COLUMN active SET NOT NULL;

CREATE OR REPLACE FUNCTION hakomail_search_mailbox_text() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE mailbox_search SET doc = new.local_part || chr(10) ||
	    lower(new.name), local_part = new.local_part WHERE id = new.id;
	RETURN NULL;
END $$;
CREATE FUNCTION hakomail_search_mailbox_active() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE mailbox_search SET active = new.active WHERE id = new.id;
	RETURN NULL;
END $$;
CREATE TRIGGER mailbox_search_active AFTER UPDATE OF active ON mailbox
	FOR EACH ROW WHEN (old.active IS DISTINCT FROM new.active)
	EXECUTE FUNCTION hakomail_search_mailbox_active();
