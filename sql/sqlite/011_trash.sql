-- SPDX-License-Identifier: ISC
-- 011: the mailbox trash.  Deleting a mailbox keeps what it takes to
-- restore it (its row as it was, and the guest its mail is on) until
-- purge_at; pushd tells the guest (the bundle file "trash") to move the
-- maildir aside at once and to remove it when the row goes at purge_at.
-- A restore is a row of its own (restores: the id of the trash row it
-- replaces, restored_at: when), so that ordering by id orders every
-- move the guest is told of; it stays, inert once done, until purge_at.
-- AUTOINCREMENT: an id is never used twice, since it names a directory on
-- the guest.
CREATE TABLE mailbox_trash (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	guest_id      INTEGER NOT NULL REFERENCES guest(id) ON DELETE CASCADE,
	project_id    INTEGER NOT NULL REFERENCES project(id) ON DELETE CASCADE,
	domain        TEXT NOT NULL,
	local_part    TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	name          TEXT NOT NULL DEFAULT '',
	quota_bytes   INTEGER NOT NULL DEFAULT 0,
	deleted_at    INTEGER NOT NULL,
	purge_at      INTEGER NOT NULL,
	restored_at   INTEGER,
	restores      INTEGER
);
CREATE INDEX mailbox_trash_guest ON mailbox_trash(guest_id, id);
CREATE INDEX mailbox_trash_purge ON mailbox_trash(purge_at);
CREATE INDEX mailbox_trash_address ON mailbox_trash(domain, local_part, id);
