/* SPDX-License-Identifier: ISC */
/*
 * privdrop.c - giving up root for good.  See privdrop.h.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privdrop.h"

#define DB_FIELD	"database.url"

/* Groups, group, user: in that order, since each step needs root. */
static int
become(const char *name, uid_t uid, gid_t gid, struct hk_err *err)
{
	if (initgroups(name, gid) < 0)
		return hk_fail_errno(err, "initgroups %s", name);
	if (setgid(gid) < 0)
		return hk_fail_errno(err, "setgid %lu", (unsigned long)gid);
	if (setuid(uid) < 0)
		return hk_fail_errno(err, "setuid %s", name);
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid || (uid != 0 && setuid(0) == 0))
		return hk_fail(err, HK_ESYS, NULL, "becoming %s: root could "
			       "still be had back", name);
	return 0;
}

int
privdrop_user(const char *name, const char *field, struct hk_err *err)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	errno = 0;
	if ((pw = getpwnam(name)) == NULL)
		return hk_failr(err, HK_EINVAL, field, HK_R_user_missing,
				"name", name, NULL);
	return become(pw->pw_name, pw->pw_uid, pw->pw_gid, err);
}

int
privdrop_to(uid_t uid, gid_t gid, struct hk_err *err)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if ((pw = getpwuid(uid)) == NULL)
		return hk_failr(err, HK_EINVAL, NULL, HK_R_uid_no_user, "uid",
				HK_NUM(uid), NULL);
	return become(pw->pw_name, uid, gid, err);
}

static const char *
user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%lu", (unsigned long)uid);
	return buf;
}

static const char *
group_name(gid_t gid, char *buf, size_t len)
{
	struct group *gr = getgrgid(gid);

	if (gr != NULL)
		snprintf(buf, len, "%s", gr->gr_name);
	else
		snprintf(buf, len, "%lu", (unsigned long)gid);
	return buf;
}

/* PATH's owner is whom the database's files must all belong to. */
static int
refuse_root_file(const char *file, const char *path, const struct stat *of,
		 struct hk_err *err)
{
	char user[64], group[64];

	user_name(of->st_uid, user, sizeof(user));
	group_name(of->st_gid, group, sizeof(group));
	return hk_failr(err, HK_EINVAL, DB_FIELD, HK_R_db_file_root_owned,
			"file", file, "user", user, "group", group, "path",
			path, NULL);
}

/* A -wal or -shm left by root would make the owner's connections
 * read-only. */
static int
check_companions(const char *path, const struct stat *of, struct hk_err *err)
{
	static const char *const tails[] = { "-wal", "-shm", NULL };
	char file[4096];
	struct stat st;

	for (int i = 0; tails[i]; i++) {
		snprintf(file, sizeof(file), "%s%s", path, tails[i]);
		if (stat(file, &st) == 0 && st.st_uid == 0)
			return refuse_root_file(file, path, of, err);
	}
	return 0;
}

/* The owner of what exists: PATH itself, or its directory when creating. */
static int
become_owner(const char *what, const struct stat *st, struct hk_err *err)
{
	struct passwd *pw = getpwuid(st->st_uid);

	if (pw == NULL)
		return hk_failr(err, HK_EINVAL, DB_FIELD, HK_R_db_owner_unknown,
				"file", what, "uid", HK_NUM(st->st_uid), NULL);
	return become(pw->pw_name, st->st_uid, st->st_gid, err);
}

static void
dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

int
privdrop_db_owner(const char *db_url, int creating, struct hk_err *err)
{
	const char *path = db_url + strlen("sqlite:");
	char dir[4096], user[64];
	struct stat st, ds;

	if (strncmp(db_url, "sqlite:", 7) != 0 || geteuid() != 0)
		return 0;
	dir_of(path, dir, sizeof(dir));
	if (stat(path, &st) < 0)	/* a new database is its directory's */
		return creating && errno == ENOENT && stat(dir, &ds) == 0 &&
		    ds.st_uid != 0 ? become_owner(dir, &ds, err) : 0;
	if (st.st_uid != 0)
		return check_companions(path, &st, err) < 0 ? -1 :
		    become_owner(path, &st, err);
	if (stat(dir, &ds) < 0 || ds.st_uid == 0)
		return 0;	/* root's database in root's directory */
	user_name(ds.st_uid, user, sizeof(user));
	return hk_failr(err, HK_EINVAL, DB_FIELD, HK_R_db_root_in_user_dir,
			"path", path, "dir", dir, "user", user, NULL);
}
