-- SPDX-License-Identifier: ISC
-- 016: a mailbox's vacation reply and forwarding (as
-- sql/sqlite/016_mailbox_sieve.sql).
CREATE TABLE mailbox_sieve (
	mailbox_id        BIGINT PRIMARY KEY REFERENCES mailbox(id)
	                  ON DELETE CASCADE,
	vacation_subject  TEXT,
	vacation_text     TEXT,
	vacation_start    TEXT,
	vacation_end      TEXT,
	vacation_days     INTEGER,
	forward_to        TEXT,
	forward_keep      INTEGER NOT NULL DEFAULT 0,
	updated_at        BIGINT NOT NULL,
	CHECK (vacation_text IS NOT NULL OR forward_to IS NOT NULL)
);
