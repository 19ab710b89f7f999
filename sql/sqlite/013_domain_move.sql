-- SPDX-License-Identifier: ISC
-- 013: moving a domain, with its mail, from one guest to another
-- (store_move.c; pushd's move.c does the work).
--
-- step says what each guest serves, for the render (render.c):
--   0 copy     the target holds the mailboxes (logins refused) while
--              dsync copies them; the source serves
--   1 accept   the target accepts the domain's mail too (logins refused)
--   2 relay    the source stops logins and relays the domain's mail to
--              the target; neither takes logins (seconds)
--   3 serve    domain.guest_id is the target, which serves; the source
--              relays until finish_at (catch-up, then the wait)
--   4 done     the source's relay and copy are gone (or, cancelled or
--              failed before step 1: nothing changed)
-- phase is what the operator sees (copy, cutover, catchup, relay,
-- finish, done, cancelled, failed); live is 1 until the move ended, and
-- one live move per domain at most.  A lease (lease_node, lease_until)
-- gives the move to one pushd worker at a time; next_at is when it is
-- due again (a retry, the end of the relay time).
CREATE TABLE domain_move (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	domain_id       INTEGER REFERENCES domain(id) ON DELETE SET NULL,
	project_id      INTEGER NOT NULL REFERENCES project(id)
	                ON DELETE CASCADE,
	domain          TEXT NOT NULL,
	from_guest_id   INTEGER NOT NULL REFERENCES guest(id)
	                ON DELETE CASCADE,
	to_guest_id     INTEGER NOT NULL REFERENCES guest(id)
	                ON DELETE CASCADE,
	phase           TEXT NOT NULL DEFAULT 'copy',
	step            INTEGER NOT NULL DEFAULT 0,
	live            INTEGER NOT NULL DEFAULT 1,
	cancel          INTEGER NOT NULL DEFAULT 0,
	actor           TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	phase_at        INTEGER NOT NULL,
	cutover_at      INTEGER,
	finish_at       INTEGER,
	ended_at        INTEGER,
	mailboxes_total INTEGER NOT NULL DEFAULT 0,
	bytes_total     INTEGER NOT NULL DEFAULT 0,
	messages_total  INTEGER NOT NULL DEFAULT 0,
	mailboxes_done  INTEGER NOT NULL DEFAULT 0,
	bytes_done      INTEGER NOT NULL DEFAULT 0,
	messages_done   INTEGER NOT NULL DEFAULT 0,
	wait_gen        INTEGER NOT NULL DEFAULT 0,
	error           TEXT,
	error_at        INTEGER,
	failures        INTEGER NOT NULL DEFAULT 0,
	next_at         INTEGER NOT NULL DEFAULT 0,
	lease_node      TEXT,
	lease_until     INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX domain_move_live ON domain_move(domain_id) WHERE live = 1;
CREATE INDEX domain_move_due ON domain_move(live, next_at);

-- Each mailbox copied, pass by pass (1 the copy, 2 the catch-up, 3 the
-- last sync before the source's copy goes): a step done is never redone.
-- state: dsync's state after the pass (what the source's doveadm printed),
-- from which the next pass merges only what changed since.
CREATE TABLE domain_move_mailbox (
	move_id     INTEGER NOT NULL REFERENCES domain_move(id)
	            ON DELETE CASCADE,
	mailbox_id  INTEGER NOT NULL REFERENCES mailbox(id) ON DELETE CASCADE,
	pass        INTEGER NOT NULL,
	bytes       INTEGER NOT NULL DEFAULT 0,
	messages    INTEGER NOT NULL DEFAULT 0,
	state       TEXT,
	PRIMARY KEY (move_id, mailbox_id)
);

-- The trash rows a move made (the source's copy when it finished, the
-- target's when it was cancelled): purged like a deleted mailbox's, but
-- never listed or restored as one; and not before the guest serves gen,
-- the generation that told it to move the maildir aside (a cancelled
-- move's rows are due at once).
ALTER TABLE mailbox_trash ADD COLUMN move_id INTEGER;
ALTER TABLE mailbox_trash ADD COLUMN gen INTEGER;
