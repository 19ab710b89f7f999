/* SPDX-License-Identifier: ISC */
/*
 * api_account.c - /api/v1/accounts (operators only: who may log in, as
 * what), /api/v1/whoami (any credential: what it reaches) and
 * /api/v1/audit (the trail, an owner's project only).  See api.h.
 */
#include "config.h"

#include <string.h>

#include "api.h"
#include "pwhash.h"
#include "query.h"
#include "validate.h"

static const struct api_field account_fields[] = {
	{ "login", F_STR, 1 },
	{ "role", F_STR, 1 },
	{ "project", F_STR, 0 },
	{ "password", F_STR, 0 },
	{ "password_hash", F_STR, 0 },
	{ "directory", F_BOOL, 0 },
	{ NULL, F_STR, 0 }
};

static const struct api_field patch_fields[] = {
	{ "password", F_NSTR, 0 },
	{ "password_hash", F_STR, 0 },
	{ "disabled", F_BOOL, 0 },
	{ "revoke_keys", F_BOOL, 0 },
	{ "directory", F_BOOL, 0 },
	{ NULL, F_STR, 0 }
};

/* The path's login: a malformed one is a missing account. */
static int
path_login(struct api_call *call, struct hk_err *err)
{
	if (validate_slug(call->seg[1], "login", err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "login",
				HK_R_no_such_account, NULL);
	return 0;
}

/* The hash for a password or password_hash given in body; *given says
 * whether either was. */
static int
body_hash(struct api_call *call, char hash[PWHASH_MAX], int *given,
	  struct hk_err *err)
{
	const char *plain = api_str(call->body, "password");
	const char *pre = api_str(call->body, "password_hash");

	*given = plain != NULL || pre != NULL;
	if (!*given)
		return 0;
	return pwhash_accept(plain, pre, call->ctx->cfg->pw_min,
			     call->ctx->cfg->pw_max, hash, err);
}

static const struct api_listing accounts = {
	store_account_list, NULL, api_cursor_slug, L_ACTIVE
};

int
api_accounts_list(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	return api_list(call, resp, &accounts, err);
}

int
api_accounts_add(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	struct account_in in;
	char hash[PWHASH_MAX];
	json_t *obj = NULL;
	int given;

	memset(&in, 0, sizeof(in));
	if (api_check_body(call->body, account_fields, err) < 0)
		return -1;
	in.login = api_str(call->body, "login");
	in.role = api_str(call->body, "role");
	in.project = api_str(call->body, "project");
	if (validate_slug(in.login, "login", err) < 0 ||
	    (in.project && validate_slug(in.project, "project", err) < 0) ||
	    body_hash(call, hash, &given, err) < 0)
		return -1;
	in.password_hash = given ? hash : NULL;
	in.directory = api_bool(call->body, "directory", 0);
	if (store_account_add(call->ctx->db, &call->actor, &in, &obj,
			      err) < 0)
		return -1;
	return api_created(call, resp, obj);
}

int
api_account_get(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	json_t *obj = NULL;

	if (api_no_query(call, err) < 0 || path_login(call, err) < 0 ||
	    store_account_get(call->ctx->db, &call->actor, call->seg[1], &obj,
			      err) < 0)
		return -1;
	return api_object(resp, obj);
}

/* PATCH: "disabled", and a new password ("password": null removes it:
 * API keys only), with "revoke_keys" also revoking the account's API
 * keys, in one transaction; the password is hashed first. */
int
api_account_patch(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	struct account_patch patch = { -1, 0, NULL, 0, -1 };
	json_t *b = call->body, *obj = NULL;
	char hash[PWHASH_MAX];
	int given;

	if (path_login(call, err) < 0 ||
	    api_check_body(b, patch_fields, err) < 0 ||
	    body_hash(call, hash, &given, err) < 0)
		return -1;
	if (json_object_get(b, "disabled") != NULL)
		patch.disabled = api_bool(b, "disabled", 0);
	if (json_object_get(b, "directory") != NULL)
		patch.directory = api_bool(b, "directory", 0);
	patch.set_password = given || json_is_null(json_object_get(b,
								    "password"));
	patch.password_hash = given ? hash : NULL;
	patch.revoke_keys = api_bool(b, "revoke_keys", 0);
	if (patch.revoke_keys && !patch.set_password)
		return hk_failr(err, HK_EINVAL, "revoke_keys",
				HK_R_revoke_keys_needs_password, NULL);
	if (store_account_update(call->ctx->db, &call->actor, call->seg[1],
				 &patch, err) < 0 ||
	    store_account_get(call->ctx->db, &call->actor, call->seg[1], &obj,
			      err) < 0)
		return -1;
	return api_changed(call, resp, obj);
}

int
api_account_delete(struct api_call *call, struct http_resp *resp,
		   struct hk_err *err)
{
	if (api_no_query(call, err) < 0 || path_login(call, err) < 0 ||
	    store_account_delete(call->ctx->db, &call->actor, call->seg[1],
				 err) < 0)
		return -1;
	return api_deleted(call, resp);
}

/* GET /whoami: the credential's account, role, project and rights; for
 * a session also its CSRF token (a reloaded panel asks for it here: the
 * cookie itself is out of the page's reach). */
int
api_whoami(struct api_call *call, struct http_resp *resp,
	   struct hk_err *err)
{
	const struct hk_actor *a = &call->actor;
	json_t *projects = NULL, *obj;
	const char *project = NULL;

	if (api_no_query(call, err) < 0)
		return -1;
	if (!a->is_admin && a->mailbox_id == 0) {
		if (store_project_list(call->ctx->db, a, NULL, &projects, NULL,
				       err) < 0)
			return -1;
		project = json_string_value(json_object_get(
			json_array_get(projects, 0), "name"));
	}
	obj = json_pack("{s:s, s:s, s:s?, s:b, s:s, s:s?, s:b, s:b}", "login",
			a->login, "role", a->mailbox_id ? "mailbox" :
			a->is_admin ? "admin" : "owner", "project", project,
			"read_only", a->read_only, "via", a->via, "csrf_token",
			call->csrf[0] ? call->csrf : NULL, "second_factor",
			a->second_factor, "totp_enrolment_needed",
			a->must_enrol);
	json_decref(projects);
	if (obj == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	return api_object(resp, obj);
}

/* GET /audit?limit=&cursor=: newest first; next_cursor (an entry's id)
 * pages on to older ones, and is null on the last page. */
int
api_audit_list(struct api_call *call, struct http_resp *resp,
	       struct hk_err *err)
{
	json_t *items = NULL;
	int limit, cursor;

	if (api_id_query(call, &limit, &cursor, err) < 0)
		return -1;
	/* one more than asked: is there an older page? */
	if (store_audit_list(call->ctx->db, &call->actor, cursor, limit + 1,
			     &items, err) < 0) {
		json_decref(items);
		return -1;
	}
	return api_id_page(resp, items, limit, err);
}
