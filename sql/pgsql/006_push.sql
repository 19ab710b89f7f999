-- SPDX-License-Identifier: ISC
-- 006: pushes that survive faults and several pushd nodes (as
-- sql/sqlite/006_push.sql), and the wake-up: any statement that raises a
-- guest's desired generation notifies channel hakomail_push, delivered at
-- commit to every pushd that LISTENs, on whichever node.
ALTER TABLE guest ADD COLUMN lease_owner TEXT;
ALTER TABLE guest ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE guest ADD COLUMN unreachable_since BIGINT;
ALTER TABLE guest ADD COLUMN applied_files TEXT;
ALTER TABLE guest ADD COLUMN check_at BIGINT NOT NULL DEFAULT 0;

ALTER TABLE push ADD COLUMN node TEXT NOT NULL DEFAULT '';
ALTER TABLE push ADD COLUMN started_ms BIGINT;
ALTER TABLE push ADD COLUMN finished_ms BIGINT;
ALTER TABLE push ADD COLUMN kind TEXT NOT NULL DEFAULT 'apply';

ALTER TABLE audit DROP CONSTRAINT audit_via_check;
ALTER TABLE audit ADD CONSTRAINT audit_via_check
	CHECK (via IN ('api', 'web', 'cli', 'import', 'pushd'));

CREATE FUNCTION hakomail_push_notify() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN PERFORM pg_notify('hakomail_push', ''); RETURN NULL; END$$;
CREATE TRIGGER guest_dirty_insert AFTER INSERT ON guest
	FOR EACH STATEMENT EXECUTE FUNCTION hakomail_push_notify();
CREATE TRIGGER guest_dirty_update AFTER UPDATE OF desired_gen, retry_at
	ON guest FOR EACH STATEMENT EXECUTE FUNCTION hakomail_push_notify();
