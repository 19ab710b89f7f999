-- SPDX-License-Identifier: ISC
-- 025: on PostgreSQL, mailbox's unique key (domain, local part) also
-- holds the id and name a search's walk reads, in place of 023's
-- mailbox_walk (sql/pgsql/025_mailbox_address.sql).  SQLite's unique
-- key cannot hold other columns: mailbox_walk stays, and nothing
-- changes here.
SELECT 1;
