/* SPDX-License-Identifier: ISC */
/*
 * ldapauth.c - search, then bind, against [ldap].  See ldapauth.h.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <lber.h>
#include <ldap.h>

#include "ldapauth.h"

#define FILTER_MAX	4096	/* a filter with a login escaped in it */

int
ldapauth_filter(const char *tmpl, const char *login, size_t len,
		struct strbuf *out)
{
	const char *at = strstr(tmpl, "%s");

	if (at == NULL ||
	    strbuf_append(out, tmpl, (size_t)(at - tmpl)) < 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)login[i];
		int plain = ch > 0x20 && ch < 0x7f && !strchr("*()\\", ch);

		if ((plain ? strbuf_append(out, &login[i], 1) :
		     strbuf_printf(out, "\\%02x", ch)) < 0)
			return -1;
	}
	return strbuf_puts(out, at + 2);
}

/* A network failure, a timeout or a TLS handshake refused (an untrusted
 * certificate): the directory cannot be reached, as opposed to one that
 * answered with an error. */
static int
unreachable(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ||
	    rc == LDAP_CONNECT_ERROR || rc == LDAP_UNAVAILABLE ||
	    rc == LDAP_BUSY;
}

/* -1 with rc's words and the server's or libldap's diagnostic ("TLS:
 * peer cert untrusted or revoked") under reason (dn: a reason's {dn}). */
static int
fail_ld(LDAP *ld, const struct ldap_conf *c, int rc, enum hk_reason reason,
	const char *dn, struct hk_err *err)
{
	char *diag = NULL, detail[256];

	if (ld != NULL &&
	    ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) !=
	    LDAP_OPT_SUCCESS)
		diag = NULL;
	snprintf(detail, sizeof(detail), "%s%s%s", ldap_err2string(rc),
		 diag && *diag ? ": " : "", diag && *diag ? diag : "");
	ldap_memfree(diag);
	if (unreachable(rc))
		reason = HK_R_directory_unreachable;
	return hk_failr(err, HK_EUNAVAIL, "ldap", reason, "uri", c->uri,
			"detail", detail, reason ==
			HK_R_directory_service_refused ? "dn" : NULL, dn, NULL);
}

/*
 * Each read and write on the connection waits at most the timeout for
 * the socket: a layer of libldap's Sockbuf between TCP and TLS, put there
 * as the connection is made.  libldap 2.5 bounds connect() and each
 * operation, but not the TLS handshake: an ldaps:// server that takes the
 * connection and says nothing held a sign-in forever (test_ldapauth's
 * silent server).  Past the wait, the read fails with ETIMEDOUT, which
 * GnuTLS and libldap take as a broken connection.
 */
struct conn {
	struct ldap_conncb cb;
	int wait_ms;
};

static int
wait_fd(Sockbuf_IO_Desc *sbiod, short events)
{
	const struct conn *cn = sbiod->sbiod_pvt;
	ber_socket_t fd = -1;
	struct pollfd p;
	int n;

	if (ber_sockbuf_ctrl(sbiod->sbiod_sb, LBER_SB_OPT_GET_FD, &fd) != 1)
		return 0;	/* no socket yet: the next layer says */
	p = (struct pollfd){ .fd = fd, .events = events };
	while ((n = poll(&p, 1, cn->wait_ms)) < 0 && errno == EINTR)
		;
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return 0;	/* ready, or an error the read or write will meet */
}

static ber_slen_t
bounded_read(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
	return wait_fd(sbiod, POLLIN) < 0 ? -1 :
	    LBER_SBIOD_READ_NEXT(sbiod, buf, len);
}

static ber_slen_t
bounded_write(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
	return wait_fd(sbiod, POLLOUT) < 0 ? -1 :
	    LBER_SBIOD_WRITE_NEXT(sbiod, buf, len);
}

static int
bounded_setup(Sockbuf_IO_Desc *sbiod, void *arg)
{
	sbiod->sbiod_pvt = arg;
	return 0;
}

static int
bounded_remove(Sockbuf_IO_Desc *sbiod)
{
	(void)sbiod;
	return 0;
}

static int
bounded_ctrl(Sockbuf_IO_Desc *sbiod, int opt, void *arg)
{
	return LBER_SBIOD_CTRL_NEXT(sbiod, opt, arg);
}

static Sockbuf_IO bounded_io = {
	.sbi_setup = bounded_setup, .sbi_remove = bounded_remove,
	.sbi_ctrl = bounded_ctrl, .sbi_read = bounded_read,
	.sbi_write = bounded_write, .sbi_close = NULL,
};

/* LDAP_OPT_CONNECT_CB: the connection is made, TLS not yet begun. */
static int
on_connect(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr,
	   struct ldap_conncb *ctx)
{
	(void)ld, (void)srv, (void)addr;
	return ber_sockbuf_add_io(sb, &bounded_io,
				  LBER_SBIOD_LEVEL_PROVIDER + 1, ctx->lc_arg) ?
	    -1 : 0;
}

static void
on_close(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	(void)ld, (void)sb, (void)ctx;
}

/* The handle's options: LDAPv3, no referrals (a referral could lead the
 * password elsewhere), the timeouts, and TLS verified against ca_file
 * alone.  The TLS options go to this handle's own context (NEWCTX), so
 * nothing in ldap.conf, ~/.ldaprc or LDAPTLS_* weakens them. */
static int
set_options(LDAP *ld, const struct ldap_conf *c, struct conn *cn)
{
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, server = 0;
	int tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, limit = c->timeout;
	struct timeval tv = { .tv_sec = c->timeout };

	cn->cb = (struct ldap_conncb){ .lc_add = on_connect,
		.lc_del = on_close, .lc_arg = cn };
	cn->wait_ms = c->timeout * 1000;
	return ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) ||
	    ldap_set_option(ld, LDAP_OPT_CONNECT_CB, &cn->cb) ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) ||
	    ldap_set_option(ld, LDAP_OPT_TIMELIMIT, &limit) ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12) ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTDIR, NULL) ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, c->ca_file) ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &server) ?
	    -1 : 0;
}

/* A simple bind as dn with password (never empty here). */
static int
bind_as(LDAP *ld, const char *dn, const char *password)
{
	struct berval cred = { .bv_len = strlen(password),
			       .bv_val = (char *)password };

	return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
				NULL);
}

/* A connection to c->uri, in TLS, bound as the service account if there
 * is one; NULL (err) if not.  cn outlives the handle. */
static LDAP *
open_dir(const struct ldap_conf *c, struct conn *cn, struct hk_err *err)
{
	LDAP *ld = NULL;
	int rc;

	if ((rc = ldap_initialize(&ld, c->uri)) != LDAP_SUCCESS) {
		fail_ld(NULL, c, rc, HK_R_directory_failed, NULL, err);
		return NULL;
	}
	/* NEWCTX reads ca_file: the likely failure */
	if (set_options(ld, c, cn) < 0) {
		hk_failr(err, HK_EUNAVAIL, "ldap", HK_R_directory_failed, "uri",
			 c->uri, "detail", "no TLS context from ca_file",
			 NULL);
		goto fail;
	}
	rc = c->starttls ? ldap_start_tls_s(ld, NULL, NULL) : LDAP_SUCCESS;
	if (rc != LDAP_SUCCESS) {
		fail_ld(ld, c, rc, HK_R_directory_failed, NULL, err);
		goto fail;
	}
	if (c->bind_dn[0] != '\0' &&
	    (rc = bind_as(ld, c->bind_dn, c->bind_password)) != LDAP_SUCCESS) {
		fail_ld(ld, c, rc, HK_R_directory_service_refused, c->bind_dn,
			err);
		goto fail;
	}
	return ld;
fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

/* The DN of the one entry the filter finds for login, malloc'd by libldap
 * (ldap_memfree); NULL with 0 when there is not exactly one, -1 when the
 * search failed. */
static char *
find_dn(LDAP *ld, const struct ldap_conf *c, const char *login, int *rc_out,
	struct hk_err *err)
{
	char *attrs[] = { LDAP_NO_ATTRS, NULL }, *dn = NULL;
	struct timeval tv = { .tv_sec = c->timeout };
	LDAPMessage *res = NULL;
	struct strbuf filter;
	int rc, n;

	strbuf_init(&filter, FILTER_MAX);
	*rc_out = -1;
	if (ldapauth_filter(c->filter, login, strlen(login), &filter) < 0) {
		strbuf_free(&filter);
		hk_failr(err, HK_EAUTH, "login", HK_R_directory_not_one,
			 "count", "0", "login", login, NULL);
		*rc_out = 0;
		return NULL;
	}
	/* two at most: a second entry is enough to refuse */
	rc = ldap_search_ext_s(ld, c->base, LDAP_SCOPE_SUBTREE,
			       strbuf_str(&filter), attrs, 1, NULL, NULL, &tv, 2,
			       &res);
	strbuf_free(&filter);
	n = res != NULL ? ldap_count_entries(ld, res) : 0;
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED)
		fail_ld(ld, c, rc, HK_R_directory_failed, NULL, err);
	else if (n != 1 || rc == LDAP_SIZELIMIT_EXCEEDED) {
		*rc_out = 0;
		hk_failr(err, HK_EAUTH, "login", HK_R_directory_not_one,
			 "count", rc == LDAP_SUCCESS ? HK_NUM(n) : "2+",
			 "login", login, NULL);
	} else if ((dn = ldap_get_dn(ld, ldap_first_entry(ld, res))) == NULL)
		fail_ld(ld, c, LDAP_DECODING_ERROR, HK_R_directory_failed,
			NULL, err);
	ldap_msgfree(res);
	return dn;
}

/* 0: a refusal, err saying why (ldapauth.h). */
static int
refused(struct hk_err *err, const char *field, enum hk_reason reason,
	const char *login)
{
	hk_failr(err, HK_EAUTH, field, reason, "login", login, NULL);
	return 0;
}

/* The user's bind: 1, 0 (a wrong password) or -1. */
static int
check_password(LDAP *ld, const struct ldap_conf *c, const char *dn,
	       const char *login, const char *password, struct hk_err *err)
{
	int rc = bind_as(ld, dn, password);

	if (rc == LDAP_SUCCESS)
		return 1;
	/* inappropriate: an entry without a password to check */
	if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH)
		return refused(err, "password", HK_R_directory_wrong_password,
			       login);
	return fail_ld(ld, c, rc, HK_R_directory_failed, NULL, err);
}

int
ldapauth_check(const struct ldap_conf *c, const char *login,
	       const char *password, struct hk_err *err)
{
	struct conn cn;
	LDAP *ld;
	char *dn;
	int rc;

	/* before any connection: an empty password binds anonymously */
	if (login[0] == '\0' || password[0] == '\0')
		return refused(err, login[0] ? "password" : "login",
			       HK_R_required, login);
	if ((ld = open_dir(c, &cn, err)) == NULL)
		return -1;
	dn = find_dn(ld, c, login, &rc, err);
	if (dn != NULL)
		rc = check_password(ld, c, dn, login, password, err);
	ldap_memfree(dn);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return rc;
}
