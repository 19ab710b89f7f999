/* SPDX-License-Identifier: ISC */
/* test_migrate.c - a mail system moving in (migrate.h), on both backends:
 * what comes over and how (hash forms, a mailbox's own alias as its
 * forward, vacation, admins), every problem named by its table and key
 * with nothing written, --skip-invalid, a re-run that updates only what
 * changed, and the project's limits. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../fixture.h"
#include "migrate.h"
#include "pwhash.h"
#include "store.h"

#define MD5CRYPT	"$1$c9809462$vZsL0hVZgXK0BCtWhA6A2/"
#define ARGON2ID	"{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ" \
			"$aGFzaGhhc2hoYXNo"
#define SHA512B64	"{SHA512-CRYPT.B64}JDYkc2FsdCRoYXNo"	/* $6$salt$hash */

static struct mig_set set;

static void
add_domain(const char *name, int backup_mx, int64_t max)
{
	struct mig_domain d = { .name = name, .guest = "g1", .active = 1,
				.backup_mx = backup_mx, .max_mailboxes = max,
				.default_quota = 100 * 1024000,
				.max_aliases = 100 };
	struct hk_err err;

	assert_int_equal(mig_add_domain(&set, &d, &err), 0);
}

static void
add_mailbox(const char *address, const char *hash, const char *name)
{
	struct mig_mailbox m = { address, hash, name, 50 * 1024000, 1 };
	struct hk_err err;

	assert_int_equal(mig_add_mailbox(&set, &m, &err), 0);
}

static void
add_alias(const char *address, const char *dests)
{
	struct mig_alias a = { address, dests, 1 };
	struct hk_err err;

	assert_int_equal(mig_add_alias(&set, &a, &err), 0);
}

/* The PostfixAdmin-like set the tests start from. */
static int
setup(void **state)
{
	struct mig_aliasdom ad = { "pfa-alias.example", "pfa1.example", 1 };
	struct mig_vacation v = { "u-b64@pfa1.example", "Away", "Back soon.",
				  "2025-01-01", "2030-12-31", 7, 1 };
	struct mig_admin adm[3] = {
		{ "admin-crypt@pfa1.example", MD5CRYPT, 1, 0 },
		{ "admin-ssha@pfa1.example", "{SSHA512}c2FsdA==", 1, 0 },
		{ "super@admin.example", MD5CRYPT, 1, 1 } };
	struct hk_err err;

	mig_set_init(&set);
	set.source = "postfixadmin";
	set.from = "sqlite:/x.db";
	set.cleartext = 1;
	add_domain("pfa1.example", 0, 50);
	add_domain("pfa2.example", 1, 0);
	add_mailbox("u-md5crypt@pfa1.example", MD5CRYPT, "松井 太郎");
	add_mailbox("u-argon@pfa1.example", ARGON2ID, "");
	add_mailbox("u-md5@pfa1.example", "0123456789ABCDEF0123456789abcdef",
		    NULL);
	add_mailbox("u-b64@pfa1.example", SHA512B64, "B64");
	add_mailbox("u-clear@pfa1.example", "Clear text pw 16", "Clear");
	add_alias("u-md5crypt@pfa1.example", "u-md5crypt@pfa1.example");
	add_alias("u-argon@pfa1.example",
		  "keep@elsewhere.example,u-argon@pfa1.example");
	add_alias("u-md5@pfa1.example", "forward-only@elsewhere.example");
	add_alias("info@pfa1.example", "u-md5crypt@pfa1.example");
	add_alias("team@pfa1.example", "info@pfa1.example, someone@else.example");
	add_alias("@pfa1.example", "u-clear@pfa1.example");
	add_alias("x@pfa-alias.example", "u-md5@pfa-alias.example");
	assert_int_equal(mig_add_aliasdom(&set, &ad, &err), 0);
	assert_int_equal(mig_add_vacation(&set, &v, &err), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(mig_add_admin(&set, &adm[i], &err), 0);
	return fixture_setup(state);
}

static int
teardown(void **state)
{
	mig_set_free(&set);
	return fixture_teardown(state);
}

static int
run(struct fixture *f, int dry, int skip, struct mig_report *rep,
    struct hk_err *err)
{
	struct mig_opts o = { .project = "lab", .dry_run = dry,
			      .skip_invalid = skip };

	hk_err_clear(err);
	mig_report_free(rep);
	return migrate_run(f->db, &f->admin, &set, &o, rep, err);
}

/* The count of rows sql's first column gives for text arg. */
static int64_t
count(struct fixture *f, const char *sql, const char *arg)
{
	int64_t n = -1;
	struct hk_err err;

	assert_int_equal(db_query_int(f->db, sql, &DB_TXT(arg), 1, &n, &err),
			 0);
	return n;
}

/* 1 when the report says reason of table/key (a note or not). */
static int
said(const struct mig_report *rep, const char *table, const char *key,
     enum hk_reason why, int note)
{
	for (size_t i = 0; i < rep->nkept; i++)
		if (!strcmp(rep->problems[i].table, table) &&
		    !strcmp(rep->problems[i].key, key) &&
		    rep->problems[i].e.reason == why &&
		    rep->problems[i].note == note)
			return 1;
	return 0;
}

/* Everything comes over as Dovecot and the panel need it, in one
 * transaction with one audit entry and one bump of the guest. */
static void
test_fresh(void **state)
{
	struct fixture *f = *state;
	struct mig_report rep = { 0 };
	struct hk_err err;
	int64_t gen = fixture_int(f, "SELECT desired_gen FROM guest");

	assert_int_equal(run(f, 0, 0, &rep, &err), 0);
	assert_int_equal(rep.nproblems, 0);
	assert_int_equal(rep.count[MIG_DOMAINS].added, 2);
	assert_int_equal(rep.count[MIG_MAILBOXES].added, 5);
	assert_int_equal(rep.count[MIG_ALIASES].added, 3);	/* info, team, @ */
	assert_int_equal(rep.count[MIG_FORWARDS].added, 2);
	assert_int_equal(rep.count[MIG_ALIASDOMS].added, 1);
	assert_int_equal(rep.count[MIG_VACATIONS].added, 1);
	assert_int_equal(rep.count[MIG_ADMINS].added, 2);
	assert_true(said(&rep, "domain", "pfa2.example",
			 HK_R_migrate_backup_mx, 1));
	assert_true(said(&rep, "domain", "pfa1.example",
			 HK_R_migrate_no_counterpart, 1));
	assert_true(said(&rep, "admin", "super@admin.example",
			 HK_R_migrate_superadmin, 1));
	assert_true(said(&rep, "admin", "admin-ssha@pfa1.example",
			 HK_R_migrate_admin_password, 1));
	assert_true(said(&rep, "alias", "x@pfa-alias.example",
			 HK_R_migrate_in_aliasdom, 1));
	/* hashes as Dovecot verifies them */
	assert_int_equal(count(f, "SELECT COUNT(*) FROM mailbox WHERE "
			       "password_hash = $1", "{MD5-CRYPT}" MD5CRYPT), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM mailbox WHERE "
			       "password_hash = $1", ARGON2ID), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM mailbox WHERE "
			       "password_hash = $1", "{PLAIN-MD5}0123456789"
			       "abcdef0123456789abcdef"), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM mailbox WHERE "
			       "password_hash = $1",
			       "{SHA512-CRYPT}$6$salt$hash"), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM mailbox WHERE "
			       "name = $1", "松井 太郎"), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM mailbox WHERE "
			       "local_part = $1 AND password_hash LIKE "
			       "'{SHA512-CRYPT}$6$%'", "u-clear"), 1);
	/* a mailbox's own alias: its forward, never an alias */
	assert_int_equal(count(f, "SELECT COUNT(*) FROM alias WHERE "
			       "local_part = $1", "u-argon"), 0);
	assert_int_equal(count(f, "SELECT forward_keep FROM mailbox_sieve s "
			       "JOIN mailbox m ON m.id = s.mailbox_id WHERE "
			       "m.local_part = $1 AND s.forward_to = "
			       "'keep@elsewhere.example'", "u-argon"), 1);
	assert_int_equal(count(f, "SELECT forward_keep FROM mailbox_sieve s "
			       "JOIN mailbox m ON m.id = s.mailbox_id WHERE "
			       "m.local_part = $1", "u-md5"), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM mailbox_sieve s JOIN "
			       "mailbox m ON m.id = s.mailbox_id WHERE "
			       "m.local_part = $1", "u-md5crypt"), 0);
	assert_int_equal(count(f, "SELECT vacation_days FROM mailbox_sieve s "
			       "JOIN mailbox m ON m.id = s.mailbox_id WHERE "
			       "s.vacation_text = $1", "Back soon."), 7);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM alias WHERE "
			       "destinations = $1",
			       "info@pfa1.example,someone@else.example"), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM alias WHERE "
			       "local_part = '' AND destinations = $1",
			       "u-clear@pfa1.example"), 1);
	/* admins: an owner each, a password only where the panel checks it */
	assert_int_equal(count(f, "SELECT COUNT(*) FROM account WHERE login = "
			       "$1 AND role = 'owner' AND password_hash = "
			       "'{MD5-CRYPT}" MD5CRYPT "'",
			       "admin-crypt-pfa1-example"), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM account WHERE login = "
			       "$1 AND password_hash IS NULL",
			       "admin-ssha-pfa1-example"), 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM migrated_domain"),
			 2);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'migrate'"), 1);
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest"),
			 gen + 1);
	assert_int_equal(fixture_int(f, "SELECT default_quota_bytes FROM "
				     "domain WHERE name = 'pfa1.example'"),
			 100 * 1024000);
	mig_report_free(&rep);
}

/* Every problem named by its table and key; nothing written, dry run or
 * not; --skip-invalid writes the rest. */
static void
test_problems(void **state)
{
	struct fixture *f = *state;
	struct mig_report rep = { 0 };
	struct hk_err err;
	json_t *obj = NULL;

	set.cleartext = 0;
	add_mailbox("Upper.Case@pfa1.example", MD5CRYPT, "");
	add_mailbox("locked@pfa1.example", "*LOCKED*", "");
	add_mailbox("bang!x@pfa1.example", MD5CRYPT, "");
	add_alias("dangling@pfa1.example", "nobody@pfa2.example");
	add_domain("taken.example", 0, 0);
	assert_int_equal(store_domain_add(f->db, &f->admin, "taken.example",
					  "g1", &obj, &err), 0);
	json_decref(obj);
	for (int dry = 1; dry >= 0; dry--) {
		assert_int_equal(run(f, dry, 0, &rep, &err), -1);
		assert_int_equal(err.reason, HK_R_migrate_problems);
		assert_true(said(&rep, "mailbox", "Upper.Case@pfa1.example",
				 HK_R_migrate_not_canonical, 0));
		assert_true(said(&rep, "mailbox", "locked@pfa1.example",
				 HK_R_hash_unknown, 0));
		assert_true(said(&rep, "mailbox", "u-clear@pfa1.example",
				 HK_R_hash_unknown, 0));
		assert_true(said(&rep, "mailbox", "bang!x@pfa1.example",
				 HK_R_local_part_chars, 0));
		assert_true(said(&rep, "alias", "dangling@pfa1.example",
				 HK_R_migrate_goto_nowhere, 0));
		assert_true(said(&rep, "domain", "taken.example",
				 HK_R_migrate_domain_exists, 0));
		/* the catch-all's one destination does not come over */
		assert_true(said(&rep, "alias", "@pfa1.example",
				 HK_R_migrate_goto_nowhere, 0));
		assert_int_equal(rep.nproblems, 7);
		assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox"),
				 0);
		assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM domain"),
				 1);
	}
	assert_int_equal(run(f, 0, 1, &rep, &err), 0);
	assert_int_equal(rep.count[MIG_MAILBOXES].added, 4);
	assert_int_equal(rep.count[MIG_MAILBOXES].skipped, 4);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox"), 4);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM domain"), 3);
	mig_report_free(&rep);
}

/* Run again: nothing changed is the same; what changed there is
 * updated, what is new added; clear text that still verifies stays. */
static void
test_rerun(void **state)
{
	struct fixture *f = *state;
	struct mig_report rep = { 0 };
	struct hk_err err;
	int64_t gen;

	assert_int_equal(run(f, 0, 0, &rep, &err), 0);
	gen = fixture_int(f, "SELECT desired_gen FROM guest");
	assert_int_equal(run(f, 0, 0, &rep, &err), 0);
	assert_int_equal(rep.count[MIG_DOMAINS].unchanged, 2);
	assert_int_equal(rep.count[MIG_MAILBOXES].unchanged, 5);
	assert_int_equal(rep.count[MIG_MAILBOXES].updated, 0);
	assert_int_equal(rep.count[MIG_ALIASES].unchanged, 3);
	assert_int_equal(rep.count[MIG_ALIASDOMS].unchanged, 1);
	/* PostfixAdmin changed since */
	set.mailboxes[1].hash = MD5CRYPT;
	set.mailboxes[4].name = "Clear Two";
	set.aliases[3].dests = "u-md5@pfa1.example";
	add_mailbox("new@pfa1.example", MD5CRYPT, "New");
	assert_int_equal(run(f, 1, 0, &rep, &err), 0);	/* dry: says, keeps */
	assert_int_equal(rep.count[MIG_MAILBOXES].updated, 2);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox"), 5);
	assert_int_equal(run(f, 0, 0, &rep, &err), 0);
	assert_int_equal(rep.count[MIG_MAILBOXES].added, 1);
	assert_int_equal(rep.count[MIG_MAILBOXES].updated, 2);
	assert_int_equal(rep.count[MIG_MAILBOXES].unchanged, 3);
	assert_int_equal(rep.count[MIG_ALIASES].updated, 1);
	assert_int_equal(rep.count[MIG_ALIASES].unchanged, 2);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM mailbox WHERE name = "
			       "$1", "Clear Two"), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM alias WHERE "
			       "destinations = $1", "u-md5@pfa1.example"), 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'migrate'"), 3);
	assert_true(fixture_int(f, "SELECT desired_gen FROM guest") > gen);
	mig_report_free(&rep);
}

/* The project's limits: no --skip-invalid writes past them. */
static void
test_limits(void **state)
{
	struct fixture *f = *state;
	struct project_limits lim = { -1, 4, -1 };
	struct mig_report rep = { 0 };
	struct hk_err err;

	assert_int_equal(store_project_limits(f->db, &f->admin, "lab", &lim,
					      &err), 0);
	assert_int_equal(run(f, 0, 1, &rep, &err), -1);
	assert_int_equal(err.reason, HK_R_migrate_problems);
	assert_true(said(&rep, "project", "lab", HK_R_over_project_mailboxes,
			 0));
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox"), 0);
	/* and a domain over its own limit there: said, its limit not
	 * carried when skipping */
	lim.max_mailboxes = 0;
	assert_int_equal(store_project_limits(f->db, &f->admin, "lab", &lim,
					      &err), 0);
	set.domains[0].max_mailboxes = 3;
	assert_int_equal(run(f, 0, 0, &rep, &err), -1);
	assert_true(said(&rep, "domain", "pfa1.example",
			 HK_R_over_domain_mailboxes, 0));
	assert_int_equal(run(f, 0, 1, &rep, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT max_mailboxes FROM domain "
				     "WHERE name = 'pfa1.example'"), 0);
	mig_report_free(&rep);
}

/* Each form another system stores, as Dovecot needs it. */
static void
test_carry(void **state)
{
	static const struct {
		const char *stored, *want;	/* want NULL: refused */
		int cleartext;
	} cases[] = {
		{ MD5CRYPT, "{MD5-CRYPT}" MD5CRYPT, 0 },
		{ "$5$s$h", "{SHA256-CRYPT}$5$s$h", 0 },
		{ "$6$s$h", "{SHA512-CRYPT}$6$s$h", 0 },
		{ "$2y$10$abc", "{BLF-CRYPT}$2y$10$abc", 0 },
		{ "$2a$10$abc", "{BLF-CRYPT}$2a$10$abc", 0 },
		{ "{sha512-crypt}$6$s$h", "{SHA512-CRYPT}$6$s$h", 0 },
		{ ARGON2ID, ARGON2ID, 0 },
		{ "{SSHA512}c2FsdA==", "{SSHA512}c2FsdA==", 0 },
		{ "{CRAM-MD5}00ff", "{CRAM-MD5}00ff", 0 },
		{ "0123456789ABCDEF0123456789abcdef",
		  "{PLAIN-MD5}0123456789abcdef0123456789abcdef", 0 },
		{ SHA512B64, "{SHA512-CRYPT}$6$salt$hash", 0 },
		{ "{SHA512-CRYPT.B64}JDEkc2FsdA==", NULL, 0 },	/* $1$salt */
		{ "{SHA512-CRYPT.B64}not base64", NULL, 0 },
		{ "{MD5}abc", NULL, 0 },
		{ "{PLAIN-MD5}ab:cd", NULL, 0 },
		{ "*LOCKED*", NULL, 0 },
		{ "*LOCKED*", NULL, 1 },
		{ "!x", NULL, 1 },
		{ "", NULL, 1 },
		{ "{FOO}bar", NULL, 1 },
	};
	char out[PWHASH_MAX];
	struct hk_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int rc = pwhash_carry(cases[i].stored, cases[i].cleartext,
				      "password", out, &err);

		if (cases[i].want == NULL) {
			if (rc != -1 || err.reason != HK_R_hash_unknown)
				fail_msg("%s: carried", cases[i].stored);
			assert_null(strstr(err.message, "bar"));
		} else if (rc != 0 || strcmp(out, cases[i].want) != 0)
			fail_msg("%s: %s", cases[i].stored, rc ? err.message :
				 out);
	}
	/* clear text: hashed, never kept as it is */
	assert_int_equal(pwhash_carry("{PLAIN}secret 1", 0, "password", out,
				      &err), 0);
	assert_true(pwhash_verify("secret 1", out));
	assert_int_equal(pwhash_carry("x:y pw", 1, "password", out, &err), 0);
	assert_true(pwhash_verify("x:y pw", out));
	assert_int_equal(pwhash_carry("x:y pw", 0, "password", out, &err), -1);
	assert_string_equal(err.params[0].value, "unrecognized");
	assert_true(pwhash_panel_verifies("{MD5-CRYPT}" MD5CRYPT));
	assert_false(pwhash_panel_verifies(ARGON2ID));
	assert_false(pwhash_panel_verifies("{SSHA512}c2FsdA=="));
}

/* Not an operator, a project that is not there. */
static void
test_refused(void **state)
{
	struct fixture *f = *state;
	struct mig_report rep = { 0 };
	struct mig_opts o = { .project = "nosuch" };
	struct hk_actor owner = f->admin;
	struct hk_err err;

	assert_int_equal(migrate_run(f->db, &f->admin, &set, &o, &rep, &err),
			 -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	mig_report_free(&rep);
	owner.is_admin = 0;
	o.project = "lab";
	assert_int_equal(migrate_run(f->db, &owner, &set, &o, &rep, &err), -1);
	assert_int_equal(err.code, HK_EFORBIDDEN);
	mig_report_free(&rep);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM domain"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_problems, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rerun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test(test_carry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
