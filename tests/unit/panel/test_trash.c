/* SPDX-License-Identifier: ISC */
/* test_trash.c - the mailbox trash in the store and in what pushd renders:
 * a delete keeps the row until purge_at, the bundle's "trash" file tells
 * the guest in the order things happened, a restore brings the mailbox
 * back (operators only, refused when taken or past purge), and pushd's
 * expiry drops what is due and owes the guest a push. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../fixture.h"
#include "pushd/render.h"

#define DAY	86400
#define HASH1	"{SHA512-CRYPT}$6$s$h1"

static const struct render_opts opts = { 5000, 5000, "/var/mail/vhosts",
					  NULL };

static void
add_mailbox(struct fixture *f, const char *local, const char *hash)
{
	struct mailbox_in in = { local, "pc1.example", hash, "Matsui", 2048, 1 };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_mailbox_add(f->db, &f->admin, &in, &obj, &err) != 0)
		fail_msg("mailbox add: %s", err.message);
	json_decref(obj);
}

static void
seed(struct fixture *f)
{
	struct hk_err err;
	json_t *obj = NULL;

	if (store_domain_add(f->db, &f->admin, "pc1.example", "g1", &obj,
			     &err) != 0)
		fail_msg("domain add: %s", err.message);
	json_decref(obj);
	add_mailbox(f, "matsui", HASH1);
}

/* Deletes local@pc1.example, purge after `days`; the trash id. */
static int64_t
delete(struct fixture *f, const char *local, int64_t days)
{
	struct hk_err err;
	json_t *t = NULL;
	int64_t id;

	if (store_mailbox_delete(f->db, &f->admin, local, "pc1.example",
				 days * DAY, &t, &err) != 0)
		fail_msg("delete: %s", err.message);
	id = json_integer_value(json_object_get(t, "id"));
	assert_true(id > 0);
	json_decref(t);
	return id;
}

static int64_t
gen(struct fixture *f)
{
	return fixture_int(f, "SELECT desired_gen FROM guest WHERE id = 1");
}

/* The trash file rendered for guest 1, into buf. */
static const char *
trash_file(struct fixture *f, char *buf, size_t size)
{
	struct render_out out;
	struct hk_err err;

	if (render_guest(f->db, 1, &opts, &out, &err) != 0)
		fail_msg("render: %s", err.message);
	assert_string_equal(bundle_names[7], "trash");
	snprintf(buf, size, "%s", strbuf_str(&out.files[7]));
	render_out_free(&out);
	return buf;
}

static void
test_delete_keeps_the_row(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	char buf[256], want[256];
	json_t *t = NULL;
	int64_t now = (int64_t)time(NULL), g, id;

	seed(f);
	g = gen(f);
	assert_int_equal(store_mailbox_delete(f->db, &f->admin, "matsui",
					      "pc1.example", 30 * DAY, &t,
					      &err), 0);
	id = json_integer_value(json_object_get(t, "id"));
	assert_string_equal(json_string_value(json_object_get(t, "address")),
			    "matsui@pc1.example");
	assert_true(json_integer_value(json_object_get(t, "purge_at")) >=
		    now + 30 * DAY);
	json_decref(t);
	assert_int_equal(gen(f), g + 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox"), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox_trash "
				     "WHERE guest_id = 1 AND quota_bytes = 2048"
				     " AND password_hash = '" HASH1 "' AND "
				     "purge_at - deleted_at = 2592000"), 1);
	/* the audit says where the mail went */
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'mailbox.delete' AND detail LIKE "
				     "'%\"trash\"%purge_at%'"), 1);
	snprintf(want, sizeof(want), "trash %lld matsui@pc1.example\n",
		 (long long)id);
	assert_string_equal(trash_file(f, buf, sizeof(buf)), want);
}

static void
test_restore(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	char buf[256], want[256];
	json_t *obj = NULL;
	int64_t first, second, g;

	seed(f);
	first = delete(f, "matsui", 30);
	add_mailbox(f, "matsui", "{SHA512-CRYPT}$6$s$h2");
	second = delete(f, "matsui", 30);
	g = gen(f);
	/* the first, by its id, not the newest */
	assert_int_equal(store_mailbox_restore(f->db, &f->admin, "matsui",
					       "pc1.example", first,
					       (int64_t)time(NULL), &obj,
					       &err), 0);
	assert_int_equal(json_integer_value(json_object_get(obj,
			 "quota_bytes")), 2048);
	assert_string_equal(json_string_value(json_object_get(obj, "name")),
			    "Matsui");
	json_decref(obj);
	assert_int_equal(gen(f), g + 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox WHERE "
				     "password_hash = '" HASH1 "'"), 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'mailbox.restore'"), 1);
	/* in the order it happened: the second moved aside, then the first
	 * moved back */
	snprintf(want, sizeof(want), "trash %lld matsui@pc1.example\n"
		 "restore %lld matsui@pc1.example\n", (long long)second,
		 (long long)first);
	assert_string_equal(trash_file(f, buf, sizeof(buf)), want);
	/* the address is taken now */
	assert_int_equal(store_mailbox_restore(f->db, &f->admin, "matsui",
					       "pc1.example", second,
					       (int64_t)time(NULL), &obj,
					       &err), -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_int_equal(err.reason, HK_R_mailbox_exists);
	/* restored once: not in the trash any more */
	delete(f, "matsui", 30);
	assert_int_equal(store_mailbox_restore(f->db, &f->admin, "matsui",
					       "pc1.example", first,
					       (int64_t)time(NULL), &obj,
					       &err), -1);
	assert_int_equal(err.reason, HK_R_trash_none);
}

static void
test_restore_refused(void **state)
{
	struct fixture *f = *state;
	struct hk_actor owner = { .project_id = 1, .via = "api" };
	struct hk_err err;
	json_t *obj = NULL;
	int64_t id, now;

	seed(f);
	id = delete(f, "matsui", 1);
	now = (int64_t)time(NULL);	/* not before the deletion's clock */
	assert_int_equal(store_mailbox_restore(f->db, &owner, "matsui",
					       "pc1.example", id, now, &obj,
					       &err), -1);
	assert_int_equal(err.code, HK_EFORBIDDEN);
	assert_int_equal(store_mailbox_restore(f->db, &f->admin, "nosuch",
					       "pc1.example", 0, now, &obj,
					       &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(err.reason, HK_R_trash_none);
	assert_int_equal(store_mailbox_restore(f->db, &f->admin, "matsui",
					       "pc1.example", 0, now + DAY,
					       &obj, &err), -1);
	assert_int_equal(err.reason, HK_R_trash_purged);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox"), 0);
	/* the domain moved to another guest: its mail did not */
	assert_int_equal(db_exec(f->db, "INSERT INTO guest (project_id, name, "
				 "ssh_host, host_key, created_at) VALUES (1, "
				 "'g2', 'h2', 'ssh-ed25519 AAAA', 0)", NULL, 0,
				 NULL, &err), 0);
	assert_int_equal(db_exec(f->db, "UPDATE domain SET guest_id = 2",
				 NULL, 0, NULL, &err), 0);
	assert_int_equal(store_mailbox_restore(f->db, &f->admin, "matsui",
					       "pc1.example", 0, now, &obj,
					       &err), -1);
	assert_int_equal(err.reason, HK_R_trash_other_guest);
	assert_null(obj);
}

static void
test_expire(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	char buf[256];
	int64_t n = -1, at = 0, g, now = (int64_t)time(NULL);

	seed(f);
	assert_int_equal(store_trash_next_purge(f->db, &at, &err), 0);
	assert_int_equal(at, -1);
	delete(f, "matsui", 1);
	add_mailbox(f, "alice", HASH1);
	delete(f, "alice", 2);
	assert_int_equal(store_trash_next_purge(f->db, &at, &err), 0);
	assert_true(at >= now + DAY && at < now + 2 * DAY);
	g = gen(f);
	/* nothing due: nothing written */
	assert_int_equal(store_trash_expire(f->db, "node1", now, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(gen(f), g);
	assert_int_equal(store_trash_expire(f->db, "node1", at, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_true(gen(f) > g);
	trash_file(f, buf, sizeof(buf));
	assert_memory_equal(buf, "trash ", 6);
	assert_non_null(strstr(buf, " alice@pc1.example\n"));
	assert_null(strstr(buf, "matsui"));
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'mailbox.purge' AND object = "
				     "'matsui@pc1.example' AND via = 'pushd' AND "
				     "actor = 'node1'"), 1);
	assert_int_equal(store_trash_expire(f->db, "node1", now + 3 * DAY, &n,
					    &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(trash_file(f, buf, sizeof(buf)), "");
	assert_int_equal(store_trash_next_purge(f->db, &at, &err), 0);
	assert_int_equal(at, -1);
}

/* A domain deleted with --force takes its mailboxes into the trash too:
 * their maildirs follow them. */
static void
test_domain_force_delete(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	char buf[256];
	json_t *obj = NULL;

	seed(f);
	add_mailbox(f, "alice", HASH1);
	assert_int_equal(store_domain_delete(f->db, &f->admin, "pc1.example", 1,
					     7 * DAY, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox_trash "
				     "WHERE guest_id = 1 AND purge_at - "
				     "deleted_at = 604800"), 2);
	trash_file(f, buf, sizeof(buf));
	assert_non_null(strstr(buf, " alice@pc1.example\n"));
	assert_non_null(strstr(buf, " matsui@pc1.example\n"));
	/* no domain to restore into */
	assert_int_equal(store_mailbox_restore(f->db, &f->admin, "matsui",
					       "pc1.example", 0,
					       (int64_t)time(NULL), &obj,
					       &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
}

static void
test_bundle_carries_it(void **state)
{
	struct fixture *f = *state;
	struct render_out out;
	struct strbuf wire;
	struct bundle b;
	struct hk_err err;
	char sha[65];

	seed(f);
	delete(f, "matsui", 30);
	strbuf_init(&wire, 0);
	assert_int_equal(render_guest(f->db, 1, &opts, &out, &err), 0);
	assert_int_equal(render_bundle(&out, &wire, sha, NULL, &err), 0);
	if (bundle_parse(wire.data, wire.len, &b, &err) != 0)
		fail_msg("own bundle refused: %s", err.message);
	assert_int_equal(b.nfiles, 10);	/* the last is "dkim" */
	assert_string_equal(b.files[7].name, "trash");
	assert_memory_equal(b.files[7].data, "trash ", 6);
	strbuf_free(&wire);
	render_out_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_delete_keeps_the_row,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_restore, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_restore_refused,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_expire, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_domain_force_delete,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bundle_carries_it,
						fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
