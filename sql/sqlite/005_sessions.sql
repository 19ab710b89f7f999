-- SPDX-License-Identifier: ISC
-- 005: web panel sessions and the failed-login throttle.
-- A session is an opaque token in an HttpOnly cookie; only its SHA-256 is
-- kept.  csrf is the token every unsafe request of the session must echo
-- in a header.  A session ends at expires_at, after idle_timeout without
-- use, on logout (revoked_at), or with its account.
CREATE TABLE session (
	id            INTEGER PRIMARY KEY,
	account_id    INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
	token_sha256  TEXT NOT NULL UNIQUE,
	csrf          TEXT NOT NULL,
	address       TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	last_seen_at  INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL,
	revoked_at    INTEGER
);
CREATE INDEX session_account ON session(account_id);

-- Failed logins by "login:NAME" (whether NAME exists or not) and by
-- "addr:ADDRESS": past the free failures, each one doubles the wait.
CREATE TABLE login_throttle (
	key            TEXT PRIMARY KEY,
	failures       INTEGER NOT NULL,
	last_at        INTEGER NOT NULL,
	blocked_until  INTEGER NOT NULL
);
