/* SPDX-License-Identifier: ISC */
/* test_change.c - the change log each bump keeps (store_change.h): an
 * address for a mailbox, alias or Sieve write, the whole domain for a
 * catch-all, an alias domain or a domain's own change, anything for an
 * import, a deleted domain or "push now"; at the generation the bump made,
 * on every guest it bumped; listed once per key between two generations;
 * dropped by a successful push up to what the guest serves. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../fixture.h"

#define HASH1	"{SHA512-CRYPT}$6$s$h1"

static void
add_domain(struct fixture *f, const char *name)
{
	struct hk_err err;
	json_t *obj = NULL;

	if (store_domain_add(f->db, &f->admin, name, "g1", &obj, &err) != 0)
		fail_msg("domain add: %s", err.message);
	json_decref(obj);
}

static void
add_mailbox(struct fixture *f, const char *local)
{
	struct mailbox_in in = { local, "pc1.example", HASH1, "", 0, 1 };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_mailbox_add(f->db, &f->admin, &in, &obj, &err) != 0)
		fail_msg("mailbox add: %s", err.message);
	json_decref(obj);
}

static void
add_alias(struct fixture *f, const char *local)
{
	struct alias_in in = { local, "pc1.example", "matsui@pc1.example", 1 };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_alias_add(f->db, &f->admin, &in, &obj, &err) != 0)
		fail_msg("alias add: %s", err.message);
	json_decref(obj);
}

static int64_t
gen(struct fixture *f, int64_t guest)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "SELECT desired_gen FROM guest WHERE id = "
		 "%lld", (long long)guest);
	return fixture_int(f, sql);
}

/* Each change listed, as "domain/local" ("domain/ *" for the whole
 * domain), one per line. */
static int
collect(void *ctx, const char *domain, const char *local, struct hk_err *err)
{
	struct strbuf *sb = ctx;

	(void)err;
	return strbuf_printf(sb, "%s/%s\n", domain, local ? local : "*");
}

/* The changes of guest in (from, to], into a static buffer. */
static const char *
changes(struct fixture *f, int64_t guest, int64_t from, int64_t to)
{
	static char buf[1024];
	struct strbuf sb;
	struct hk_err err;

	strbuf_init(&sb, 0);
	if (store_change_list(f->db, guest, from, to, collect, &sb, &err) != 0)
		fail_msg("list: %s", err.message);
	snprintf(buf, sizeof(buf), "%s", sb.len ? strbuf_str(&sb) : "");
	strbuf_free(&sb);
	return buf;
}

/* A mailbox's or an alias's writes name their address, at the generation
 * each made. */
static void
test_addresses(void **state)
{
	struct fixture *f = *state;
	struct mailbox_patch pt = { NULL, NULL, -1, -1, 0 };
	struct hk_err err;
	json_t *obj = NULL;
	int64_t g0, g1;

	add_domain(f, "pc1.example");
	g0 = gen(f, 1);
	add_mailbox(f, "matsui");
	g1 = gen(f, 1);
	assert_int_equal(g1, g0 + 1);
	assert_string_equal(changes(f, 1, g0, g1), "pc1.example/matsui\n");
	add_alias(f, "info");
	assert_string_equal(changes(f, 1, g1, gen(f, 1)), "pc1.example/info\n");
	g1 = gen(f, 1);
	assert_int_equal(store_mailbox_update(f->db, &f->admin, "matsui",
					      "pc1.example", &pt, &obj, &err), 0);
	json_decref(obj);
	assert_int_equal(store_alias_delete(f->db, &f->admin, "info",
					    "pc1.example", &err), 0);
	assert_int_equal(store_mailbox_delete(f->db, &f->admin, "matsui",
					      "pc1.example", 86400, &obj,
					      &err), 0);
	json_decref(obj);
	/* each key once, however often it changed */
	assert_string_equal(changes(f, 1, g0, gen(f, 1)),
			    "pc1.example/info\npc1.example/matsui\n");
	assert_string_equal(changes(f, 1, g1, gen(f, 1)),
			    "pc1.example/info\npc1.example/matsui\n");
	assert_string_equal(changes(f, 1, gen(f, 1), gen(f, 1)), "");
}

/* A catch-all decides every mailbox's entry: the whole domain; so do an
 * alias domain (its own keys) and the domain's own changes, on every
 * guest bumped (the backup MX too). */
static void
test_domains(void **state)
{
	struct fixture *f = *state;
	struct guest_in g = { "g2", "lab", "10.0.0.2", "root",
			      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			      NULL, NULL };
	struct domain_patch dp = { -1, -1, -1, 1, "g2" };
	struct hk_err err;
	json_t *obj = NULL;
	int64_t g0, b0;

	add_domain(f, "pc1.example");
	add_mailbox(f, "matsui");
	assert_int_equal(store_guest_add(f->db, &f->admin, &g, &obj, &err), 0);
	json_decref(obj);
	g0 = gen(f, 1);
	add_alias(f, "");
	assert_string_equal(changes(f, 1, g0, gen(f, 1)), "pc1.example/*\n");
	g0 = gen(f, 1);
	assert_int_equal(store_aliasdomain_add(f->db, &f->admin, "pc1.test",
					       "pc1.example", &obj, &err), 0);
	json_decref(obj);
	assert_string_equal(changes(f, 1, g0, gen(f, 1)), "pc1.test/*\n");
	g0 = gen(f, 1);
	b0 = gen(f, 2);
	assert_int_equal(store_domain_update(f->db, &f->admin, "pc1.example",
					     &dp, NULL, &err), 0);
	assert_string_equal(changes(f, 1, g0, gen(f, 1)), "pc1.example/*\n");
	assert_string_equal(changes(f, 2, b0, gen(f, 2)), "pc1.example/*\n");
	/* a domain gone: its name cannot be rendered from, nor its alias
	 * domains': anything */
	g0 = gen(f, 1);
	assert_int_equal(store_domain_delete(f->db, &f->admin, "pc1.example",
					     1, 86400, &err), 0);
	assert_string_equal(changes(f, 1, g0, gen(f, 1)), "*/*\n");
}

/* An import, and an operator's "push now": anything. */
static void
test_anything(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	int64_t g0, ids[1] = { 1 };

	add_domain(f, "pc1.example");
	g0 = gen(f, 1);
	assert_int_equal(db_begin(f->db, 1, &err), 0);
	assert_int_equal(store_guest_bump_ids(f->db, ids, 1, &err), 0);
	assert_int_equal(db_commit(f->db, &err), 0);
	assert_string_equal(changes(f, 1, g0, gen(f, 1)), "*/*\n");
	g0 = gen(f, 1);
	assert_int_equal(store_guest_touch(f->db, "g1", &err), 0);
	assert_int_equal(gen(f, 1), g0 + 1);
	assert_string_equal(changes(f, 1, g0, gen(f, 1)), "*/*\n");
	assert_int_equal(store_guest_touch(f->db, "nosuch", &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
}

/* What the guest serves needs no log: pruned up to it, not past. */
static void
test_prune(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	int64_t g0, g1;

	add_domain(f, "pc1.example");
	g0 = gen(f, 1);
	add_mailbox(f, "matsui");
	g1 = gen(f, 1);
	add_mailbox(f, "alice");
	assert_int_equal(store_change_prune(f->db, 1, g1, &err), 0);
	assert_string_equal(changes(f, 1, g0, gen(f, 1)), "pc1.example/alice\n");
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM guest_change"),
			 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_addresses, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_domains, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_anything, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_prune, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
