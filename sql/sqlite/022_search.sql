-- SPDX-License-Identifier: ISC
-- 022: substring search (q=) through trigram indexes (store_search.c).
--
-- mailbox_search: FTS5's trigram index over each mailbox's local part and
-- display name, as one text (the local part, a newline, the name);
-- alias_search: over each alias's local part.  They hold no text of their
-- own (content = '') and no positions (detail = 'none'): they only say
-- which rows hold every trigram of a fragment, in any domain, and the
-- listing's LIKE then tests those, so its rows are the same as a scan's
-- (the tokenizer folds case beyond ASCII; LIKE folds ASCII alone).
--
-- A write does not index: an FTS5 insert cost 90 to 450 us (its merges),
-- more than the insert itself.  pushd indexes in batches
-- (db_sqlite.c's search_upkeep), and until then a row is a candidate of
-- every search, so none is ever missed.  What the index holds for a row:
--  - when search_pending notes it: the text noted (NULL: nothing);
--  - else, when its id is at most its kind's search_mark.hi: the row's
--    text as it is (nothing for a row deleted);
--  - else nothing: the row is new.
-- An insert costs nothing: SQLite gives a new row the highest id plus one
-- (mailbox and alias are never given an id), above hi, which never
-- passes the highest id (a delete lowers it).  An update or a delete of
-- a row at most hi notes the row with what the index holds, once (OR
-- IGNORE keeps the first note's text).
CREATE VIRTUAL TABLE mailbox_search USING fts5(
	doc, content = '', detail = 'none', tokenize = 'trigram'
);
CREATE VIRTUAL TABLE alias_search USING fts5(
	doc, content = '', detail = 'none', tokenize = 'trigram'
);
INSERT INTO mailbox_search(rowid, doc)
SELECT id, local_part || char(10) || name FROM mailbox;
INSERT INTO alias_search(rowid, doc) SELECT id, local_part FROM alias;

-- kind 0: a mailbox, 1: an alias
CREATE TABLE search_mark (
	kind  INTEGER PRIMARY KEY,
	hi    INTEGER NOT NULL
);
INSERT INTO search_mark VALUES
	(0, (SELECT coalesce(max(id), 0) FROM mailbox)),
	(1, (SELECT coalesce(max(id), 0) FROM alias));
CREATE TABLE search_pending (
	kind     INTEGER NOT NULL,
	id       INTEGER NOT NULL,
	indexed  TEXT,
	PRIMARY KEY (kind, id)
) WITHOUT ROWID;

CREATE TRIGGER mailbox_search_update AFTER UPDATE OF local_part, name
ON mailbox WHEN old.id <= (SELECT hi FROM search_mark WHERE kind = 0)
BEGIN
	INSERT OR IGNORE INTO search_pending
	VALUES (0, old.id, old.local_part || char(10) || old.name);
END;
CREATE TRIGGER mailbox_search_delete AFTER DELETE ON mailbox BEGIN
	INSERT OR IGNORE INTO search_pending
	SELECT 0, old.id, old.local_part || char(10) || old.name
	WHERE old.id <= (SELECT hi FROM search_mark WHERE kind = 0);
	UPDATE search_mark SET hi = (SELECT coalesce(max(id), 0) FROM mailbox)
	WHERE kind = 0 AND hi > (SELECT coalesce(max(id), 0) FROM mailbox);
END;
CREATE TRIGGER alias_search_update AFTER UPDATE OF local_part ON alias
WHEN old.id <= (SELECT hi FROM search_mark WHERE kind = 1)
BEGIN
	INSERT OR IGNORE INTO search_pending VALUES (1, old.id, old.local_part);
END;
CREATE TRIGGER alias_search_delete AFTER DELETE ON alias BEGIN
	INSERT OR IGNORE INTO search_pending
	SELECT 1, old.id, old.local_part
	WHERE old.id <= (SELECT hi FROM search_mark WHERE kind = 1);
	UPDATE search_mark SET hi = (SELECT coalesce(max(id), 0) FROM alias)
	WHERE kind = 1 AND hi > (SELECT coalesce(max(id), 0) FROM alias);
END;

-- A domain's aliases in the order of their addresses (store_alias.c).
CREATE INDEX alias_address ON alias(domain_id, (local_part || '@'));
