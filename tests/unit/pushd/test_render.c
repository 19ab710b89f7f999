/* SPDX-License-Identifier: ISC */
/* test_render.c - what a guest receives, byte for byte. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../fixture.h"
#include "base64.h"
#include "dkimsyntax.h"
#include "pushd/render.h"
#include "store_dkim.h"

static const struct render_opts opts = { 5000, 5000, "/var/mail/vhosts",
					  NULL };

static void
seed(struct fixture *f)
{
	static const char *const sql[] = {
		"INSERT INTO guest (project_id, name, ssh_host, host_key, "
		"created_at) VALUES (1, 'g2', 'h2', 'ssh-ed25519 AAAA', 0)",
		"INSERT INTO domain (project_id, guest_id, backup_guest_id, name,"
		" created_at) VALUES (1, 1, 2, 'pc1.example', 0)",
		"INSERT INTO domain (project_id, guest_id, name, created_at) "
		"VALUES (1, 2, 'pc2.example', 0)",
		"INSERT INTO mailbox (domain_id, local_part, password_hash, "
		"quota_bytes, active, created_at, updated_at) VALUES "
		"(1, 'matsui', '{SHA512-CRYPT}$6$s$h1', 1024, 1, 0, 0),"
		"(1, 'alice', '{SHA512-CRYPT}$6$s$h2', 0, 1, 0, 0),"
		"(1, 'bob', '{SHA512-CRYPT}$6$s$h3', 0, 0, 0, 0),"
		"(2, 'matsui', '{SHA512-CRYPT}$6$s$h4', 0, 1, 0, 0)",
		"INSERT INTO alias (domain_id, local_part, destinations, "
		"created_at) VALUES (1, 'info', 'matsui@pc1.example,"
		"alice@pc1.example', 0), (1, '', 'alice@pc1.example', 0)",
		"INSERT INTO alias_domain (project_id, name, target_domain_id, "
		"created_at) VALUES (1, 'alias.example', 1, 0)",
		NULL
	};
	struct hk_err err;

	for (int i = 0; sql[i]; i++)
		if (db_exec(f->db, sql[i], NULL, 0, NULL, &err) != 0)
			fail_msg("%s: %s", sql[i], err.message);
}

static void
test_primary(void **state)
{
	struct fixture *f = *state;
	struct render_out out;
	struct hk_err err;

	seed(f);
	assert_int_equal(render_guest(f->db, 1, &opts, &out, &err), 0);
	assert_string_equal(strbuf_str(&out.files[0]),
		"alias.example OK\npc1.example OK\n");
	assert_string_equal(strbuf_str(&out.files[1]),
		"alice@pc1.example pc1.example/alice/\n"
		"matsui@pc1.example pc1.example/matsui/\n");
	/* the alias domain: one entry per mailbox and alias of its target,
	 * "@alias @target" only because the target has a catch-all; the
	 * catch-all's domain's mailboxes each to itself (the catch-all would
	 * take their mail), not the inactive bob */
	assert_string_equal(strbuf_str(&out.files[2]),
		"@alias.example @pc1.example\n"
		"@pc1.example alice@pc1.example\n"
		"alice@alias.example alice@pc1.example\n"
		"alice@pc1.example alice@pc1.example\n"
		"info@alias.example info@pc1.example\n"
		"info@pc1.example matsui@pc1.example,alice@pc1.example\n"
		"matsui@alias.example matsui@pc1.example\n"
		"matsui@pc1.example matsui@pc1.example\n");
	assert_string_equal(strbuf_str(&out.files[3]), "");
	assert_string_equal(strbuf_str(&out.files[4]), "");
	assert_string_equal(strbuf_str(&out.files[6]),
		"alice@pc1.example:{SHA512-CRYPT}$6$s$h2:5000:5000::"
		"/var/mail/vhosts/pc1.example/alice::\n"
		"matsui@pc1.example:{SHA512-CRYPT}$6$s$h1:5000:5000::"
		"/var/mail/vhosts/pc1.example/matsui::"
		"userdb_quota_rule=*:storage=1024B\n");
	render_out_free(&out);
}

static void
test_backup_mx_gets_no_passwords(void **state)
{
	struct fixture *f = *state;
	struct render_out out;
	struct hk_err err;

	seed(f);
	assert_int_equal(render_guest(f->db, 2, &opts, &out, &err), 0);
	assert_string_equal(strbuf_str(&out.files[0]), "pc2.example OK\n");
	assert_string_equal(strbuf_str(&out.files[3]),
		"alias.example OK\npc1.example OK\n");
	assert_string_equal(strbuf_str(&out.files[4]),
		"@alias.example OK\n@pc1.example OK\n"
		"alice@alias.example OK\nalice@pc1.example OK\n"
		"info@alias.example OK\ninfo@pc1.example OK\n"
		"matsui@alias.example OK\nmatsui@pc1.example OK\n");
	assert_null(strstr(strbuf_str(&out.files[6]), "pc1.example"));
	render_out_free(&out);
}

static void seed_sieve(struct fixture *f);

static void
test_bundle_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct render_out out;
	struct strbuf wire;
	struct bundle b;
	struct hk_err err;
	char sha[65];

	seed(f);
	seed_sieve(f);
	strbuf_init(&wire, 0);
	assert_int_equal(render_guest(f->db, 1, &opts, &out, &err), 0);
	assert_int_equal(render_bundle(&out, &wire, sha, NULL, &err), 0);
	if (bundle_parse(wire.data, wire.len, &b, &err) != 0)
		fail_msg("own bundle refused: %s", err.message);
	assert_int_equal(b.generation, (uint64_t)out.generation);
	assert_string_equal(b.sha256, sha);
	render_out_free(&out);
	strbuf_free(&wire);
}

/* The sieve file (index 8): ids as seed() made them, matsui 1, alice 2,
 * bob 3 (inactive), matsui@pc2 4. */
static void
seed_sieve(struct fixture *f)
{
	static const char *const sql[] = {
		"INSERT INTO mailbox_sieve (mailbox_id, vacation_text, "
		"vacation_days, updated_at) VALUES (1, 'Away.', 7, 0), "
		"(3, 'Off.', 7, 0)",
		"INSERT INTO mailbox_sieve (mailbox_id, forward_to, "
		"forward_keep, updated_at) VALUES (2, 'x@elsewhere.example', 1, "
		"0), (4, 'y@elsewhere.example', 0, 0)",
		NULL
	};
	struct hk_err err;

	for (int i = 0; sql[i]; i++)
		if (db_exec(f->db, sql[i], NULL, 0, NULL, &err) != 0)
			fail_msg("%s: %s", sql[i], err.message);
}

/* The line of address with script, as render should write it. */
static void
want_line(struct strbuf *sb, const char *address, const char *script)
{
	assert_int_equal(strbuf_printf(sb, "%s ", address), 0);
	assert_int_equal(base64_encode(sb, script, strlen(script)), 0);
	assert_int_equal(strbuf_puts(sb, "\n"), 0);
}

static void
test_sieve(void **state)
{
	struct fixture *f = *state;
	struct render_out out;
	struct strbuf want;
	struct hk_err err;

	seed(f);
	seed_sieve(f);
	strbuf_init(&want, 0);
	want_line(&want, "alice@pc1.example", "# alice@pc1.example: vacation "
		  "reply and forwarding, as set in hakomail (changes here are "
		  "replaced)\r\nredirect \"x@elsewhere.example\";\r\nkeep;\r\n");
	want_line(&want, "matsui@pc1.example", "# matsui@pc1.example: vacation "
		  "reply and forwarding, as set in hakomail (changes here are "
		  "replaced)\r\nrequire [\"vacation\"];\r\nvacation :days 7 "
		  ":addresses [\"matsui@pc1.example\"] \"Away.\";\r\n");
	assert_int_equal(render_guest(f->db, 1, &opts, &out, &err), 0);
	/* bob is inactive: no script */
	assert_string_equal(strbuf_str(&out.files[8]), strbuf_str(&want));
	render_out_free(&out);
	/* the backup MX serves none of pc1's; pc2's matsui on its guest */
	assert_int_equal(render_guest(f->db, 2, &opts, &out, &err), 0);
	assert_null(strstr(strbuf_str(&out.files[8]), "pc1.example"));
	assert_non_null(strstr(strbuf_str(&out.files[8]), "matsui@pc2.example "));
	render_out_free(&out);
	/* a disabled domain: none */
	assert_int_equal(db_exec(f->db, "UPDATE domain SET active = 0 WHERE "
				 "id = 2", NULL, 0, NULL, &err), 0);
	assert_int_equal(render_guest(f->db, 2, &opts, &out, &err), 0);
	assert_string_equal(strbuf_str(&out.files[8]), "");
	render_out_free(&out);
	strbuf_free(&want);
}

/* A domain moving from guest 1 to guest 3: the target holds its
 * mailboxes for dsync (no script there), the source keeps them until
 * the cut-over (step 2), then neither has a script. */
static void
test_sieve_moving(void **state)
{
	static const char *const sql[] = {
		"INSERT INTO guest (project_id, name, ssh_host, host_key, "
		"created_at) VALUES (1, 'g3', 'h3', 'ssh-ed25519 AAAA', 0)",
		"INSERT INTO domain_move (domain_id, project_id, domain, "
		"from_guest_id, to_guest_id, step, actor, created_at, "
		"updated_at, phase_at) VALUES (1, 1, 'pc1.example', 1, 3, 1, "
		"'t', 0, 0, 0)",
		NULL
	};
	struct fixture *f = *state;
	struct render_out out;
	struct hk_err err;

	seed(f);
	seed_sieve(f);
	for (int i = 0; sql[i]; i++)
		if (db_exec(f->db, sql[i], NULL, 0, NULL, &err) != 0)
			fail_msg("%s: %s", sql[i], err.message);
	assert_int_equal(render_guest(f->db, 3, &opts, &out, &err), 0);
	assert_non_null(strstr(strbuf_str(&out.files[6]), BUNDLE_HELD_REASON));
	assert_string_equal(strbuf_str(&out.files[8]), "");
	render_out_free(&out);
	assert_int_equal(render_guest(f->db, 1, &opts, &out, &err), 0);
	assert_non_null(strstr(strbuf_str(&out.files[8]), "matsui@pc1.example "));
	render_out_free(&out);
	assert_int_equal(db_exec(f->db, "UPDATE domain_move SET step = 2",
				 NULL, 0, NULL, &err), 0);
	for (int64_t g = 1; g <= 3; g += 2) {
		assert_int_equal(render_guest(f->db, g, &opts, &out, &err), 0);
		assert_string_equal(strbuf_str(&out.files[8]), "");
		render_out_free(&out);
	}
}

/* DKIM keys through the store: pc1.example (guest 1) "r1" RSA and "e1"
 * Ed25519 active, "p1" pending; pc2.example (guest 2) "x" active. */
static void
seed_dkim(struct fixture *f, const struct dkim_conf *dc)
{
	static const struct { const char *dom, *alg, *sel; int act; } k[] = {
		{ "pc1.example", "rsa", "r1", 1 },
		{ "pc1.example", "ed25519", "e1", 1 },
		{ "pc1.example", "ed25519", "p1", 0 },
		{ "pc2.example", "ed25519", "x", 1 },
	};
	struct hk_err err;
	json_t *obj = NULL;

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct dkim_new in = { k[i].alg, -1, k[i].sel, 0 };

		if (store_dkim_create(f->db, &f->admin, dc, k[i].dom, &in, &obj,
				      &err) < 0 ||
		    (k[i].act && (json_decref(obj), obj = NULL,
				  store_dkim_activate(f->db, &f->admin, dc,
						      k[i].dom, k[i].sel, &obj,
						      &err) < 0)))
			fail_msg("%s: %s", k[i].sel, err.message);
		json_decref(obj);
		obj = NULL;
	}
}

/* The file's lines with each key's base64 cut to "B64", and every key
 * decoded to a PEM of its algorithm. */
static void
dkim_lines(const char *file, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (const char *l = file; *l; ) {
		const char *nl = strchr(l, '\n');
		size_t n = (size_t)(nl - l);

		assert_non_null(nl);
		if (strncmp(l, "key ", 4) == 0) {
			const char *b = nl;
			unsigned char pem[8192];
			size_t len;

			while (b[-1] != ' ')
				b--;
			assert_true((size_t)(nl - b) / 4 * 3 <= sizeof(pem));
			assert_int_equal(base64_decode(b, (size_t)(nl - b),
						       pem, &len), 0);
			assert_int_equal(memcmp(pem, "-----BEGIN PRIVATE KEY"
						"-----\n", 28), 0);
			used += (size_t)snprintf(out + used, size - used,
						 "%.*sB64\n", (int)(b - l), l);
		} else
			used += (size_t)snprintf(out + used, size - used,
						 "%.*s\n", (int)n, l);
		assert_true(used < size);
		l = nl + 1;
	}
}

static void
test_dkim(void **state)
{
	struct fixture *f = *state;
	struct render_opts with = opts;
	struct dkim_conf dc = { "/nonexistent/dkim.key", { 0 }, 1024, 7 };
	struct render_out out;
	struct hk_err err;
	char got[1024];

	memset(dc.key, 0x61, sizeof(dc.key));
	with.dkim = &dc;
	seed(f);
	/* no key yet: an empty file, [dkim] or not */
	assert_int_equal(render_guest(f->db, 1, &opts, &out, &err), 0);
	assert_string_equal(strbuf_str(&out.files[9]), "");
	render_out_free(&out);
	seed_dkim(f, &dc);
	assert_int_equal(render_guest(f->db, 1, &with, &out, &err), 0);
	dkim_lines(strbuf_str(&out.files[9]), got, sizeof(got));
	/* the alias domain signs d=alias.example with pc1's active keys;
	 * pc2's key is guest 2's */
	assert_string_equal(got,
		"key pc1.example e1 B64\n"
		"sign pc1.example pc1.example e1\n"
		"key pc1.example p1 B64\n"
		"key pc1.example r1 B64\n"
		"sign pc1.example pc1.example r1\n"
		"sign alias.example pc1.example e1\n"
		"sign alias.example pc1.example r1\n");
	assert_int_equal(dkimsyntax_file(strbuf_str(&out.files[9]),
					 out.files[9].len, &err), 0);
	render_out_free(&out);
	/* keys, and no [dkim] to open them: the push fails, saying so */
	assert_int_equal(render_guest(f->db, 1, &opts, &out, &err), -1);
	assert_int_equal(err.reason, HK_R_dkim_not_configured);
	/* an inactive alias domain signs nothing */
	assert_int_equal(db_exec(f->db, "UPDATE alias_domain SET active = 0",
				 NULL, 0, NULL, &err), 0);
	assert_int_equal(render_guest(f->db, 1, &with, &out, &err), 0);
	assert_null(strstr(strbuf_str(&out.files[9]), "alias.example"));
	render_out_free(&out);
}

static void
test_generation_is_the_read_one(void **state)
{
	struct fixture *f = *state;
	struct render_out out;
	struct hk_err err;
	int64_t want;

	seed(f);
	assert_int_equal(db_query_int(f->db, "SELECT desired_gen FROM guest "
				      "WHERE id = 1", NULL, 0, &want, &err), 0);
	assert_int_equal(render_guest(f->db, 1, &opts, &out, &err), 0);
	assert_int_equal(out.generation, want);
	render_out_free(&out);
	assert_int_equal(render_guest(f->db, 99, &opts, &out, &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_primary, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_backup_mx_gets_no_passwords,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bundle_roundtrip,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_sieve, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_sieve_moving,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_dkim, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_generation_is_the_read_one,
						fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
