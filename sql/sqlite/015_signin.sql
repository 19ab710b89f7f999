-- SPDX-License-Identifier: ISC
-- 015: sign-in with a second factor, by mailbox users, through a directory.
-- session.second_factor: the session's sign-in passed the account's TOTP
-- (or recovery) code; creating an API key from a session needs it.
-- session.mailbox_id: a mailbox user's session (its own mailbox only); a
-- session belongs to an account or to a mailbox, never both.
-- account.directory: the account's password is checked by the [ldap]
-- directory, not against a stored hash.
-- SQLite cannot drop a NOT NULL: the session table is made anew (no table
-- refers to it; live sessions are kept).
ALTER TABLE account ADD COLUMN directory INTEGER NOT NULL DEFAULT 0;
CREATE TABLE session_015 (
	id             INTEGER PRIMARY KEY,
	account_id     INTEGER REFERENCES account(id) ON DELETE CASCADE,
	mailbox_id     INTEGER REFERENCES mailbox(id) ON DELETE CASCADE,
	token_sha256   TEXT NOT NULL UNIQUE,
	csrf           TEXT NOT NULL,
	address        TEXT NOT NULL,
	created_at     INTEGER NOT NULL,
	last_seen_at   INTEGER NOT NULL,
	expires_at     INTEGER NOT NULL,
	revoked_at     INTEGER,
	second_factor  INTEGER NOT NULL DEFAULT 0,
	CHECK ((account_id IS NULL) <> (mailbox_id IS NULL))
);
INSERT INTO session_015 (id, account_id, token_sha256, csrf, address,
	created_at, last_seen_at, expires_at, revoked_at)
	SELECT id, account_id, token_sha256, csrf, address, created_at,
	       last_seen_at, expires_at, revoked_at FROM session;
DROP TABLE session;
ALTER TABLE session_015 RENAME TO session;
CREATE INDEX session_account ON session(account_id);
CREATE INDEX session_mailbox ON session(mailbox_id);
