/* SPDX-License-Identifier: ISC */
/*
 * pfa_src_backend.h - what a backend of pfa_src provides to pfa_src.c:
 * one small struct of function pointers, as db_backend.h is for
 * hakomail's own database.  Only pfa_src.c and the backends include this.
 *
 * pfa_src.c splits the URL before a backend sees it (struct pfa_url), so
 * that the backends call nothing of pfa_src.c.  A backend fails either
 * with hk_failr(HK_EINVAL, "from", HK_R_pfa_url, "url", u->shown,
 * "detail", why) for a URL it cannot use, or with plain hk_fail(HK_EDB)
 * and the library's words for anything else; pfa_src.c turns the latter
 * into HK_EUNAVAIL pfa_unreadable, with any password taken out.
 */
#ifndef HK_PFA_SRC_BACKEND_H
#define HK_PFA_SRC_BACKEND_H

#include "pfa_src.h"

#define PFA_PART_MAX	512

/*
 * A URL's parts.  For SCHEME://[USER[:PASS]@]HOST[:PORT][/PATH][?QUERY]
 * (authority 1): user, pass and path percent-decoded, host and port as
 * written, query without its '?'; the user ends at the last '@', so that
 * a password may hold an '@' or a '/' unencoded.  For SCHEME:PATH
 * (authority 0): path only, as written.  bad: why the parts could not
 * be split or decoded (a malformed %XX, a %00, a part too long), else
 * NULL; a backend that hands the URL to its library as it is ignores it.
 */
struct pfa_url {
	const char *url;	/* the whole URL, as given */
	const char *shown;	/* the same with any password as "***" */
	int authority;
	int has_user, has_pass, has_query;
	char user[PFA_PART_MAX], pass[PFA_PART_MAX];
	char host[PFA_PART_MAX], port[16];
	char path[PFA_PART_MAX], query[PFA_PART_MAX];
	const char *bad;
};

struct pfa_backend {
	const char *kind;		/* pfa_src_kind() */
	const char *schemes[2];	/* URL prefixes up to ':' */
	void *(*open)(const struct pfa_url *u, struct hk_err *err);
	/* pfa_src_query(); fn is pfa_src.c's, which tells its own stop
	 * from the backend's failures. */
	int (*query)(void *conn, const char *sql, pfa_row_fn fn, void *ctx,
		     struct hk_err *err);
	int (*has_table)(void *conn, const char *table, struct hk_err *err);
	void (*close)(void *conn);
};

extern const struct pfa_backend pfa_backend_sqlite;
extern const struct pfa_backend pfa_backend_pgsql;
extern const struct pfa_backend pfa_backend_mysql;

#endif
