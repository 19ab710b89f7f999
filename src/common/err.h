/* SPDX-License-Identifier: ISC */
/*
 * err.h - the one error type of hakomail.
 *
 * Every fallible function takes a struct hk_err * last, returns -1 (or NULL)
 * on failure and fills it: a machine code, a human message and, for bad
 * input, the name of the field at fault.  A failure the caller caused also
 * carries a reason (reasons.def: a stable id and an English template) and
 * the template's parameters, so that each client words it in its own
 * language and terms.  The API turns it into {"error":{"code","message",
 * "field","reason","params"}}, the CLI into "field: message" in its words.
 */
#ifndef HK_ERR_H
#define HK_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum hk_errcode {
	HK_OK = 0,
	HK_EINVAL,	/* bad input: field names it */
	HK_ENOTFOUND,	/* no such object, or not the caller's */
	HK_EEXIST,	/* conflicts with an existing object */
	HK_EAUTH,	/* no or bad credentials */
	HK_EFORBIDDEN,	/* authenticated, not allowed */
	HK_ETOOBIG,	/* over a size limit */
	HK_EDB,		/* database failure */
	HK_ESYS,	/* system call or child process failure */
	HK_EPROTO,	/* peer spoke nonsense (agent answer, bundle) */
	HK_ELIMIT,	/* over a project's or domain's limit: field names it */
	HK_ETHROTTLED,	/* too many attempts: wait and try again */
	HK_EINTERNAL,
	HK_EUNAVAIL,	/* a service the panel asks is down (a directory) */
};

/* Why the caller's request failed, stable forever: the id is API text. */
enum hk_reason {
	HK_R_none = 0,
#define R(id, text) HK_R_##id,
#include "reasons.def"
#undef R
	HK_R_COUNT
};

#define HK_PARAMS_MAX	4	/* a reason's {placeholders} */

struct hk_param {
	char name[16];
	char value[256];	/* truncated, whole UTF-8 characters */
};

struct hk_err {
	enum hk_errcode code;
	enum hk_reason reason;	/* HK_R_none: an internal failure */
	int nparams;
	char field[64];
	char message[512];	/* English, the reason's template filled */
	struct hk_param params[HK_PARAMS_MAX];
};

/* Set *err (if err is not NULL); returns -1 so callers can `return
 * hk_fail(...)`.  For internal failures only (HK_EDB, HK_ESYS, HK_EPROTO,
 * HK_EINTERNAL, whose words a client never sees); the caller's own
 * failures go through hk_failr (tests/reasons.sh checks). */
int hk_fail(struct hk_err *err, enum hk_errcode code, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Like hk_fail with HK_ESYS, appending strerror(errno). */
int hk_fail_errno(struct hk_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A failure the caller caused: code, field (may be NULL), the reason, then
 * its parameters as name, value string pairs ended by NULL; a NULL value
 * is "".  The message is the reason's English template with each {name}
 * replaced by its value, verbatim.  Returns -1.
 */
int hk_failr(struct hk_err *err, enum hk_errcode code, const char *field,
	     enum hk_reason reason, ...);
int hk_failr_v(struct hk_err *err, enum hk_errcode code, const char *field,
	       enum hk_reason reason, va_list ap);

/* A number as a parameter's value: buf (24 bytes) holds it. */
const char *hk_num(char *buf, long long n);
#define HK_NUM(n)	hk_num((char[24]){ 0 }, (long long)(n))

/* tmpl (another wording of err's reason) with each {name} replaced by
 * err's parameter of that name (a name without one stays as written)
 * into out[size]; returns the length. */
size_t hk_err_render(const struct hk_err *err, const char *tmpl, char *out,
		     size_t size);

/* A parameter's value by name, or NULL. */
const char *hk_err_param(const struct hk_err *err, const char *name);

/* The reason's stable id ("mailbox_exists"; "" for HK_R_none) and its
 * English template. */
const char *hk_reason_name(enum hk_reason reason);
const char *hk_reason_template(enum hk_reason reason);

void hk_err_clear(struct hk_err *err);

/* Whether a code is the server's fault, not the caller's (a database or
 * system failure): a client is told only "internal error". */
int hk_err_internal(enum hk_errcode code);

/* Stable lower-case name of a code ("invalid", "not_found", ...). */
const char *hk_errcode_name(enum hk_errcode code);

#endif
