/* SPDX-License-Identifier: ISC */
/*
 * exchange.c - one request through api_handle() and its answer's parts.
 * See exchange.h.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fcgi/api.h"
#include "exchange.h"
#include "store_totp.h"
#include "totp.h"

struct exchange
ex(const char *method, const char *uri, const char *body)
{
	struct exchange x;

	memset(&x, 0, sizeof(x));
	x.method = method;
	x.uri = uri;
	x.body = body;
	return x;
}

static void
keep_error(struct exchange *x)
{
	json_t *e = json_object_get(x->json, "error");

	snprintf(x->code, sizeof(x->code), "%s",
		 e ? json_string_value(json_object_get(e, "code")) : "");
	snprintf(x->field, sizeof(x->field), "%s",
		 e ? json_string_value(json_object_get(e, "field")) : "");
	snprintf(x->message, sizeof(x->message), "%s",
		 e ? json_string_value(json_object_get(e, "message")) : "");
}

int
exchange_send(struct fixture *f, const struct hk_config *cfg,
	      struct exchange *x)
{
	char bearer[300];
	struct api_ctx ctx = { f->db, cfg };
	struct http_req req = {
		.method = x->method, .uri = x->uri,
		.content_type = "application/json", .body = x->body,
		.body_len = x->body ? strlen(x->body) : 0, .cookie = x->cookie,
		.csrf_token = x->csrf, .https = x->https,
		.remote_addr = x->addr ? x->addr : "192.0.2.1" };
	struct http_resp resp;

	if (x->bearer) {
		snprintf(bearer, sizeof(bearer), "Bearer %s", x->bearer);
		req.authorization = bearer;
	}
	api_handle(&ctx, &req, &resp);
	x->status = resp.status;
	x->retry_after = resp.retry_after;
	snprintf(x->set_cookie, sizeof(x->set_cookie), "%s", resp.set_cookie);
	json_decref(x->json);
	x->json = http_resp_json(&resp);
	http_resp_free(&resp);
	keep_error(x);
	return x->status;
}

void
exchange_session(const struct exchange *x, char cookie[128], char csrf[80])
{
	const char *t = json_string_value(json_object_get(x->json,
							  "csrf_token"));

	snprintf(cookie, 128, "%.*s", (int)strcspn(x->set_cookie, ";"),
		 x->set_cookie);
	snprintf(csrf, 80, "%s", t ? t : "");
}

void
exchange_code(const char *secret, int64_t t, char code[7])
{
	unsigned char key[TOTP_KEY_MAX];
	size_t n;

	assert_int_equal(base32_decode(secret, key, sizeof(key), &n), 0);
	assert_int_equal(totp_code(key, n, totp_step(t), code), 0);
}

void
exchange_enrol(struct fixture *f, const char *login, char *secret,
	       json_t **codes)
{
	int64_t now = (int64_t)time(NULL);
	char code[TOTP_DIGITS + 1];
	struct hk_err err;
	json_t *out = NULL;

	if (store_totp_enrol(f->db, &f->admin, login, &out, &err) != 0)
		fail_msg("enrol %s: %s", login, err.message);
	snprintf(secret, TOTP_SECRET_B32 + 1, "%s",
		 json_string_value(json_object_get(out, "secret")));
	json_decref(out);
	exchange_code(secret, now, code);
	if (store_totp_confirm(f->db, &f->admin, login, code, now, &out,
			       &err) != 0)
		fail_msg("confirm %s: %s", login, err.message);
	if (codes != NULL)
		*codes = json_incref(json_object_get(out, "recovery_codes"));
	json_decref(out);
}
