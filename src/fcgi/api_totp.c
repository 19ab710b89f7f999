/* SPDX-License-Identifier: ISC */
/*
 * api_totp.c - two-factor sign-in of panel accounts: the caller's own
 * enrolment (GET/POST /me/totp, POST /me/totp/confirm) and an operator's
 * reset of another account's (DELETE /accounts/LOGIN/totp).  The secret
 * is answered once, with its otpauth:// URI and that URI's QR code as
 * SVG (qrsvg.h); the recovery codes once, at confirmation.  See api.h.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "api.h"
#include "qrsvg.h"
#include "store_totp.h"
#include "validate.h"

static const struct api_field confirm_fields[] = {
	{ "code", F_STR, 1 },
	{ NULL, F_STR, 0 }
};

/* An account's own: a mailbox user has no second factor (the router
 * keeps it out; this is the store's guard against a key without an
 * account). */
static int
own_login(const struct api_call *call, struct hk_err *err)
{
	if (call->actor.account_id <= 0)
		return hk_failr(err, HK_ENOTFOUND, "path", HK_R_no_resource,
				NULL);
	return 0;
}

int
api_totp_status(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	json_t *obj = NULL;

	if (api_no_query(call, err) < 0 || own_login(call, err) < 0 ||
	    store_totp_status(call->ctx->db, &call->actor, call->actor.login,
			      &obj, err) < 0)
		return -1;
	return api_object(resp, obj);
}

/* The enrolment's answer gets "qr_svg", the QR code of its "uri". */
static int
add_qr(json_t *obj, struct hk_err *err)
{
	struct strbuf svg;
	int rc;

	strbuf_init(&svg, 1 << 20);
	rc = qrsvg_render(json_string_value(json_object_get(obj, "uri")),
			  &svg, err);
	if (rc == 0 && json_object_set_new(obj, "qr_svg",
					   json_string(svg.data)) < 0)
		rc = hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	strbuf_free(&svg);
	return rc;
}

int
api_totp_enrol(struct api_call *call, struct http_resp *resp,
	       struct hk_err *err)
{
	json_t *obj = NULL;

	if (api_no_query(call, err) < 0 || own_login(call, err) < 0 ||
	    store_totp_enrol(call->ctx->db, &call->actor, call->actor.login,
			     &obj, err) < 0)
		return -1;
	if (add_qr(obj, err) < 0) {
		json_decref(obj);
		return -1;
	}
	resp->status = 201;
	resp->body = obj;
	return 0;
}

int
api_totp_confirm(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	json_t *obj = NULL;

	if (api_check_body(call->body, confirm_fields, err) < 0 ||
	    own_login(call, err) < 0 ||
	    store_totp_confirm(call->ctx->db, &call->actor, call->actor.login,
			       api_str(call->body, "code"),
			       (int64_t)time(NULL), &obj, err) < 0)
		return -1;
	return api_object(resp, obj);
}

int
api_totp_reset(struct api_call *call, struct http_resp *resp,
	       struct hk_err *err)
{
	if (api_no_query(call, err) < 0)
		return -1;
	if (validate_slug(call->seg[1], "login", err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "login",
				HK_R_no_such_account, NULL);
	if (store_totp_reset(call->ctx->db, &call->actor, call->seg[1],
			     err) < 0)
		return -1;
	return api_deleted(call, resp);
}
