-- SPDX-License-Identifier: ISC
-- 006: pushes that survive faults and several pushd nodes.
--
-- guest.lease_owner/lease_until: the pushd node working on the guest now
-- (a push or a drift check) and until when its lease holds; a node that
-- died loses its leases when they expire, or at once when it restarts.
-- unreachable_since: when the guest stopped answering (NULL: it answers).
-- applied_files: the checksums the agent reported for what it serves, as
-- a JSON object {file: sha256}; check_at: when the next drift check is due.
ALTER TABLE guest ADD COLUMN lease_owner TEXT;
ALTER TABLE guest ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guest ADD COLUMN unreachable_since INTEGER;
ALTER TABLE guest ADD COLUMN applied_files TEXT;
ALTER TABLE guest ADD COLUMN check_at INTEGER NOT NULL DEFAULT 0;

-- The push history: one row per attempt, by which node; times in ms.
ALTER TABLE push ADD COLUMN node TEXT NOT NULL DEFAULT '';
ALTER TABLE push ADD COLUMN started_ms INTEGER;
ALTER TABLE push ADD COLUMN finished_ms INTEGER;
ALTER TABLE push ADD COLUMN kind TEXT NOT NULL DEFAULT 'apply';

-- pushd writes to the audit log too (drift repaired, generation reset).
CREATE TABLE audit_new (
	id      INTEGER PRIMARY KEY,
	at      INTEGER NOT NULL,
	actor   TEXT NOT NULL,
	via     TEXT NOT NULL CHECK (via IN ('api', 'web', 'cli', 'import',
	                                     'pushd')),
	action  TEXT NOT NULL,
	object  TEXT NOT NULL,
	project_id INTEGER,
	detail  TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO audit_new SELECT id, at, actor, via, action, object, project_id,
	detail FROM audit;
DROP TABLE audit;
ALTER TABLE audit_new RENAME TO audit;
CREATE INDEX audit_at ON audit(at, id);
CREATE INDEX audit_project ON audit(project_id, id);
