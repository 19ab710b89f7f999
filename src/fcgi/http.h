/* SPDX-License-Identifier: ISC */
/*
 * http.h - the request and response of one API call, independent of
 * FastCGI so that the API can be driven by tests and fuzzers directly.
 */
#ifndef HK_HTTP_H
#define HK_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define HTTP_MAX_BODY		(1024 * 1024)
#define HTTP_MAX_UPLOAD		(64 * 1024 * 1024)	/* a CSV import */
#define HTTP_MAX_RESPONSE	(64 * 1024 * 1024)	/* a page of 1000
							 * is ~160 KB */
#define HTTP_MAX_SEGMENTS	8

struct http_req {
	const char *method;		/* "GET", "POST", ... */
	const char *uri;		/* raw request URI, with query */
	const char *content_type;	/* may be NULL */
	const char *authorization;	/* may be NULL */
	const char *body;		/* may be NULL when body_len == 0 */
	size_t body_len;
	char **upload;			/* when not NULL, *upload is body,
					 * malloc'd with a byte to spare, for
					 * a handler to take (setting it to
					 * NULL) rather than copy */
	const char *cookie;		/* the Cookie header, may be NULL */
	const char *csrf_token;		/* X-CSRF-Token, may be NULL */
	const char *remote_addr;	/* the client, may be NULL */
	int https;			/* came over TLS: cookies are Secure */
};

struct http_resp {
	int status;
	json_t *body;			/* owned; NULL for no body */
	char *raw;			/* owned: the body as JSON text already
					 * (a listing written row by row);
					 * then body is NULL */
	size_t raw_len;
	const char *content_type;	/* of raw when it is not JSON (a
					 * static string), else NULL */
	char attachment[96];		/* raw is a file to save under this
					 * name (safe characters), or "" */
	char allow[32];			/* for 405: the Allow header */
	char location[64];		/* for 202: where the new object is
					 * read (a Location header), or "" */
	char set_cookie[256];		/* a Set-Cookie header, or "" */
	int retry_after;		/* for 429: seconds, else 0 */
	char internal[640];		/* for 500: the cause, for the log
					 * only (the client sees none) */
	/* Work owed once the answer is sent (an import job): run by
	 * http_resp_run_after(), or dropped unrun by http_resp_free(). */
	void (*after)(void *arg, int run);	/* frees arg either way */
	void *after_arg;
};

/*
 * Splits the path of uri below prefix ("/api/v1/") into percent-decoded
 * segments in buf.  A segment that decodes to '/', NUL or a control
 * character, an empty segment, or more than HTTP_MAX_SEGMENTS fail with
 * HK_EINVAL (or HK_ENOTFOUND when the prefix does not match).
 */
int http_split_path(const char *uri, const char *prefix, char *buf,
		    size_t buflen, const char *seg[HTTP_MAX_SEGMENTS],
		    int *nseg, struct hk_err *err);

/* The HTTP status for an error code. */
int http_status(enum hk_errcode code);

/* Sets resp to the JSON error {"error": jsonout_error(err)}. */
void http_error(struct http_resp *resp, const struct hk_err *err);

/* The answer's body as a jansson value (a new reference; NULL if none),
 * parsed from raw when it is text: for tests and tools. */
json_t *http_resp_json(const struct http_resp *resp);
/* Does the work owed after the answer, if any (at most once). */
void http_resp_run_after(struct http_resp *resp);
/* Frees what resp owns (work owed and not run is dropped). */
void http_resp_free(struct http_resp *resp);

/* Reason phrase for a status line. */
const char *http_reason(int status);

#endif
