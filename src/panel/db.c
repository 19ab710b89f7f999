/* SPDX-License-Identifier: ISC */
/*
 * db.c - dispatch to the backend named by the URL, migrations, and the
 * small conveniences every store module shares.  See db.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_backend.h"

struct db {
	const struct db_backend *be;
	void *conn;
	void (*on_write)(void *arg);
	void *on_write_arg;
};

static void
will_write(struct db *db)
{
	if (db->on_write != NULL)
		db->on_write(db->on_write_arg);
}

void
db_on_write(struct db *db, void (*fn)(void *arg), void *arg)
{
	db->on_write = fn;
	db->on_write_arg = arg;
}

static const struct db_backend *const backends[] = {
	&db_backend_sqlite,
	&db_backend_pgsql,
	NULL
};

static const struct db_backend *
backend_for(const char *url)
{
	size_t n = strcspn(url, ":");

	if (url[n] != ':')
		return NULL;
	for (int i = 0; backends[i] != NULL; i++)
		for (int k = 0; k < 3 && backends[i]->schemes[k]; k++)
			if (strlen(backends[i]->schemes[k]) == n &&
			    strncmp(url, backends[i]->schemes[k], n) == 0)
				return backends[i];
	return NULL;
}

static struct db *
open_db(const char *url, int create, struct hk_err *err)
{
	const struct db_backend *be = backend_for(url);
	struct db *db;

	if (be == NULL) {
		hk_failr(err, HK_EINVAL, "database.url", HK_R_database_url,
			 NULL);
		return NULL;
	}
	if ((db = calloc(1, sizeof(*db))) == NULL) {
		hk_fail_errno(err, "calloc");
		return NULL;
	}
	db->be = be;
	if ((db->conn = be->open(url, create, err)) == NULL) {
		free(db);
		return NULL;
	}
	return db;
}

/* The newest migration this program has for db's backend. */
static int64_t
latest_version(const struct db *db)
{
	int64_t v = 0;

	for (const struct db_migration *m = db->be->migrations; m->sql; m++)
		if (m->version > v)
			v = m->version;
	return v;
}

/* Whether db holds this program's whole schema: a database that was never
 * initialized would otherwise answer its first query with "no such
 * table", which tells an operator nothing. */
static int
check_schema(struct db *db, struct hk_err *err)
{
	struct db_param p = DB_TXT("schema_migration");
	int64_t has = 0, have = 0, want = latest_version(db);

	if (db_query_int(db, db->be->has_table, &p, 1, &has, err) < 0)
		return -1;
	if (has == 0)
		return hk_fail(err, HK_EDB, "database.url", "the database has "
			       "no schema: run: hakomail init");
	if (db_query_int(db, "SELECT COALESCE(MAX(version), 0) FROM "
			 "schema_migration", NULL, 0, &have, err) < 0)
		return -1;
	if (have == 0)
		return hk_fail(err, HK_EDB, "database.url", "the database has "
			       "no schema: run: hakomail init");
	if (have < want)
		return hk_fail(err, HK_EDB, "database.url", "the database's "
			       "schema is at version %lld, this program needs "
			       "%lld: run: hakomail migrate", (long long)have,
			       (long long)want);
	return 0;
}

struct db *
db_open(const char *url, struct hk_err *err)
{
	struct db *db = open_db(url, 0, err);

	if (db != NULL && check_schema(db, err) < 0) {
		db_close(db);
		return NULL;
	}
	return db;
}

struct db *
db_open_init(const char *url, struct hk_err *err)
{
	return open_db(url, 1, err);
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	db->be->close(db->conn);
	free(db);
}

const struct db_search *
db_search(const struct db *db)
{
	return &db->be->search;
}

const char *
db_backend_name(const struct db *db)
{
	return db->be->schemes[0];
}

int
db_in_process(const struct db *db)
{
	return db->be->in_process;
}

int
db_listen(struct db *db, const char *channel, struct hk_err *err)
{
	if (db->be->listen == NULL)
		return hk_failr(err, HK_EINVAL, "database.url",
				HK_R_no_notifications, "scheme",
				db->be->schemes[0], NULL);
	return db->be->listen(db->conn, channel, err);
}

int
db_listen_fd(struct db *db)
{
	return db->be->listen_fd ? db->be->listen_fd(db->conn) : -1;
}

int
db_listen_drain(struct db *db)
{
	return db->be->listen_drain ? db->be->listen_drain(db->conn) : 0;
}

const char *
db_lock_rows(const struct db *db)
{
	return db->be->lock_rows;
}

const char *
db_lock_keys(const struct db *db)
{
	return db->be->lock_keys;
}

int
db_begin(struct db *db, int write, struct hk_err *err)
{
	if (write)
		will_write(db);
	return db->be->begin(db->conn, write, err);
}

int
db_bulk(struct db *db, int on, struct hk_err *err)
{
	return db->be->bulk ? db->be->bulk(db->conn, on, err) : 0;
}

int
db_commit(struct db *db, struct hk_err *err)
{
	return db->be->commit(db->conn, err);
}

void
db_rollback(struct db *db)
{
	db->be->rollback(db->conn);
}

int
db_query(struct db *db, const char *sql, const struct db_param *params,
	 int n, db_row_fn fn, void *ctx, int64_t *changes, struct hk_err *err)
{
	return db->be->query(db->conn, sql, params, n, fn, ctx, changes, err);
}

/* A plain lower-case SQL identifier: safe to write into a statement. */
static int
identifier(const char *s)
{
	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

int
db_copy(struct db *db, const char *table, const char *const *cols,
	int ncols, size_t n, db_copy_fn fn, void *ctx, struct hk_err *err)
{
	if (ncols < 1 || ncols > DB_COPY_MAX_COLS || !identifier(table))
		return hk_fail(err, HK_EINTERNAL, NULL, "db_copy: bad table");
	for (int i = 0; i < ncols; i++)
		if (!identifier(cols[i]))
			return hk_fail(err, HK_EINTERNAL, NULL,
				       "db_copy: bad column");
	will_write(db);
	return db->be->copy(db->conn, table, cols, ncols, n, fn, ctx, err);
}

int
db_temp_table(struct db *db, const char *name, const char *columns,
	      struct hk_err *err)
{
	char sql[1024];

	if (!identifier(name) ||
	    (size_t)snprintf(sql, sizeof(sql), "CREATE TEMPORARY TABLE IF NOT "
			     "EXISTS %s (%s)%s", name, columns,
			     db->be->temp_table_tail ? db->be->temp_table_tail :
			     "") >= sizeof(sql))
		return hk_fail(err, HK_EINTERNAL, NULL, "db_temp_table: %s",
			       name);
	/* text made here: not a statement worth a place in a cache */
	if (db->be->script(db->conn, sql, err) < 0)
		return -1;
	if (!db->be->temp_table_delete)
		return 0;
	snprintf(sql, sizeof(sql), "DELETE FROM %s", name);
	return db->be->script(db->conn, sql, err);
}

int
db_exec(struct db *db, const char *sql, const struct db_param *params, int n,
	int64_t *changes, struct hk_err *err)
{
	will_write(db);
	return db_query(db, sql, params, n, NULL, NULL, changes, err);
}

static int
row_to_json(void *ctx, const struct db_row *row, struct hk_err *err)
{
	json_t *arr = ctx, *obj = json_object();

	if (obj == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	for (int i = 0; i < row->ncols; i++) {
		json_t *v;

		if (row->vals[i] == NULL)
			v = json_null();
		else if (row->types[i] == DB_INT)
			v = json_integer(strtoll(row->vals[i], NULL, 10));
		else
			v = json_string(row->vals[i]);
		json_object_set_new(obj, row->names[i], v);
	}
	json_array_append_new(arr, obj);
	return 0;
}

int
db_query_json(struct db *db, const char *sql, const struct db_param *params,
	      int n, json_t **arr, struct hk_err *err)
{
	if ((*arr = json_array()) == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	return db_query(db, sql, params, n, row_to_json, *arr, NULL, err);
}

static void
int_to_bool(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		json_object_set_new(o, key, json_boolean(json_integer_value(v)
							  != 0));
}

void
db_json_bool(json_t *rows, const char *key)
{
	size_t i;
	json_t *o;

	if (json_is_object(rows)) {
		int_to_bool(rows, key);
		return;
	}
	json_array_foreach(rows, i, o)
		int_to_bool(o, key);
}

int
db_query_object(struct db *db, const char *sql, const struct db_param *params,
		int n, json_t **out, struct hk_err *err)
{
	json_t *arr = NULL;
	int rc = db_query_json(db, sql, params, n, &arr, err);

	*out = NULL;
	if (rc == 0 && json_array_size(arr) == 0)
		rc = hk_failr(err, HK_ENOTFOUND, NULL, HK_R_no_row, NULL);
	if (rc == 0)
		*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return rc;
}

struct first_int {
	int found;
	int64_t value;
};

static int
take_first_int(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct first_int *fi = ctx;

	(void)err;
	if (!fi->found && row->ncols > 0 && row->vals[0] != NULL) {
		fi->found = 1;
		fi->value = strtoll(row->vals[0], NULL, 10);
	}
	return 0;
}

int
db_query_int(struct db *db, const char *sql, const struct db_param *params,
	     int n, int64_t *out, struct hk_err *err)
{
	struct first_int fi = { 0, 0 };

	if (db_query(db, sql, params, n, take_first_int, &fi, NULL, err) < 0)
		return -1;
	if (!fi.found)
		return hk_failr(err, HK_ENOTFOUND, NULL, HK_R_no_row, NULL);
	*out = fi.value;
	return 0;
}

/* Applies m unless another process did meanwhile: the version is read
 * again under the write lock.  *done is set when this call applied it. */
struct first_ints {
	int found, n;
	int64_t *out;
};

static int
take_first_ints(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct first_ints *fi = ctx;

	if (fi->found)
		return 0;
	if (row->ncols < fi->n)
		return hk_fail(err, HK_EINTERNAL, NULL, "too few columns");
	fi->found = 1;
	for (int i = 0; i < fi->n; i++)
		fi->out[i] = row->vals[i] ? strtoll(row->vals[i], NULL, 10) : 0;
	return 0;
}

int
db_query_ints(struct db *db, const char *sql, const struct db_param *params,
	      int np, int64_t *out, int n, struct hk_err *err)
{
	struct first_ints fi = { 0, n, out };

	if (db_query(db, sql, params, np, take_first_ints, &fi, NULL, err) < 0)
		return -1;
	if (!fi.found)
		return hk_failr(err, HK_ENOTFOUND, NULL, HK_R_no_row, NULL);
	return 0;
}

static int
apply_migration(struct db *db, const struct db_migration *m, int *done,
		struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(m->version), DB_TXT(m->name),
				 DB_INTV((int64_t)time(NULL)) };
	int64_t have = 0;

	*done = 0;
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (db_query_int(db, "SELECT COALESCE(MAX(version), 0) FROM "
			 "schema_migration", NULL, 0, &have, err) < 0)
		goto fail;
	if (have >= m->version) {
		db_rollback(db);
		return 0;
	}
	if (db->be->script(db->conn, m->sql, err) < 0 ||
	    db_exec(db, "INSERT INTO schema_migration (version, name, "
		    "applied_at) VALUES ($1, $2, $3)", p, 3, NULL, err) < 0)
		goto fail;
	*done = 1;
	return db_commit(db, err);
fail:
	db_rollback(db);
	return -1;
}

int
db_migrate(struct db *db, int *applied, struct hk_err *err)
{
	int64_t have = 0;

	*applied = 0;
	if (db->be->script(db->conn,
	    "CREATE TABLE IF NOT EXISTS schema_migration ("
	    " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	    " applied_at BIGINT NOT NULL)", err) < 0)
		return -1;
	if (db_query_int(db, "SELECT COALESCE(MAX(version), 0) FROM "
			 "schema_migration", NULL, 0, &have, err) < 0)
		return -1;
	for (const struct db_migration *m = db->be->migrations; m->sql; m++) {
		int done;

		if (m->version <= have)
			continue;
		if (apply_migration(db, m, &done, err) < 0)
			return -1;
		*applied += done;
	}
	return 0;
}
