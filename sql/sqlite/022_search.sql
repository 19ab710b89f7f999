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
-- more than the insert itself.  It notes the row in search_pending, with
-- the text the index holds for it (NULL: none), and pushd indexes what is
-- noted in batches (store_search_upkeep).  Until then a row noted is a
-- candidate of every search, so none is ever missed.  A row not noted is
-- indexed with its text as it is.
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
CREATE TABLE search_pending (
	kind     INTEGER NOT NULL,
	id       INTEGER NOT NULL,
	indexed  TEXT,
	PRIMARY KEY (kind, id)
) WITHOUT ROWID;
-- The first note of a row keeps what the index holds: a second change
-- (OR IGNORE) leaves it.
CREATE TRIGGER mailbox_search_insert AFTER INSERT ON mailbox BEGIN
	INSERT OR IGNORE INTO search_pending VALUES (0, new.id, NULL);
END;
CREATE TRIGGER mailbox_search_update AFTER UPDATE OF local_part, name
ON mailbox BEGIN
	INSERT OR IGNORE INTO search_pending
	VALUES (0, old.id, old.local_part || char(10) || old.name);
END;
CREATE TRIGGER mailbox_search_delete AFTER DELETE ON mailbox BEGIN
	INSERT OR IGNORE INTO search_pending
	VALUES (0, old.id, old.local_part || char(10) || old.name);
END;
CREATE TRIGGER alias_search_insert AFTER INSERT ON alias BEGIN
	INSERT OR IGNORE INTO search_pending VALUES (1, new.id, NULL);
END;
CREATE TRIGGER alias_search_update AFTER UPDATE OF local_part ON alias BEGIN
	INSERT OR IGNORE INTO search_pending VALUES (1, old.id, old.local_part);
END;
CREATE TRIGGER alias_search_delete AFTER DELETE ON alias BEGIN
	INSERT OR IGNORE INTO search_pending VALUES (1, old.id, old.local_part);
END;

-- A domain's aliases in the order of their addresses (store_alias.c).
CREATE INDEX alias_address ON alias(domain_id, (local_part || '@'));
