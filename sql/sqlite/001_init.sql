-- SPDX-License-Identifier: ISC
-- 001_init: the walking skeleton's model.  Times are Unix seconds.
-- Booleans are 0/1 integers so that one set of queries serves both backends.

CREATE TABLE project (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	created_at  INTEGER NOT NULL
);

CREATE TABLE account (
	id             INTEGER PRIMARY KEY,
	login          TEXT NOT NULL UNIQUE,
	password_hash  TEXT,
	role           TEXT NOT NULL CHECK (role IN ('admin', 'owner')),
	project_id     INTEGER REFERENCES project(id) ON DELETE CASCADE,
	created_at     INTEGER NOT NULL,
	CHECK ((role = 'admin') = (project_id IS NULL))
);

-- The token is hk_<prefix>_<secret>; only the secret's SHA-256 is kept.
CREATE TABLE api_key (
	id             INTEGER PRIMARY KEY,
	account_id     INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
	prefix         TEXT NOT NULL UNIQUE,
	secret_sha256  TEXT NOT NULL,
	read_only      INTEGER NOT NULL DEFAULT 0,
	expires_at     INTEGER,
	revoked_at     INTEGER,
	last_used_at   INTEGER,
	created_at     INTEGER NOT NULL
);

-- desired_gen > applied_gen: the guest is dirty and pushd owes it a push.
CREATE TABLE guest (
	id            INTEGER PRIMARY KEY,
	project_id    INTEGER NOT NULL REFERENCES project(id),
	name          TEXT NOT NULL UNIQUE,
	ssh_host      TEXT NOT NULL,
	ssh_port      INTEGER NOT NULL DEFAULT 22,
	ssh_user      TEXT NOT NULL DEFAULT 'root',
	host_key      TEXT NOT NULL,
	desired_gen   INTEGER NOT NULL DEFAULT 1,
	applied_gen   INTEGER NOT NULL DEFAULT 0,
	state         TEXT NOT NULL DEFAULT 'pending'
	              CHECK (state IN ('pending', 'pushing', 'in_sync',
	                               'unreachable', 'failed')),
	last_error    TEXT,
	last_push_at  INTEGER,
	failures      INTEGER NOT NULL DEFAULT 0,
	retry_at      INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL
);

CREATE TABLE domain (
	id               INTEGER PRIMARY KEY,
	project_id       INTEGER NOT NULL REFERENCES project(id),
	guest_id         INTEGER NOT NULL REFERENCES guest(id),
	backup_guest_id  INTEGER REFERENCES guest(id),
	name             TEXT NOT NULL UNIQUE,
	active           INTEGER NOT NULL DEFAULT 1,
	created_at       INTEGER NOT NULL
);
CREATE INDEX domain_guest ON domain(guest_id);
CREATE INDEX domain_project ON domain(project_id, name);

CREATE TABLE mailbox (
	id             INTEGER PRIMARY KEY,
	domain_id      INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
	local_part     TEXT NOT NULL,
	password_hash  TEXT NOT NULL,
	name           TEXT NOT NULL DEFAULT '',
	quota_bytes    INTEGER NOT NULL DEFAULT 0,
	active         INTEGER NOT NULL DEFAULT 1,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	UNIQUE (domain_id, local_part)
);

-- local_part '' is the domain's catch-all; destinations is a comma list of
-- validated addresses.
CREATE TABLE alias (
	id            INTEGER PRIMARY KEY,
	domain_id     INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
	local_part    TEXT NOT NULL,
	destinations  TEXT NOT NULL,
	active        INTEGER NOT NULL DEFAULT 1,
	created_at    INTEGER NOT NULL,
	UNIQUE (domain_id, local_part)
);

CREATE TABLE push (
	id           INTEGER PRIMARY KEY,
	guest_id     INTEGER NOT NULL REFERENCES guest(id) ON DELETE CASCADE,
	gen          INTEGER NOT NULL,
	started_at   INTEGER NOT NULL,
	finished_at  INTEGER,
	result       TEXT,
	error        TEXT
);
CREATE INDEX push_guest ON push(guest_id, id);
