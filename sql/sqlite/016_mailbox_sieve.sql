-- SPDX-License-Identifier: ISC
-- 016: a mailbox's vacation reply and forwarding (store_sieve.c), rendered
-- as the mailbox's Sieve script (sieve_script.c).  One row per mailbox
-- that has either; the row goes when both are cleared, and with its
-- mailbox.  vacation_text NULL: no reply (the other vacation_* columns are
-- then NULL too); forward_to NULL: no forwarding, else a comma list of
-- canonical addresses (as alias.destinations).  Dates are "YYYY-MM-DD".
CREATE TABLE mailbox_sieve (
	mailbox_id        INTEGER PRIMARY KEY REFERENCES mailbox(id)
	                  ON DELETE CASCADE,
	vacation_subject  TEXT,
	vacation_text     TEXT,
	vacation_start    TEXT,
	vacation_end      TEXT,
	vacation_days     INTEGER,
	forward_to        TEXT,
	forward_keep      INTEGER NOT NULL DEFAULT 0,
	updated_at        INTEGER NOT NULL,
	CHECK (vacation_text IS NOT NULL OR forward_to IS NOT NULL)
);
