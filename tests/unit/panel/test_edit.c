/* SPDX-License-Identifier: ISC */
/* test_edit.c - changing and deleting mailboxes, domains, aliases and alias
 * domains: scope, limits, the guests owed a push, the audit trail, and
 * nothing written on a refusal.  On whichever backend the fixture gives. */
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

#define HASH1 "{SHA512-CRYPT}$6$abcdefgh$one"
#define HASH2 "{SHA512-CRYPT}$6$abcdefgh$two"

static int
setup(void **state)
{
	struct fixture *f;
	struct mailbox_in mb = { "matsui", "pc1.example", HASH1, "", 1000, 1 };
	struct alias_in al = { "info", "pc1.example", "matsui@pc1.example", 1 };
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
	assert_int_equal(store_alias_add(f->db, &f->admin, &al, &obj, &err),
			 0);
	json_decref(obj);
	assert_int_equal(store_aliasdomain_add(f->db, &f->admin,
					       "alias.example", "pc1.example",
					       &obj, &err), 0);
	json_decref(obj);
	return 0;
}

static int64_t
gen(struct fixture *f)
{
	return fixture_int(f, "SELECT desired_gen FROM guest WHERE name = "
			   "'g1'");
}

static int
update(struct fixture *f, const struct hk_actor *a,
       const struct mailbox_patch *pt, struct hk_err *err)
{
	json_t *obj = NULL;
	int rc;

	hk_err_clear(err);
	rc = store_mailbox_update(f->db, a, "matsui", "pc1.example", pt, &obj,
				  err);
	json_decref(obj);
	return rc;
}

static void
test_mailbox_update(void **state)
{
	struct fixture *f = *state;
	struct mailbox_patch pw = { HASH2, NULL, -1, -1, 0 };
	struct mailbox_patch off = { NULL, "Matsui Taro", 2000, 0, 0 };
	struct hk_actor stranger = { .project_id = 999, .via = "api" };
	struct hk_err err;
	int64_t g = gen(f);

	assert_int_equal(update(f, &f->admin, &pw, &err), 0);
	assert_int_equal(gen(f), g + 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox WHERE "
				     "password_hash = '" HASH2 "' AND name = ''"
				     " AND quota_bytes = 1000 AND active = 1"),
			 1);
	/* audited with before and after, never the hash */
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'mailbox.update' AND detail LIKE"
				     " '%\"password_changed\":true%' AND detail"
				     " NOT LIKE '%$6$%' AND detail LIKE "
				     "'%\"before\":%'"), 1);
	assert_int_equal(update(f, &f->admin, &off, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox WHERE "
				     "password_hash = '" HASH2 "' AND name = "
				     "'Matsui Taro' AND quota_bytes = 2000 AND "
				     "active = 0"), 1);
	/* another project's owner sees no such mailbox; nothing changes */
	assert_int_equal(update(f, &stranger, &pw, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	stranger.project_id = 1;
	stranger.read_only = 1;
	assert_int_equal(update(f, &stranger, &pw, &err), -1);
	assert_int_equal(err.code, HK_EFORBIDDEN);
	assert_int_equal(gen(f), g + 2);
}

static void
test_mailbox_quota_limit(void **state)
{
	struct fixture *f = *state;
	struct project_limits lim = { -1, -1, 3000 };
	struct mailbox_patch grow = { NULL, NULL, 3001, -1, 0 };
	struct mailbox_patch fit = { NULL, NULL, 3000, -1, 0 };
	struct mailbox_patch none = { NULL, NULL, 0, -1, 0 };
	struct hk_err err;
	int64_t g;

	assert_int_equal(store_project_limits(f->db, &f->admin, "lab", &lim,
					      &err), 0);
	g = gen(f);
	/* the mailbox's own 1000 bytes are given back before the check */
	assert_int_equal(update(f, &f->admin, &grow, &err), -1);
	assert_int_equal(err.code, HK_ELIMIT);
	assert_string_equal(err.field, "max_storage_bytes");
	assert_int_equal(update(f, &f->admin, &none, &err), -1);
	assert_string_equal(err.field, "quota");
	assert_int_equal(gen(f), g);
	assert_int_equal(fixture_int(f, "SELECT quota_bytes FROM mailbox"),
			 1000);
	assert_int_equal(update(f, &f->admin, &fit, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT quota_bytes FROM mailbox"),
			 3000);
}

static void
test_mailbox_delete(void **state)
{
	struct fixture *f = *state;
	struct hk_actor stranger = { .project_id = 999, .via = "api" };
	struct hk_err err;
	int64_t g = gen(f);

	assert_int_equal(store_mailbox_delete(f->db, &stranger, "matsui",
					      "pc1.example", 86400,
					      NULL, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(store_mailbox_delete(f->db, &f->admin, "nosuch",
					      "pc1.example", 86400,
					      NULL, &err), -1);
	assert_string_equal(err.field, "address");
	assert_int_equal(gen(f), g);
	assert_int_equal(store_mailbox_delete(f->db, &f->admin, "matsui",
					      "pc1.example", 86400,
					      NULL, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox"), 0);
	assert_int_equal(gen(f), g + 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'mailbox.delete' AND object = "
				     "'matsui@pc1.example'"), 1);
}

static void
test_domain_disable_and_delete(void **state)
{
	struct fixture *f = *state;
	struct guest_in g2 = { "g2", "lab", "10.0.0.2", "root",
			       "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			       NULL, NULL };
	struct hk_err err;
	json_t *obj = NULL;
	int64_t g = gen(f), b;

	assert_int_equal(store_guest_add(f->db, &f->admin, &g2, &obj, &err),
			 0);
	json_decref(obj);
	assert_int_equal(store_domain_backup(f->db, &f->admin, "pc1.example",
					     "g2", &err), 0);
	b = fixture_int(f, "SELECT desired_gen FROM guest WHERE name = 'g2'");
	assert_int_equal(store_domain_active(f->db, &f->admin, "pc1.example",
					     0, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT active FROM domain"), 0);
	assert_int_equal(store_domain_active(f->db, &f->admin, "pc1.example",
					     1, &err), 0);
	/* not empty: kept, and the refusal names what it holds */
	assert_int_equal(store_domain_delete(f->db, &f->admin, "pc1.example",
					     0, 86400, &err), -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_non_null(strstr(err.message, "1 mailboxes, 1 aliases and 1 "
			       "alias domains"));
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM domain"), 1);
	/* forced: everything in it goes, both guests owe a push */
	assert_int_equal(store_domain_delete(f->db, &f->admin, "pc1.example",
					     1, 86400, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT (SELECT COUNT(*) FROM domain) +"
				     " (SELECT COUNT(*) FROM mailbox) + (SELECT"
				     " COUNT(*) FROM alias) + (SELECT COUNT(*) "
				     "FROM alias_domain)"), 0);
	/* backup (as it was and as it is), off, on, delete */
	assert_int_equal(gen(f), g + 5);
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest WHERE "
				     "name = 'g2'"), b + 3);
	assert_int_equal(store_domain_delete(f->db, &f->admin, "pc1.example",
					     1, 86400, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
}

static void
test_alias_edits(void **state)
{
	struct fixture *f = *state;
	struct hk_actor stranger = { .project_id = 999, .via = "api" };
	struct hk_err err;
	int64_t g = gen(f);

	assert_int_equal(store_alias_update(f->db, &f->admin, "info",
					    "pc1.example", "a@b.example,"
					    "c@d.example", -1, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM alias WHERE "
				     "destinations = 'a@b.example,c@d.example'"
				     " AND active = 1"), 1);
	assert_int_equal(store_alias_update(f->db, &f->admin, "info",
					    "pc1.example", NULL, 0, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM alias WHERE "
				     "destinations = 'a@b.example,c@d.example'"
				     " AND active = 0"), 1);
	assert_int_equal(store_alias_update(f->db, &stranger, "info",
					    "pc1.example", NULL, 1, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(store_alias_delete(f->db, &f->admin, "nosuch",
					    "pc1.example", &err), -1);
	assert_string_equal(err.field, "address");
	assert_int_equal(store_alias_delete(f->db, &f->admin, "info",
					    "pc1.example", &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM alias"), 0);
	assert_int_equal(store_aliasdomain_delete(f->db, &stranger,
						  "alias.example", &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(store_aliasdomain_delete(f->db, &f->admin,
						  "alias.example", &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM alias_domain"),
			 0);
	assert_int_equal(gen(f), g + 4);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action IN ('alias.update', 'alias.delete',"
				     " 'alias_domain.delete')"), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mailbox_update, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_quota_limit, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_delete, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_domain_disable_and_delete,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_alias_edits, setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
