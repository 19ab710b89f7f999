/* SPDX-License-Identifier: ISC */
/*
 * test_moves.c - the API's doors to a domain move (api_move.c): a move
 * started is answered 202 with its Location, a dry run 200 with the plan
 * and nothing written; each refusal has its status, field and reason and
 * writes nothing; owners read their project's moves (another project's
 * are 404) and may neither start nor cancel one; cancelling before the
 * cut-over, and not after.  The store's side is tests/unit/pushd/
 * test_move.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fcgi/api.h"
#include "../fixture.h"

#define HASH	"{SHA512-CRYPT}$6$s$h1"
#define REPORT	"INSERT INTO guest_report (guest_id, at, guest_at, uptime_s, " \
	"load1, load5, load15, postfix_version, dovecot_version, " \
	"fs_bytes_total, fs_bytes_used, fs_bytes_free, fs_inodes_total, " \
	"fs_inodes_used, fs_inodes_free, q_active, q_deferred, q_hold, " \
	"q_incoming, mailboxes, mailbox_bytes, mailbox_messages) "

static struct hk_config cfg;
static char admin[256], owner[256], stranger[256];

/* An answer: its status, body and Location. */
struct answer {
	int status;
	json_t *body;
	char location[64];
};

static void
sql(struct fixture *f, const char *q)
{
	struct hk_err err;

	if (db_exec(f->db, q, NULL, 0, NULL, &err) != 0)
		fail_msg("%s: %s", q, err.message);
}

static void
ok(int rc, const struct hk_err *err)
{
	if (rc != 0)
		fail_msg("seeding: %s", err->message);
}

static void
add_guest(struct fixture *f, const char *name, const char *project)
{
	struct guest_in g = { name, project, "10.0.0.2", "root",
			      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			      NULL, NULL };
	struct hk_err err;
	json_t *obj = NULL;

	ok(store_guest_add(f->db, &f->admin, &g, &obj, &err), &err);
	json_decref(obj);
}

/* pc1.example on g1 (project lab) with two mailboxes of 1000 bytes and
 * 10 messages each; g2 and g4 in lab, g3 in project other; keys for an
 * operator, lab's owner and other's owner. */
static int
setup(void **state)
{
	struct mailbox_in m = { "matsui", "pc1.example", HASH, "", 0, 1 };
	struct fixture *f;
	struct hk_err err;
	json_t *obj = NULL;

	fixture_setup(state);
	f = *state;
	conf_defaults(&cfg);
	snprintf(cfg.wake_socket, sizeof(cfg.wake_socket), "%s/wake",
		 f->dir[0] ? f->dir : "/nonexistent");
	add_guest(f, "g2", "lab");
	ok(store_project_add(f->db, &f->admin, "other", NULL, &err), &err);
	add_guest(f, "g3", "other");
	add_guest(f, "g4", "lab");
	ok(store_domain_add(f->db, &f->admin, "pc1.example", "g1", &obj,
			    &err), &err);
	json_decref(obj);
	ok(store_mailbox_add(f->db, &f->admin, &m, &obj, &err), &err);
	json_decref(obj);
	m.local_part = "tanaka";
	ok(store_mailbox_add(f->db, &f->admin, &m, &obj, &err), &err);
	json_decref(obj);
	sql(f, "INSERT INTO mailbox_usage (mailbox_id, used_bytes, messages, "
	    "at) SELECT id, 1000, 10, 1 FROM mailbox");
	fixture_key(f, "admin", NULL, admin, sizeof(admin));
	fixture_key(f, "owner", "lab", owner, sizeof(owner));
	fixture_key(f, "stranger", "other", stranger, sizeof(stranger));
	return 0;
}

/* One request with key (NULL: the operator's); a->body is the caller's
 * to free. */
static void
request(struct fixture *f, const char *method, const char *uri,
	const char *body, const char *key, struct answer *a)
{
	char bearer[300];
	struct api_ctx ctx = { f->db, &cfg };
	struct http_req req = { .method = method, .uri = uri,
				.content_type = "application/json",
				.body = body, .body_len = body ? strlen(body) : 0,
				.authorization = bearer };
	struct http_resp resp;

	snprintf(bearer, sizeof(bearer), "Bearer %s", key ? key : admin);
	api_handle(&ctx, &req, &resp);
	a->status = resp.status;
	a->body = http_resp_json(&resp);
	snprintf(a->location, sizeof(a->location), "%s", resp.location);
	http_resp_free(&resp);
}

/* What a refusal may not change: the moves, the audit log, the guests'
 * generations (one string to compare). */
static char *
state_of(struct fixture *f)
{
	char *s = malloc(128);

	assert_non_null(s);
	snprintf(s, 128, "%lld %lld %lld %lld",
		 (long long)fixture_int(f, "SELECT COUNT(*) FROM domain_move"),
		 (long long)fixture_int(f, "SELECT COUNT(*) FROM audit"),
		 (long long)fixture_int(f, "SELECT SUM(desired_gen) FROM guest"),
		 (long long)fixture_int(f, "SELECT COALESCE(SUM(cancel), 0) FROM "
					"domain_move"));
	return s;
}

/* A refusal: status, field and reason as wanted (NULL: any, of those
 * that say why), and nothing written. */
static void
refused(struct fixture *f, const char *method, const char *uri,
	const char *body, const char *key, int status, const char *field,
	const char *reason)
{
	char *before = state_of(f), *after;
	struct answer a;
	json_t *e;

	request(f, method, uri, body, key, &a);
	e = json_object_get(a.body, "error");
	if (a.status != status || !json_is_string(json_object_get(e,
								"reason")) ||
	    (reason != NULL && strcmp(json_string_value(json_object_get(e,
		    "reason")), reason) != 0) ||
	    (field != NULL && (!json_is_string(json_object_get(e, "field")) ||
	     strcmp(json_string_value(json_object_get(e, "field")), field))))
		fail_msg("%s %s %s: %d %s, want %d %s (field %s)", method, uri,
			 body ? body : "", a.status,
			 e ? json_dumps(e, JSON_COMPACT) : "(no error)", status,
			 reason ? reason : "any", field ? field : "any");
	after = state_of(f);
	if (strcmp(before, after) != 0)
		fail_msg("%s %s %s: refused but written (%s, was %s)", method,
			 uri, body ? body : "", after, before);
	json_decref(a.body);
	free(before);
	free(after);
}

static int64_t
member_int(json_t *o, const char *name)
{
	return json_integer_value(json_object_get(o, name));
}

static void
test_dry_run_then_start(void **state)
{
	struct fixture *f = *state;
	char *before = state_of(f), *after;
	struct answer a;

	request(f, "POST", "/api/v1/domains/pc1.example/move",
		"{\"to\":\"g2\",\"dry_run\":true}", NULL, &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.location, "");
	assert_int_equal(member_int(a.body, "mailboxes"), 2);
	assert_int_equal(member_int(a.body, "bytes"), 2000);
	assert_int_equal(member_int(a.body, "messages"), 20);
	assert_true(json_is_null(json_object_get(a.body, "room")));
	assert_true(json_is_true(json_object_get(a.body, "dry_run")));
	assert_string_equal(json_string_value(json_object_get(a.body, "to")),
			    "g2");
	json_decref(a.body);
	after = state_of(f);
	assert_string_equal(before, after);	/* a dry run writes nothing */
	free(before);
	free(after);

	/* with the target's figures: room, and what it is below its line */
	sql(f, REPORT "VALUES (2, 1, 1, 1, 0, 0, 0, '3', '2', 100000, 50000, "
	    "50000, 1000, 0, 1000, 0, 0, 0, 0, 0, 0, 0)");
	request(f, "POST", "/api/v1/domains/pc1.example/move",
		"{\"to\":\"g2\",\"dry_run\":true}", NULL, &a);
	assert_int_equal(a.status, 200);
	assert_true(json_is_true(json_object_get(a.body, "room")));
	assert_int_equal(member_int(json_object_get(a.body, "target"),
				    "bytes_free"), 50000);
	json_decref(a.body);

	request(f, "POST", "/api/v1/domains/pc1.example/move",
		"{\"to\":\"g2\"}", NULL, &a);
	assert_int_equal(a.status, 202);
	assert_string_equal(a.location, "/api/v1/moves/1");
	assert_int_equal(member_int(a.body, "id"), 1);
	assert_string_equal(json_string_value(json_object_get(a.body,
			    "phase")), "copy");
	assert_string_equal(json_string_value(json_object_get(a.body,
			    "from_guest")), "g1");
	assert_string_equal(json_string_value(json_object_get(a.body,
			    "to_guest")), "g2");
	assert_true(json_is_true(json_object_get(a.body, "live")));
	assert_int_equal(member_int(a.body, "bytes_total"), 2000);
	json_decref(a.body);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'domain.move'"), 1);

	request(f, "GET", "/api/v1/moves/1", NULL, NULL, &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(json_string_value(json_object_get(a.body,
			    "domain")), "pc1.example");
	json_decref(a.body);
	request(f, "GET", "/api/v1/moves?domain=PC1.example&live=true", NULL,
		NULL, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(json_array_size(json_object_get(a.body, "items")), 1);
	json_decref(a.body);
	request(f, "GET", "/api/v1/moves?domain=other.example", NULL, NULL,
		&a);
	assert_int_equal(a.status, 200);
	assert_int_equal(json_array_size(json_object_get(a.body, "items")), 0);
	json_decref(a.body);
}

static void
test_refusals(void **state)
{
	struct fixture *f = *state;
	static const char *const uri = "/api/v1/domains/pc1.example/move";
	static const struct {
		const char *body;
		int status;
		const char *field, *reason;
	} bad[] = {
		{ "{\"to\":\"g3\"}", 400, "to", "move_other_project" },
		{ "{\"to\":\"g1\"}", 400, "to", "move_same_guest" },
		{ "{\"to\":\"nope\"}", 404, "to", "no_guest" },
		{ "{\"to\":\"G 2\"}", 400, "to", NULL },	/* the validator's */
		{ "{}", 400, "to", "required" },
		{ "{\"to\":\"g2\",\"force\":true}", 400, "force",
		  "unknown_field" },
		{ "{\"to\":\"g2\",\"dry_run\":\"yes\"}", 400, "dry_run",
		  "type_boolean" },
		{ "{\"to\":2}", 400, "to", "type_string" },
	};
	struct answer a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(f, "POST", uri, bad[i].body, NULL, bad[i].status,
			bad[i].field, bad[i].reason);
	refused(f, "POST", "/api/v1/domains/nosuch.example/move",
		"{\"to\":\"g2\"}", NULL, 404, "domain", "no_domain");
	refused(f, "POST", "/api/v1/domains/a..b/move", "{\"to\":\"g2\"}",
		NULL, 404, "domain", "no_such_domain");
	refused(f, "POST", "/api/v1/domains/pc1.example/move?dry_run=true",
		"{\"to\":\"g2\"}", NULL, 400, NULL, "unknown_parameter");
	sql(f, "UPDATE domain SET backup_guest_id = (SELECT id FROM guest "
	    "WHERE name = 'g4')");
	refused(f, "POST", uri, "{\"to\":\"g4\"}", NULL, 400, "to",
		"move_to_backup");
	sql(f, "UPDATE domain SET backup_guest_id = NULL, active = 0");
	refused(f, "POST", uri, "{\"to\":\"g2\"}", NULL, 400, "domain",
		"move_inactive");
	sql(f, "UPDATE domain SET active = 1");
	/* 2000 bytes to move, 1500 free below 90 % of 10000: 500 short, by
	 * the dry run and by the move */
	sql(f, REPORT "VALUES (2, 1, 1, 1, 0, 0, 0, '3', '2', 10000, 7500, "
	    "2500, 1000, 0, 1000, 0, 0, 0, 0, 0, 0, 0)");
	refused(f, "POST", uri, "{\"to\":\"g2\",\"dry_run\":true}", NULL, 403,
		"to", "move_no_room");
	refused(f, "POST", uri, "{\"to\":\"g2\"}", NULL, 403, "to",
		"move_no_room");
	/* owners start no move, of their own project's domain or another's */
	refused(f, "POST", uri, "{\"to\":\"g4\"}", owner, 403, NULL,
		"operator_only");
	refused(f, "POST", uri, "{\"to\":\"g4\",\"dry_run\":true}", stranger,
		403, NULL, "operator_only");
	/* one move at a time */
	request(f, "POST", uri, "{\"to\":\"g4\"}", NULL, &a);
	assert_int_equal(a.status, 202);
	json_decref(a.body);
	refused(f, "POST", uri, "{\"to\":\"g4\",\"dry_run\":true}", NULL, 409,
		"domain", "domain_moving");
}

static void
test_owners_read(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	request(f, "POST", "/api/v1/domains/pc1.example/move",
		"{\"to\":\"g2\"}", NULL, &a);
	assert_int_equal(a.status, 202);
	json_decref(a.body);
	request(f, "GET", "/api/v1/moves/1", NULL, owner, &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(json_string_value(json_object_get(a.body,
			    "to_guest")), "g2");
	json_decref(a.body);
	request(f, "GET", "/api/v1/moves?live=true", NULL, owner, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(json_array_size(json_object_get(a.body, "items")), 1);
	json_decref(a.body);
	/* another project's move is one that does not exist */
	refused(f, "GET", "/api/v1/moves/1", NULL, stranger, 404, "move",
		"no_such_move");
	request(f, "GET", "/api/v1/moves", NULL, stranger, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(json_array_size(json_object_get(a.body, "items")), 0);
	json_decref(a.body);
	refused(f, "POST", "/api/v1/moves/1/cancel", NULL, owner, 403, NULL,
		"operator_only");
	refused(f, "POST", "/api/v1/moves/1/cancel", NULL, stranger, 403,
		NULL, "operator_only");
	/* the query held to its two keys, live to true or false */
	refused(f, "GET", "/api/v1/moves?live=1", NULL, NULL, 400, "live",
		"true_or_false");
	refused(f, "GET", "/api/v1/moves?phase=copy", NULL, NULL, 400, NULL,
		"unknown_parameter");
	refused(f, "GET", "/api/v1/moves?domain=a..b", NULL, NULL, 400,
		"domain", NULL);
	refused(f, "GET", "/api/v1/moves/x1", NULL, NULL, 404, "move",
		"no_such_move");
	refused(f, "GET", "/api/v1/moves/99", NULL, NULL, 404, "move",
		"no_such_move");
	refused(f, "GET", "/api/v1/moves/1?x=1", NULL, NULL, 400, NULL,
		"unknown_parameter");
}

static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	request(f, "POST", "/api/v1/domains/pc1.example/move",
		"{\"to\":\"g2\"}", NULL, &a);
	json_decref(a.body);
	refused(f, "POST", "/api/v1/moves/99/cancel", NULL, NULL, 404, "move",
		"no_such_move");
	request(f, "POST", "/api/v1/moves/1/cancel", NULL, NULL, &a);
	assert_int_equal(a.status, 200);
	assert_true(json_is_true(json_object_get(a.body, "cancel_requested")));
	/* pushd ends it, between two mailboxes: it is live until then */
	assert_true(json_is_true(json_object_get(a.body, "live")));
	assert_string_equal(json_string_value(json_object_get(a.body,
			    "phase")), "copy");
	json_decref(a.body);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'domain.move.cancel'"), 1);
	/* past the cut-over it can no longer be */
	sql(f, "UPDATE domain_move SET cancel = 0, step = 1, phase = "
	    "'cutover'");
	refused(f, "POST", "/api/v1/moves/1/cancel", NULL, NULL, 409, "move",
		"move_past_cutover");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dry_run_then_start, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_owners_read, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
