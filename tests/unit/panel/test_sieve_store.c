/* SPDX-License-Identifier: ISC */
/* test_sieve_store.c - a mailbox's vacation reply and forwarding in the
 * store (store_sieve.c): set, read, clear, the row's life, the guest's
 * bump and the audit, the loop check through aliases, catch-alls, alias
 * domains and other mailboxes' forwards, who may do what, and the script
 * a stored row makes; on whichever backend the fixture gives. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../fixture.h"
#include "store_sieve.h"

#define HASH	"{SHA512-CRYPT}$6$abcdefgh$xyz"

static void
mailbox(struct fixture *f, const char *local, const char *domain)
{
	struct mailbox_in mb = { local, domain, HASH, "", 0, 1 };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_mailbox_add(f->db, &f->admin, &mb, &obj, &err) != 0)
		fail_msg("mailbox %s@%s: %s", local, domain, err.message);
	json_decref(obj);
}

static void
alias(struct fixture *f, const char *local, const char *domain,
      const char *dests)
{
	struct alias_in in = { local, domain, dests, 1 };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_alias_add(f->db, &f->admin, &in, &obj, &err) != 0)
		fail_msg("alias %s@%s: %s", local, domain, err.message);
	json_decref(obj);
}

static void
domain(struct fixture *f, const char *name, const char *guest)
{
	struct hk_err err;
	json_t *obj = NULL;

	if (store_domain_add(f->db, &f->admin, name, guest, &obj, &err) != 0)
		fail_msg("domain %s: %s", name, err.message);
	json_decref(obj);
}

/* lab: pc1.example with matsui, sato, kato; project other with its own
 * guest g2 and domain other.example with mailbox ito. */
static int
setup(void **state)
{
	struct guest_in g = { "g2", "other", "10.0.0.2", "root",
			      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			      NULL, NULL };
	struct fixture *f;
	struct hk_err err;
	json_t *obj = NULL;

	fixture_setup(state);
	f = *state;
	domain(f, "pc1.example", "g1");
	mailbox(f, "matsui", "pc1.example");
	mailbox(f, "sato", "pc1.example");
	mailbox(f, "kato", "pc1.example");
	assert_int_equal(store_project_add(f->db, &f->admin, "other", NULL,
					   &err), 0);
	assert_int_equal(store_guest_add(f->db, &f->admin, &g, &obj, &err), 0);
	json_decref(obj);
	domain(f, "other.example", "g2");
	mailbox(f, "ito", "other.example");
	return 0;
}

static const struct sieve_vacation VAC = { "Away \"now\"", "Back soon.\n.\n",
					   "2030-01-01", "2030-01-31", 3 };

static int64_t
gen(struct fixture *f)
{
	return fixture_int(f, "SELECT desired_gen FROM guest WHERE name = "
			   "'g1'");
}

static void
test_vacation(void **state)
{
	struct fixture *f = *state;
	struct sieve_vacation v = VAC;
	struct hk_err err;
	json_t *o = NULL, *vac;
	int64_t g0 = gen(f);

	assert_int_equal(store_sieve_get(f->db, &f->admin, "matsui@pc1.example",
					 &o, &err), 0);
	assert_true(json_is_null(json_object_get(o, "vacation")));
	assert_true(json_is_null(json_object_get(o, "forward")));
	json_decref(o);
	assert_int_equal(store_sieve_vacation_set(f->db, &f->admin,
			 "matsui@pc1.example", &v, &err), 0);
	assert_int_equal(gen(f), g0 + 1);
	assert_int_equal(store_sieve_get(f->db, &f->admin, "matsui@pc1.example",
					 &o, &err), 0);
	vac = json_object_get(o, "vacation");
	assert_string_equal(json_string_value(json_object_get(vac, "subject")),
			    VAC.subject);
	assert_string_equal(json_string_value(json_object_get(vac, "text")),
			    VAC.text);
	assert_string_equal(json_string_value(json_object_get(vac, "end")),
			    "2030-01-31");
	assert_int_equal(json_integer_value(json_object_get(vac, "days")), 3);
	json_decref(o);
	/* replaced whole: no subject and no dates now */
	v = (struct sieve_vacation){ NULL, "x", NULL, NULL, 7 };
	assert_int_equal(store_sieve_vacation_set(f->db, &f->admin,
			 "matsui@pc1.example", &v, &err), 0);
	assert_int_equal(store_sieve_get(f->db, &f->admin, "matsui@pc1.example",
					 &o, &err), 0);
	vac = json_object_get(o, "vacation");
	assert_true(json_is_null(json_object_get(vac, "subject")));
	assert_true(json_is_null(json_object_get(vac, "start")));
	json_decref(o);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox_sieve"), 1);
	assert_int_equal(store_sieve_vacation_clear(f->db, &f->admin,
			 "matsui@pc1.example", &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox_sieve"), 0);
	assert_int_equal(gen(f), g0 + 3);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
		"object = 'matsui@pc1.example' AND action LIKE "
		"'mailbox.vacation.%'"), 3);
}

static void
test_refusals(void **state)
{
	struct fixture *f = *state;
	struct sieve_vacation v = VAC;
	const char *self[] = { "Matsui@PC1.example" };
	struct sieve_forward fw = { self, 1, 0 };
	struct hk_err err;
	int64_t g0 = gen(f);

	v.end = "2029-12-31";
	assert_int_equal(store_sieve_vacation_set(f->db, &f->admin,
			 "matsui@pc1.example", &v, &err), -1);
	assert_int_equal(err.code, HK_EINVAL);
	assert_string_equal(err.field, "vacation.end");
	v = VAC;
	v.text = NULL;
	assert_int_equal(store_sieve_vacation_set(f->db, &f->admin,
			 "matsui@pc1.example", &v, &err), -1);
	assert_string_equal(err.field, "vacation.text");
	assert_int_equal(store_sieve_forward_set(f->db, &f->admin,
			 "matsui@pc1.example", &fw, &err), -1);
	assert_int_equal(err.reason, HK_R_forward_to_self);
	assert_string_equal(err.field, "forward.addresses");
	fw.n = 0;
	assert_int_equal(store_sieve_forward_set(f->db, &f->admin,
			 "matsui@pc1.example", &fw, &err), -1);
	assert_string_equal(err.field, "forward.addresses");
	v = VAC;
	assert_int_equal(store_sieve_vacation_set(f->db, &f->admin,
			 "nobody@pc1.example", &v, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(err.reason, HK_R_no_such_mailbox);
	assert_int_equal(gen(f), g0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox_sieve"), 0);
}

static int
forward(struct fixture *f, const char *address, const char *to,
	struct hk_err *err)
{
	const char *list[SIEVE_FORWARD_MAX];
	char buf[1024], *p = buf, *comma;
	struct sieve_forward fw = { list, 0, 1 };

	snprintf(buf, sizeof(buf), "%s", to);
	for (; p != NULL; p = comma ? comma + 1 : NULL) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		list[fw.n++] = p;
	}
	hk_err_clear(err);
	return store_sieve_forward_set(f->db, &f->admin, address, &fw, err);
}

static void
assert_loop(struct fixture *f, const char *address, const char *to,
	    const char *first, const char *via)
{
	struct hk_err err;

	assert_int_equal(forward(f, address, to, &err), -1);
	assert_int_equal(err.code, HK_EINVAL);
	assert_int_equal(err.reason, HK_R_forward_loop);
	assert_string_equal(err.field, "forward.addresses");
	if (strstr(err.message, first) == NULL ||
	    strstr(err.message, via) == NULL)
		fail_msg("%s -> %s: \"%s\" names not %s and %s", address, to,
			 err.message, first, via);
}

static void
test_forward(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	json_t *o = NULL, *fw;

	assert_int_equal(forward(f, "matsui@pc1.example",
				 "X@Elsewhere.example,sato@pc1.example",
				 &err), 0);
	assert_int_equal(store_sieve_get(f->db, &f->admin, "matsui@pc1.example",
					 &o, &err), 0);
	fw = json_object_get(o, "forward");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
			    fw, "addresses"), 0)), "x@elsewhere.example");
	assert_int_equal(json_array_size(json_object_get(fw, "addresses")), 2);
	assert_true(json_is_true(json_object_get(fw, "keep")));
	json_decref(o);
	/* sato -> matsui -> sato: refused on the way back, naming matsui */
	assert_loop(f, "sato@pc1.example", "matsui@pc1.example",
		    "matsui@pc1.example", "matsui@pc1.example");
	/* through an alias (two deep) to matsui, which forwards to sato */
	alias(f, "staff", "pc1.example", "y@elsewhere.example,matsui@pc1.example");
	alias(f, "team", "pc1.example", "staff@pc1.example");
	assert_loop(f, "sato@pc1.example", "z@elsewhere.example,team@pc1.example",
		    "team@pc1.example", "matsui@pc1.example");
	/* an alias back to kato itself */
	alias(f, "back", "pc1.example", "kato@pc1.example");
	assert_loop(f, "kato@pc1.example", "back@pc1.example", "back@pc1.example",
		    "back@pc1.example");
	/* a catch-all takes what no mailbox or alias names */
	alias(f, "", "pc1.example", "kato@pc1.example");
	assert_loop(f, "kato@pc1.example", "nobody@pc1.example",
		    "nobody@pc1.example", "nobody@pc1.example");
	/* an alias domain: the same local part in its target */
	assert_int_equal(store_aliasdomain_add(f->db, &f->admin, "pc2.example",
					       "pc1.example", &o, &err), 0);
	json_decref(o);
	assert_loop(f, "kato@pc1.example", "kato@pc2.example",
		    "kato@pc2.example", "kato@pc2.example");
	/* no loop: kato to sato (which forwards nowhere) */
	assert_int_equal(forward(f, "kato@pc1.example", "sato@pc1.example",
				 &err), 0);
	/* clearing matsui's forward keeps nothing else */
	assert_int_equal(store_sieve_forward_clear(f->db, &f->admin,
			 "matsui@pc1.example", &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox_sieve s "
		"JOIN mailbox m ON m.id = s.mailbox_id WHERE m.local_part = "
		"'matsui'"), 0);
	/* now sato may forward to matsui */
	assert_int_equal(forward(f, "sato@pc1.example", "matsui@pc1.example",
				 &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
		"action LIKE 'mailbox.forward.%'"), 4);
}

/* Another project's aliases and forwards are not looked at: ito's
 * forward back is its project's, not lab's, to see. */
static void
test_loop_other_project(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;

	assert_int_equal(forward(f, "ito@other.example", "matsui@pc1.example",
				 &err), 0);
	assert_int_equal(forward(f, "matsui@pc1.example", "ito@other.example",
				 &err), 0);
}

static void
test_both_parts(void **state)
{
	struct fixture *f = *state;
	struct sieve_vacation v = VAC;
	struct hk_err err;
	json_t *o = NULL;

	assert_int_equal(store_sieve_vacation_set(f->db, &f->admin,
			 "matsui@pc1.example", &v, &err), 0);
	assert_int_equal(forward(f, "matsui@pc1.example", "sato@pc1.example",
				 &err), 0);
	assert_int_equal(store_sieve_vacation_clear(f->db, &f->admin,
			 "matsui@pc1.example", &err), 0);
	assert_int_equal(store_sieve_get(f->db, &f->admin, "matsui@pc1.example",
					 &o, &err), 0);
	assert_true(json_is_null(json_object_get(o, "vacation")));
	assert_true(json_is_object(json_object_get(o, "forward")));
	json_decref(o);
	assert_int_equal(store_sieve_vacation_set(f->db, &f->admin,
			 "matsui@pc1.example", &v, &err), 0);
	assert_int_equal(store_sieve_forward_clear(f->db, &f->admin,
			 "matsui@pc1.example", &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox_sieve "
		"WHERE forward_to IS NULL AND vacation_text IS NOT NULL"), 1);
	/* the row goes with its mailbox */
	assert_int_equal(store_mailbox_delete(f->db, &f->admin, "matsui",
					      "pc1.example", 0, NULL, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox_sieve"), 0);
}

static void
test_scope(void **state)
{
	struct fixture *f = *state;
	struct hk_actor owner = { .account_id = 0, .project_id = 1,
				  .login = "tanaka", .via = "api" };
	struct hk_actor stranger = { .project_id = 2, .login = "sato",
				     .via = "api" };
	struct hk_actor user = { .mailbox_id = fixture_int(f, "SELECT id FROM "
				 "mailbox WHERE local_part = 'sato'"),
				 .login = "sato@pc1.example", .via = "web" };
	struct sieve_vacation v = VAC;
	struct hk_err err;
	json_t *o = NULL;

	assert_int_equal(fixture_int(f, "SELECT id FROM project WHERE name = "
				     "'other'"), 2);
	/* the owner of lab: its mailboxes, not other's */
	assert_int_equal(store_sieve_vacation_set(f->db, &owner,
			 "matsui@pc1.example", &v, &err), 0);
	assert_int_equal(store_sieve_get(f->db, &owner, "ito@other.example",
					 &o, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(err.reason, HK_R_no_such_mailbox);
	assert_int_equal(store_sieve_vacation_set(f->db, &owner,
			 "ito@other.example", &v, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(store_sieve_get(f->db, &stranger, "matsui@pc1.example",
					 &o, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	/* a mailbox user: its own mailbox only */
	assert_int_equal(store_sieve_vacation_set(f->db, &user,
			 "sato@pc1.example", &v, &err), 0);
	assert_int_equal(store_sieve_get(f->db, &user, "sato@pc1.example", &o,
					 &err), 0);
	json_decref(o);
	assert_int_equal(store_sieve_get(f->db, &user, "matsui@pc1.example",
					 &o, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(store_sieve_vacation_clear(f->db, &user,
			 "matsui@pc1.example", &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	/* a read-only key writes nothing */
	owner.read_only = 1;
	assert_int_equal(store_sieve_vacation_clear(f->db, &owner,
			 "matsui@pc1.example", &err), -1);
	assert_int_equal(err.code, HK_EFORBIDDEN);
	assert_int_equal(store_sieve_get(f->db, &owner, "matsui@pc1.example",
					 &o, &err), 0);
	assert_true(json_is_object(json_object_get(o, "vacation")));
	json_decref(o);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox_sieve"), 2);
}

/* The script a row makes: the row's columns as render reads them. */
static void
test_script(void **state)
{
	const char *row[STORE_SIEVE_NCOLS] = { NULL, "Away.", NULL,
					       "2030-01-31", "7",
					       "a@x.example,b@x.example", "1" };
	struct strbuf sb;
	struct hk_err err;

	(void)state;
	strbuf_init(&sb, 0);
	assert_int_equal(store_sieve_script("m@pc1.example", row, &sb, &err), 0);
	assert_non_null(strstr(strbuf_str(&sb), "vacation :days 7"));
	assert_non_null(strstr(strbuf_str(&sb),
			"redirect \"a@x.example\";\r\nredirect \"b@x.example\";"
			"\r\nkeep;\r\n"));
	row[1] = NULL;
	row[5] = NULL;
	assert_int_equal(store_sieve_script("m@pc1.example", row, &sb, &err), 0);
	assert_int_equal(sb.len, 0);
	/* eleven forwards stored are refused, not cut to ten */
	row[5] = "a@x.example,b@x.example,c@x.example,d@x.example,e@x.example,"
		 "f@x.example,g@x.example,h@x.example,i@x.example,j@x.example,"
		 "k@x.example";
	assert_int_equal(store_sieve_script("m@pc1.example", row, &sb, &err),
			 -1);
	assert_string_equal(err.field, "forward.addresses");
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vacation, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_forward, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_loop_other_project, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_both_parts, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup,
						fixture_teardown),
		cmocka_unit_test(test_script),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
