-- SPDX-License-Identifier: ISC
-- 021: incremental pushes (store_change.c, pushd's render_delta.c).
--
-- guest_change: what each bump of a guest's desired generation changed in
-- its keyed maps, written in the same transaction as the write: gen is
-- the guest's desired_gen after the bump; domain '*' means anything may
-- have changed (pushd renders the guest whole); local_part NULL means
-- every key of the domain, '' its catch-all.  pushd renders only these
-- keys for a guest that serves an earlier generation, and a successful
-- push drops the rows it covered.
CREATE TABLE guest_change (
	guest_id    BIGINT NOT NULL REFERENCES guest(id) ON DELETE CASCADE,
	gen         BIGINT NOT NULL,
	domain      TEXT NOT NULL,
	local_part  TEXT
);
CREATE INDEX guest_change_gen ON guest_change(guest_id, gen);

-- What each push sent: bytes on the wire, and how ('full', 'delta',
-- with '+zstd' when compressed); NULL for a status check.
ALTER TABLE push ADD COLUMN bytes BIGINT;
ALTER TABLE push ADD COLUMN bundle TEXT;
