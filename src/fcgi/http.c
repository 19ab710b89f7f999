/* SPDX-License-Identifier: ISC */
/*
 * http.c - path splitting and error responses.  See http.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "http.h"
#include "jsonout.h"

/* Decodes src[0..n) into dst; refuses what may not stand in a segment. */
static int
decode_segment(const char *src, size_t n, char *dst, struct hk_err *err)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)src[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return hk_failr(err, HK_EINVAL, "path",
						HK_R_bad_percent_escape, NULL);
			hi = hex_value(src[i + 1]);
			lo = hex_value(src[i + 2]);
			if (hi < 0 || lo < 0)
				return hk_failr(err, HK_EINVAL, "path",
						HK_R_bad_percent_escape, NULL);
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || c == '/')
			return hk_failr(err, HK_EINVAL, "path",
					HK_R_path_character, NULL);
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return o == 0 ? hk_failr(err, HK_EINVAL, "path",
				 HK_R_path_empty_segment, NULL)
	    : 0;
}

int
http_split_path(const char *uri, const char *prefix, char *buf,
		size_t buflen, const char *seg[HTTP_MAX_SEGMENTS], int *nseg,
		struct hk_err *err)
{
	size_t plen = strlen(prefix), len;
	const char *p, *end;
	char *out = buf;

	*nseg = 0;
	if (uri == NULL || strncmp(uri, prefix, plen) != 0)
		return hk_failr(err, HK_ENOTFOUND, "path", HK_R_no_resource,
				NULL);
	p = uri + plen;
	end = p + strcspn(p, "?#");
	if (end > p && end[-1] == '/')
		end--;			/* tolerate one trailing slash */
	len = (size_t)(end - p);
	if (len + 1 > buflen)
		return hk_failr(err, HK_EINVAL, "path", HK_R_path_too_long,
				NULL);
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);

		if (*nseg == HTTP_MAX_SEGMENTS)
			return hk_failr(err, HK_ENOTFOUND, "path",
					HK_R_no_resource, NULL);
		if (decode_segment(p, n, out, err) < 0)
			return -1;
		seg[(*nseg)++] = out;
		out += strlen(out) + 1;
		p += n + (slash ? 1 : 0);
		if (slash && p == end)
			return hk_failr(err, HK_EINVAL, "path",
					HK_R_path_empty_segment, NULL);
	}
	return 0;
}

int
http_status(enum hk_errcode code)
{
	if (hk_err_internal(code))
		return 500;
	switch (code) {
	case HK_EINVAL:		return 400;
	case HK_EAUTH:		return 401;
	case HK_EFORBIDDEN:	return 403;
	case HK_ENOTFOUND:	return 404;
	case HK_EEXIST:		return 409;
	case HK_ETOOBIG:	return 413;
	case HK_ELIMIT:		return 403;
	case HK_ETHROTTLED:	return 429;
	case HK_EUNAVAIL:	return 503;
	default:		return 500;
	}
}

void
http_error(struct http_resp *resp, const struct hk_err *err)
{
	resp->status = http_status(err->code);
	if (resp->status == 500)
		snprintf(resp->internal, sizeof(resp->internal), "%s: %s",
			 hk_errcode_name(err->code), err->message);
	json_decref(resp->body);
	resp->body = json_pack("{s:o}", "error", jsonout_error(err));
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default:  return "Internal Server Error";
	}
}

json_t *
http_resp_json(const struct http_resp *resp)
{
	if (resp->raw != NULL)
		return json_loadb(resp->raw, resp->raw_len, 0, NULL);
	return json_incref(resp->body);
}

void
http_resp_run_after(struct http_resp *resp)
{
	void (*after)(void *, int) = resp->after;

	resp->after = NULL;
	if (after != NULL)
		after(resp->after_arg, 1);
}

void
http_resp_free(struct http_resp *resp)
{
	if (resp->after != NULL)
		resp->after(resp->after_arg, 0);
	resp->after = NULL;
	json_decref(resp->body);
	free(resp->raw);
	resp->body = NULL;
	resp->raw = NULL;
}
