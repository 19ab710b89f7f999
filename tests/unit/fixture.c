/* SPDX-License-Identifier: ISC */
/* fixture.c - see fixture.h. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

/* Runs one statement on the cluster's maintenance database. */
static void
pg_admin(const char *base, const char *sql)
{
	char url[512];
	struct hk_err err;
	struct db *db;

	snprintf(url, sizeof(url), "%spostgres", base);
	if ((db = db_open_init(url, &err)) == NULL)
		fail_msg("%s", err.message);
	if (db_exec(db, sql, NULL, 0, NULL, &err) != 0)
		fail_msg("%s: %s", sql, err.message);
	db_close(db);
}

/*
 * PostgreSQL: this process's migrated schema, made once in a template
 * database that each fixture's database copies (CREATE DATABASE ...
 * TEMPLATE) instead of migrating each anew: test_authz, which makes a
 * fixture after each write it checks, went from 80 to 67 s here.
 */
static char pg_template[64];
static pid_t pg_template_pid;

static void
pg_template_drop(void)
{
	char sql[128];

	if (pg_template[0] == '\0' || getpid() != pg_template_pid)
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", pg_template);
	pg_admin(getenv("HK_TEST_PG_BASE"), sql);
}

static void
pg_template_make(const char *base)
{
	char url[512], sql[128];
	struct hk_err err;
	struct db *db;
	int applied;

	if (pg_template[0] != '\0')
		return;
	snprintf(pg_template, sizeof(pg_template), "hk_unit_%ld_template",
		 (long)getpid());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_template);
	pg_admin(base, sql);
	pg_template_pid = getpid();
	atexit(pg_template_drop);
	snprintf(url, sizeof(url), "%s%s", base, pg_template);
	if ((db = db_open_init(url, &err)) == NULL)
		fail_msg("%s", err.message);
	if (db_migrate(db, &applied, &err) != 0)
		fail_msg("migrating the template: %s", err.message);
	db_close(db);	/* a template is copied only while nobody uses it */
}

static void
open_db(struct fixture *f)
{
	const char *base = getenv("HK_TEST_PG_BASE");
	static unsigned serial;
	char url[512], sql[192];
	struct hk_err err;

	if (base != NULL && *base != '\0') {
		pg_template_make(base);
		snprintf(f->pgname, sizeof(f->pgname), "hk_unit_%ld_%u",
			 (long)getpid(), serial++);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY",
			 f->pgname, pg_template);
		pg_admin(base, sql);
		snprintf(url, sizeof(url), "%s%s", base, f->pgname);
	} else {
		snprintf(f->dir, sizeof(f->dir), "/tmp/hk-unit-XXXXXX");
		assert_non_null(mkdtemp(f->dir));
		snprintf(url, sizeof(url), "sqlite:%s/t.db", f->dir);
	}
	snprintf(f->url, sizeof(f->url), "%s", url);
	if ((f->db = db_open_init(url, &err)) == NULL)
		fail_msg("%s", err.message);
}

int
fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct guest_in g = { "g1", "lab", "10.0.0.1", "root",
			      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			      NULL, NULL };
	struct hk_err err;
	int applied;
	json_t *obj = NULL;

	assert_non_null(f);
	open_db(f);
	assert_int_equal(db_migrate(f->db, &applied, &err), 0);
	/* (PostgreSQL's copy of the template is migrated already) */
	assert_true(applied >= 1 || f->pgname[0] != '\0');
	f->admin.is_admin = 1;
	snprintf(f->admin.login, sizeof(f->admin.login), "test");
	snprintf(f->admin.via, sizeof(f->admin.via), "cli");
	assert_int_equal(store_project_add(f->db, &f->admin, "lab", NULL,
					   &err), 0);
	assert_int_equal(store_guest_add(f->db, &f->admin, &g, &obj, &err), 0);
	json_decref(obj);
	*state = f;
	return 0;
}

int
fixture_teardown(void **state)
{
	struct fixture *f = *state;
	char path[128], sql[128];

	db_close(f->db);
	if (f->pgname[0] != '\0') {
		snprintf(sql, sizeof(sql), "DROP DATABASE %s", f->pgname);
		pg_admin(getenv("HK_TEST_PG_BASE"), sql);
	} else {
		for (const char *const *s = (const char *const[]){ "t.db",
		     "t.db-wal", "t.db-shm", NULL }; *s; s++) {
			snprintf(path, sizeof(path), "%s/%s", f->dir, *s);
			unlink(path);
		}
		rmdir(f->dir);
	}
	free(f);
	return 0;
}

void
fixture_key(struct fixture *f, const char *login, const char *project,
	    char *token, size_t len)
{
	struct account_in in = { login, project ? "owner" : "admin", project,
				 NULL, 0 };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_account_add(f->db, &f->admin, &in, &obj, &err) != 0 &&
	    err.code != HK_EEXIST)
		fail_msg("account %s: %s", login, err.message);
	json_decref(obj);
	if (store_apikey_create(f->db, &f->admin, login, 0, 0, token, len,
				&err) != 0)
		fail_msg("key for %s: %s", login, err.message);
}

int64_t
fixture_int(struct fixture *f, const char *sql)
{
	int64_t n = -1;
	struct hk_err err;

	if (db_query_int(f->db, sql, NULL, 0, &n, &err) != 0)
		fail_msg("%s: %s", sql, err.message);
	return n;
}
