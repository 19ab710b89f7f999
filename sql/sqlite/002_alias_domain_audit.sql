-- SPDX-License-Identifier: ISC
-- 002: alias domains and the audit log.

-- Mail for any address of an alias domain goes to the same local part of
-- its target domain; project_id is the target's, kept for scoping.
CREATE TABLE alias_domain (
	id                INTEGER PRIMARY KEY,
	project_id        INTEGER NOT NULL REFERENCES project(id),
	name              TEXT NOT NULL UNIQUE,
	target_domain_id  INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
	active            INTEGER NOT NULL DEFAULT 1,
	created_at        INTEGER NOT NULL
);
CREATE INDEX alias_domain_target ON alias_domain(target_domain_id);

-- Who did what, through which door: via is api, web, cli or import;
-- detail is a JSON object (the object after the change, never a secret).
CREATE TABLE audit (
	id      INTEGER PRIMARY KEY,
	at      INTEGER NOT NULL,
	actor   TEXT NOT NULL,
	via     TEXT NOT NULL CHECK (via IN ('api', 'web', 'cli', 'import')),
	action  TEXT NOT NULL,
	object  TEXT NOT NULL,
	project_id INTEGER,
	detail  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit(at, id);
CREATE INDEX audit_project ON audit(project_id, id);
