/* SPDX-License-Identifier: ISC */
/*
 * api_me.c - /me: the signed-in caller itself.  For a mailbox user its
 * own mailbox (GET /me, with its usage against its quota) and its
 * password (PUT /me/password, the current one required, pushed like any
 * change); for a panel account, what /whoami says.  See api.h and
 * store_me.h.
 */
#include "config.h"

#include <string.h>

#include "api.h"
#include "pwhash.h"
#include "store_me.h"

static const struct api_field password_fields[] = {
	{ "current_password", F_STR, 1 },
	{ "password", F_STR, 1 },
	{ NULL, F_STR, 0 }
};

int
api_me_get(struct api_call *call, struct http_resp *resp,
	   struct hk_err *err)
{
	struct me_scope me;
	json_t *obj = NULL;

	if (call->actor.mailbox_id == 0)
		return api_whoami(call, resp, err);
	if (api_no_query(call, err) < 0 ||
	    store_me_scope(call->ctx->db, &call->actor, &me, err) < 0 ||
	    store_mailbox_get(call->ctx->db, &me.as_owner, me.local,
			      me.domain, &obj, err) < 0)
		return -1;
	return api_object(resp, obj);
}

int
api_me_password(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	const struct hk_config *cfg = call->ctx->cfg;
	const char *addr = call->req->remote_addr;
	struct mailbox_patch patch = { NULL, NULL, -1, -1, 0 };
	struct session_policy pol;
	char hash[PWHASH_MAX];
	struct me_scope me;
	int64_t wait = 0;
	json_t *obj = NULL;

	if (api_check_body(call->body, password_fields, err) < 0)
		return -1;
	if (call->actor.mailbox_id == 0)
		return hk_failr(err, HK_ENOTFOUND, "path", HK_R_no_resource,
				NULL);
	/* the new one first: a bad new password costs no attempt */
	if (pwhash_accept(api_str(call->body, "password"), NULL, cfg->pw_min,
			  cfg->pw_max, hash, err) < 0)
		return -1;
	api_session_policy(cfg, &pol);
	if (store_me_verify(call->ctx->db, &pol, &call->actor,
			    addr && *addr && strlen(addr) < 64 ? addr :
			    "unknown", api_str(call->body, "current_password"),
			    &wait, err) < 0) {
		resp->retry_after = (int)wait;
		return -1;
	}
	patch.password_hash = hash;
	patch.keep_session = call->actor.session_id;
	if (store_me_scope(call->ctx->db, &call->actor, &me, err) < 0 ||
	    store_mailbox_update(call->ctx->db, &me.as_owner, me.local,
				 me.domain, &patch, &obj, err) < 0)
		return -1;
	return api_changed(call, resp, obj);
}
