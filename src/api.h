/*
 * api.h - the JSON API under /api/v1/: authentication, routing, and the
 * declared checks every request body passes before a handler sees it.
 * Handlers live one file per resource (api_domain.c, api_mailbox.c).
 */
#ifndef HK_API_H
#define HK_API_H

#include <jansson.h>

#include "conf.h"
#include "db.h"
#include "http.h"
#include "store.h"

#define API_PREFIX "/api/v1/"

struct api_ctx {
	struct db *db;
	const struct hk_config *cfg;
};

/* Handles one request; always fills resp (status and JSON body). */
void api_handle(struct api_ctx *ctx, const struct http_req *req,
		struct http_resp *resp);

/* --- for the handlers --- */

struct api_call {
	struct api_ctx *ctx;
	const struct http_req *req;
	struct hk_actor actor;
	const char *const *seg;		/* path below API_PREFIX */
	int nseg;
	json_t *body;			/* the parsed object, or NULL */
	int wrote;			/* a committed write: nudge pushd */
};

/* Returns 0 with resp filled, or -1 with err set. */
typedef int (*api_handler)(struct api_call *call, struct http_resp *resp,
			   struct hk_err *err);

enum api_ftype {
	F_STR, F_BOOL,
	F_SIZE,		/* "500M" or an integer */
	F_STRLIST	/* an array of strings */
};

struct api_field {
	const char *name;
	enum api_ftype type;
	int required;
};

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

/* Response tails shared by the handlers: 201 with the new object (and a
 * nudge to pushd), or 200 {"items": [...]}; both take ownership. */
int api_created(struct api_call *call, struct http_resp *resp, json_t *obj);
int api_items(struct http_resp *resp, json_t *items);

int api_domains_list(struct api_call *, struct http_resp *, struct hk_err *);
int api_domains_add(struct api_call *, struct http_resp *, struct hk_err *);
int api_domain_get(struct api_call *, struct http_resp *, struct hk_err *);
int api_mailboxes_list(struct api_call *, struct http_resp *,
		       struct hk_err *);
int api_mailboxes_add(struct api_call *, struct http_resp *,
		      struct hk_err *);
int api_guests_list(struct api_call *, struct http_resp *, struct hk_err *);
int api_aliases_list(struct api_call *, struct http_resp *, struct hk_err *);
int api_aliases_add(struct api_call *, struct http_resp *, struct hk_err *);
int api_aliasdomains_list(struct api_call *, struct http_resp *,
			  struct hk_err *);
int api_aliasdomains_add(struct api_call *, struct http_resp *,
			 struct hk_err *);

#endif
