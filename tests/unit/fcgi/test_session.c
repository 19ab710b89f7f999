/* SPDX-License-Identifier: ISC */
/*
 * test_session.c - the web panel's sessions through api_handle(): the
 * cookie's attributes, CSRF on every unsafe method, logout, idle and
 * absolute expiry, the end of sessions with a new password or a disabled
 * account, and the failed-login throttle, which must treat a name with no
 * account exactly like one with an account; API keys made through a
 * session or an expiring key, and keys revoked with a new password.
 */
#include "config.h"

#include <pthread.h>
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

#define PASSWORD "long-enough-1"

static struct hk_config cfg;

static int
send(struct fixture *f, struct exchange *x)
{
	return exchange_send(f, &cfg, x);
}

static int
setup(void **state)
{
	char hash[PWHASH_MAX];
	struct hk_err err;
	struct account_in a = { "sa", "owner", "lab", hash, 0 };
	struct account_in op = { "op", "admin", NULL, hash, 0 };
	json_t *obj = NULL;
	struct fixture *f;

	fixture_setup(state);
	f = *state;
	conf_defaults(&cfg);
	snprintf(cfg.wake_socket, sizeof(cfg.wake_socket), "%s/wake",
		 f->dir[0] ? f->dir : "/nonexistent");
	assert_int_equal(pwhash_make(PASSWORD, hash, &err), 0);
	assert_int_equal(store_account_add(f->db, &f->admin, &a, &obj, &err),
			 0);
	json_decref(obj);
	assert_int_equal(store_account_add(f->db, &f->admin, &op, &obj,
					   &err), 0);
	json_decref(obj);
	return 0;
}

/* A session for login: its cookie header ("hk_session=...") and CSRF
 * token. */
static void
login(struct fixture *f, const char *who, char cookie[128], char csrf[80])
{
	char body[128] = "";
	struct exchange x = ex("POST", "/api/v1/session", body);

	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\""
		 PASSWORD "\"}", who);
	assert_int_equal(send(f, &x), 201);
	exchange_session(&x, cookie, csrf);
	json_decref(x.json);
}

/* The same with login's second factor (enrolled here): a session that
 * may make API keys. */
static void
login_second_factor(struct fixture *f, const char *who, char cookie[128],
		    char csrf[80])
{
	char body[160] = "", secret[40], code[8];
	struct exchange x = ex("POST", "/api/v1/session", body);

	exchange_enrol(f, who, secret, NULL);
	/* the enrolment took now's step: the next one, within the drift */
	exchange_code(secret, (int64_t)time(NULL) + 30, code);
	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\""
		 PASSWORD "\",\"code\":\"%s\"}", who, code);
	assert_int_equal(send(f, &x), 201);
	assert_true(json_is_true(json_object_get(x.json, "second_factor")));
	exchange_session(&x, cookie, csrf);
	json_decref(x.json);
}

static void
test_cookie(void **state)
{
	struct fixture *f = *state;
	struct exchange x = ex("POST", "/api/v1/session", "{\"login\":\"sa\","
			       "\"password\":\"" PASSWORD "\"}");
	char sql[200], *token, *text;

	assert_int_equal(send(f, &x), 201);
	assert_int_equal(strncmp(x.set_cookie, "hk_session=", 11), 0);
	assert_int_equal(strspn(x.set_cookie + 11, "0123456789abcdef"), 64);
	assert_non_null(strstr(x.set_cookie, "; HttpOnly"));
	assert_non_null(strstr(x.set_cookie, "; SameSite=Strict"));
	assert_non_null(strstr(x.set_cookie, "; Path=/api/v1/"));
	assert_null(strstr(x.set_cookie, "Secure"));
	assert_string_equal(json_string_value(json_object_get(x.json,
		"login")), "sa");
	assert_int_equal(strlen(json_string_value(json_object_get(x.json,
		"csrf_token"))), 64);
	/* the token is in the cookie only, and stored only as a digest */
	token = strndup(x.set_cookie + 11, 64);
	text = json_dumps(x.json, 0);
	assert_null(strstr(text, token));
	free(text);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM session WHERE "
		 "token_sha256 = '%s' OR csrf = '%s'", token, token);
	assert_int_equal(fixture_int(f, sql), 0);
	free(token);
	x.https = 1;
	assert_int_equal(send(f, &x), 201);
	assert_non_null(strstr(x.set_cookie, "; Secure"));
	json_decref(x.json);
}

static void
test_csrf(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80], other[192], wrong[80];
	struct exchange x = ex("GET", "/api/v1/whoami", NULL);
	int64_t domains = fixture_int(f, "SELECT COUNT(*) FROM domain");

	login(f, "sa", cookie, csrf);
	x.cookie = cookie;
	assert_int_equal(send(f, &x), 200);
	assert_string_equal(json_string_value(json_object_get(x.json, "via")),
			    "web");
	assert_string_equal(json_string_value(json_object_get(x.json,
		"csrf_token")), csrf);
	assert_string_equal(json_string_value(json_object_get(x.json,
		"project")), "lab");
	/* other cookies around it are no bother */
	snprintf(other, sizeof(other), "lang=ja; %s; theme=dark", cookie);
	x.cookie = other;
	assert_int_equal(send(f, &x), 200);
	/* an unsafe method without the token, with a wrong one, with one of
	 * the wrong length: refused, nothing written */
	x.method = "POST";
	x.uri = "/api/v1/domains";
	x.body = "{\"name\":\"web.example\",\"guest\":\"g1\"}";
	x.cookie = cookie;
	assert_int_equal(send(f, &x), 403);
	assert_string_equal(x.field, "x-csrf-token");
	snprintf(wrong, sizeof(wrong), "%s", csrf);
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	x.csrf = wrong;
	assert_int_equal(send(f, &x), 403);
	x.csrf = "abc";
	assert_int_equal(send(f, &x), 403);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM domain"),
			 domains);
	x.csrf = csrf;
	assert_int_equal(send(f, &x), 201);
	/* the audit says it came from the web */
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "via = 'web' AND actor = 'sa' AND action "
				     "= 'domain.add'"), 1);
	json_decref(x.json);
}

static void
test_logout_and_expiry(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80];
	struct exchange x = ex("DELETE", "/api/v1/session", NULL);
	struct exchange who = ex("GET", "/api/v1/whoami", NULL);
	struct hk_err err;

	login(f, "sa", cookie, csrf);
	x.cookie = who.cookie = cookie;
	assert_int_equal(send(f, &x), 403);		/* no CSRF token */
	assert_int_equal(send(f, &who), 200);
	x.csrf = csrf;
	assert_int_equal(send(f, &x), 204);
	assert_non_null(strstr(x.set_cookie, "hk_session=; "));
	assert_non_null(strstr(x.set_cookie, "Max-Age=0"));
	assert_int_equal(send(f, &who), 401);
	assert_int_equal(send(f, &x), 401);
	/* idle for longer than idle_timeout */
	login(f, "sa", cookie, csrf);
	assert_int_equal(send(f, &who), 200);
	assert_int_equal(db_exec(f->db, "UPDATE session SET last_seen_at = "
				 "last_seen_at - 1801", NULL, 0, NULL, &err), 0);
	assert_int_equal(send(f, &who), 401);
	/* past its lifetime, however busy */
	login(f, "sa", cookie, csrf);
	assert_int_equal(db_exec(f->db, "UPDATE session SET expires_at = "
				 "created_at - 1", NULL, 0, NULL, &err), 0);
	assert_int_equal(send(f, &who), 401);
	/* a new password ends the account's sessions; so does disabling */
	login(f, "sa", cookie, csrf);
	assert_int_equal(send(f, &who), 200);
	assert_int_equal(store_account_password(f->db, &f->admin, "sa",
		"{SHA512-CRYPT}$6$x$y", &err), 0);
	assert_int_equal(send(f, &who), 401);
	login(f, "op", cookie, csrf);
	assert_int_equal(send(f, &who), 200);
	assert_int_equal(store_account_disable(f->db, &f->admin, "op", 1,
					       &err), 0);
	assert_int_equal(send(f, &who), 401);
	json_decref(x.json);
	json_decref(who.json);
}

/* An owner's session sees its project only. */
static void
test_scope(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80];
	struct exchange x = ex("GET", "/api/v1/accounts", NULL);

	login(f, "sa", cookie, csrf);
	x.cookie = cookie;
	assert_int_equal(send(f, &x), 403);
	x.uri = "/api/v1/guests/g1";
	assert_int_equal(send(f, &x), 200);
	x.uri = "/api/v1/projects/lab";
	assert_int_equal(send(f, &x), 200);
	json_decref(x.json);
}

/* The wait a key was given by its last failure. */
static int64_t
wait_of(struct fixture *f, const char *key)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT blocked_until - last_at FROM "
		 "login_throttle WHERE key = '%s'", key);
	return fixture_int(f, sql);
}

/* Pushes every wait far out, so that a test never races the clock. */
static void
block_long(struct fixture *f, const char *key)
{
	char sql[160];
	struct hk_err err;

	snprintf(sql, sizeof(sql), "UPDATE login_throttle SET blocked_until "
		 "= last_at + 1000 WHERE key = '%s'", key);
	assert_int_equal(db_exec(f->db, sql, NULL, 0, NULL, &err), 0);
}

static void
unblock(struct fixture *f)
{
	struct hk_err err;

	assert_int_equal(db_exec(f->db, "UPDATE login_throttle SET "
				 "blocked_until = 0", NULL, 0, NULL, &err), 0);
}

/* Five failures heard, then waits that double; a name with no account
 * gets the same answers, word for word; success clears the name. */
static void
test_throttle(void **state)
{
	struct fixture *f = *state;
	struct exchange real = ex("POST", "/api/v1/session", "{\"login\":"
				  "\"sa\",\"password\":\"wrong-one-1\"}");
	struct exchange ghost = ex("POST", "/api/v1/session", "{\"login\":"
				   "\"nobody\",\"password\":\"wrong-one-1\"}");
	struct exchange good = ex("POST", "/api/v1/session", "{\"login\":"
				  "\"sa\",\"password\":\"" PASSWORD "\"}");

	for (int i = 1; i <= 5; i++) {
		assert_int_equal(send(f, &real), 401);
		assert_int_equal(send(f, &ghost), 401);
		assert_string_equal(real.message, ghost.message);
		assert_string_equal(real.code, ghost.code);
		if (i == 4) {	/* the free ones cost no wait */
			assert_int_equal(wait_of(f, "login:sa"), 0);
			assert_int_equal(wait_of(f, "login:nobody"), 0);
		}
	}
	assert_int_equal(wait_of(f, "login:sa"), 1);
	assert_int_equal(wait_of(f, "login:nobody"), 1);
	block_long(f, "login:sa");
	block_long(f, "login:nobody");
	assert_int_equal(send(f, &real), 429);
	assert_int_equal(send(f, &ghost), 429);
	assert_string_equal(real.code, "too_many_requests");
	assert_string_equal(ghost.code, "too_many_requests");
	/* (whole seconds: the wait ends after the second it names) */
	assert_in_range(real.retry_after, 999, 1001);
	assert_in_range(ghost.retry_after, 999, 1001);
	/* while blocked, even the right password waits */
	assert_int_equal(send(f, &good), 429);
	/* the wait doubles with each failure after the free ones */
	unblock(f);
	assert_int_equal(send(f, &real), 401);
	assert_int_equal(wait_of(f, "login:sa"), 2);
	unblock(f);
	assert_int_equal(send(f, &real), 401);
	assert_int_equal(wait_of(f, "login:sa"), 4);
	/* when the wait is over, the right password opens and clears it */
	unblock(f);
	assert_int_equal(send(f, &good), 201);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM login_throttle "
				     "WHERE key = 'login:sa'"), 0);
	/* no session was made by any failure */
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM session"), 1);
	json_decref(real.json);
	json_decref(ghost.json);
	json_decref(good.json);
}

/* Many names from one address: the address is slowed down too, and
 * another address is not. */
static void
test_throttle_address(void **state)
{
	struct fixture *f = *state;
	char body[128] = "";
	struct exchange x = ex("POST", "/api/v1/session", body);
	int i;

	cfg.login_free_addr = 3;
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"login\":\"n%d\",\"password\":"
			 "\"wrong-one-1\"}", i);
		assert_int_equal(send(f, &x), 401);
	}
	assert_int_equal(wait_of(f, "addr:192.0.2.1"), 1);
	block_long(f, "addr:192.0.2.1");
	snprintf(body, sizeof(body), "{\"login\":\"sa\",\"password\":\""
		 PASSWORD "\"}");
	assert_int_equal(send(f, &x), 429);
	x.addr = "2001:db8::7";
	assert_int_equal(send(f, &x), 201);
	json_decref(x.json);
}

/* The expires_at of the key a 201 answer made, as stored. */
static int64_t
made_expiry(struct fixture *f, const struct exchange *x)
{
	char sql[128];

	assert_int_equal(x->status, 201);
	snprintf(sql, sizeof(sql), "SELECT COALESCE(expires_at, 0) FROM "
		 "api_key WHERE prefix = '%s'", json_string_value(
		 json_object_get(x->json, "prefix")));
	assert_int_equal(json_integer_value(json_object_get(x->json,
		"expires_at")), fixture_int(f, sql));
	return fixture_int(f, sql);
}

/* A key made through a session or an expiring key ends no later than
 * what made it: by default, or when asked for a later end, with it (the
 * answer says so); the store refuses a later end outright; a key that
 * never expires makes keys that need not either. */
static void
test_keys_end_with_credential(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[80], body[96], token[160], lasting[160];
	struct exchange x = ex("POST", "/api/v1/api-keys", "{}");
	struct hk_actor brief = f->admin;
	struct hk_err err;
	int64_t end, keys, key_end = (int64_t)time(NULL) + 3600;

	login_second_factor(f, "sa", cookie, csrf);
	end = fixture_int(f, "SELECT expires_at FROM session");
	x.cookie = cookie;
	x.csrf = csrf;
	send(f, &x);
	assert_int_equal(made_expiry(f, &x), end);
	snprintf(body, sizeof(body), "{\"expires_at\":%lld}",
		 (long long)end + 86400);
	x.body = body;
	send(f, &x);
	assert_int_equal(made_expiry(f, &x), end);
	snprintf(body, sizeof(body), "{\"expires_at\":%lld}",
		 (long long)end - 60);
	send(f, &x);
	assert_int_equal(made_expiry(f, &x), end - 60);
	/* through a key that expires in an hour */
	assert_int_equal(store_apikey_create(f->db, &f->admin, "sa", 0,
					     key_end, token, sizeof(token),
					     &err), 0);
	json_decref(x.json);
	x = ex("POST", "/api/v1/api-keys", "{}");
	x.bearer = token;
	send(f, &x);
	assert_int_equal(made_expiry(f, &x), key_end);
	snprintf(body, sizeof(body), "{\"expires_at\":%lld}",
		 (long long)key_end + 1);
	x.body = body;
	send(f, &x);
	assert_int_equal(made_expiry(f, &x), key_end);
	/* the store itself lets no such key outlive its maker */
	brief.expires_at = key_end;
	keys = fixture_int(f, "SELECT COUNT(*) FROM api_key");
	assert_int_equal(store_apikey_create(f->db, &brief, "sa", 0, 0, token,
					     sizeof(token), &err), -1);
	assert_string_equal(err.field, "expires_at");
	assert_int_equal(store_apikey_create(f->db, &brief, "sa", 0,
					     key_end + 1, token, sizeof(token),
					     &err), -1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM api_key"), keys);
	assert_int_equal(store_apikey_create(f->db, &brief, "sa", 0, key_end,
					     token, sizeof(token), &err), 0);
	/* through a key that never expires */
	fixture_key(f, "sa", "lab", lasting, sizeof(lasting));
	x.bearer = lasting;
	x.body = "{}";
	send(f, &x);
	assert_int_equal(made_expiry(f, &x), 0);
	assert_true(json_is_null(json_object_get(x.json, "expires_at")));
	json_decref(x.json);
}

/* A new password with revoke_keys ends the account's keys in the same
 * change; without it they live on; alone it is refused. */
static void
test_password_revokes_keys(void **state)
{
	struct fixture *f = *state;
	char op[160], sa[160], sa2[160];
	struct exchange x = ex("PATCH", "/api/v1/accounts/sa", "{\"password\":"
			       "\"another-long-1\"}");
	struct exchange who = ex("GET", "/api/v1/whoami", NULL);

	fixture_key(f, "root", NULL, op, sizeof(op));
	fixture_key(f, "sa", "lab", sa, sizeof(sa));
	fixture_key(f, "sa", "lab", sa2, sizeof(sa2));
	x.bearer = op;
	who.bearer = sa;
	assert_int_equal(send(f, &x), 200);
	assert_int_equal(json_integer_value(json_object_get(x.json,
		"live_keys")), 2);
	assert_int_equal(send(f, &who), 200);
	x.body = "{\"revoke_keys\":true}";
	assert_int_equal(send(f, &x), 400);
	assert_string_equal(x.field, "revoke_keys");
	x.body = "{\"password\":\"another-long-2\",\"revoke_keys\":true}";
	assert_int_equal(send(f, &x), 200);
	assert_int_equal(json_integer_value(json_object_get(x.json,
		"live_keys")), 0);
	assert_int_equal(send(f, &who), 401);
	who.bearer = sa2;
	assert_int_equal(send(f, &who), 401);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM api_key k JOIN "
				     "account a ON a.id = k.account_id WHERE "
				     "a.login = 'sa' AND k.revoked_at IS "
				     "NULL"), 0);
	/* the operator's own key was not touched */
	who.bearer = op;
	assert_int_equal(send(f, &who), 200);
	json_decref(x.json);
	json_decref(who.json);
}

/* --- wrong passwords for one login, all at once --- */

#define RACERS	32

struct race {
	const char *url;
	pthread_barrier_t start;
	pthread_mutex_t lock;
	int unauthorized, throttled, other;
};

/* One attempt on a connection of its own, as a worker makes it. */
static void *
race_login(void *arg)
{
	struct race *r = arg;
	struct exchange x = ex("POST", "/api/v1/session", "{\"login\":"
			       "\"sa\",\"password\":\"wrong-one-1\"}");
	struct fixture mine;
	struct hk_err err;

	memset(&mine, 0, sizeof(mine));
	mine.db = db_open(r->url, &err);
	pthread_barrier_wait(&r->start);
	if (mine.db != NULL)
		send(&mine, &x);
	pthread_mutex_lock(&r->lock);
	if (x.status == 401)
		r->unauthorized++;
	else if (x.status == 429)
		r->throttled++;
	else
		r->other++;
	pthread_mutex_unlock(&r->lock);
	json_decref(x.json);
	db_close(mine.db);
	return NULL;
}

/* No more attempts are heard than login_failures, however many come at
 * once, and every one heard is counted. */
static void
test_throttle_parallel(void **state)
{
	struct fixture *f = *state;
	struct race r = { .url = f->url, .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t t[RACERS];

	assert_int_equal(pthread_barrier_init(&r.start, NULL, RACERS), 0);
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_login, &r),
				 0);
	for (int i = 0; i < RACERS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&r.start);
	print_message("%d parallel wrong logins: %d answered 401, %d 429\n",
		      RACERS, r.unauthorized, r.throttled);
	assert_int_equal(r.other, 0);
	assert_int_equal(r.unauthorized + r.throttled, RACERS);
	assert_true(r.unauthorized >= 1);
	assert_true(r.unauthorized <= cfg.login_free);
	assert_int_equal(fixture_int(f, "SELECT failures FROM login_throttle "
				     "WHERE key = 'login:sa'"),
			 r.unauthorized);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM session"), 0);
}

/* A read is answered beside a long write (on SQLite an import holds the
 * write lock for its whole run): a credential used within the minute is
 * not noted again, and a note that cannot be written fails nothing. */
static void
test_read_beside_a_writer(void **state)
{
	struct fixture *f = *state;
	struct exchange x = ex("GET", "/api/v1/domains", NULL);
	char cookie[128], csrf[80], key[128];
	struct hk_err err;
	struct db *other;

	login(f, "sa", cookie, csrf);
	fixture_key(f, "sa", "lab", key, sizeof(key));
	x.cookie = cookie;
	assert_int_equal(send(f, &x), 200);
	x.cookie = NULL;
	x.bearer = key;
	assert_int_equal(send(f, &x), 200);
	assert_non_null(other = db_open(f->url, &err));
	assert_int_equal(db_begin(other, 1, &err), 0);
	assert_int_equal(db_exec(other, "UPDATE project SET max_mailboxes = 7",
				 NULL, 0, NULL, &err), 0);
	assert_int_equal(send(f, &x), 200);
	x.bearer = NULL;
	x.cookie = cookie;
	assert_int_equal(send(f, &x), 200);
	db_rollback(other);
	db_close(other);
	json_decref(x.json);
}

static void
test_bad_input(void **state)
{
	struct fixture *f = *state;
	struct exchange x = ex("POST", "/api/v1/session",
			       "{\"login\":\"sa\"}");
	char cookie[128], csrf[80], bad[160];

	assert_int_equal(send(f, &x), 400);
	assert_string_equal(x.field, "password");
	x.body = "{\"login\":\"sa\",\"password\":\"x\",\"remember\":true}";
	assert_int_equal(send(f, &x), 400);
	assert_string_equal(x.field, "remember");
	/* the stand-in hash verified for a missing account, or for one
	 * without a password, opens neither */
	x.body = "{\"login\":\"nobody\",\"password\":\"not-a-password\"}";
	assert_int_equal(send(f, &x), 401);
	fixture_key(f, "keyonly", NULL, bad, sizeof(bad));
	x.body = "{\"login\":\"keyonly\",\"password\":\"not-a-password\"}";
	assert_int_equal(send(f, &x), 401);
	/* a malformed name is a wrong login, not a hint */
	x.body = "{\"login\":\"S A\\n\",\"password\":\"" PASSWORD "\"}";
	assert_int_equal(send(f, &x), 401);
	/* a malformed or unknown cookie is no session */
	login(f, "sa", cookie, csrf);
	x.method = "GET";
	x.uri = "/api/v1/whoami";
	x.body = NULL;
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(cookie) - 1, cookie);
	x.cookie = bad;
	assert_int_equal(send(f, &x), 401);
	snprintf(bad, sizeof(bad), "hk_session=%064d", 0);
	assert_int_equal(send(f, &x), 401);
	/* a key, when given, is what counts: a bad one fails even beside a
	 * good cookie */
	x.cookie = cookie;
	x.bearer = "hk_000000000000_00";
	assert_int_equal(send(f, &x), 401);
	json_decref(x.json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cookie, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_csrf, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_logout_and_expiry, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_throttle, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_throttle_address, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_throttle_parallel, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_keys_end_with_credential,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_password_revokes_keys,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_read_beside_a_writer,
						setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
