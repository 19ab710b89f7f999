/* SPDX-License-Identifier: ISC */
/*
 * err.h - the one error type of hakomail.
 *
 * Every fallible function takes a struct hk_err * last, returns -1 (or NULL)
 * on failure and fills it: a machine code, a human message and, for bad
 * input, the name of the field at fault.  The API turns it into
 * {"error":{"code","message","field"}}, the CLI into "field: message".
 */
#ifndef HK_ERR_H
#define HK_ERR_H

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
};

struct hk_err {
	enum hk_errcode code;
	char field[64];
	char message[512];
};

/* Set *err (if err is not NULL); returns -1 so callers can `return hk_fail(...)`. */
int hk_fail(struct hk_err *err, enum hk_errcode code, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Like hk_fail with HK_ESYS, appending strerror(errno). */
int hk_fail_errno(struct hk_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void hk_err_clear(struct hk_err *err);

/* Whether a code is the server's fault, not the caller's (a database or
 * system failure): a client is told only "internal error". */
int hk_err_internal(enum hk_errcode code);

/* Stable lower-case name of a code ("invalid", "not_found", ...). */
const char *hk_errcode_name(enum hk_errcode code);

#endif
