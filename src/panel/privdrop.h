/* SPDX-License-Identifier: ISC */
/*
 * privdrop.h - giving up root for good, the one way every panel program
 * does it: the target's groups (initgroups), then its group, then its
 * user, each checked, and then a check that root cannot be had back.
 *
 * The daemons start as root only to open their sockets, then become
 * their configured user ([fcgi] user, [pushd] user).  The CLI run as root
 * becomes the owner of the SQLite database before it opens it, so that no
 * file of the database (the file, -wal, -shm) is ever root's while the
 * daemons, who are not root, share it.
 */
#ifndef HK_PRIVDROP_H
#define HK_PRIVDROP_H

#include <sys/types.h>

#include "err.h"

/* As root: becomes the user called name (its uid, its primary group and
 * the groups it is in).  Not root: does nothing.  HK_EINVAL on field when
 * there is no such user; HK_ESYS when a step fails. */
int privdrop_user(const char *name, const char *field, struct hk_err *err);

/* As root: becomes uid with group gid and the groups of uid's user (there
 * must be one).  Not root: does nothing. */
int privdrop_to(uid_t uid, gid_t gid, struct hk_err *err);

/*
 * The CLI's rule for a SQLite database (db_url "sqlite:PATH"), as root:
 *   PATH exists, owned by a user: become that user, with PATH's group;
 *   PATH is root's: go on as root if its directory is root's too, else
 *     refuse (a root-owned database in the panel's directory is the
 *     mistake this prevents), saying what to chown;
 *   PATH does not exist and creating (hakomail init): become the owner of
 *     its directory, with the directory's group, so the new database is
 *     theirs; a root-owned directory: go on as root;
 *   PATH does not exist otherwise: go on (opening it says run init).
 * A -wal or -shm of PATH that is root's while PATH is not is refused too.
 * Not root, or not a sqlite: URL: does nothing.  Refusals are HK_EINVAL
 * on "database.url" with the command that repairs it.
 */
int privdrop_db_owner(const char *db_url, int creating, struct hk_err *err);

#endif
