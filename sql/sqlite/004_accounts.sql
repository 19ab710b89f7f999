-- SPDX-License-Identifier: ISC
-- 004: accounts that can be disabled (their keys and sessions stop
-- working, their audit trail stays); an index for listing a domain's
-- active or inactive mailboxes in local-part order without a scan.
ALTER TABLE account ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE account ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX mailbox_active ON mailbox(domain_id, active, local_part);
