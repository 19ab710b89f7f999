/* SPDX-License-Identifier: ISC */
/*
 * fcgi_request.h - one FastCGI request, answered: hakomail-fcgi's serving
 * threads call it for each request FCGX_Accept_r gives them.
 *
 * FastCGI sends the parameters before the body: the caller is
 * authenticated, and what the route decides without the body decided,
 * first (api_admit), so that an unauthenticated or refused upload is
 * answered without reading a byte of it.  The answer is sent and the
 * request finished (FCGX_Finish_r: the connection stays nginx's when it
 * keeps it); then the work the answer left runs (an import).
 */
#ifndef HK_FCGI_REQUEST_H
#define HK_FCGI_REQUEST_H

#include <fcgiapp.h>

#include "api.h"
#include "strbuf.h"

/* What a serving thread lends each request.  body: HTTP_MAX_BODY + 1
 * bytes, for a body up to that (an upload's is malloc'd); out: the buffer
 * for the JSON, reused from one request to the next.  Neither is shared
 * with another thread.  will_wait, when set, is called once before an
 * admitted request that is not quick (api_gate) goes on: a write, or a
 * read that waits on the network. */
struct fcgi_serving {
	struct api_ctx ctx;
	char *body;
	struct strbuf out;
	void (*will_wait)(void *arg);
	void *arg;
};

void fcgi_request_handle(FCGX_Request *r, struct fcgi_serving *s);

#endif
