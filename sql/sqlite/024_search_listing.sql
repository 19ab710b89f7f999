-- SPDX-License-Identifier: ISC
-- 024: on PostgreSQL, each row of mailbox_search also holds what a
-- listing filters and sorts on (sql/pgsql/024_search_listing.sql).
-- SQLite's index holds no text or columns of its own (FTS5, content =
-- ''): its candidates are ids alone, and nothing changes here.
SELECT 1;
