/* SPDX-License-Identifier: ISC */
/* test_move.c - moving a domain between guests, in the store and in what
 * pushd renders for each guest at each step: the refusals (and that they
 * write nothing), the dry run's plan and room, the lease and the passes,
 * every phase with what both guests serve, cancelling, and the guests
 * owed a push by a change to a moving domain. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../fixture.h"
#include "pushd/render.h"
#include "store_move.h"

#define NOW	1800000000
#define HASH	"{SHA512-CRYPT}$6$s$h1"
#define NOLOGIN	"nologin=y reason=" RENDER_NOLOGIN_REASON

/* Files by their bundle_names index. */
enum { VMD, VMM, VAM, RD, RRM, TR, PW, TRASH };

static const struct render_opts opts = { 5000, 5000, "/var/mail/vhosts",
					  NULL };

static void
sql(struct fixture *f, const char *q)
{
	struct hk_err err;

	if (db_exec(f->db, q, NULL, 0, NULL, &err) != 0)
		fail_msg("%s: %s", q, err.message);
}

static void
add_guest(struct fixture *f, const char *name, const char *project,
	  const char *host)
{
	struct guest_in g = { name, project, host, "root",
			      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			      NULL, NULL };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_guest_add(f->db, &f->admin, &g, &obj, &err) != 0)
		fail_msg("guest %s: %s", name, err.message);
	json_decref(obj);
}

static void
add_mailbox(struct fixture *f, const char *local, int active)
{
	struct mailbox_in in = { local, "pc1.example", HASH, "", 0, active };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_mailbox_add(f->db, &f->admin, &in, &obj, &err) != 0)
		fail_msg("mailbox %s: %s", local, err.message);
	json_decref(obj);
}

/* pc1.example on g1 (id 1) with two mailboxes (one inactive), an alias
 * and an alias domain; g2 (id 2) in the same project at 10.0.0.2, g3
 * (id 3) in another project. */
static void
seed(struct fixture *f)
{
	struct hk_err err;
	json_t *obj = NULL;

	add_guest(f, "g2", "lab", "10.0.0.2");
	assert_int_equal(store_project_add(f->db, &f->admin, "other", NULL,
					   &err), 0);
	add_guest(f, "g3", "other", "10.0.0.3");
	if (store_domain_add(f->db, &f->admin, "pc1.example", "g1", &obj,
			     &err) != 0)
		fail_msg("domain: %s", err.message);
	json_decref(obj);
	add_mailbox(f, "matsui", 1);
	add_mailbox(f, "old", 0);
	sql(f, "INSERT INTO alias (domain_id, local_part, destinations, "
	    "created_at) VALUES (1, 'info', 'matsui@pc1.example', 1)");
	sql(f, "INSERT INTO alias_domain (project_id, name, target_domain_id, "
	    "created_at) VALUES (1, 'pc1.example.org', 1, 1)");
	sql(f, "INSERT INTO mailbox_usage (mailbox_id, used_bytes, messages, "
	    "at) SELECT id, 1000, 10, 1 FROM mailbox");
}

static int64_t
gen(struct fixture *f, int guest)
{
	char q[80];

	snprintf(q, sizeof(q), "SELECT desired_gen FROM guest WHERE id = %d",
		 guest);
	return fixture_int(f, q);
}

/* Guest id's file i as rendered now, into buf. */
static const char *
file(struct fixture *f, int guest, int i, char *buf, size_t size)
{
	struct render_out out;
	struct hk_err err;

	if (render_guest(f->db, guest, &opts, &out, &err) != 0)
		fail_msg("render: %s", err.message);
	snprintf(buf, size, "%s", strbuf_str(&out.files[i]));
	render_out_free(&out);
	return buf;
}

static int
start(struct fixture *f, const struct hk_actor *a, const char *to,
      int dry, double percent, json_t **out, struct hk_err *err)
{
	struct move_in in = { "pc1.example", to, dry, percent, NOW };

	return store_move_start(f->db, a, &in, out, err);
}

static void
expect_refused(struct fixture *f, const struct hk_actor *a, const char *to,
	       int code, const char *reason)
{
	struct hk_err err;
	json_t *out = NULL;
	int64_t g2 = gen(f, 2), audit = fixture_int(f, "SELECT COUNT(*) FROM "
						   "audit");

	assert_int_equal(start(f, a, to, 0, 90, &out, &err), -1);
	assert_int_equal(err.code, code);
	assert_string_equal(hk_reason_name(err.reason), reason);
	assert_null(out);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM domain_move"),
			 0);
	assert_int_equal(gen(f, 2), g2);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit"), audit);
}

static void
test_refusals(void **state)
{
	struct fixture *f = *state;
	struct hk_actor owner = f->admin;

	seed(f);
	owner.is_admin = 0;
	owner.project_id = 1;
	expect_refused(f, &owner, "g2", HK_EFORBIDDEN, "operator_only");
	expect_refused(f, &f->admin, "g1", HK_EINVAL, "move_same_guest");
	expect_refused(f, &f->admin, "g3", HK_EINVAL, "move_other_project");
	expect_refused(f, &f->admin, "nope", HK_ENOTFOUND, "no_guest");
	sql(f, "UPDATE domain SET backup_guest_id = 2");
	expect_refused(f, &f->admin, "g2", HK_EINVAL, "move_to_backup");
	sql(f, "UPDATE domain SET backup_guest_id = NULL, active = 0");
	expect_refused(f, &f->admin, "g2", HK_EINVAL, "move_inactive");
	sql(f, "UPDATE domain SET active = 1");
	/* 2000 bytes to move; g2 has 1500 free below 90 % of 10000 */
	sql(f, "INSERT INTO guest_report (guest_id, at, guest_at, uptime_s, "
	    "load1, load5, load15, postfix_version, dovecot_version, "
	    "fs_bytes_total, fs_bytes_used, fs_bytes_free, fs_inodes_total, "
	    "fs_inodes_used, fs_inodes_free, q_active, q_deferred, q_hold, "
	    "q_incoming, mailboxes, mailbox_bytes, mailbox_messages) VALUES "
	    "(2, 1, 1, 1, 0, 0, 0, '3', '2', 10000, 7500, 2500, 1000, 0, 1000,"
	    " 0, 0, 0, 0, 0, 0, 0)");
	expect_refused(f, &f->admin, "g2", HK_ELIMIT, "move_no_room");
}

static void
test_dry_run(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	json_t *plan = NULL;
	int64_t g2;

	seed(f);
	g2 = gen(f, 2);
	assert_int_equal(start(f, &f->admin, "g2", 1, 90, &plan, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(plan,
							    "mailboxes")), 2);
	assert_int_equal(json_integer_value(json_object_get(plan, "bytes")),
			 2000);
	assert_int_equal(json_integer_value(json_object_get(plan,
							    "messages")), 20);
	assert_true(json_is_null(json_object_get(plan, "room")));
	json_decref(plan);
	sql(f, "INSERT INTO guest_report (guest_id, at, guest_at, uptime_s, "
	    "load1, load5, load15, postfix_version, dovecot_version, "
	    "fs_bytes_total, fs_bytes_used, fs_bytes_free, fs_inodes_total, "
	    "fs_inodes_used, fs_inodes_free, q_active, q_deferred, q_hold, "
	    "q_incoming, mailboxes, mailbox_bytes, mailbox_messages) VALUES "
	    "(2, 1, 1, 1, 0, 0, 0, '3', '2', 100000, 50000, 50000, 1000, 0, "
	    "1000, 0, 0, 0, 0, 0, 0, 0)");
	assert_int_equal(start(f, &f->admin, "g2", 1, 90, &plan, &err), 0);
	assert_true(json_is_true(json_object_get(plan, "room")));
	assert_int_equal(json_integer_value(json_object_get(plan,
							    "room_bytes")),
			 40000);
	json_decref(plan);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM domain_move"),
			 0);
	assert_int_equal(gen(f, 2), g2);
}

/* Leases the move as node "n1" and takes it to phase. */
static void
advance(struct fixture *f, struct move_job *j, const char *phase)
{
	struct move_step st = { phase, NOW + 10, 7, 30, NULL };
	struct hk_err err;

	if (store_move_advance(f->db, j, "n1", &st, &err) != 0)
		fail_msg("advance to %s: %s", phase, err.message);
	assert_string_equal(j->phase, phase);
}

static void
claim(struct fixture *f, struct move_job *j)
{
	struct hk_err err;

	assert_int_equal(store_move_claim(f->db, "n1", NOW, 60, j, &err), 1);
}

/* A move of pc1.example to g2, started and claimed by n1 at NOW. */
static void
started(struct fixture *f, struct move_job *j)
{
	struct hk_err err;
	json_t *mv = NULL;

	seed(f);
	assert_int_equal(start(f, &f->admin, "g2", 0, 90, &mv, &err), 0);
	json_decref(mv);
	claim(f, j);
}

static void
test_steps(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	struct move_job j;
	json_t *mv = NULL;
	char b[2048];
	int64_t g1, g2;

	seed(f);
	g2 = gen(f, 2);
	assert_int_equal(start(f, &f->admin, "g2", 0, 90, &mv, &err), 0);
	assert_string_equal(json_string_value(json_object_get(mv, "phase")),
			    "copy");
	json_decref(mv);
	assert_int_equal(gen(f, 2), g2 + 1);
	/* copy: g1 serves, g2 holds both mailboxes with logins refused */
	assert_string_equal(file(f, 1, VMD, b, sizeof(b)),
			    "pc1.example OK\npc1.example.org OK\n");
	assert_non_null(strstr(file(f, 1, PW, b, sizeof(b)),
			       "old@pc1.example:" HASH ":5000:5000::/var/mail/"
			       "vhosts/pc1.example/old::" NOLOGIN "\n"));
	assert_null(strstr(b, "matsui@pc1.example:" HASH ":5000:5000::"
			   "/var/mail/vhosts/pc1.example/matsui::nologin"));
	assert_string_equal(file(f, 2, VMD, b, sizeof(b)), "");
	/* both guests list the domain's recipients all through the move, so
	 * that Postfix's processes between two generations accept them */
	assert_string_equal(file(f, 2, VMM, b, sizeof(b)),
			    "matsui@pc1.example pc1.example/matsui/\n");
	assert_non_null(strstr(file(f, 2, RRM, b, sizeof(b)),
			       "info@pc1.example OK\n"));
	assert_non_null(strstr(file(f, 1, RRM, b, sizeof(b)),
			       "matsui@pc1.example OK\n"));
	assert_string_equal(file(f, 2, PW, b, sizeof(b)),
			    "matsui@pc1.example:" HASH ":5000:5000::/var/mail/"
			    "vhosts/pc1.example/matsui::" NOLOGIN "\n"
			    "old@pc1.example:" HASH ":5000:5000::/var/mail/"
			    "vhosts/pc1.example/old::" NOLOGIN "\n");
	claim(f, &j);
	assert_int_equal(j.wait_gen, g2 + 1);
	assert_int_equal(j.to_id, 2);
	/* cut over 1: g2 takes the mail too, no logins yet */
	advance(f, &j, "cutover");
	assert_int_equal(j.step, 1);
	assert_int_equal(j.wait_gen, gen(f, 2));
	assert_string_equal(file(f, 2, VMD, b, sizeof(b)),
			    "pc1.example OK\npc1.example.org OK\n");
	assert_string_equal(file(f, 2, VMM, b, sizeof(b)),
			    "matsui@pc1.example pc1.example/matsui/\n");
	assert_non_null(strstr(file(f, 2, PW, b, sizeof(b)), "matsui@pc1."
			       "example:" HASH ":5000:5000::/var/mail/vhosts/"
			       "pc1.example/matsui::" NOLOGIN));
	assert_string_equal(file(f, 1, VMD, b, sizeof(b)),
			    "pc1.example OK\npc1.example.org OK\n");
	/* cut over 2: g1 relays to g2 and takes no logins */
	g1 = gen(f, 1);
	advance(f, &j, "cutover");
	assert_int_equal(j.step, 2);
	assert_int_equal(j.wait_gen, g1 + 1);
	assert_string_equal(file(f, 1, VMD, b, sizeof(b)), "");
	assert_string_equal(file(f, 1, VMM, b, sizeof(b)),
			    "matsui@pc1.example pc1.example/matsui/\n");
	assert_non_null(strstr(file(f, 1, VAM, b, sizeof(b)),
			       "matsui@pc1.example.org matsui@pc1.example\n"));
	assert_string_equal(file(f, 1, RD, b, sizeof(b)),
			    "pc1.example OK\npc1.example.org OK\n");
	assert_non_null(strstr(file(f, 1, RRM, b, sizeof(b)),
			       "info@pc1.example OK\n"));
	assert_non_null(strstr(b, "matsui@pc1.example.org OK\n"));
	assert_string_equal(file(f, 1, TR, b, sizeof(b)),
			    "pc1.example relay:[10.0.0.2]:25\n"
			    "pc1.example.org relay:[10.0.0.2]:25\n");
	assert_non_null(strstr(file(f, 1, PW, b, sizeof(b)), "matsui@pc1."
			       "example:" HASH ":5000:5000::/var/mail/vhosts/"
			       "pc1.example/matsui::" NOLOGIN));
	assert_non_null(strstr(file(f, 2, PW, b, sizeof(b)), "pc1.example/"
			       "matsui::" NOLOGIN));
	/* catch-up: the domain is g2's, which takes the logins */
	advance(f, &j, "catchup");
	assert_int_equal(j.step, 3);
	assert_int_equal(fixture_int(f, "SELECT guest_id FROM domain"), 2);
	assert_int_equal(j.wait_gen, gen(f, 2));
	assert_non_null(strstr(file(f, 2, PW, b, sizeof(b)), "pc1.example/"
			       "matsui::\n"));
	assert_non_null(strstr(b, "pc1.example/old::" NOLOGIN "\n"));
	assert_string_equal(file(f, 1, TR, b, sizeof(b)),
			    "pc1.example relay:[10.0.0.2]:25\n"
			    "pc1.example.org relay:[10.0.0.2]:25\n");
	advance(f, &j, "relay");
	assert_int_equal(j.finish_at, NOW + 10 + 7 * 86400);
	assert_int_equal(fixture_int(f, "SELECT next_at FROM domain_move"),
			 NOW + 10 + 7 * 86400);
	advance(f, &j, "finish");
	g1 = gen(f, 1);
	advance(f, &j, "done");
	assert_int_equal(j.step, 4);
	assert_int_equal(gen(f, 1), g1 + 1);
	/* done: nothing of the domain on g1 but its copy in the trash */
	assert_string_equal(file(f, 1, TR, b, sizeof(b)), "");
	assert_string_equal(file(f, 1, RD, b, sizeof(b)), "");
	assert_string_equal(file(f, 1, RRM, b, sizeof(b)), "");
	assert_string_equal(file(f, 1, VMM, b, sizeof(b)), "");
	assert_string_equal(file(f, 1, VAM, b, sizeof(b)), "");
	assert_string_equal(file(f, 2, RRM, b, sizeof(b)), "");
	assert_string_equal(file(f, 1, PW, b, sizeof(b)), "");
	assert_non_null(strstr(file(f, 1, TRASH, b, sizeof(b)),
			       " matsui@pc1.example\n"));
	assert_string_equal(file(f, 2, PW, b, sizeof(b)),
			    "matsui@pc1.example:" HASH ":5000:5000::/var/mail/"
			    "vhosts/pc1.example/matsui::\n");
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action LIKE 'domain.move%'"), 7);
	/* the moved copy is not a deleted mailbox to list or restore */
	assert_int_equal(store_trash_list(f->db, &f->admin, "pc1.example", &mv,
					  &err), 0);
	assert_int_equal(json_array_size(mv), 0);
	json_decref(mv);
}

static void
test_passes_and_lease(void **state)
{
	struct fixture *f = *state;
	struct move_mailbox mb[4];
	struct move_job j, other;
	struct hk_err err;
	json_t *mv = NULL;
	size_t n;

	started(f, &j);
	/* a leased move is no one else's */
	assert_int_equal(store_move_claim(f->db, "n2", NOW, 60, &other, &err),
			 0);
	assert_int_equal(store_move_pending(f->db, &j, 1, mb, 4, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(mb[0].address, "matsui@pc1.example");
	assert_null(mb[0].state);
	assert_int_equal(store_move_mailbox_done(f->db, &j, "n1", mb[0].id, 1,
						 500, 5, "AQAAAA+/x=", NOW,
						 &err), 0);
	store_move_mailboxes_free(mb, n);
	assert_int_equal(store_move_pending(f->db, &j, 1, mb, 4, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(mb[0].address, "old@pc1.example");
	store_move_mailboxes_free(mb, n);
	/* the next pass starts from the state the pass before left */
	assert_int_equal(store_move_pending(f->db, &j, 2, mb, 4, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(mb[0].address, "matsui@pc1.example");
	assert_string_equal(mb[0].state, "AQAAAA+/x=");
	assert_null(mb[1].state);
	store_move_mailboxes_free(mb, n);
	assert_int_equal(store_move_get(f->db, &f->admin, j.id, NOW, &mv,
					&err), 0);
	assert_int_equal(json_integer_value(json_object_get(mv, "bytes_done")),
			 500);
	assert_int_equal(json_integer_value(json_object_get(mv,
					    "mailboxes_done")), 1);
	json_decref(mv);
	/* a waiting move says why, and is due again when it said */
	assert_int_equal(store_move_release(f->db, &j, "n1", NOW, NOW + 30,
					    "target unreachable", &err), 0);
	assert_int_equal(store_move_claim(f->db, "n1", NOW, 60, &other, &err),
			 0);
	assert_int_equal(store_move_get(f->db, &f->admin, j.id, NOW, &mv,
					&err), 0);
	assert_string_equal(json_string_value(json_object_get(mv, "error")),
			    "target unreachable");
	json_decref(mv);
	/* n2 takes it after the wait; n1's writes are refused */
	assert_int_equal(store_move_claim(f->db, "n2", NOW + 30, 60, &other,
					  &err), 1);
	assert_int_equal(store_move_mailbox_done(f->db, &j, "n1", mb[0].id, 1,
						 1, 1, NULL, NOW, &err), -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM "
				     "domain_move_mailbox"), 1);
}

/* A lease renewed is not taken; a lease that ran out is, by a worker of
 * the same node too, and the claim before it writes nothing more. */
static void
test_renew(void **state)
{
	struct fixture *f = *state;
	struct move_job j, later;
	struct move_mailbox mb[4];
	struct hk_err err;
	size_t n;

	started(f, &j);
	assert_int_equal(store_move_renew(f->db, &j, "n1", NOW + 50, 60, &err),
			 0);
	assert_int_equal(store_move_claim(f->db, "n1", NOW + 70, 60, &later,
					  &err), 0);
	assert_int_equal(store_move_claim(f->db, "n2", NOW + 109, 60, &later,
					  &err), 0);
	/* not renewed in time: the same node's other worker takes it */
	assert_int_equal(store_move_claim(f->db, "n1", NOW + 111, 60, &later,
					  &err), 1);
	assert_int_equal(store_move_pending(f->db, &j, 1, mb, 4, &n, &err), 0);
	assert_int_equal(store_move_mailbox_done(f->db, &j, "n1", mb[0].id, 1,
						 1, 1, NULL, NOW + 112, &err),
			 -1);
	assert_int_equal(err.code, HK_EEXIST);
	store_move_mailboxes_free(mb, n);
	assert_int_equal(store_move_renew(f->db, &j, "n1", NOW + 112, 60, &err),
			 -1);
	assert_int_equal(err.code, HK_EEXIST);
	/* the old claim's release leaves the new one's lease alone */
	assert_int_equal(store_move_release(f->db, &j, "n1", NOW + 112,
					    NOW + 112, NULL, &err), 0);
	assert_int_equal(store_move_claim(f->db, "n2", NOW + 113, 60, &j,
					  &err), 0);
	assert_int_equal(store_move_renew(f->db, &later, "n1", NOW + 113, 60,
					  &err), 0);
}

static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	struct move_job j;
	json_t *mv = NULL;
	char b[1024];
	int64_t id, n = 0;

	seed(f);
	assert_int_equal(start(f, &f->admin, "g2", 0, 90, &mv, &err), 0);
	id = json_integer_value(json_object_get(mv, "id"));
	json_decref(mv);
	/* a second move of a moving domain, or its deletion: refused */
	assert_int_equal(start(f, &f->admin, "g2", 0, 90, &mv, &err), -1);
	assert_string_equal(hk_reason_name(err.reason), "domain_moving");
	assert_int_equal(store_domain_delete(f->db, &f->admin, "pc1.example",
					     1, 86400, &err), -1);
	assert_string_equal(hk_reason_name(err.reason), "domain_moving");
	assert_int_equal(store_mailbox_delete(f->db, &f->admin, "matsui",
					      "pc1.example", 86400, &mv, &err),
			 -1);
	assert_string_equal(hk_reason_name(err.reason), "domain_moving");
	assert_int_equal(store_domain_active(f->db, &f->admin, "pc1.example",
					     0, &err), -1);
	assert_string_equal(hk_reason_name(err.reason), "domain_moving");
	assert_int_equal(store_move_cancel(f->db, &f->admin, id, NOW, &mv,
					   &err), 0);
	assert_true(json_is_true(json_object_get(mv, "cancel_requested")));
	json_decref(mv);
	claim(f, &j);
	assert_true(j.cancel);
	advance(f, &j, "cancelled");
	assert_int_equal(fixture_int(f, "SELECT live FROM domain_move"), 0);
	assert_string_equal(file(f, 2, PW, b, sizeof(b)), "");
	assert_non_null(strstr(file(f, 2, TRASH, b, sizeof(b)),
			       " matsui@pc1.example\n"));
	/* purged at once, but only once g2 serves the generation that moves
	 * the copy aside: purged before, the copy would stay */
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox_trash "
				     "WHERE guest_id = 2 AND purge_at <= "
				     "1800000010"), 2);
	assert_int_equal(store_trash_expire(f->db, "n1", NOW + 100, &n, &err),
			 0);
	assert_int_equal(n, 0);
	sql(f, "UPDATE guest SET applied_gen = desired_gen WHERE id = 2");
	assert_int_equal(store_trash_expire(f->db, "n1", NOW + 100, &n, &err),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(fixture_int(f, "SELECT guest_id FROM domain"), 1);
	/* cancelling after the cut-over: refused */
	assert_int_equal(start(f, &f->admin, "g2", 0, 90, &mv, &err), 0);
	id = json_integer_value(json_object_get(mv, "id"));
	json_decref(mv);
	claim(f, &j);
	advance(f, &j, "cutover");
	assert_int_equal(store_move_cancel(f->db, &f->admin, id, NOW, &mv,
					   &err), -1);
	assert_string_equal(hk_reason_name(err.reason), "move_past_cutover");
}

/* A change to a moving domain owes both guests a push. */
static void
test_bump_both(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	json_t *mv = NULL;
	int64_t g1, g2;

	seed(f);
	assert_int_equal(start(f, &f->admin, "g2", 0, 90, &mv, &err), 0);
	json_decref(mv);
	g1 = gen(f, 1);
	g2 = gen(f, 2);
	add_mailbox(f, "new", 1);
	assert_int_equal(gen(f, 1), g1 + 1);
	assert_int_equal(gen(f, 2), g2 + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_steps, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_passes_and_lease,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_renew, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cancel, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bump_both, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
