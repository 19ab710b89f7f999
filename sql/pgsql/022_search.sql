-- SPDX-License-Identifier: ISC
-- 022: substring search (q=) through trigram indexes (store_search.c).
--
-- mailbox_search and alias_search hold each row's text (a mailbox's local
-- part, a newline and its lowercased display name; an alias's local part)
-- under pg_trgm's GIN index: LIKE on that text finds the candidates, the
-- rows in any domain that may hold a fragment, and the listing's own
-- LIKE then tests those, so its rows are the same as a scan's.  pg_trgm
-- is a trusted extension: the database's owner, who runs the
-- migrations, may create it.
--
-- An insert does not index: GIN cost an import of 100,000 mailboxes a
-- third more time.  A statement's inserts note the range of their ids in
-- search_fresh, in their own transaction, and pushd indexes the ranges
-- in batches (db_pgsql.c's search upkeep); until then the rows in a range
-- are candidates of every search.  An update of the text and a delete
-- keep the index themselves.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE mailbox_search (
	id   BIGINT PRIMARY KEY,
	doc  TEXT NOT NULL
);
CREATE TABLE alias_search (
	id   BIGINT PRIMARY KEY,
	doc  TEXT NOT NULL
);
INSERT INTO mailbox_search
SELECT id, local_part || chr(10) || lower(name) FROM mailbox;
INSERT INTO alias_search SELECT id, local_part FROM alias;
CREATE INDEX mailbox_search_doc ON mailbox_search
	USING gin (doc gin_trgm_ops);
CREATE INDEX alias_search_doc ON alias_search USING gin (doc gin_trgm_ops);

-- kind 0: mailbox, 1: alias
CREATE TABLE search_fresh (
	seq   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind  SMALLINT NOT NULL,
	lo    BIGINT NOT NULL,
	hi    BIGINT NOT NULL
);
CREATE FUNCTION hakomail_search_fresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO search_fresh (kind, lo, hi)
	SELECT TG_ARGV[0]::smallint, min(id), max(id) FROM fresh
	HAVING count(*) > 0;
	RETURN NULL;
END $$;
CREATE TRIGGER mailbox_search_fresh AFTER INSERT ON mailbox
	REFERENCING NEW TABLE AS fresh FOR EACH STATEMENT
	EXECUTE FUNCTION hakomail_search_fresh('0');
CREATE TRIGGER alias_search_fresh AFTER INSERT ON alias
	REFERENCING NEW TABLE AS fresh FOR EACH STATEMENT
	EXECUTE FUNCTION hakomail_search_fresh('1');

-- An update of the text, row by row where it changed (the WHEN costs
-- the others nothing); a row not indexed yet is left to pushd, which
-- reads it under FOR SHARE, so the two never cross.
CREATE FUNCTION hakomail_search_mailbox_text() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE mailbox_search SET doc = new.local_part || chr(10) ||
	    lower(new.name) WHERE id = new.id;
	RETURN NULL;
END $$;
CREATE TRIGGER mailbox_search_text AFTER UPDATE OF local_part, name
	ON mailbox FOR EACH ROW WHEN (old.local_part IS DISTINCT FROM
	new.local_part OR old.name IS DISTINCT FROM new.name)
	EXECUTE FUNCTION hakomail_search_mailbox_text();
CREATE FUNCTION hakomail_search_alias_text() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE alias_search SET doc = new.local_part WHERE id = new.id;
	RETURN NULL;
END $$;
CREATE TRIGGER alias_search_text AFTER UPDATE OF local_part ON alias
	FOR EACH ROW WHEN (old.local_part IS DISTINCT FROM new.local_part)
	EXECUTE FUNCTION hakomail_search_alias_text();

-- A delete, a statement at a time (a domain's 500,000 in one), from the
-- index named by the trigger.
CREATE FUNCTION hakomail_search_gone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('DELETE FROM %I s USING gone g WHERE s.id = g.id',
	    TG_ARGV[0]);
	RETURN NULL;
END $$;
CREATE TRIGGER mailbox_search_gone AFTER DELETE ON mailbox
	REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
	EXECUTE FUNCTION hakomail_search_gone('mailbox_search');
CREATE TRIGGER alias_search_gone AFTER DELETE ON alias
	REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
	EXECUTE FUNCTION hakomail_search_gone('alias_search');

-- A domain's aliases in the order of their addresses (store_alias.c).
CREATE INDEX alias_address ON alias (domain_id, (local_part || '@'));
