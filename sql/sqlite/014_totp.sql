-- SPDX-License-Identifier: ISC
-- 014: the second factor of panel accounts (store_totp.c).
-- account_totp: the account's TOTP secret (RFC 6238, base32), unconfirmed
-- (confirmed_at NULL) until a first valid code; last_step is the newest
-- step a code was accepted for, so that no code is accepted twice.
-- account_recovery_code: single-use codes, only their SHA-256 kept.
CREATE TABLE account_totp (
	account_id    INTEGER PRIMARY KEY REFERENCES account(id)
	              ON DELETE CASCADE,
	secret        TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	confirmed_at  INTEGER,
	last_step     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE account_recovery_code (
	id            INTEGER PRIMARY KEY,
	account_id    INTEGER NOT NULL REFERENCES account(id)
	              ON DELETE CASCADE,
	code_sha256   TEXT NOT NULL,
	used_at       INTEGER,
	UNIQUE (account_id, code_sha256)
);
