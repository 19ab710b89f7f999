/* SPDX-License-Identifier: ISC */
/*
 * ldapauth.h - a panel password checked against the organization's LDAP
 * directory ([ldap], conf.h), through OpenLDAP's libldap.
 *
 * The directory only checks the password: the account, its role and its
 * project stay the panel's.  One check is one connection: over ldaps://
 * or ldap:// with StartTLS, the server's certificate verified against
 * ca_file alone (and its name against the URI's host); a search as the
 * service account (bind_dn) or anonymously, of base for the filter with
 * the login escaped (RFC 4515), which must find exactly one entry; then a
 * simple bind as that entry with the password.  Every network step is
 * bounded by [ldap] timeout.  The password is never logged or put in err.
 */
#ifndef HK_LDAPAUTH_H
#define HK_LDAPAUTH_H

#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "strbuf.h"

/*
 * 1: the directory accepts login's password.
 * 0: it refuses (err HK_EAUTH says why, for the log: an empty login or
 *    password, refused before any connection because an LDAP bind with an
 *    empty password is an anonymous bind that "succeeds"; not exactly one
 *    entry, directory_not_one; a wrong password, directory_wrong_password).
 *    Tell the person signing in no more than "wrong login or password".
 * -1: no answer (err HK_EUNAVAIL): directory_unreachable when it is down,
 *    too slow or its certificate is not trusted; directory_service_refused
 *    when the service account cannot bind; directory_failed otherwise (a
 *    base that does not exist, a filter the directory rejects).  Each
 *    names the URI and says what libldap said.
 * c->uri must be set (c as conf_load leaves it).
 */
int ldapauth_check(const struct ldap_conf *c, const char *login,
		   const char *password, struct hk_err *err);

/* tmpl (one %s, as conf.c checks it) with %s replaced by login's len
 * bytes, escaped per RFC 4515 so that no byte of it is filter syntax:
 * * ( ) \ NUL as \2a \28 \29 \5c \00, and every other byte outside
 * printable ASCII as \XX too; appended to out.  0, or -1 when out is full. */
int ldapauth_filter(const char *tmpl, const char *login, size_t len,
		    struct strbuf *out);

#endif
