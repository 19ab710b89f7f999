-- SPDX-License-Identifier: ISC
-- 019: each domain's DNS check by pushd (as sql/sqlite/019_domain_dns.sql).
CREATE TABLE domain_dns (
	domain_id  BIGINT PRIMARY KEY REFERENCES domain(id) ON DELETE CASCADE,
	checked_at BIGINT NOT NULL DEFAULT 0,
	next_at    BIGINT NOT NULL,
	results    TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX domain_dns_next ON domain_dns(next_at);
