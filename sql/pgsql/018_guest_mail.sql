-- SPDX-License-Identifier: ISC
-- 018: where a guest's mail records point (as
-- sql/sqlite/018_guest_mail.sql).
ALTER TABLE guest ADD COLUMN mail_host TEXT;
ALTER TABLE guest ADD COLUMN mail_addrs TEXT;
