/* SPDX-License-Identifier: ISC */
/*
 * fcgi_request.c - one FastCGI request through the API: its parameters,
 * the caller admitted before a byte of the body is read, the body, the
 * answer.  See fcgi_request.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <fastcgi.h>

#include "api.h"
#include "fcgi_request.h"
#include "fdio.h"
#include "jsonout.h"
#include "log.h"

/* The most content one FCGI_STDOUT record carries, a multiple of 8 (the
 * records need no padding). */
#define RECORD_MAX	65528

static const char *
param(FCGX_Request *r, const char *name)
{
	return FCGX_GetParam(name, r->envp);
}

/* The body, bounded by what the route takes: into buf (HTTP_MAX_BODY),
 * or for an upload into *big (malloc'd, the caller frees).  Returns its
 * length, or -1 when over the limit or cut short. */
static long
read_body(FCGX_Request *r, char *buf, char **big)
{
	const char *cl = param(r, "CONTENT_LENGTH");
	long want = cl && *cl ? strtol(cl, NULL, 10) : 0;
	size_t max = api_body_limit(param(r, "REQUEST_METHOD"),
				    param(r, "REQUEST_URI"));
	int got;

	*big = NULL;
	if (want < 0 || (size_t)want > max)
		return -1;
	if (want > HTTP_MAX_BODY) {
		if ((*big = malloc((size_t)want + 1)) == NULL)
			return -1;
		buf = *big;
	}
	got = want > 0 ? FCGX_GetStr(buf, (int)want, r->in) : 0;
	return got < 0 || got != want ? -1 : got;
}

/* A record's header: type, the request's id, content length. */
static FCGI_Header
record_header(const FCGX_Request *r, int type, size_t len)
{
	FCGI_Header h = { FCGI_VERSION_1, (unsigned char)type,
			  (unsigned char)(r->requestId >> 8),
			  (unsigned char)r->requestId, (unsigned char)(len >> 8),
			  (unsigned char)len, 0, 0 };

	return h;
}

/*
 * The whole answer, head then body, written straight to the connection:
 * its FCGI_STDOUT records, the empty one that ends them and the
 * FCGI_END_REQUEST, in one writev for an answer up to RECORD_MAX bytes.
 * libfcgi's stream would cut the answer at its 8 KB buffer and write its
 * end apart, each piece a write and a wakeup of nginx (bench/api.sh).
 * Both of the request's streams are then marked closed, which is what
 * FCGX_FClose (in FCGX_Finish_r) would have done after writing the same
 * records: it adds nothing.  The request's input must have been read to
 * its end first (end_input): nginx may send the next request on the
 * connection once it has the end.  A failed write ends the connection.
 */
static void
put_answer(FCGX_Request *r, const char *head, size_t hlen, const char *body,
	   size_t blen)
{
	FCGI_EndRequestRecord end = { record_header(r, FCGI_END_REQUEST, 8),
				      { 0, 0, 0, 0, FCGI_REQUEST_COMPLETE,
					{ 0, 0, 0 } } };
	FCGI_Header eof = record_header(r, FCGI_STDOUT, 0);
	int last = 0;

	while (!last) {
		size_t n = hlen + blen < RECORD_MAX ? hlen + blen : RECORD_MAX;
		size_t h = hlen < n ? hlen : n;
		FCGI_Header hd = record_header(r, FCGI_STDOUT, n);
		struct iovec iov[5] = { { &hd, sizeof(hd) },
					{ (char *)head, h },
					{ (char *)body, n - h },
					{ &eof, sizeof(eof) },
					{ &end, sizeof(end) } };

		last = n == hlen + blen;
		if (fdio_writev_all(r->ipcFd, n > 0 ? iov : iov + 3,
				    (n > 0 ? 3 : 0) + (last ? 2 : 0)) < 0) {
			r->keepConnection = 0;
			return;
		}
		head += h;
		hlen -= h;
		if (n > h) {	/* (body may be NULL when empty) */
			body += n - h;
			blen -= n - h;
		}
	}
	r->out->wasFCloseCalled = r->out->isClosed = 1;
	r->err->wasFCloseCalled = r->err->isClosed = 1;
}

/* FCGX_FPrintF has its own, smaller printf: format with snprintf.  The
 * body is written by jsonout() into the worker's buffer, reused from one
 * request to the next. */
static void
send_response(FCGX_Request *r, const struct http_resp *resp,
	      struct strbuf *out)
{
	char head[1024], retry[40] = "", disposition[160] = "";
	char location[96] = "";
	const char *body = resp->raw;
	size_t len = resp->raw_len;
	int n;

	if (body == NULL && resp->body != NULL) {
		strbuf_reset(out);
		if (jsonout(out, resp->body) < 0) {
			FCGX_FPrintF(r->out, "Status: 500 Internal Server "
				     "Error\r\nContent-Length: 0\r\n\r\n");
			return;
		}
		body = out->data;
		len = out->len;
	}
	if (resp->retry_after > 0)
		snprintf(retry, sizeof(retry), "Retry-After: %d\r\n",
			 resp->retry_after);
	if (resp->attachment[0] != '\0')
		snprintf(disposition, sizeof(disposition), "Content-"
			 "Disposition: attachment; filename=\"%s\"\r\n",
			 resp->attachment);
	if (resp->location[0] != '\0')
		snprintf(location, sizeof(location), "Location: %s\r\n",
			 resp->location);
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
		     "Cache-Control: no-store\r\n%s%s%s%s%s%s%s%s%s%s"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n\r\n", resp->status,
		     http_reason(resp->status),
		     resp->status == 401 ? "WWW-Authenticate: Bearer\r\n" : "",
		     resp->allow[0] ? "Allow: " : "", resp->allow,
		     resp->allow[0] ? "\r\n" : "",
		     resp->set_cookie[0] ? "Set-Cookie: " : "",
		     resp->set_cookie, resp->set_cookie[0] ? "\r\n" : "",
		     retry, disposition, location, resp->content_type ? resp->content_type :
		     "application/json", len);
	if (n <= 0 || (size_t)n >= sizeof(head))
		n = 0;
	put_answer(r, head, (size_t)n, body, len);
}

/* The request's parameters into req (its body not yet read); -1 when the
 * server sent no method or URI. */
static int
request_params(FCGX_Request *r, struct http_req *req)
{
	memset(req, 0, sizeof(*req));
	req->method = param(r, "REQUEST_METHOD");
	req->uri = param(r, "REQUEST_URI");
	req->content_type = param(r, "CONTENT_TYPE");
	req->authorization = param(r, "HTTP_AUTHORIZATION");
	req->cookie = param(r, "HTTP_COOKIE");
	req->csrf_token = param(r, "HTTP_X_CSRF_TOKEN");
	req->remote_addr = param(r, "REMOTE_ADDR");
	req->https = param(r, "HTTPS") != NULL && *param(r, "HTTPS") != '\0';
	return req->method == NULL || req->uri == NULL ? -1 : 0;
}

/* The admitted request's body read, then handled; a body over the limit
 * or cut short is answered 413.  Returns 1 when the body was read whole. */
static int
handle_admitted(FCGX_Request *r, struct api_ctx *ctx, struct http_req *req,
		const struct api_gate *gate, char *body,
		struct http_resp *resp)
{
	char *big = NULL;
	long n = read_body(r, body, &big);

	http_resp_free(resp);
	memset(resp, 0, sizeof(*resp));
	if (n < 0) {
		struct hk_err err;

		hk_failr(&err, HK_ETOOBIG, "body", HK_R_body_too_large,
			 "max", HK_NUM(api_body_limit(req->method, req->uri)),
			 NULL);
		http_error(resp, &err);
	} else {
		req->body = big ? big : body;
		req->body_len = (size_t)n;
		req->upload = big ? &big : NULL;
		api_handle_admitted(ctx, req, gate, resp);
	}
	free(big);	/* unless an import took it (to read it over itself) */
	return n >= 0;
}

/* A kept connection's next request begins after this one's input ends
 * (its empty FCGI_STDIN record): with the body read whole, or none sent,
 * that end is read here; a body left unread (a refused upload still on
 * its way) or longer than it said ends the connection instead. */
static void
end_input(FCGX_Request *r, int body_read)
{
	const char *cl = param(r, "CONTENT_LENGTH");

	if (!body_read && cl != NULL && *cl != '\0' && strcmp(cl, "0") != 0)
		r->keepConnection = 0;
	else if (FCGX_GetChar(r->in) != EOF)
		r->keepConnection = 0;
}

/* One request: answered, finished, then the work it left (an import).
 * FastCGI sends the parameters before the body: the caller is
 * authenticated (and what the route decides without the body decided)
 * first, so an unauthenticated or refused upload is answered without
 * reading a byte of it (nginx stops sending it once it has the answer). */
void
fcgi_request_handle(FCGX_Request *r, struct fcgi_serving *s)
{
	struct http_req req;
	struct http_resp resp;
	struct api_gate gate;
	int body_read = 0;

	if (request_params(r, &req) < 0) {
		FCGX_FPrintF(r->out, "Status: 400 Bad Request\r\n\r\n");
		r->keepConnection = 0;
		FCGX_Finish_r(r);
		return;
	}
	if (api_admit(&s->ctx, &req, &gate, &resp)) {
		if (!gate.quick && s->will_wait != NULL)
			s->will_wait(s->arg);
		body_read = handle_admitted(r, &s->ctx, &req, &gate, s->body,
					    &resp);
	}
	end_input(r, body_read);	/* before the answer's end: see put_answer */
	send_response(r, &resp, &s->out);
	/* The client was told nothing; the operator's log gets the cause. */
	if (resp.status == 500)
		log_error("%s %s: %s", req.method, req.uri, resp.internal);
	FCGX_Finish_r(r);	/* req's strings go */
	http_resp_run_after(&resp);
	http_resp_free(&resp);
}
