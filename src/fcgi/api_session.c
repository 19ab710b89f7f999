/* SPDX-License-Identifier: ISC */
/*
 * api_session.c - /api/v1/session: the web panel's login (POST, the one
 * route that takes no credentials) and logout (DELETE).  The session
 * token goes only into an HttpOnly, SameSite=Strict cookie (Secure over
 * https); the answer carries the CSRF token the panel must echo.  A
 * failed login says the same whatever was wrong.  See api.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "ldapauth.h"
#include "log.h"
#include "validate.h"

static const struct api_field login_fields[] = {
	{ "login", F_STR, 1 },
	{ "password", F_STR, 1 },
	{ "code", F_STR, 0 },
	{ NULL, F_STR, 0 }
};

static void
set_cookie(const struct api_call *call, struct http_resp *resp,
	   const char *value, int max_age)
{
	snprintf(resp->set_cookie, sizeof(resp->set_cookie), "%s=%s; Path=%s;"
		 " Max-Age=%d; HttpOnly; SameSite=Strict%s",
		 API_SESSION_COOKIE, value, API_PREFIX, max_age,
		 call->req->https ? "; Secure" : "");
}

/* A directory account's password, judged by [ldap]: what the directory
 * said goes to the log; the person signing in learns no more than a
 * wrong password, or that the directory is down (no URI, no detail). */
static int
directory_check(const void *ctx, const char *login, const char *password,
		struct hk_err *err)
{
	int rc = ldapauth_check(ctx, login, password, err);

	if (rc == 0)
		log_info("sign-in of %s: %s", login, err->message);
	if (rc >= 0)
		return rc;
	log_warn("sign-in of %s: %s", login, err->message);
	return hk_failr(err, HK_EUNAVAIL, NULL, HK_R_directory_down, NULL);
}

void
api_session_policy(const struct hk_config *cfg, struct session_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->lifetime = cfg->session_lifetime;
	pol->idle = cfg->session_idle;
	pol->free = cfg->login_free;
	pol->free_addr = cfg->login_free_addr;
	pol->max_delay = cfg->login_max_delay;
	pol->require_totp = cfg->require_totp;
	if (cfg->ldap.uri[0] != '\0') {
		pol->directory = directory_check;
		pol->directory_ctx = &cfg->ldap;
	}
}

/* The login canonical in out: a panel account's name, or a mailbox's
 * full address; "" when it is neither (then just a wrong one, throttled
 * by address). */
static void
canonical_login(const char *login, char *out, size_t len)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	struct hk_err ignored;

	out[0] = '\0';
	if (strchr(login, '@') != NULL) {
		if (validate_address(login, "login", local, domain,
				     &ignored) == 0)
			snprintf(out, len, "%s@%s", local, domain);
	} else if (validate_slug(login, "login", &ignored) == 0)
		snprintf(out, len, "%s", login);
}

static const char *
role_name(const struct hk_actor *a)
{
	return a->mailbox_id ? "mailbox" : a->is_admin ? "admin" : "owner";
}

int
api_session_login(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	struct session_policy pol;
	struct session_login in;
	struct session_new s;
	char login[MAPSYNTAX_ADDRESS_MAX + 1];
	json_t *obj;
	const char *addr = call->req->remote_addr;

	if (api_check_body(call->body, login_fields, err) < 0)
		return -1;
	canonical_login(api_str(call->body, "login"), login, sizeof(login));
	in.login = login;
	in.password = api_str(call->body, "password");
	in.code = api_str(call->body, "code");
	in.addr = addr && *addr && strlen(addr) < 64 ? addr : "unknown";
	api_session_policy(call->ctx->cfg, &pol);
	memset(&s, 0, sizeof(s));
	if (store_session_login(call->ctx->db, &pol, &in, &call->actor, &s,
				err) < 0) {
		resp->retry_after = (int)s.retry_after;
		return -1;
	}
	set_cookie(call, resp, s.token, pol.lifetime);
	obj = json_pack("{s:s, s:s, s:s, s:I, s:b, s:b}", "login",
			call->actor.login, "role", role_name(&call->actor),
			"csrf_token", s.csrf, "expires_at",
			(json_int_t)s.expires_at, "second_factor",
			call->actor.second_factor, "totp_enrolment_needed",
			call->actor.must_enrol);
	if (obj == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	resp->status = 201;
	resp->body = obj;
	return 0;
}

int
api_session_logout(struct api_call *call, struct http_resp *resp,
		   struct hk_err *err)
{
	if (api_no_query(call, err) < 0 ||
	    store_session_logout(call->ctx->db, &call->actor, err) < 0)
		return -1;
	set_cookie(call, resp, "", 0);
	resp->status = 204;
	return 0;
}
