/* SPDX-License-Identifier: ISC */
/*
 * api_apikey.c - /api/v1/api-keys: keys are made by an operator (for any
 * enabled account) or an owner (for itself), optionally read-only and
 * expiring; the token is in the 201 answer and nowhere else ever again.
 * Listed and revoked by their public prefix.  See api.h.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "api.h"
#include "secret.h"
#include "validate.h"

static const struct api_field key_fields[] = {
	{ "login", F_STR, 0 },
	{ "read_only", F_BOOL, 0 },
	/* Unix time; absent: never; never later than the credential making
	 * the key (a key's expires_at, a session's lifetime) */
	{ "expires_at", F_INT, 0 },
	{ NULL, F_STR, 0 }
};

/* An API key's public prefix: SECRET_PREFIX_HEX lowercase hex digits. */
static int
is_prefix(const char *s)
{
	return strlen(s) == SECRET_PREFIX_HEX &&
	    strspn(s, "0123456789abcdef") == SECRET_PREFIX_HEX;
}

static int
cursor_prefix(const char *in, char *out, struct hk_err *err)
{
	if (!is_prefix(in))
		return hk_failr(err, HK_EINVAL, "cursor",
				HK_R_cursor_not_prefix, NULL);
	snprintf(out, PAGE_CURSOR_MAX + 1, "%s", in);
	return 0;
}

static const struct api_listing keys = {
	store_apikey_list, NULL, cursor_prefix, 0
};

int
api_apikeys_list(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	return api_list(call, resp, &keys, err);
}

int
api_apikeys_add(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	char token[SECRET_TOKEN_LEN + 1], prefix[SECRET_PREFIX_HEX + 1];
	char body[SECRET_BODY_HEX + 1];
	const char *login;
	int64_t expires = 0;
	int ro;
	json_t *obj;

	if (api_check_body(call->body, key_fields, err) < 0 ||
	    api_int(call->body, "expires_at", INT64_MAX, &expires,
		    err) < 0)
		return -1;
	/* a key outlives the browser it was made in: a password alone
	 * (a session without its second factor) may not mint one */
	if (call->actor.session_id > 0 && !call->actor.second_factor)
		return hk_failr(err, HK_EFORBIDDEN, NULL,
				HK_R_totp_session_needed, NULL);
	login = api_str(call->body, "login");
	if (login == NULL)
		login = call->actor.login;
	else if (validate_slug(login, "login", err) < 0)
		return -1;
	if (expires != 0 && expires <= (int64_t)time(NULL))
		return hk_failr(err, HK_EINVAL, "expires_at",
				HK_R_expires_in_past, NULL);
	/* made with an expiring key or a session: it ends with it at the
	 * latest (the answer says when; the store refuses a later end) */
	if (call->actor.expires_at > 0 &&
	    (expires == 0 || expires > call->actor.expires_at))
		expires = call->actor.expires_at;
	ro = api_bool(call->body, "read_only", 0);
	if (store_apikey_create(call->ctx->db, &call->actor, login, ro,
				expires, token, sizeof(token), err) < 0)
		return -1;
	if (secret_split_token(token, prefix, body) < 0)
		return hk_fail(err, HK_EINTERNAL, NULL, "token");
	obj = json_pack("{s:s, s:s, s:s, s:b, s:o}", "token", token,
			"prefix", prefix, "login", login, "read_only", ro,
			"expires_at", expires ? json_integer(expires) :
			json_null());
	if (obj == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	return api_created(call, resp, obj);
}

int
api_apikey_delete(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	const char *prefix = call->seg[1];

	if (api_no_query(call, err) < 0)
		return -1;
	if (!is_prefix(prefix))
		return hk_failr(err, HK_ENOTFOUND, "prefix", HK_R_no_such_key,
				NULL);
	if (store_apikey_revoke(call->ctx->db, &call->actor, prefix, err) < 0)
		return -1;
	return api_deleted(call, resp);
}
