-- SPDX-License-Identifier: ISC
-- 003: limits (as sql/sqlite/003_limits.sql).  0 means no limit.
ALTER TABLE project ADD COLUMN max_domains INTEGER NOT NULL DEFAULT 0;
ALTER TABLE project ADD COLUMN max_mailboxes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE project ADD COLUMN max_storage_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE domain ADD COLUMN max_mailboxes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domain ADD COLUMN default_quota_bytes BIGINT NOT NULL DEFAULT 0;
