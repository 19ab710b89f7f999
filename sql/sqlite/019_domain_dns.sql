-- SPDX-License-Identifier: ISC
-- 019: each domain's DNS check by pushd ([dns] check_interval,
-- store_dnswatch.c): when it was checked, when the next is due (claimed
-- by moving it, so that one node checks a domain), and what each record
-- was found to be then, a JSON array of {"name", "purpose", "status",
-- "found"}: a record that matched and no longer does raises a warning.
CREATE TABLE domain_dns (
	domain_id  INTEGER PRIMARY KEY REFERENCES domain(id) ON DELETE CASCADE,
	checked_at INTEGER NOT NULL DEFAULT 0,
	next_at    INTEGER NOT NULL,
	results    TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX domain_dns_next ON domain_dns(next_at);
