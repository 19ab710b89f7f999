-- SPDX-License-Identifier: ISC
-- 020: the domains a migration made (`hakomail migrate postfixadmin`,
-- migrate.c): running it again updates these, where any other domain of
-- the same name is a problem to report, not a row to overwrite.
CREATE TABLE migrated_domain (
	domain_id  INTEGER PRIMARY KEY REFERENCES domain(id) ON DELETE CASCADE,
	source     TEXT NOT NULL,
	first_at   INTEGER NOT NULL,
	last_at    INTEGER NOT NULL
);
