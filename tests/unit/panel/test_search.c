/* SPDX-License-Identifier: ISC */
/* test_search.c - q= on a domain's mailboxes and aliases through the
 * trigram indexes
 * (migration 022, store_mailbox.c): for fragments of one character to
 * whole names, ASCII in either case, Japanese and accented names, LIKE's
 * own characters, at cursors and with the active filter, every page is
 * the one the scan (the LIKE alone, as before the index) gives; again
 * after renames, name changes and deletes, which the index must follow.
 * Each plan (few candidates sorted, the scan) is tried alone, then as
 * the store picks it; with the rows written not indexed yet, some of
 * them indexed, all of them (the upkeep, store_search_upkeep), on either
 * backend; and after migration 023 on aliases indexed as 022 did. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../fixture.h"

#define NSEED	3000
#define NFRAG	160

static const char *const given[] = {
	"松井 太郎", "田中 花子", "佐藤 次郎", "鈴木 一郎", "高橋 美咲",
	"Ärger Ünal", "Zoë Æsir", "Tanaka Hanako", "MATSUI Taro", "o'Brien",
	"50% off", "a_b c", "back\\slash", "Ｆｕｌｌ ｗｉｄｔｈ", "",
};
#define NGIVEN	(sizeof(given) / sizeof(given[0]))

struct search {
	struct fixture *f;
	int64_t dom;
	char local[NSEED][24];
	char name[NSEED][48];
	unsigned rng;
};

static unsigned
rnd(struct search *s, unsigned n)
{
	s->rng = s->rng * 1103515245u + 12345u;
	return (s->rng >> 8) % n;
}

static void
make_row(struct search *s, int i)
{
	static const char *const stems[] = { "s23", "matsui", "tanaka", "lab",
					     "x", "kenkyu", "a_b", "m.k" };

	snprintf(s->local[i], sizeof(s->local[i]), "%s%u%c",
		 stems[rnd(s, 8)], rnd(s, 100000), 'a' + (char)rnd(s, 26));
	snprintf(s->name[i], sizeof(s->name[i]), "%s%s%u",
		 given[rnd(s, NGIVEN)], rnd(s, 3) ? "" : " ", rnd(s, 50));
}

/* Row i as a mailbox, and an alias beside it: "a" and the local part. */
static void
insert_row(struct search *s, int i)
{
	struct hk_err err;
	struct db_param p[4];

	p[0] = DB_INTV(s->dom);
	p[1] = DB_TXT(s->local[i]);
	p[2] = DB_TXT(s->name[i]);
	p[3] = DB_INTV(i % 3 != 0);
	if (db_exec(s->f->db, "INSERT INTO mailbox (domain_id, local_part, "
		    "password_hash, name, active, created_at, updated_at) "
		    "VALUES ($1, $2, '{SHA512-CRYPT}x', $3, $4, 0, 0) ON "
		    "CONFLICT DO NOTHING", p, 4, NULL, &err) != 0)
		fail_msg("%s", err.message);
	p[2] = p[3];
	if (db_exec(s->f->db, "INSERT INTO alias (domain_id, local_part, "
		    "destinations, active, created_at) VALUES ($1, 'a' || $2, "
		    "'x@pc2.example', $3, 0) ON CONFLICT DO NOTHING", p, 3,
		    NULL, &err) != 0)
		fail_msg("%s", err.message);
}

static void
seed(struct search *s)
{
	struct db *db = s->f->db;
	struct hk_err err;
	struct db_param p[1];

	assert_int_equal(db_begin(db, 1, &err), 0);
	for (int i = 0; i < NSEED; i++) {
		do
			make_row(s, i);
		while (i > 0 && strcmp(s->local[i], s->local[i - 1]) == 0);
		insert_row(s, i);
	}
	p[0] = DB_INTV(s->dom);		/* and the catch-all */
	if (db_exec(db, "INSERT INTO alias (domain_id, local_part, "
		    "destinations, active, created_at) VALUES ($1, '', "
		    "'x@pc2.example', 1, 0)", p, 1, NULL, &err) != 0)
		fail_msg("%s", err.message);
	assert_int_equal(db_commit(db, &err), 0);
}

static int
setup(void **state)
{
	struct search *s = calloc(1, sizeof(*s));
	struct hk_err err;
	json_t *obj = NULL;

	assert_non_null(s);
	fixture_setup(state);
	s->f = *state;
	s->rng = 22;
	assert_int_equal(store_domain_add(s->f->db, &s->f->admin,
					  "pc1.example", "g1", &obj, &err), 0);
	json_decref(obj);
	s->dom = fixture_int(s->f, "SELECT id FROM domain WHERE name = "
			     "'pc1.example'");
	seed(s);
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct search *s = *state;

	*state = s->f;
	free(s);
	return fixture_teardown(state);
}

/* The LIKE pattern store_page.c makes, for the scan below. */
static void
like_of(const char *frag, char *out, size_t size)
{
	size_t o = 0;

	out[o++] = '%';
	for (; *frag && o + 4 < size; frag++) {
		if (*frag == '%' || *frag == '_' || *frag == '\\')
			out[o++] = '\\';
		out[o++] = *frag >= 'A' && *frag <= 'Z' ?
		    (char)(*frag - 'A' + 'a') : *frag;
	}
	out[o++] = '%';
	out[o] = '\0';
}

static int
add_local(void *ctx, const struct db_row *row, struct hk_err *err)
{
	json_t *arr = ctx;

	(void)err;
	return json_array_append_new(arr, json_string(row->vals[0]));
}

/* What a listing is compared with: the scan's SQL (the listing's LIKE,
 * no index) over $1..$5 (domain, after, like, limit, active), the
 * store's listing, and the field of each item that names it. */
struct listing {
	const char *what, *scan_sql, *field;
	int (*list)(struct db *, const struct hk_actor *,
		    const struct page_in *, json_t **, char *,
		    struct hk_err *);
};

static const struct listing mailboxes = {
	"mailboxes", "SELECT local_part FROM mailbox WHERE domain_id = $1 "
	"AND local_part > $2 AND ($5 < 0 OR active = $5) AND (local_part "
	"LIKE $3 ESCAPE '\\' OR lower(name) LIKE $3 ESCAPE '\\') ORDER BY "
	"local_part LIMIT $4", "local_part", store_mailbox_list
}, aliases = {
	/* by address, the LIKE on it */
	"aliases", "SELECT x.address FROM (SELECT CASE WHEN a.local_part = "
	"'' THEN '@' || d.name ELSE a.local_part || '@' || d.name END AS "
	"address, a.active FROM alias a JOIN domain d ON d.id = a.domain_id "
	"WHERE a.domain_id = $1) x WHERE x.address > $2 AND ($5 < 0 OR "
	"x.active = $5) AND x.address LIKE $3 ESCAPE '\\' ORDER BY "
	"x.address LIMIT $4", "address", store_alias_list
};

static json_t *
scanned(struct search *s, const struct listing *l, const struct page_in *in)
{
	char like[256];
	struct db_param p[5];
	struct hk_err err;
	json_t *arr = json_array();

	like_of(in->search, like, sizeof(like));
	p[0] = DB_INTV(s->dom);
	p[1] = DB_TXT(in->after ? in->after : "");
	p[2] = DB_TXT(like);
	p[3] = DB_INTV(in->limit + 1);
	p[4] = DB_INTV(in->active);
	if (db_query(s->f->db, l->scan_sql, p, 5, add_local, arr, NULL,
		     &err) != 0)
		fail_msg("%s", err.message);
	if (json_array_size(arr) > (size_t)in->limit) {	/* a next page */
		json_array_remove(arr, (size_t)in->limit);
		json_array_append_new(arr, json_string("(next page)"));
	}
	return arr;
}

/* The page the store gives, as the field of each item, and whether it
 * has a next page. */
static json_t *
listed(struct search *s, const struct listing *l, const struct page_in *in)
{
	char next[PAGE_CURSOR_MAX + 1];
	struct hk_err err;
	json_t *items = NULL, *arr = json_array(), *it;
	size_t i;

	if (l->list(s->f->db, &s->f->admin, in, &items, next, &err) != 0)
		fail_msg("%s q=%s: %s", l->what, in->search, err.message);
	json_array_foreach(items, i, it)
		json_array_append(arr, json_object_get(it, l->field));
	json_decref(items);
	if (next[0] != '\0')
		json_array_append_new(arr, json_string("(next page)"));
	return arr;
}

static void
same(struct search *s, const struct listing *l, const struct page_in *in)
{
	json_t *want = scanned(s, l, in), *got = listed(s, l, in);

	if (!json_equal(want, got)) {
		char *w = json_dumps(want, 0), *g = json_dumps(got, 0);

		fail_msg("%s q=\"%s\" after %s limit %d active %d:\n want "
			 "%.300s\n got  %.300s", l->what, in->search,
			 in->after ? in->after : "-", in->limit, in->active,
			 w, g);
	}
	json_decref(want);
	json_decref(got);
}

/* A fragment of 1 to 6 characters (whole UTF-8 sequences) of a local
 * part or a name, its ASCII sometimes in upper case. */
static void
fragment(struct search *s, char *out, size_t size)
{
	int i = (int)rnd(s, NSEED);
	const char *t = rnd(s, 2) ? s->local[i] : s->name[i];
	size_t len = strlen(t), from, to, chars = 1 + rnd(s, 6);

	if (len == 0)
		t = "u", len = 1;
	from = rnd(s, (unsigned)len);
	while (from > 0 && ((unsigned char)t[from] & 0xc0) == 0x80)
		from--;
	for (to = from; to < len && chars > 0; chars--)
		do
			to++;
		while (to < len && ((unsigned char)t[to] & 0xc0) == 0x80);
	snprintf(out, size, "%.*s", (int)(to - from), t + from);
	if (rnd(s, 4) == 0)
		for (char *c = out; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
}

/* The aliases: fragments of local parts, of the domain's name, across
 * the '@', and the catch-all's; at cursors (addresses) and filters. */
static void
every_alias_kind(struct search *s)
{
	static const char *const fixed[] = {
		"pc1", "example", "1.ex", "@pc1", "@", "a@", "@pc1.example",
		"3a@pc", "s23", "AS23", "atanaka", "a_b", "zzzz", "3", "",
	};
	char frag[64], after[64];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		struct page_in in = { "pc1.example", NULL, 100, fixed[i], -1,
				      0 };

		same(s, &aliases, &in);
		in.active = 1;
		in.limit = 7;
		same(s, &aliases, &in);
	}
	for (int i = 0; i < NFRAG; i++) {
		static const int limits[] = { 1, 7, 100 };
		struct page_in in = { "pc1.example", NULL, limits[rnd(s, 3)],
				      frag, (int)rnd(s, 3) - 1, 0 };

		fragment(s, frag, sizeof(frag));
		if (rnd(s, 3) == 0)	/* across the '@' */
			snprintf(frag + strlen(frag), sizeof(frag) -
				 strlen(frag), "@pc%s", rnd(s, 2) ? "1" : "");
		if (rnd(s, 2)) {
			snprintf(after, sizeof(after), "a%s@pc1.example",
				 s->local[rnd(s, NSEED)]);
			in.after = rnd(s, 8) ? after : "@pc1.example";
		}
		same(s, &aliases, &in);
	}
}

static void
every_kind(struct search *s)
{
	static const char *const fixed[] = {
		"松井", "田中 花", "松井 太郎", "TANAKA", "tanaka h", "ärger",
		"Ärger", "Æsir", "50%", "% o", "a_b", "_", "\\", "\\s",
		"o'b", "ｗｉｄ", "zzzz", "s23", "3", "", " ",
		/* the index's text joins the local part and the name with
		 * a newline, which no listing row holds */
		"a\n松井", "\n",
	};
	char frag[64];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		struct page_in in = { "pc1.example", NULL, 100, fixed[i], -1,
				      0 };

		same(s, &mailboxes, &in);
		in.active = 1;
		in.limit = 7;
		same(s, &mailboxes, &in);
	}
	for (int i = 0; i < NFRAG; i++) {
		static const int limits[] = { 1, 7, 100 };
		struct page_in in = { "pc1.example", NULL, limits[rnd(s, 3)],
				      frag, (int)rnd(s, 3) - 1, 0 };

		fragment(s, frag, sizeof(frag));
		if (rnd(s, 2))
			in.after = s->local[rnd(s, NSEED)];
		same(s, &mailboxes, &in);
	}
	every_alias_kind(s);
}

/* Each plan of store_search.c alone (few candidates sorted, the scan),
 * then a short walk first (and a longer one where it found any: most
 * pages go on to a plan), then as the store chooses; and with a bound of
 * 30 rows, under which some trigrams of a fragment are rare and some are
 * not (the index asked for the rare alone). */
static void
every_plan(struct search *s)
{
	static const long plans[][2] = {
		{ 1L << 40, 0 }, { 0, 0 }, { 1L << 40, 40 }, { 2000, 2000 },
		{ 30, 0 },
	};

	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		store_search_plans(plans[i][0], plans[i][1]);
		every_kind(s);
	}
}

/* One batch of the index's upkeep; returns how many rows it took. */
static long
upkeep(struct search *s, long batch)
{
	struct hk_err err;
	long done = 0;

	if (store_search_upkeep(s->f->db, batch, &done, &err) != 0)
		fail_msg("upkeep: %s", err.message);
	return done;
}

/* The rows as the migration indexed them (none: it ran before the
 * seed), then every row indexed. */
static void
test_identical(void **state)
{
	struct search *s = *state;

	every_plan(s);
	while (upkeep(s, 1000) > 0)
		;
	every_plan(s);
}

static void
exec(struct search *s, const char *sql)
{
	struct hk_err err;

	if (db_exec(s->f->db, sql, NULL, 0, NULL, &err) != 0)
		fail_msg("%s: %s", sql, err.message);
}

/* Renames, new names, deletes and the active flag turned: the index
 * follows every write. */
static void
test_after_writes(void **state)
{
	struct search *s = *state;
	struct hk_err err;
	struct db_param p[3];

	assert_int_equal(db_begin(s->f->db, 1, &err), 0);
	for (int i = 0; i < NSEED; i += 3) {
		char was[24];

		snprintf(was, sizeof(was), "%s", s->local[i]);
		if (i % 2 == 0) {
			make_row(s, i);
			p[0] = DB_TXT(s->local[i]);
			p[1] = DB_TXT(s->name[i]);
			p[2] = DB_TXT(was);
			if (db_exec(s->f->db, "UPDATE mailbox SET local_part = "
				    "$1, name = $2 WHERE local_part = $3 AND "
				    "NOT EXISTS (SELECT 1 FROM mailbox WHERE "
				    "local_part = $1)", p, 3, NULL, &err) != 0)
				fail_msg("%s", err.message);
		} else {
			p[0] = DB_TXT(was);
			assert_int_equal(db_exec(s->f->db, "DELETE FROM mailbox"
						 " WHERE local_part = $1", p, 1,
						 NULL, &err), 0);
		}
	}
	exec(s, "UPDATE mailbox SET active = 1 - active WHERE id % 5 = 1");
	assert_int_equal(db_commit(s->f->db, &err), 0);
	every_plan(s);		/* the rows written not indexed */
	upkeep(s, 300);		/* a batch indexed, the others not yet */
	every_plan(s);
	while (upkeep(s, 300) > 0)
		;
	every_plan(s);
}

/* How many candidates of kind the index gives for a fragment no row
 * holds: the rows it has not indexed yet. */
static int64_t
unindexed(struct search *s, int kind)
{
	const struct db_search *ix = db_search(s->f->db);
	char arg[DB_SEARCH_ARG_MAX], sql[1024];
	struct db_param p[6];
	struct hk_err err;
	int64_t n = -1;

	if (ix->arg != NULL)
		assert_int_equal(ix->arg("qqqzzz", 0, arg, sizeof(arg)), 0);
	else
		snprintf(arg, sizeof(arg), "%%qqqzzz%%");
	for (int i = 0; i < 5; i++)
		p[i] = DB_INTV(0);
	p[5] = DB_TXT(arg);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s) x",
		 ix->candidates[kind]);
	if (db_query_int(s->f->db, sql, p, 6, &n, &err) != 0)
		fail_msg("%s", err.message);
	return n;
}

/* Writes after the index caught up: the rows of the highest ids deleted
 * (SQLite gives their ids to the next rows), new rows, some of them
 * renamed or deleted before the index saw them. */
static void
test_new_rows(void **state)
{
	struct search *s = *state;
	struct hk_err err;

	while (upkeep(s, 1000) > 0)
		;
	assert_int_equal(db_begin(s->f->db, 1, &err), 0);
	exec(s, "DELETE FROM mailbox WHERE id IN (SELECT id FROM mailbox "
	     "ORDER BY id DESC LIMIT 5)");
	exec(s, "DELETE FROM alias WHERE id IN (SELECT id FROM alias ORDER "
	     "BY id DESC LIMIT 5)");
	for (int i = 0; i < 60; i++) {
		make_row(s, i * 41 % NSEED);
		insert_row(s, i * 41 % NSEED);
	}
	exec(s, "UPDATE mailbox SET name = name || ' 松井' WHERE id > (SELECT "
	     "max(id) - 20 FROM mailbox) AND id % 2 = 0");
	exec(s, "UPDATE mailbox SET local_part = local_part || 'matsui' "
	     "WHERE id > (SELECT max(id) - 20 FROM mailbox) AND id % 3 = 0");
	exec(s, "UPDATE alias SET local_part = local_part || 'tanaka' WHERE "
	     "id > (SELECT max(id) - 20 FROM alias) AND id % 3 = 0");
	exec(s, "DELETE FROM mailbox WHERE id = (SELECT max(id) FROM mailbox)");
	exec(s, "DELETE FROM alias WHERE id = (SELECT max(id) FROM alias)");
	assert_int_equal(db_commit(s->f->db, &err), 0);
	every_plan(s);		/* the new rows not indexed yet */
	assert_true(unindexed(s, 0) >= 50);
	assert_true(unindexed(s, 1) >= 50);
	upkeep(s, 7);		/* some of them */
	every_plan(s);
	while (upkeep(s, 1000) > 0)
		;
	assert_int_equal(unindexed(s, 0), 0);
	assert_int_equal(unindexed(s, 1), 0);
	every_plan(s);
	/* and the next rows, given the ids of rows the index held */
	assert_int_equal(db_begin(s->f->db, 1, &err), 0);
	exec(s, "DELETE FROM mailbox WHERE id IN (SELECT id FROM mailbox "
	     "ORDER BY id DESC LIMIT 3)");
	for (int i = 0; i < 3; i++) {
		make_row(s, i * 53 % NSEED);
		insert_row(s, i * 53 % NSEED);
	}
	assert_int_equal(db_commit(s->f->db, &err), 0);
	every_plan(s);
	while (upkeep(s, 1000) > 0)
		;
	assert_int_equal(unindexed(s, 0), 0);
	every_plan(s);
}

/* A database of 022's, its aliases indexed as 022 did (the local part
 * alone), migrated: 023 indexes them again with the '@' that the store
 * now asks for, 024 (PostgreSQL) gives the mailboxes' index their
 * domains, local parts and active flags, and 025 (PostgreSQL) makes
 * mailbox's unique key hold what the walk reads.  Asked of the index
 * alone (the few plan). */
static void
test_upgrade_023(void **state)
{
	static const char *const sqlite[] = {
		"DROP INDEX mailbox_walk", "DROP INDEX alias_address",
		"CREATE INDEX alias_address ON alias(domain_id, "
		"(local_part || '@'))",
		"INSERT INTO alias_search(alias_search) VALUES ('delete-all')",
		"INSERT INTO alias_search(rowid, doc) SELECT id, local_part "
		"FROM alias", NULL
	}, *const pgsql[] = {
		"ALTER TABLE mailbox DROP CONSTRAINT mailbox_address, "
		"ADD UNIQUE (domain_id, local_part)", "DROP INDEX alias_address",
		"CREATE INDEX alias_address ON alias (domain_id, "
		"(local_part || '@'))",
		"UPDATE alias_search s SET doc = a.local_part FROM alias a "
		"WHERE a.id = s.id",
		"DROP TRIGGER mailbox_search_active ON mailbox",
		"DROP FUNCTION hakomail_search_mailbox_active()",
		"CREATE OR REPLACE FUNCTION hakomail_search_mailbox_text() "
		"RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE "
		"mailbox_search SET doc = new.local_part || chr(10) || "
		"lower(new.name) WHERE id = new.id; RETURN NULL; END $$",
		"ALTER TABLE mailbox_search DROP COLUMN domain_id, DROP COLUMN "
		"local_part, DROP COLUMN active", NULL
	};
	struct search *s = *state;
	struct hk_err err;
	int applied = 0;

	while (upkeep(s, 1000) > 0)
		;
	assert_int_equal(db_begin(s->f->db, 1, &err), 0);
	for (const char *const *sql = strcmp(db_backend_name(s->f->db),
					     "sqlite") == 0 ? sqlite : pgsql;
	     *sql != NULL; sql++)
		exec(s, *sql);
	exec(s, "DELETE FROM schema_migration WHERE version >= 23");
	assert_int_equal(db_commit(s->f->db, &err), 0);
	assert_int_equal(db_migrate(s->f->db, &applied, &err), 0);
	assert_int_equal(applied, 3);
	store_search_plans(1L << 40, 0);
	every_kind(s);
	store_search_plans(2000, 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_after_writes),
		cmocka_unit_test(test_new_rows),
		cmocka_unit_test(test_upgrade_023),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
