-- SPDX-License-Identifier: ISC
-- 018: where a guest's mail records point (dnsrecords.c): mail_host, the
-- host name its domains' MX records name (an A-label, no final dot), and
-- mail_addrs, the public addresses it sends from (SPF), canonical IPv4
-- and IPv6 addresses separated by one space, at most 8.  NULL until an
-- operator sets them; the records that need them then say so.
ALTER TABLE guest ADD COLUMN mail_host TEXT;
ALTER TABLE guest ADD COLUMN mail_addrs TEXT;
