/* SPDX-License-Identifier: ISC */
/*
 * test_signin.c - the sign-in beyond a password, through api_handle():
 * two-factor sign-in (a code after the password, one step of drift, no
 * code twice, recovery codes once, the throttle counting wrong codes),
 * enrolment from a session and what it opens, [auth] require_totp, an
 * operator's reset; and mailbox users: their sign-in with the mail
 * password, what they reach (/me only), their password change, a
 * disabled mailbox or domain, and their vacation reply and forwarding
 * (/me/vacation, /me/forward; the same for owners under /mailboxes/).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fcgi/api.h"
#include "../fixture.h"
#include "exchange.h"
#include "pwhash.h"
#include "totp.h"

#define PASSWORD "long-enough-1"
#define MAILBOX "matsui@pc1.example"

static struct hk_config cfg;

static int
send(struct fixture *f, struct exchange *x)
{
	return exchange_send(f, &cfg, x);
}

static void
add_account(struct fixture *f, const char *login, const char *project,
	    const char *hash)
{
	struct account_in a = { login, project ? "owner" : "admin", project,
				hash, 0 };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_account_add(f->db, &f->admin, &a, &obj, &err) != 0)
		fail_msg("account %s: %s", login, err.message);
	json_decref(obj);
}

static int
setup(void **state)
{
	char hash[PWHASH_MAX];
	struct mailbox_in m = { "matsui", "pc1.example", hash, "Matsui", -1,
				1 };
	struct hk_err err;
	json_t *obj = NULL;
	struct fixture *f;

	fixture_setup(state);
	f = *state;
	conf_defaults(&cfg);
	snprintf(cfg.wake_socket, sizeof(cfg.wake_socket), "%s/wake",
		 f->dir[0] ? f->dir : "/nonexistent");
	assert_int_equal(pwhash_make(PASSWORD, hash, &err), 0);
	add_account(f, "sa", "lab", hash);
	add_account(f, "op", NULL, hash);
	assert_int_equal(store_domain_add(f->db, &f->admin, "pc1.example",
					  "g1", &obj, &err), 0);
	json_decref(obj);
	assert_int_equal(store_mailbox_add(f->db, &f->admin, &m, &obj, &err),
			 0);
	json_decref(obj);
	m.local_part = "tanaka";
	assert_int_equal(store_mailbox_add(f->db, &f->admin, &m, &obj, &err),
			 0);
	json_decref(obj);
	return 0;
}

/* A sign-in of login with password and code (NULL: none); returns the
 * status, the session into cookie/csrf on 201.  x's former answer is
 * freed. */
static int
sign_in(struct fixture *f, const char *login, const char *password,
	const char *code, struct exchange *x, char cookie[128], char csrf[80])
{
	static char body[256];

	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\"%s\""
		 "%s%s%s}", login, password, code ? ",\"code\":\"" : "",
		 code ? code : "", code ? "\"" : "");
	json_decref(x->json);
	*x = ex("POST", "/api/v1/session", body);
	if (send(f, x) == 201)
		exchange_session(x, cookie, csrf);
	return x->status;
}

/* A request in the session cookie/csrf; returns the status (x keeps the
 * answer: the caller frees x->json). */
static int
as(struct fixture *f, const char *cookie, const char *csrf,
   const char *method, const char *uri, const char *body,
   struct exchange *x)
{
	json_decref(x->json);
	*x = ex(method, uri, body);
	x->cookie = cookie;
	x->csrf = csrf;
	return send(f, x);
}

static int
flag(const struct exchange *x, const char *name)
{
	return json_is_true(json_object_get(x->json, name));
}

/* Password, then the code: none asked for it, a wrong one and a used
 * one refused, the next step's accepted (one step of drift), and a
 * recovery code once. */
static void
test_totp_signin(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80], secret[40], code[8], now_code[8];
	int64_t now = (int64_t)time(NULL);
	struct exchange x = ex(NULL, NULL, NULL);
	json_t *codes = NULL;
	const char *rc0;

	exchange_enrol(f, "sa", secret, &codes);
	assert_int_equal(json_array_size(codes), 10);
	assert_int_equal(sign_in(f, "sa", PASSWORD, NULL, &x, cookie, csrf),
			 401);
	assert_string_equal(x.field, "code");
	assert_non_null(strstr(x.message, "second factor"));
	/* a wrong password with no code: as wrong as ever */
	assert_int_equal(sign_in(f, "sa", "wrong-password-1", NULL, &x,
				 cookie, csrf), 401);
	assert_null(strstr(x.message, "second factor"));
	assert_int_equal(sign_in(f, "sa", PASSWORD, "000000x", &x, cookie,
				 csrf), 401);
	/* the enrolment used now's step: its code is never taken again */
	exchange_code(secret, now, now_code);
	assert_int_equal(sign_in(f, "sa", PASSWORD, now_code, &x, cookie,
				 csrf), 401);
	exchange_code(secret, now + 30, code);
	assert_int_equal(sign_in(f, "sa", PASSWORD, code, &x, cookie, csrf),
			 201);
	assert_true(flag(&x, "second_factor"));
	assert_false(flag(&x, "totp_enrolment_needed"));
	assert_int_equal(sign_in(f, "sa", PASSWORD, code, &x, cookie, csrf),
			 401);
	rc0 = json_string_value(json_array_get(codes, 0));
	assert_int_equal(sign_in(f, "sa", PASSWORD, rc0, &x, cookie, csrf),
			 201);
	assert_true(flag(&x, "second_factor"));
	assert_int_equal(sign_in(f, "sa", PASSWORD, rc0, &x, cookie, csrf),
			 401);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'session.login' AND detail "
				     "LIKE '%recovery%'"), 1);
	json_decref(x.json);
	json_decref(codes);
}

/* Wrong codes count like wrong passwords, for the name and for the
 * address: past the free failures the login must wait (the wait itself
 * is test_session.c's); a right code forgives them. */
static void
test_totp_throttled(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80], secret[40], code[8];
	struct exchange x = ex(NULL, NULL, NULL);

	cfg.login_free = 2;
	exchange_enrol(f, "sa", secret, NULL);
	for (int i = 0; i < 2; i++)
		assert_int_equal(sign_in(f, "sa", PASSWORD, "999999x", &x,
					 cookie, csrf), 401);
	assert_int_equal(fixture_int(f, "SELECT failures FROM login_throttle "
				     "WHERE key = 'login:sa'"), 2);
	assert_int_equal(fixture_int(f, "SELECT failures FROM login_throttle "
				     "WHERE key = 'addr:192.0.2.1'"), 2);
	assert_true(fixture_int(f, "SELECT blocked_until - last_at FROM "
				"login_throttle WHERE key = 'login:sa'") > 0);
	/* no code at all is no failure: the password was right */
	assert_int_equal(db_exec(f->db, "UPDATE login_throttle SET "
				 "blocked_until = 0", NULL, 0, NULL, NULL), 0);
	assert_int_equal(sign_in(f, "sa", PASSWORD, NULL, &x, cookie, csrf),
			 401);
	assert_int_equal(fixture_int(f, "SELECT failures FROM login_throttle "
				     "WHERE key = 'login:sa'"), 2);
	exchange_code(secret, (int64_t)time(NULL) + 30, code);
	assert_int_equal(sign_in(f, "sa", PASSWORD, code, &x, cookie, csrf),
			 201);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM login_throttle "
				     "WHERE key = 'login:sa'"), 0);
	json_decref(x.json);
	cfg.login_free = 5;
}

/* Enrolment from a session: a secret with its URI and QR code, a
 * first code confirms it and makes the session one that passed the
 * second factor (it may make API keys; a password-only one may not). */
static void
test_enrol_in_session(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80], secret[40], code[8], body[64];
	struct exchange x = ex(NULL, NULL, NULL);
	const char *svg;

	assert_int_equal(sign_in(f, "sa", PASSWORD, NULL, &x, cookie, csrf),
			 201);
	assert_false(flag(&x, "second_factor"));
	assert_int_equal(as(f, cookie, csrf, "POST", "/api/v1/api-keys", "{}",
			    &x), 403);
	assert_non_null(strstr(x.message, "second factor"));
	assert_int_equal(as(f, cookie, csrf, "POST", "/api/v1/me/totp", NULL,
			    &x), 201);
	snprintf(secret, sizeof(secret), "%s", json_string_value(
		 json_object_get(x.json, "secret")));
	svg = json_string_value(json_object_get(x.json, "qr_svg"));
	assert_non_null(svg);
	assert_int_equal(strncmp(svg, "<svg ", 5), 0);
	assert_null(strstr(svg, secret));
	assert_int_equal(as(f, cookie, csrf, "POST", "/api/v1/me/totp/confirm",
			    "{\"code\":\"12345\"}", &x), 400);
	assert_string_equal(x.field, "code");
	exchange_code(secret, (int64_t)time(NULL), code);
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	assert_int_equal(as(f, cookie, csrf, "POST", "/api/v1/me/totp/confirm",
			    body, &x), 200);
	assert_int_equal(json_array_size(json_object_get(x.json,
			 "recovery_codes")), 10);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/whoami", NULL,
			    &x), 200);
	assert_true(flag(&x, "second_factor"));
	assert_int_equal(as(f, cookie, csrf, "POST", "/api/v1/api-keys", "{}",
			    &x), 201);
	/* enrolled: a second enrolment is refused until a reset */
	assert_int_equal(as(f, cookie, csrf, "POST", "/api/v1/me/totp", NULL,
			    &x), 409);
	json_decref(x.json);
}

/* require_totp: a covered account without a second factor signs in to
 * a session that reaches only the enrolment (and whoami, logout) until
 * it has enrolled; "operators" leaves owners alone. */
static void
test_require_totp(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80], secret[40], code[8], body[64];
	struct exchange x = ex(NULL, NULL, NULL);

	cfg.require_totp = CONF_TOTP_OPERATORS;
	assert_int_equal(sign_in(f, "sa", PASSWORD, NULL, &x, cookie, csrf),
			 201);
	assert_false(flag(&x, "totp_enrolment_needed"));
	assert_int_equal(sign_in(f, "op", PASSWORD, NULL, &x, cookie, csrf),
			 201);
	assert_true(flag(&x, "totp_enrolment_needed"));
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/domains", NULL,
			    &x), 403);
	assert_non_null(strstr(x.message, "set it up"));
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/whoami", NULL,
			    &x), 200);
	assert_true(flag(&x, "totp_enrolment_needed"));
	assert_int_equal(as(f, cookie, csrf, "POST", "/api/v1/me/totp", NULL,
			    &x), 201);
	snprintf(secret, sizeof(secret), "%s", json_string_value(
		 json_object_get(x.json, "secret")));
	exchange_code(secret, (int64_t)time(NULL), code);
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	assert_int_equal(as(f, cookie, csrf, "POST", "/api/v1/me/totp/confirm",
			    body, &x), 200);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/domains", NULL,
			    &x), 200);
	/* "all": now the owner too */
	cfg.require_totp = CONF_TOTP_ALL;
	assert_int_equal(sign_in(f, "sa", PASSWORD, NULL, &x, cookie, csrf),
			 201);
	assert_true(flag(&x, "totp_enrolment_needed"));
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/projects", NULL,
			    &x), 403);
	/* API keys are their own factor: untouched */
	cfg.require_totp = CONF_TOTP_NONE;
	json_decref(x.json);
}

/* An operator resets an owner's second factor (audited): the owner
 * signs in with the password alone again. */
static void
test_reset(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80], ocookie[128], ocsrf[80], secret[40];
	struct exchange x = ex(NULL, NULL, NULL);

	exchange_enrol(f, "sa", secret, NULL);
	exchange_enrol(f, "op", secret, NULL);
	assert_int_equal(sign_in(f, "sa", PASSWORD, NULL, &x, cookie, csrf),
			 401);
	exchange_code(secret, (int64_t)time(NULL) + 30, ocsrf);
	assert_int_equal(sign_in(f, "op", PASSWORD, ocsrf, &x, ocookie, ocsrf),
			 201);
	assert_int_equal(as(f, ocookie, ocsrf, "DELETE",
			    "/api/v1/accounts/sa/totp", NULL, &x), 204);
	assert_int_equal(as(f, ocookie, ocsrf, "DELETE",
			    "/api/v1/accounts/sa/totp", NULL, &x), 404);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'account.totp.reset' AND "
				     "object = 'sa' AND actor = 'op'"), 1);
	assert_int_equal(sign_in(f, "sa", PASSWORD, NULL, &x, cookie, csrf),
			 201);
	json_decref(x.json);
}

/* A mailbox user: the full address and mail password; GET /me is its
 * own mailbox, every other route is refused, a wrong password and a
 * disabled mailbox or domain are not let in. */
static void
test_mailbox_user(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80], c2[128], s2[80];
	struct exchange x = ex(NULL, NULL, NULL);

	assert_int_equal(sign_in(f, "Matsui@PC1.example", PASSWORD, NULL, &x,
				 cookie, csrf), 201);
	assert_string_equal(json_string_value(json_object_get(x.json,
			    "role")), "mailbox");
	assert_string_equal(json_string_value(json_object_get(x.json,
			    "login")), MAILBOX);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/me", NULL, &x),
			 200);
	assert_string_equal(json_string_value(json_object_get(x.json,
			    "address")), MAILBOX);
	assert_int_equal(as(f, cookie, csrf, "GET",
			    "/api/v1/mailboxes/" MAILBOX, NULL, &x), 403);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/domains", NULL,
			    &x), 403);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/me/totp", NULL,
			    &x), 403);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/whoami", NULL,
			    &x), 200);
	assert_string_equal(json_string_value(json_object_get(x.json,
			    "role")), "mailbox");
	assert_int_equal(sign_in(f, MAILBOX, "long-enough-2", NULL, &x, c2,
				 s2), 401);
	assert_int_equal(sign_in(f, "nobody@pc1.example", PASSWORD, NULL, &x,
				 c2, s2), 401);
	/* disabled: no new session, and the open one ends */
	assert_int_equal(db_exec(f->db, "UPDATE mailbox SET active = 0 WHERE "
				 "local_part = 'matsui'", NULL, 0, NULL, NULL),
			 0);
	assert_int_equal(sign_in(f, MAILBOX, PASSWORD, NULL, &x, c2, s2), 401);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/me", NULL, &x),
			 401);
	assert_int_equal(db_exec(f->db, "UPDATE mailbox SET active = 1",
				 NULL, 0, NULL, NULL), 0);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/me", NULL, &x),
			 200);
	assert_int_equal(db_exec(f->db, "UPDATE domain SET active = 0", NULL,
				 0, NULL, NULL), 0);
	assert_int_equal(sign_in(f, MAILBOX, PASSWORD, NULL, &x, c2, s2), 401);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/me", NULL, &x),
			 401);
	json_decref(x.json);
}

/* The password change: the current one required (a wrong one counted),
 * the policy applied, the guest bumped, the old password refused, the
 * user's other sessions ended and this one kept. */
static void
test_mailbox_password(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80], c2[128], s2[80];
	struct exchange x = ex(NULL, NULL, NULL);
	int64_t gen = fixture_int(f, "SELECT desired_gen FROM guest");

	assert_int_equal(sign_in(f, MAILBOX, PASSWORD, NULL, &x, c2, s2), 201);
	assert_int_equal(sign_in(f, MAILBOX, PASSWORD, NULL, &x, cookie, csrf),
			 201);
	assert_int_equal(as(f, cookie, csrf, "PUT", "/api/v1/me/password",
			    "{\"current_password\":\"wrong-one-123\","
			    "\"password\":\"new-password-1\"}", &x), 400);
	assert_string_equal(x.field, "current_password");
	assert_int_equal(fixture_int(f, "SELECT failures FROM login_throttle "
				     "WHERE key = 'login:" MAILBOX "'"), 1);
	assert_int_equal(as(f, cookie, csrf, "PUT", "/api/v1/me/password",
			    "{\"current_password\":\"" PASSWORD "\","
			    "\"password\":\"short\"}", &x), 400);
	assert_string_equal(x.field, "password");
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest"), gen);
	assert_int_equal(as(f, cookie, csrf, "PUT", "/api/v1/me/password",
			    "{\"current_password\":\"" PASSWORD "\","
			    "\"password\":\"new-password-1\"}", &x), 200);
	assert_true(fixture_int(f, "SELECT desired_gen FROM guest") > gen);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'mailbox.update' AND actor = '"
				     MAILBOX "' AND via = 'web'"), 1);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/me", NULL, &x),
			 200);
	assert_int_equal(as(f, c2, s2, "GET", "/api/v1/me", NULL, &x), 401);
	assert_int_equal(sign_in(f, MAILBOX, PASSWORD, NULL, &x, c2, s2), 401);
	assert_int_equal(sign_in(f, MAILBOX, "new-password-1", NULL, &x, c2,
				 s2), 201);
	/* the other mailbox's password is untouched */
	assert_int_equal(sign_in(f, "tanaka@pc1.example", PASSWORD, NULL, &x,
				 c2, s2), 201);
	json_decref(x.json);
}

/* The vacation reply through /me: every string back exactly as typed
 * (quotes, backslashes, a "." line, CRLF, Japanese); bad input refused
 * naming the field, nothing written; the guest owes a push after each
 * change. */
static void
test_mailbox_vacation(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80], *put;
	static char body[1200000];
	/* quotes, a backslash, a line of ".", CRLF, Japanese (UTF-8) */
	const char *text = "He said \"no\" \\ then\r\n.\r\n"
	    "\xe4\xbc\x91\xe6\x9a\x87\xe4\xb8\xad\xe3\x81\xa7\xe3\x81\x99";
	struct exchange x = ex(NULL, NULL, NULL);
	json_t *v, *req;
	int64_t gen = fixture_int(f, "SELECT desired_gen FROM guest");

	assert_int_equal(sign_in(f, MAILBOX, PASSWORD, NULL, &x, cookie, csrf),
			 201);
	req = json_pack("{s:s, s:s, s:s, s:s, s:i}", "text", text, "subject",
			"Away \"now\"", "start", "2026-12-01", "end",
			"2026-12-31", "days", 3);
	put = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	assert_int_equal(as(f, cookie, csrf, "PUT", "/api/v1/me/vacation", put,
			    &x), 200);
	free(put);
	v = json_object_get(x.json, "vacation");
	assert_string_equal(json_string_value(json_object_get(v, "text")),
			    text);
	assert_string_equal(json_string_value(json_object_get(v, "subject")),
			    "Away \"now\"");
	assert_int_equal(json_integer_value(json_object_get(v, "days")), 3);
	assert_true(fixture_int(f, "SELECT desired_gen FROM guest") > gen);
	gen = fixture_int(f, "SELECT desired_gen FROM guest");
	static const struct { const char *body, *field; } bad[] = {
		{ "{\"text\":\"a\",\"subject\":\"two\\nlines\"}",
		  "vacation.subject" },
		{ "{\"text\":\"a\",\"start\":\"2026-12-31\",\"end\":"
		  "\"2026-12-01\"}", "vacation.end" },
		{ "{\"text\":\"a\",\"start\":\"2026-02-30\"}",
		  "vacation.start" },
		{ "{\"text\":\"a\",\"days\":31}", "vacation.days" },
		{ "{\"text\":\"a\",\"days\":0}", "vacation.days" },
		{ "{\"text\":\"a\",\"days\":-1}", "days" },
		{ "{\"text\":\"\"}", "vacation.text" },
		{ "{\"subject\":\"no text\"}", "text" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(as(f, cookie, csrf, "PUT",
				    "/api/v1/me/vacation", bad[i].body, &x),
				 400);
		assert_string_equal(x.field, bad[i].field);
	}
	/* a 1 MB text */
	memcpy(body, "{\"text\":\"", 9);
	memset(body + 9, 'a', 1000000);
	memcpy(body + 9 + 1000000, "\"}", 3);
	assert_int_equal(as(f, cookie, csrf, "PUT", "/api/v1/me/vacation", body,
			    &x), 400);
	assert_string_equal(x.field, "vacation.text");
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest"), gen);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/me/settings", NULL,
			    &x), 200);
	v = json_object_get(json_object_get(x.json, "vacation"), "subject");
	assert_string_equal(json_string_value(v), "Away \"now\"");
	assert_int_equal(as(f, cookie, csrf, "DELETE", "/api/v1/me/vacation",
			    NULL, &x), 204);
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/me/settings", NULL,
			    &x), 200);
	assert_true(json_is_null(json_object_get(x.json, "vacation")));
	json_decref(x.json);
}

/* Forwarding: to itself and through an alias back to itself refused
 * (forward.addresses), with and without a copy; an owner sets the same
 * on /mailboxes/ADDRESS/forward; another project's mailbox is out of
 * reach. */
static void
test_mailbox_forward(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80], key[160];
	struct alias_in al = { "back", "pc1.example", MAILBOX, 1 };
	struct exchange x = ex(NULL, NULL, NULL);
	struct hk_err err;
	json_t *obj = NULL, *fw;

	assert_int_equal(store_alias_add(f->db, &f->admin, &al, &obj, &err), 0);
	json_decref(obj);
	assert_int_equal(sign_in(f, MAILBOX, PASSWORD, NULL, &x, cookie, csrf),
			 201);
	assert_int_equal(as(f, cookie, csrf, "PUT", "/api/v1/me/forward",
			    "{\"addresses\":[\"Matsui@pc1.example\"]}", &x),
			 400);
	assert_string_equal(x.field, "forward.addresses");
	assert_int_equal(as(f, cookie, csrf, "PUT", "/api/v1/me/forward",
			    "{\"addresses\":[\"x@ext.example\","
			    "\"back@pc1.example\"]}", &x), 400);
	assert_string_equal(x.field, "forward.addresses");
	assert_non_null(strstr(x.message, "back@pc1.example"));
	assert_int_equal(as(f, cookie, csrf, "PUT", "/api/v1/me/forward",
			    "{\"addresses\":[]}", &x), 400);
	assert_string_equal(x.field, "forward.addresses");
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox_sieve"),
			 0);
	assert_int_equal(as(f, cookie, csrf, "PUT", "/api/v1/me/forward",
			    "{\"addresses\":[\"X@Ext.example\","
			    "\"tanaka@pc1.example\"],\"keep\":true}", &x),
			 200);
	fw = json_object_get(x.json, "forward");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
			    fw, "addresses"), 0)), "x@ext.example");
	assert_true(json_is_true(json_object_get(fw, "keep")));
	/* tanaka forwarding back to matsui: a loop through a forward */
	fixture_key(f, "sa", "lab", key, sizeof(key));
	json_decref(x.json);
	x = ex("PUT", "/api/v1/mailboxes/tanaka@pc1.example/forward",
	       "{\"addresses\":[\"" MAILBOX "\"]}");
	x.bearer = key;
	assert_int_equal(send(f, &x), 400);
	assert_string_equal(x.field, "forward.addresses");
	json_decref(x.json);
	x = ex("PUT", "/api/v1/mailboxes/tanaka@pc1.example/forward",
	       "{\"addresses\":[\"y@ext.example\"]}");
	x.bearer = key;
	assert_int_equal(send(f, &x), 200);
	/* the mailbox user reaches no other mailbox's settings */
	assert_int_equal(as(f, cookie, csrf, "GET", "/api/v1/mailboxes/"
			    "tanaka@pc1.example/settings", NULL, &x), 403);
	json_decref(x.json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_totp_signin, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_totp_throttled, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_enrol_in_session, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_require_totp, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_user, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_password, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_vacation, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_forward, setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
