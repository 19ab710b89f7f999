/* SPDX-License-Identifier: ISC */
/*
 * api.c - authenticate, route, parse the body, dispatch.  See api.h.
 * The handlers (api_*.c, one per resource) use api_kit.c's helpers.
 *
 * The route table is the one list of what the API answers; a path that
 * matches a route with another method answers 405 with Allow.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "wake.h"

const struct api_route api_routes[] = {
	{ "POST",	"session",			api_session_login,
	  R_BODY | R_OPEN },
	{ "DELETE",	"session",			api_session_logout,
	  R_MAILBOX | R_ENROL },
	{ "GET",	"whoami",			api_whoami,
	  R_MAILBOX | R_ENROL },
	{ "GET",	"me",				api_me_get,
	  R_MAILBOX | R_ENROL },
	{ "PUT",	"me/password",			api_me_password,
	  R_BODY | R_MAILBOX },
	{ "GET",	"me/settings",			api_sieve_get,
	  R_MAILBOX },
	{ "PUT",	"me/vacation",			api_vacation_put,
	  R_BODY | R_MAILBOX },
	{ "DELETE",	"me/vacation",			api_sieve_delete,
	  R_MAILBOX },
	{ "PUT",	"me/forward",			api_forward_put,
	  R_BODY | R_MAILBOX },
	{ "DELETE",	"me/forward",			api_sieve_delete,
	  R_MAILBOX },
	{ "GET",	"me/totp",			api_totp_status, R_ENROL },
	{ "POST",	"me/totp",			api_totp_enrol, R_ENROL },
	{ "POST",	"me/totp/confirm",		api_totp_confirm,
	  R_BODY | R_ENROL },
	{ "GET",	"audit",			api_audit_list, 0 },
	{ "GET",	"projects",			api_projects_list, 0 },
	{ "POST",	"projects",			api_projects_add, R_BODY },
	{ "GET",	"projects/*",			api_project_get, 0 },
	{ "PATCH",	"projects/*",			api_project_patch, R_BODY },
	{ "DELETE",	"projects/*",			api_project_delete, 0 },
	{ "GET",	"accounts",			api_accounts_list, 0 },
	{ "POST",	"accounts",			api_accounts_add, R_BODY },
	{ "GET",	"accounts/*",			api_account_get, 0 },
	{ "PATCH",	"accounts/*",			api_account_patch, R_BODY },
	{ "DELETE",	"accounts/*",			api_account_delete, 0 },
	{ "DELETE",	"accounts/*/totp",		api_totp_reset, 0 },
	{ "GET",	"api-keys",			api_apikeys_list, 0 },
	{ "POST",	"api-keys",			api_apikeys_add, R_BODY },
	{ "DELETE",	"api-keys/*",			api_apikey_delete, 0 },
	{ "GET",	"guests",			api_guests_list, 0 },
	{ "POST",	"guests",			api_guests_add, R_BODY },
	{ "GET",	"guests/*",			api_guest_get, 0 },
	{ "PATCH",	"guests/*",			api_guest_patch, R_BODY },
	{ "DELETE",	"guests/*",			api_guest_delete, 0 },
	{ "POST",	"guests/*/push",		api_guest_push, 0 },
	{ "GET",	"guests/*/capacity",		api_guest_capacity, 0 },
	{ "GET",	"warnings",			api_warnings_list, 0 },
	{ "GET",	"domains",			api_domains_list, 0 },
	{ "POST",	"domains",			api_domains_add, R_BODY },
	{ "GET",	"domains/*",			api_domain_get, 0 },
	{ "PATCH",	"domains/*",			api_domain_patch, R_BODY },
	{ "DELETE",	"domains/*",			api_domain_delete, 0 },
	{ "POST",	"domains/*/move",		api_domain_move, R_BODY },
	{ "GET",	"moves",			api_moves_list, 0 },
	{ "GET",	"moves/*",			api_move_get, 0 },
	{ "POST",	"moves/*/cancel",		api_move_cancel, 0 },
	{ "GET",	"domains/*/mailboxes",		api_mailboxes_list, 0 },
	{ "POST",	"domains/*/mailboxes",		api_mailboxes_add, R_BODY },
	{ "POST",	"mailboxes",			api_mailboxes_add, R_BODY },
	{ "GET",	"mailboxes/*",			api_mailbox_get, 0 },
	{ "PATCH",	"mailboxes/*",			api_mailbox_patch, R_BODY },
	{ "DELETE",	"mailboxes/*",			api_mailbox_delete, 0 },
	{ "POST",	"mailboxes/*/restore",		api_mailbox_restore, 0 },
	{ "GET",	"mailboxes/*/settings",		api_sieve_get, 0 },
	{ "PUT",	"mailboxes/*/vacation",		api_vacation_put, R_BODY },
	{ "DELETE",	"mailboxes/*/vacation",		api_sieve_delete, 0 },
	{ "PUT",	"mailboxes/*/forward",		api_forward_put, R_BODY },
	{ "DELETE",	"mailboxes/*/forward",		api_sieve_delete, 0 },
	{ "GET",	"domains/*/dkim",		api_dkim_list, 0 },
	{ "POST",	"domains/*/dkim",		api_dkim_add, R_BODY },
	{ "POST",	"domains/*/dkim/*/activate",	api_dkim_activate,
	  R_BODY },
	{ "DELETE",	"domains/*/dkim/*",		api_dkim_delete, 0 },
	{ "GET",	"domains/*/dns",		api_dns_get, R_WAITS },
	{ "GET",	"domains/*/aliases",		api_aliases_list, 0 },
	{ "POST",	"domains/*/aliases",		api_aliases_add, R_BODY },
	{ "GET",	"aliases/*",			api_alias_get, 0 },
	{ "PATCH",	"aliases/*",			api_alias_patch, R_BODY },
	{ "DELETE",	"aliases/*",			api_alias_delete, 0 },
	{ "GET",	"alias-domains",		api_aliasdomains_list, 0 },
	{ "POST",	"alias-domains",		api_aliasdomains_add, R_BODY },
	{ "GET",	"alias-domains/*",		api_aliasdomain_get, 0 },
	{ "PATCH",	"alias-domains/*",		api_aliasdomain_patch,
	  R_BODY },
	{ "DELETE",	"alias-domains/*",		api_aliasdomain_delete, 0 },
	{ "POST",	"imports",			api_imports_add, R_UPLOAD },
	{ "GET",	"imports",			api_imports_list, 0 },
	{ "GET",	"imports/*",			api_import_get, 0 },
	{ "GET",	"export/mailboxes",		api_export_mailboxes,
	  R_WAITS },
	{ "GET",	"export/aliases",		api_export_aliases, R_WAITS },
	{ "GET",	"metrics",			api_metrics, R_SELF },
	{ NULL, NULL, NULL, 0 }
};

static int
pattern_matches(const char *pattern, const char *const *seg, int nseg)
{
	int i = 0;

	for (const char *p = pattern; *p; i++) {
		size_t n = strcspn(p, "/");

		if (i >= nseg || !((n == 1 && *p == '*') ||
		    (strlen(seg[i]) == n && strncmp(seg[i], p, n) == 0)))
			return 0;
		p += n + (p[n] == '/');
	}
	return i == nseg;
}

/* The route for method and path; else allow lists the path's methods. */
static const struct api_route *
find_route(const char *method, const char *const *seg, int nseg,
	   char *allow, size_t allowlen)
{
	size_t used = 0;

	allow[0] = '\0';
	for (const struct api_route *r = api_routes; r->method; r++) {
		if (!pattern_matches(r->pattern, seg, nseg))
			continue;
		if (strcmp(r->method, method) == 0)
			return r;
		used += (size_t)snprintf(allow + used, allowlen - used, "%s%s",
					 used ? ", " : "", r->method);
		if (used >= allowlen)
			break;
	}
	return NULL;
}

static int
parse_body(struct api_call *call, struct hk_err *err)
{
	const struct http_req *req = call->req;
	const char *ct = req->content_type;
	json_error_t jerr;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';'))
		return hk_failr(err, HK_EINVAL, "content-type",
				HK_R_content_type_json, NULL);
	if (req->body_len > HTTP_MAX_BODY)
		return hk_failr(err, HK_ETOOBIG, NULL, HK_R_body_too_large,
				"max", HK_NUM(HTTP_MAX_BODY), NULL);
	call->body = json_loadb(req->body ? req->body : "", req->body_len,
				JSON_REJECT_DUPLICATES, &jerr);
	if (call->body == NULL)
		return hk_failr(err, HK_EINVAL, "body", HK_R_json_malformed,
				"line", HK_NUM(jerr.line), "column",
				HK_NUM(jerr.column), "detail", jerr.text, NULL);
	if (!json_is_object(call->body))
		return hk_failr(err, HK_EINVAL, "body", HK_R_body_not_object,
				NULL);
	return 0;
}

/* What a signed-in caller confined to a few routes may not pass: a
 * mailbox user (its own mailbox, /me), and a session that must enrol a
 * second factor before anything else. */
static int
confined(const struct api_call *call, const struct api_route *r,
	 struct hk_err *err)
{
	if (call->actor.mailbox_id > 0 && !(r->flags & R_MAILBOX))
		return hk_failr(err, HK_EFORBIDDEN, NULL,
				HK_R_mailbox_user_not_allowed, NULL);
	if (call->actor.must_enrol && !(r->flags & R_ENROL))
		return hk_failr(err, HK_EFORBIDDEN, NULL,
				HK_R_totp_enrolment_needed, NULL);
	return 0;
}

/* What the parameters decide (see api_admit): the path into call->seg
 * (over pathbuf), the route into *route, and the caller, when the route
 * needs one and call->actor is not already theirs (authed).  Returns 1 to
 * go on with the body, 0 with resp a 405, -1 with err. */
static int
gate(struct api_call *call, char *pathbuf, size_t len, const char **seg,
     const struct api_route **route, int authed, struct http_resp *resp,
     struct hk_err *err)
{
	const struct api_route *r;

	if (http_split_path(call->req->uri, API_PREFIX, pathbuf, len, seg,
			    &call->nseg, err) < 0)
		return -1;
	call->seg = seg;
	r = *route = find_route(call->req->method, seg, call->nseg,
				resp->allow, sizeof(resp->allow));
	/* Authenticate before revealing which paths exist. */
	if (!authed && (r == NULL || !(r->flags & (R_OPEN | R_SELF))) &&
	    api_authenticate(call, err) < 0) {
		resp->allow[0] = '\0';
		return -1;
	}
	if (r != NULL && !(r->flags & (R_OPEN | R_SELF)) &&
	    confined(call, r, err) < 0)
		return -1;
	if (r == NULL) {
		if (resp->allow[0] == '\0')
			return hk_failr(err, HK_ENOTFOUND, "path",
					HK_R_no_resource, NULL);
		resp->status = 405;
		resp->body = json_pack("{s:{s:s,s:s,s:n,s:s,s:{}}}", "error",
				       "code", "method_not_allowed", "message",
				       hk_reason_template(
				       HK_R_method_not_allowed), "field",
				       "reason", hk_reason_name(
				       HK_R_method_not_allowed), "params");
		return 0;
	}
	return 1;
}

/* A call of req, its answer and its error all empty. */
static void
call_start(struct api_call *call, struct api_ctx *ctx,
	   const struct http_req *req, struct http_resp *resp,
	   struct hk_err *err)
{
	memset(call, 0, sizeof(*call));
	memset(resp, 0, sizeof(*resp));
	hk_err_clear(err);
	call->ctx = ctx;
	call->req = req;
}

int
api_admit(struct api_ctx *ctx, const struct http_req *req,
	  struct api_gate *g, struct http_resp *resp)
{
	char pathbuf[4096];
	const char *seg[HTTP_MAX_SEGMENTS];
	const struct api_route *r;
	struct api_call call;
	struct hk_err err;
	int rc;

	call_start(&call, ctx, req, resp, &err);
	memset(g, 0, sizeof(*g));
	rc = gate(&call, pathbuf, sizeof(pathbuf), seg, &r, 0, resp, &err);
	/* an upload's rights and options are judged before its file */
	if (rc == 1 && (r->flags & R_UPLOAD) &&
	    api_imports_admit(&call, resp, &err) < 0)
		rc = -1;
	if (rc < 0)
		http_error(resp, &err);
	g->actor = call.actor;
	memcpy(g->csrf, call.csrf, sizeof(g->csrf));
	g->quick = rc == 1 && !(r->flags & R_WAITS) &&
		   strcmp(req->method, "GET") == 0;
	return rc == 1;
}

void
api_handle_admitted(struct api_ctx *ctx, const struct http_req *req,
		    const struct api_gate *g, struct http_resp *resp)
{
	char pathbuf[4096];
	const char *seg[HTTP_MAX_SEGMENTS];
	const struct api_route *r;
	struct api_call call;
	struct hk_err err;
	int rc;

	call_start(&call, ctx, req, resp, &err);
	call.actor = g->actor;
	memcpy(call.csrf, g->csrf, sizeof(call.csrf));
	rc = gate(&call, pathbuf, sizeof(pathbuf), seg, &r, 1, resp, &err);
	/* a body's route reads nothing from the query: none may be given */
	if (rc == 1 && (r->flags & R_BODY) &&
	    (api_no_query(&call, &err) < 0 || parse_body(&call, &err) < 0))
		rc = -1;
	if (rc == 1)
		rc = r->handler(&call, resp, &err);
	if (rc < 0)
		http_error(resp, &err);
	if (call.wrote)
		wake_notify(ctx->cfg->wake_socket);
	json_decref(call.body);
}

size_t
api_body_limit(const char *method, const char *uri)
{
	char pathbuf[4096], allow[32];
	const char *seg[HTTP_MAX_SEGMENTS];
	const struct api_route *r;
	struct hk_err err;
	int nseg;

	if (method == NULL || uri == NULL ||
	    http_split_path(uri, API_PREFIX, pathbuf, sizeof(pathbuf), seg,
			    &nseg, &err) < 0)
		return HTTP_MAX_BODY;
	r = find_route(method, seg, nseg, allow, sizeof(allow));
	return r != NULL && (r->flags & R_UPLOAD) ? HTTP_MAX_UPLOAD :
	    HTTP_MAX_BODY;
}

void
api_handle(struct api_ctx *ctx, const struct http_req *req,
	   struct http_resp *resp)
{
	struct api_gate g;

	if (api_admit(ctx, req, &g, resp))
		api_handle_admitted(ctx, req, &g, resp);
}
