-- SPDX-License-Identifier: ISC
-- 015: sign-in with a second factor, by mailbox users, through a
-- directory (as sql/sqlite/015_signin.sql).
ALTER TABLE account ADD COLUMN directory INTEGER NOT NULL DEFAULT 0;
ALTER TABLE session ALTER COLUMN account_id DROP NOT NULL;
ALTER TABLE session ADD COLUMN mailbox_id BIGINT REFERENCES mailbox(id)
	ON DELETE CASCADE;
ALTER TABLE session ADD COLUMN second_factor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE session ADD CONSTRAINT session_who
	CHECK ((account_id IS NULL) <> (mailbox_id IS NULL));
CREATE INDEX session_mailbox ON session(mailbox_id);
