-- SPDX-License-Identifier: ISC
-- 025: mailbox's unique key, its domain and local part, also holds what
-- a search's walk reads (023's mailbox_walk: the id and the name), and
-- mailbox_walk goes.  The two were the same key: every insert, rename
-- and delete wrote both (an import of 100,000 mailboxes: about a sixth
-- of its time, bench/import.sh).  A walk reads this index alone as it
-- read mailbox_walk.  (SQLite's unique key cannot hold other columns:
-- sql/sqlite/025_mailbox_address.sql changes nothing.)
ALTER TABLE mailbox
	ADD CONSTRAINT mailbox_address UNIQUE (domain_id, local_part)
		INCLUDE (id, name),
	DROP CONSTRAINT mailbox_domain_id_local_part_key;
DROP INDEX mailbox_walk;
