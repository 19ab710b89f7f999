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
#include "utf8.h"

static void
set(struct hk_err *err, enum hk_errcode code, const char *field,
    const char *fmt, va_list ap)
{
	err->code = code;
	err->reason = HK_R_none;
	err->nparams = 0;
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

static const char *const reason_names[HK_R_COUNT] = {
	[HK_R_none] = "",
#define R(id, text) [HK_R_##id] = #id,
#include "reasons.def"
#undef R
};

static const char *const reason_templates[HK_R_COUNT] = {
	[HK_R_none] = "",
#define R(id, text) [HK_R_##id] = text,
#include "reasons.def"
#undef R
};

const char *
hk_reason_name(enum hk_reason reason)
{
	return reason > HK_R_none && reason < HK_R_COUNT ?
	    reason_names[reason] : "";
}

const char *
hk_reason_template(enum hk_reason reason)
{
	return reason > HK_R_none && reason < HK_R_COUNT ?
	    reason_templates[reason] : "";
}

const char *
hk_err_param(const struct hk_err *err, const char *name)
{
	for (int i = 0; i < err->nparams; i++)
		if (strcmp(err->params[i].name, name) == 0)
			return err->params[i].value;
	return NULL;
}

size_t
hk_err_render(const struct hk_err *err, const char *tmpl, char *out,
	      size_t size)
{
	size_t len = 0;
	const char *p = tmpl, *end, *val;
	char name[sizeof(err->params[0].name)];

	while (*p != '\0' && len + 1 < size) {
		end = *p == '{' ? strchr(p, '}') : NULL;
		val = NULL;
		if (end != NULL && (size_t)(end - p - 1) < sizeof(name)) {
			utf8_copy(name, sizeof(name), p + 1,
				  (size_t)(end - p - 1));
			val = hk_err_param(err, name);
		}
		if (val == NULL) {
			out[len++] = *p++;
			continue;
		}
		len += utf8_copy(out + len, size - len, val, strlen(val));
		p = end + 1;
	}
	out[len] = '\0';
	return len;
}

int
hk_failr_v(struct hk_err *err, enum hk_errcode code, const char *field,
	   enum hk_reason reason, va_list ap)
{
	const char *name, *value;

	if (err == NULL)
		return -1;
	err->code = code;
	err->reason = reason > HK_R_none && reason < HK_R_COUNT ?
	    reason : HK_R_none;
	err->nparams = 0;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	while ((name = va_arg(ap, const char *)) != NULL) {
		struct hk_param *p = &err->params[err->nparams];

		value = va_arg(ap, const char *);
		if (err->nparams == HK_PARAMS_MAX)
			continue;	/* a caller's mistake: dropped */
		utf8_copy(p->name, sizeof(p->name), name, strlen(name));
		value = value ? value : "";
		utf8_copy(p->value, sizeof(p->value), value, strlen(value));
		err->nparams++;
	}
	hk_err_render(err, hk_reason_template(err->reason), err->message,
		      sizeof(err->message));
	return -1;
}

int
hk_failr(struct hk_err *err, enum hk_errcode code, const char *field,
	 enum hk_reason reason, ...)
{
	va_list ap;

	va_start(ap, reason);
	hk_failr_v(err, code, field, reason, ap);
	va_end(ap);
	return -1;
}

const char *
hk_num(char *buf, long long n)
{
	snprintf(buf, 24, "%lld", n);
	return buf;
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
	case HK_ETHROTTLED: case HK_EUNAVAIL:
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
	case HK_EUNAVAIL:	return "unavailable";
	case HK_EINTERNAL:	break;
	}
	return "internal";
}
