/* SPDX-License-Identifier: ISC */
/* test_limits.c - a project's and a domain's limits hold in the store, so
 * whichever door a write comes through; a refused write leaves nothing. */
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
domain(struct fixture *f, const char *name, struct hk_err *err)
{
	json_t *obj = NULL;
	int rc;

	hk_err_clear(err);
	rc = store_domain_add(f->db, &f->admin, name, "g1", &obj, err);
	json_decref(obj);
	return rc;
}

static int
mailbox(struct fixture *f, const char *lp, int64_t quota, struct hk_err *err)
{
	struct mailbox_in in = { lp, "pc1.example",
				 "{SHA512-CRYPT}$6$abcdefgh$xyz", "", quota, 1 };
	json_t *obj = NULL;
	int rc;

	hk_err_clear(err);
	rc = store_mailbox_add(f->db, &f->admin, &in, &obj, err);
	json_decref(obj);
	return rc;
}

static int
project_limits(struct fixture *f, const char *name, int64_t max_domains,
	       int64_t max_mailboxes, int64_t max_storage, struct hk_err *err)
{
	struct project_limits lim = { max_domains, max_mailboxes,
				      max_storage };

	return store_project_limits(f->db, &f->admin, name, &lim, err);
}

static void
test_max_domains(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;

	assert_int_equal(project_limits(f, "lab", 2, -1, -1, &err),
			 0);
	assert_int_equal(domain(f, "a.example", &err), 0);
	assert_int_equal(domain(f, "b.example", &err), 0);
	assert_int_equal(domain(f, "c.example", &err), -1);
	assert_int_equal(err.code, HK_ELIMIT);
	assert_string_equal(err.field, "max_domains");
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM domain"), 2);
	assert_int_equal(project_limits(f, "lab", 0, -1, -1, &err),
			 0);
	assert_int_equal(domain(f, "c.example", &err), 0);
	assert_int_equal(project_limits(f, "nosuch", 1, 1, 1, &err),
			 -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
}

static void
test_max_mailboxes(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	int64_t gen;

	assert_int_equal(domain(f, "pc1.example", &err), 0);
	assert_int_equal(project_limits(f, "lab", -1, 2, -1, &err),
			 0);
	assert_int_equal(mailbox(f, "a", 0, &err), 0);
	assert_int_equal(mailbox(f, "b", 0, &err), 0);
	gen = fixture_int(f, "SELECT desired_gen FROM guest");
	assert_int_equal(mailbox(f, "c", 0, &err), -1);
	assert_int_equal(err.code, HK_ELIMIT);
	assert_string_equal(err.field, "max_mailboxes");
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox"), 2);
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest"), gen);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE action = "
			     "'mailbox.add'"), 2);
	/* the domain's own limit, under a looser project one */
	assert_int_equal(project_limits(f, "lab", -1, 0, -1, &err),
			 0);
	assert_int_equal(store_domain_limits(f->db, &f->admin, "pc1.example",
					     3, -1, &err), 0);
	assert_int_equal(mailbox(f, "c", 0, &err), 0);
	assert_int_equal(mailbox(f, "d", 0, &err), -1);
	assert_int_equal(err.code, HK_ELIMIT);
}

static void
test_storage_and_default_quota(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;

	assert_int_equal(domain(f, "pc1.example", &err), 0);
	assert_int_equal(project_limits(f, "lab", -1, -1, 3000,
					      &err), 0);
	assert_int_equal(mailbox(f, "unlimited", 0, &err), -1);
	assert_string_equal(err.field, "quota");
	assert_int_equal(mailbox(f, "a", 2000, &err), 0);
	assert_int_equal(mailbox(f, "b", 1001, &err), -1);
	assert_int_equal(err.code, HK_ELIMIT);
	assert_string_equal(err.field, "max_storage_bytes");
	/* no quota given: the domain's default applies, and counts */
	assert_int_equal(store_domain_limits(f->db, &f->admin, "pc1.example",
					     -1, 1000, &err), 0);
	assert_int_equal(mailbox(f, "b", -1, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT quota_bytes FROM mailbox WHERE "
			     "local_part = 'b'"), 1000);
	assert_int_equal(mailbox(f, "c", -1, &err), -1);
	assert_int_equal(err.code, HK_ELIMIT);
	assert_int_equal(fixture_int(f, "SELECT SUM(quota_bytes) FROM mailbox"), 3000);
	/* sizes past 2^31 (PostgreSQL must not take them as int4) */
	assert_int_equal(project_limits(f, "lab", -1, -1,
					      5LL << 30, &err), 0);
	assert_int_equal(store_domain_limits(f->db, &f->admin, "pc1.example",
					     -1, 3LL << 30, &err), 0);
	assert_int_equal(mailbox(f, "c", -1, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT quota_bytes FROM mailbox WHERE "
			     "local_part = 'c'"), 3LL << 30);
}

/* The storage in use is the exact sum of the quotas, on both backends:
 * past 2^53 (where a REAL sum rounds) and up to INT64_MAX itself, and it
 * saturates there only when the sum does not fit.  A limit holds to the
 * byte. */
static void
test_storage_exact(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	json_t *obj = NULL;
	const int64_t odd = (1LL << 53) + 1;	/* no double holds it */

	assert_int_equal(domain(f, "pc1.example", &err), 0);
	assert_int_equal(mailbox(f, "a", odd, &err), 0);
	assert_int_equal(mailbox(f, "b", odd, &err), 0);
	assert_int_equal(store_project_get(f->db, &f->admin, "lab", &obj,
					   &err), 0);
	assert_int_equal(json_integer_value(json_object_get(obj,
		"storage_bytes")), 2 * odd);
	json_decref(obj);
	/* exactly what is in use: not one byte more */
	assert_int_equal(project_limits(f, "lab", -1, -1, 2 * odd, &err), 0);
	assert_int_equal(mailbox(f, "c", 1, &err), -1);
	assert_int_equal(err.code, HK_ELIMIT);
	assert_string_equal(err.field, "max_storage_bytes");
	assert_int_equal(project_limits(f, "lab", -1, -1, 2 * odd + 1, &err),
			 0);
	assert_int_equal(mailbox(f, "c", 1, &err), 0);
	assert_int_equal(mailbox(f, "d", 1, &err), -1);
	assert_int_equal(err.code, HK_ELIMIT);

	/* up to INT64_MAX exactly, then saturated */
	assert_int_equal(project_limits(f, "lab", -1, -1, 0, &err), 0);
	assert_int_equal(mailbox(f, "d", INT64_MAX - 2 * odd - 2, &err), 0);
	assert_int_equal(store_project_get(f->db, &f->admin, "lab", &obj,
					   &err), 0);
	assert_int_equal(json_integer_value(json_object_get(obj,
		"storage_bytes")), INT64_MAX - 1);
	json_decref(obj);
	assert_int_equal(project_limits(f, "lab", -1, -1, INT64_MAX, &err),
			 0);
	assert_int_equal(mailbox(f, "e", 1, &err), 0);
	assert_int_equal(mailbox(f, "f", 1, &err), -1);
	assert_int_equal(err.code, HK_ELIMIT);
	assert_string_equal(err.field, "max_storage_bytes");
	assert_int_equal(project_limits(f, "lab", -1, -1, 0, &err), 0);
	assert_int_equal(mailbox(f, "f", INT64_MAX, &err), 0);
	assert_int_equal(mailbox(f, "g", INT64_MAX, &err), 0);
	assert_int_equal(store_project_get(f->db, &f->admin, "lab", &obj,
					   &err), 0);
	assert_int_equal(json_integer_value(json_object_get(obj,
		"storage_bytes")), INT64_MAX);
	json_decref(obj);
	/* saturated: no quota may grow, any may shrink */
	assert_int_equal(project_limits(f, "lab", -1, -1, INT64_MAX, &err),
			 0);
	{
		struct mailbox_patch up = { NULL, NULL, 2, -1, 0 };
		struct mailbox_patch down = { NULL, NULL, 1, -1, 0 };

		hk_err_clear(&err);
		assert_int_equal(store_mailbox_update(f->db, &f->admin, "e",
			"pc1.example", &up, &obj, &err), -1);
		assert_int_equal(err.code, HK_ELIMIT);
		assert_int_equal(store_mailbox_update(f->db, &f->admin, "g",
			"pc1.example", &down, &obj, &err), 0);
		json_decref(obj);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_max_domains,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_max_mailboxes,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_storage_and_default_quota,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_storage_exact,
			fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
