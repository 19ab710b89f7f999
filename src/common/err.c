/* SPDX-License-Identifier: ISC */
/*
 * err.c - filling struct hk_err.  See err.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static void
set(struct hk_err *err, enum hk_errcode code, const char *field,
    const char *fmt, va_list ap)
{
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
}

int
hk_fail(struct hk_err *err, enum hk_errcode code, const char *field,
	const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	set(err, code, field, fmt, ap);
	va_end(ap);
	return -1;
}

int
hk_fail_errno(struct hk_err *err, const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	set(err, HK_ESYS, NULL, fmt, ap);
	va_end(ap);
	len = strlen(err->message);
	snprintf(err->message + len, sizeof(err->message) - len, ": %s",
		 strerror(saved));
	errno = saved;
	return -1;
}

void
hk_err_clear(struct hk_err *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}

int
hk_err_internal(enum hk_errcode code)
{
	switch (code) {
	case HK_EINVAL: case HK_ENOTFOUND: case HK_EEXIST: case HK_EAUTH:
	case HK_EFORBIDDEN: case HK_ETOOBIG: case HK_ELIMIT:
	case HK_ETHROTTLED:
		return 0;
	default:
		return 1;
	}
}

const char *
hk_errcode_name(enum hk_errcode code)
{
	switch (code) {
	case HK_OK:		return "ok";
	case HK_EINVAL:		return "invalid";
	case HK_ENOTFOUND:	return "not_found";
	case HK_EEXIST:		return "conflict";
	case HK_EAUTH:		return "unauthorized";
	case HK_EFORBIDDEN:	return "forbidden";
	case HK_ETOOBIG:	return "too_large";
	case HK_ELIMIT:		return "limit_exceeded";
	case HK_ETHROTTLED:	return "too_many_requests";
	case HK_EDB:		return "database";
	case HK_ESYS:		return "system";
	case HK_EPROTO:		return "protocol";
	case HK_EINTERNAL:	break;
	}
	return "internal";
}
