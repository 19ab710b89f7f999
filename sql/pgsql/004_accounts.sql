-- SPDX-License-Identifier: ISC
-- 004: accounts (as sql/sqlite/004_accounts.sql).
ALTER TABLE account ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE account ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX mailbox_active ON mailbox(domain_id, active, local_part);
