/* SPDX-License-Identifier: ISC */
/*
 * api.h - the JSON API under /api/v1/: authentication, routing, and the
 * declared checks every request body passes before a handler sees it.
 * Handlers live one file per resource (api_domain.c, api_mailbox.c).
 */
#ifndef HK_API_H
#define HK_API_H

#include <signal.h>

#include <jansson.h>

#include "conf.h"
#include "db.h"
#include "http.h"
#include "store.h"
#include "store_session.h"

#define API_PREFIX "/api/v1/"
#define API_SESSION_COOKIE "hk_session"

struct api_ctx {
	struct db *db;
	const struct hk_config *cfg;
};

/* A worker's shutdown: an import it runs stops at its next checkpoint
 * once *stop is non-zero (import.h), nothing written, its job ended
 * "interrupted".  NULL (the default): imports run to their end. */
void api_import_stop_on(const volatile sig_atomic_t *stop);

/* Handles one request; always fills resp (status and JSON body), and
 * may leave work owed once it is sent (resp->after: an import).  It is
 * api_admit and then, when that lets the body in, api_handle_admitted. */
void api_handle(struct api_ctx *ctx, const struct http_req *req,
		struct http_resp *resp);

/*
 * The two halves of api_handle, for a server that has the request's
 * parameters before its body (FastCGI): nothing of the body is read
 * until the caller is known.  api_admit decides all that the parameters
 * decide, with req->body unread: the path and route (404, 405), the
 * caller (401, and a session's CSRF token: 403), and what the route
 * judges before its body (an upload: a read-only key, the Content-Type,
 * the options in the query).  Returns 1 when the body is to be read and
 * the request handed to api_handle_admitted with the same gate; else 0
 * with resp the whole answer, to be sent without reading the body.
 */
struct api_gate {
	struct hk_actor actor;
	char csrf[SESSION_TOKEN_HEX + 1];
	int quick;	/* a read of the database alone (a GET, not R_WAITS):
			 * it keeps its thread busy only while this CPU
			 * works */
};
int api_admit(struct api_ctx *ctx, const struct http_req *req,
	      struct api_gate *gate, struct http_resp *resp);
void api_handle_admitted(struct api_ctx *ctx, const struct http_req *req,
			 const struct api_gate *gate, struct http_resp *resp);
/* The largest body the route of method and uri takes: HTTP_MAX_BODY, or
 * HTTP_MAX_UPLOAD for a file upload. */
size_t api_body_limit(const char *method, const char *uri);

/* --- for the handlers --- */

struct api_call {
	struct api_ctx *ctx;
	const struct http_req *req;
	struct hk_actor actor;
	const char *const *seg;		/* path below API_PREFIX */
	int nseg;
	json_t *body;			/* the parsed object, or NULL */
	char csrf[SESSION_TOKEN_HEX + 1];	/* a session's, else "" */
	int wrote;			/* a committed write: nudge pushd */
};

/* Returns 0 with resp filled, or -1 with err set. */
typedef int (*api_handler)(struct api_call *call, struct http_resp *resp,
			   struct hk_err *err);

enum api_ftype {
	F_STR, F_BOOL,
	F_NSTR,		/* a string, or null to clear */
	F_INT,		/* a non-negative integer */
	F_SIZE,		/* "500M" or an integer */
	F_STRLIST	/* an array of strings */
};

struct api_field {
	const char *name;
	enum api_ftype type;
	int required;
};

/* The sign-in's policy, from the configuration ([session], [auth],
 * and the directory of [ldap]). */
void api_session_policy(const struct hk_config *cfg,
			struct session_policy *pol);

/* Fills call->actor from an API key or a session cookie (and for a
 * session's unsafe methods checks X-CSRF-Token); HK_EAUTH otherwise. */
int api_authenticate(struct api_call *call, struct hk_err *err);

/* Refuses a body with an unknown, missing or mistyped field. */
int api_check_body(json_t *body, const struct api_field *spec,
		   struct hk_err *err);

/* Field accessors after api_check_body. */
const char *api_str(json_t *body, const char *name);
int api_bool(json_t *body, const char *name, int dflt);
/* Quota in bytes from a string ("2G") or an integer; when the field is
 * absent *out is left as the caller set it. */
int api_size(json_t *body, const char *name, int64_t *out,
	     struct hk_err *err);

/* A non-negative integer field, at most max, into *out; absent leaves
 * *out as set. */
#define API_COUNT_MAX	1000000000	/* a limit on a count (as the CLI) */
int api_int(json_t *body, const char *name, int64_t max, int64_t *out,
	    struct hk_err *err);

/* A path segment that is an object's id (a decimal 1..INT32_MAX, as
 * the ids of imports and moves are) into *id; -1 for anything else, which
 * the caller answers as a missing object. */
int api_path_id(const char *s, int64_t *id);

/* The path's domain (/domains/D/...: seg[1]), canonical, into out
 * (MAPSYNTAX_DOMAIN_MAX + 1): a name that cannot be one is a missing
 * domain (HK_ENOTFOUND no_such_domain), as one of another project is. */
int api_path_domain(struct api_call *call, char *out, struct hk_err *err);

/* Refuses any query string (for paths that take none). */
int api_no_query(struct api_call *call, struct hk_err *err);
/* DELETE's ?force=true|false into *force (default false). */
int api_force(struct api_call *call, int *force, struct hk_err *err);

/* Response tails shared by the handlers; all take ownership of what they
 * are given.  201 with the new object, 200 with the changed object, 204
 * after a delete (each of these nudges pushd), and 200 with an object
 * read. */
int api_created(struct api_call *call, struct http_resp *resp, json_t *obj);
int api_changed(struct api_call *call, struct http_resp *resp, json_t *obj);
int api_deleted(struct api_call *call, struct http_resp *resp);
int api_object(struct http_resp *resp, json_t *obj);

/*
 * A listing: GET ?limit=1..1000&cursor=KEY&q=FRAGMENT (and, where the
 * flags say, &active=true|false, &domain=NAME and &sort=) answers
 * {"items": [...], "next_cursor": KEY or null}.  cursor canonicalizes a
 * presented cursor into out[PAGE_CURSOR_MAX + 1] (or fails naming
 * "cursor"): it is the key of the listing's sort.
 */
#define L_ACTIVE	1	/* takes ?active= */
#define L_DOMAIN	2	/* takes ?domain= */
#define L_PATH_DOMAIN	4	/* lists in the domain of the path */
#define L_SORT_USAGE	8	/* takes ?sort=used_bytes (most used
				 * first; cursor "BYTES:LOCAL_PART") */
struct api_listing {
	store_lister list;
	/* when not NULL, the page written as text (the mailboxes: pages of
	 * 100 from a million are what the API serves most) */
	int (*text)(struct db *db, const struct hk_actor *actor,
		    const struct page_in *page, struct strbuf *out,
		    char *next, struct hk_err *err);
	int (*cursor)(const char *in, char *out, struct hk_err *err);
	int flags;
};
int api_list(struct api_call *call, struct http_resp *resp,
	     const struct api_listing *listing, struct hk_err *err);
/* A listing paged by id, newest first (the audit log, the import jobs):
 * ?limit=1..1000&cursor=ID (0 when absent: from the newest), and the
 * answer from up to limit + 1 rows: the one too many is dropped and
 * next_cursor is the last kept row's id (null on the last page).
 * api_id_page takes items. */
int api_id_query(struct api_call *call, int *limit, int *cursor,
		 struct hk_err *err);
int api_id_page(struct http_resp *resp, json_t *items, int limit,
		struct hk_err *err);
/* Cursor canonicalizers for the listings. */
int api_cursor_slug(const char *in, char *out, struct hk_err *err);
int api_cursor_domain(const char *in, char *out, struct hk_err *err);

/* The handlers, one file per resource; the route table in api.c says
 * which method and path reach each. */
#define API_HANDLER(name) \
	int name(struct api_call *, struct http_resp *, struct hk_err *)
API_HANDLER(api_session_login);
API_HANDLER(api_session_logout);
API_HANDLER(api_whoami);
API_HANDLER(api_me_get);
API_HANDLER(api_me_password);
API_HANDLER(api_sieve_get);
API_HANDLER(api_vacation_put);
API_HANDLER(api_forward_put);
API_HANDLER(api_sieve_delete);
API_HANDLER(api_totp_status);
API_HANDLER(api_totp_enrol);
API_HANDLER(api_totp_confirm);
API_HANDLER(api_totp_reset);
API_HANDLER(api_audit_list);
API_HANDLER(api_projects_list);
API_HANDLER(api_projects_add);
API_HANDLER(api_project_get);
API_HANDLER(api_project_patch);
API_HANDLER(api_project_delete);
API_HANDLER(api_accounts_list);
API_HANDLER(api_accounts_add);
API_HANDLER(api_account_get);
API_HANDLER(api_account_patch);
API_HANDLER(api_account_delete);
API_HANDLER(api_apikeys_list);
API_HANDLER(api_apikeys_add);
API_HANDLER(api_apikey_delete);
API_HANDLER(api_guests_list);
API_HANDLER(api_guests_add);
API_HANDLER(api_guest_get);
API_HANDLER(api_guest_patch);
API_HANDLER(api_guest_delete);
API_HANDLER(api_guest_push);
API_HANDLER(api_guest_capacity);
API_HANDLER(api_warnings_list);
API_HANDLER(api_domains_list);
API_HANDLER(api_domains_add);
API_HANDLER(api_domain_get);
API_HANDLER(api_domain_patch);
API_HANDLER(api_domain_delete);
API_HANDLER(api_mailboxes_list);
API_HANDLER(api_mailboxes_add);
API_HANDLER(api_mailbox_get);
API_HANDLER(api_mailbox_patch);
API_HANDLER(api_mailbox_delete);
API_HANDLER(api_mailbox_restore);
API_HANDLER(api_aliases_list);
API_HANDLER(api_aliases_add);
API_HANDLER(api_alias_get);
API_HANDLER(api_alias_patch);
API_HANDLER(api_alias_delete);
API_HANDLER(api_aliasdomains_list);
API_HANDLER(api_aliasdomains_add);
API_HANDLER(api_aliasdomain_get);
API_HANDLER(api_aliasdomain_patch);
API_HANDLER(api_aliasdomain_delete);
API_HANDLER(api_imports_add);
/* api_imports_add's checks that need no body, before it is read. */
API_HANDLER(api_imports_admit);
API_HANDLER(api_imports_list);
API_HANDLER(api_import_get);
API_HANDLER(api_export_mailboxes);
API_HANDLER(api_export_aliases);
API_HANDLER(api_metrics);
API_HANDLER(api_domain_move);
API_HANDLER(api_moves_list);
API_HANDLER(api_move_get);
API_HANDLER(api_move_cancel);
API_HANDLER(api_dkim_list);
API_HANDLER(api_dkim_add);
API_HANDLER(api_dkim_activate);
API_HANDLER(api_dkim_delete);
API_HANDLER(api_dns_get);

/* The route table, for tests that walk it: method, pattern ("*" is one
 * path segment) and flags.  Ends with NULLs. */
#define R_BODY	1	/* reads a JSON body */
#define R_OPEN	2	/* needs no credentials (the login only) */
#define R_UPLOAD 4	/* reads a file as the body (up to HTTP_MAX_UPLOAD)
			 * and options from the query: the handler checks
			 * both */
#define R_SELF	8	/* the handler judges the caller itself: a
			 * credential, or an allowed address (/metrics) */
#define R_MAILBOX 16	/* a mailbox user may call it (else 403) */
#define R_ENROL	32	/* a session that must enrol a second factor may
			 * call it (else 403) */
#define R_WAITS	64	/* a read that may wait on more than this CPU (the
			 * network, a long stream): not quick, as no write is
			 * (api_gate) */
struct api_route {
	const char *method;
	const char *pattern;
	api_handler handler;
	int flags;
};
extern const struct api_route api_routes[];

#endif
