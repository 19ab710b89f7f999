-- SPDX-License-Identifier: ISC
-- 003: limits.  0 means no limit.  A project's storage is the sum of its
-- mailboxes' quotas; a domain's default quota applies to a mailbox created
-- without one.
ALTER TABLE project ADD COLUMN max_domains INTEGER NOT NULL DEFAULT 0;
ALTER TABLE project ADD COLUMN max_mailboxes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE project ADD COLUMN max_storage_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domain ADD COLUMN max_mailboxes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domain ADD COLUMN default_quota_bytes INTEGER NOT NULL DEFAULT 0;
