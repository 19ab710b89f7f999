-- SPDX-License-Identifier: ISC
-- 022: substring search (q=) through an index (store_mailbox.c).
--
-- pg_trgm's GIN index over each mailbox's local part and lowercased
-- display name, as one text joined by chr(1): a search ANDs that text's
-- LIKE to the listing's own (db_pgsql.c), which holds for every row the
-- listing's LIKE matches, and the planner weighs the index against
-- walking the domain in order.  One index, not one a column: each
-- costs every insert.  pg_trgm is a trusted extension: the database's
-- owner, who runs the migrations, may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX mailbox_search ON mailbox
	USING gin ((local_part || chr(1) || lower(name)) gin_trgm_ops);

-- The same over each alias's local part (an address holds a fragment
-- when its local part or its domain's name does: store_alias.c looks for
-- the first and tests the second itself).
CREATE INDEX alias_search ON alias USING gin (local_part gin_trgm_ops);
-- A domain's aliases in the order of their addresses (store_alias.c).
CREATE INDEX alias_address ON alias (domain_id, (local_part || '@'));
