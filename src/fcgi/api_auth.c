/* SPDX-License-Identifier: ISC */
/*
 * api_auth.c - who is calling: an API key (Authorization: Bearer), else a
 * web session (the hk_session cookie).  A session's unsafe requests must
 * also carry its CSRF token in X-CSRF-Token: the cookie goes with every
 * request the browser makes, the header only with the panel's own.
 * See api.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "secret.h"

/* The hk_session value of a Cookie header into token: exactly
 * SESSION_TOKEN_HEX lowercase hex digits, else absent. */
static int
session_cookie(const char *cookie, char token[SESSION_TOKEN_HEX + 1])
{
	const char *p = cookie;
	size_t n;

	while (p != NULL && *p) {
		p += strspn(p, " \t;");
		if (strncmp(p, API_SESSION_COOKIE "=",
			    sizeof(API_SESSION_COOKIE)) == 0) {
			p += sizeof(API_SESSION_COOKIE);
			n = strcspn(p, "; \t");
			if (n != SESSION_TOKEN_HEX ||
			    strspn(p, "0123456789abcdef") < n)
				return -1;
			snprintf(token, SESSION_TOKEN_HEX + 1, "%.*s", (int)n, p);
			return 0;
		}
		p = strchr(p, ';');
	}
	return -1;
}

static int
unsafe(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

static int
session_auth(struct api_call *call, const char *token, struct hk_err *err)
{
	const char *sent = call->req->csrf_token;
	struct session_policy pol;

	api_session_policy(call->ctx->cfg, &pol);
	if (store_session_auth(call->ctx->db, token, &pol, &call->actor,
			       call->csrf, err) < 0)
		return -1;
	if (unsafe(call->req->method) &&
	    (sent == NULL || strlen(sent) != strlen(call->csrf) ||
	     !secret_equal(sent, call->csrf)))
		return hk_failr(err, HK_EFORBIDDEN, "x-csrf-token",
				HK_R_csrf_token_needed, "method",
				call->req->method, NULL);
	return 0;
}

int
api_authenticate(struct api_call *call, struct hk_err *err)
{
	const char *a = call->req->authorization;
	char token[SESSION_TOKEN_HEX + 1];

	call->csrf[0] = '\0';
	if (a != NULL) {
		if (strncasecmp(a, "Bearer ", 7) != 0)
			return hk_failr(err, HK_EAUTH, NULL,
					HK_R_credentials_key_required, NULL);
		if (store_apikey_auth(call->ctx->db, a + 7, &call->actor,
				      err) < 0)
			return -1;
		snprintf(call->actor.via, sizeof(call->actor.via), "api");
		return 0;
	}
	if (session_cookie(call->req->cookie, token) == 0)
		return session_auth(call, token, err);
	return hk_failr(err, HK_EAUTH, NULL, HK_R_credentials_required, NULL);
}
