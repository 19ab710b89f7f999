/* SPDX-License-Identifier: ISC */
/*
 * exchange.h - one request through api_handle() as a browser or a
 * client sends it (a cookie and its CSRF token, or a bearer key), with
 * the answer's parts kept for the assertions: the session tests' common
 * ground.
 */
#ifndef HK_TEST_EXCHANGE_H
#define HK_TEST_EXCHANGE_H

#include <stdint.h>

#include <jansson.h>

#include "conf.h"
#include "../fixture.h"

struct exchange {
	const char *method, *uri, *body;
	const char *cookie, *csrf, *bearer, *addr;
	int https;
	/* out */
	int status, retry_after;
	char set_cookie[256];
	char code[32], field[64], message[512];
	json_t *json;		/* the answer's body; the caller frees */
};

/* A request with no credentials, from 192.0.2.1. */
struct exchange ex(const char *method, const char *uri, const char *body);
/* Sends x (replacing its former answer); returns the status. */
int exchange_send(struct fixture *f, const struct hk_config *cfg,
		  struct exchange *x);
/* The session a 201 answer to a sign-in opened: its Cookie header value
 * ("hk_session=...") and its CSRF token. */
void exchange_session(const struct exchange *x, char cookie[128],
		      char csrf[80]);

/* Enrols and confirms a second factor for login (as an operator, its
 * step now); its secret into secret[TOTP_SECRET_B32 + 1], its recovery
 * codes (may be NULL) into *codes (the caller frees). */
void exchange_enrol(struct fixture *f, const char *login, char *secret,
		    json_t **codes);
/* The TOTP code of secret at time t. */
void exchange_code(const char *secret, int64_t t, char code[7]);

#endif
