/* SPDX-License-Identifier: ISC */
/* test_alias.c - aliases, catch-alls, alias domains and the audit trail,
 * on whichever backend the fixture gives. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../fixture.h"
#include "store.h"

static int
add_alias(struct fixture *f, const struct hk_actor *a, const char *lp,
	  const char *dests, struct hk_err *err)
{
	struct alias_in in = { lp, "pc1.example", dests, 1 };
	json_t *obj = NULL;
	int rc;

	hk_err_clear(err);
	rc = store_alias_add(f->db, a, &in, &obj, err);
	json_decref(obj);
	return rc;
}

static int
setup(void **state)
{
	struct fixture *f;
	struct mailbox_in mb = { "matsui", "pc1.example",
				 "{SHA512-CRYPT}$6$abcdefgh$xyz", "", 0, 1 };
	struct hk_err err;
	json_t *obj = NULL;

	fixture_setup(state);
	f = *state;
	assert_int_equal(store_domain_add(f->db, &f->admin, "pc1.example",
					  "g1", &obj, &err), 0);
	json_decref(obj);
	assert_int_equal(store_mailbox_add(f->db, &f->admin, &mb, &obj,
					   &err), 0);
	json_decref(obj);
	return 0;
}

static void
test_aliases(void **state)
{
	struct fixture *f = *state;
	struct hk_actor other = { .project_id = 999 };
	struct hk_err err;
	json_t *list = NULL;
	int64_t gen = fixture_int(f, "SELECT desired_gen FROM guest");

	snprintf(other.via, sizeof(other.via), "api");
	assert_int_equal(add_alias(f, &f->admin, "info",
				   "matsui@pc1.example,x@elsewhere.example",
				   &err), 0);
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest"), gen + 1);
	assert_int_equal(add_alias(f, &f->admin, "", "matsui@pc1.example",
				   &err), 0);
	/* an address is a mailbox or an alias, never both */
	assert_int_equal(add_alias(f, &f->admin, "matsui", "x@y.example",
				   &err), -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_string_equal(err.field, "local_part");
	assert_int_equal(add_alias(f, &f->admin, "info", "x@y.example", &err),
			 -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_int_equal(add_alias(f, &other, "sales", "x@y.example", &err),
			 -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest"), gen + 2);
	assert_int_equal(store_alias_list(f->db, &f->admin, &(struct page_in){
		"pc1.example", NULL, 100, NULL, -1, 0 }, &list, NULL, &err), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 0), "address")), "@pc1.example");
	assert_true(json_is_true(json_object_get(json_array_get(list, 1),
						 "active")));
	json_decref(list);
}

/* An alias to an address of the project's own domains (or alias
 * domains) that names nothing there is refused, naming the field, and
 * nothing is written; a catch-all, an existing mailbox or alias, another
 * project's domain and the rest of the world are taken as given. */
static void
test_destinations_that_bounce(void **state)
{
	struct fixture *f = *state;
	struct guest_in g2 = { "g2", "lab2", "10.0.0.2", "root",
			       "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			       NULL, NULL };
	struct hk_err err;
	json_t *obj = NULL;
	int64_t n;

	assert_int_equal(store_project_add(f->db, &f->admin, "lab2", NULL,
					   &err), 0);
	assert_int_equal(store_guest_add(f->db, &f->admin, &g2, &obj, &err),
			 0);
	json_decref(obj);
	assert_int_equal(store_domain_add(f->db, &f->admin, "pc2.example",
					  "g2", &obj, &err), 0);
	json_decref(obj);
	assert_int_equal(store_aliasdomain_add(f->db, &f->admin,
					       "lab1.example", "pc1.example",
					       &obj, &err), 0);
	json_decref(obj);
	n = fixture_int(f, "SELECT COUNT(*) FROM audit");
	assert_int_equal(add_alias(f, &f->admin, "a1", "nosuch@pc1.example",
				   &err), -1);
	assert_int_equal(err.code, HK_EINVAL);
	assert_string_equal(err.field, "destinations");
	assert_non_null(strstr(err.message, "nosuch@pc1.example"));
	assert_int_equal(add_alias(f, &f->admin, "a1",
				   "matsui@pc1.example,nosuch@lab1.example",
				   &err), -1);
	assert_string_equal(err.field, "destinations");
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM alias"), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit"), n);
	/* what does exist, or is not this project's to judge */
	assert_int_equal(add_alias(f, &f->admin, "a1", "matsui@lab1.example,"
				   "nobody@pc2.example,x@elsewhere.example",
				   &err), 0);
	assert_int_equal(add_alias(f, &f->admin, "a2", "a1@pc1.example",
				   &err), 0);
	/* a change of destinations is judged alike */
	assert_int_equal(store_alias_update(f->db, &f->admin, "a2",
					    "pc1.example", "gone@pc1.example",
					    -1, &err), -1);
	assert_string_equal(err.field, "destinations");
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM alias WHERE "
				     "destinations = 'a1@pc1.example'"), 1);
	/* with a catch-all, every address of the domain is taken */
	assert_int_equal(add_alias(f, &f->admin, "", "matsui@pc1.example",
				   &err), 0);
	assert_int_equal(store_alias_update(f->db, &f->admin, "a2",
					    "pc1.example", "gone@pc1.example",
					    -1, &err), 0);
}

static void
test_alias_domains(void **state)
{
	struct fixture *f = *state;
	struct hk_actor other = { .project_id = 999 };
	struct hk_err err;
	json_t *obj = NULL, *list = NULL;

	snprintf(other.via, sizeof(other.via), "api");
	assert_int_equal(store_aliasdomain_add(f->db, &f->admin, "alias.example",
					       "pc1.example", &obj, &err), 0);
	assert_string_equal(json_string_value(json_object_get(obj, "target")),
			    "pc1.example");
	json_decref(obj);
	/* one namespace for domains and alias domains, both ways */
	assert_int_equal(store_aliasdomain_add(f->db, &f->admin, "pc1.example",
					       "pc1.example", &obj, &err), -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_int_equal(store_domain_add(f->db, &f->admin, "alias.example",
					  "g1", &obj, &err), -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_int_equal(store_aliasdomain_add(f->db, &f->admin, "b.example",
					       "nosuch.example", &obj, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_string_equal(err.field, "target");
	assert_int_equal(store_aliasdomain_add(f->db, &other, "c.example",
					       "pc1.example", &obj, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(store_aliasdomain_list(f->db, &other, NULL, &list,
						 NULL, &err), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	list = NULL;
	assert_int_equal(store_aliasdomain_list(f->db, &f->admin, NULL, &list,
						 NULL, &err),
			 0);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
}

static void
test_audit(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	json_t *list = NULL, *e;

	/* setup wrote project.add, guest.add, domain.add and mailbox.add;
	 * a refused write leaves no trace */
	assert_int_equal(add_alias(f, &f->admin, "matsui", "x@y.example",
				   &err), -1);
	assert_int_equal(add_alias(f, &f->admin, "info", "a@b.example", &err),
			 0);
	assert_int_equal(store_audit_list(f->db, &f->admin, 0, 10, &list, &err),
			 0);
	assert_int_equal(json_array_size(list), 5);
	e = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(e, "action")),
			    "alias.add");
	assert_string_equal(json_string_value(json_object_get(e, "object")),
			    "info@pc1.example");
	assert_string_equal(json_string_value(json_object_get(e, "via")),
			    "cli");
	assert_string_equal(json_string_value(json_object_get(e, "actor")),
			    "test");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 1), "action")), "mailbox.add");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 2), "action")), "domain.add");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 3), "action")), "guest.add");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 4), "action")), "project.add");
	json_decref(list);
	/* an actor without a door cannot write unaudited */
	f->admin.via[0] = '\0';
	assert_int_equal(add_alias(f, &f->admin, "sales", "a@b.example", &err),
			 -1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM alias WHERE local_part "
			       "= 'sales'"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_aliases, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_destinations_that_bounce,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_alias_domains, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_audit, setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
