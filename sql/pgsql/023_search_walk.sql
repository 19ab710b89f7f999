-- SPDX-License-Identifier: ISC
-- 023: as sql/sqlite/023_search_walk.sql: a search's scan and walk read
-- an index alone (an index-only scan: the id they select is in it too),
-- and an alias's text in its index ends with the '@'.
CREATE INDEX mailbox_walk ON mailbox (domain_id, local_part)
	INCLUDE (id, name);
DROP INDEX alias_address;
CREATE INDEX alias_address ON alias (domain_id, (local_part || '@'))
	INCLUDE (id, local_part, active);

CREATE OR REPLACE FUNCTION hakomail_search_alias_text() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE alias_search SET doc = new.local_part || '@' WHERE id = new.id;
	RETURN NULL;
END $$;
UPDATE alias_search s SET doc = a.local_part || '@' FROM alias a
WHERE a.id = s.id;
