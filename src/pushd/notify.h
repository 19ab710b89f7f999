/* SPDX-License-Identifier: ISC */
/*
 * notify.h - mail the warnings pushd raised and cleared to the operator
 * ([warn] mail_to), through the panel host's own sendmail ([warn]
 * sendmail): one plain-text message per evaluation that changed
 * anything, so that an operator reads what happened without watching
 * the panel.  The program is run from an argument vector, never a
 * shell; the message goes on its standard input.
 */
#ifndef HK_NOTIFY_H
#define HK_NOTIFY_H

#include <jansson.h>

#include "err.h"

/* Seconds sendmail may take before it is killed (a failure). */
#define NOTIFY_TIMEOUT_S	30

/*
 * changes: store_warn_eval's array (NULL or empty: nothing is sent).
 * mail_to "" sends nothing; otherwise it must be an address
 * (HK_EINVAL, field mail_to) and sendmail_path absolute (HK_EINVAL,
 * field sendmail), both checked before anything runs.  Runs
 * `sendmail -i -- mail_to` with the message (RFC 5322: From, To,
 * Subject, Date, MIME-Version, Content-Type text/plain UTF-8) on its
 * standard input; HK_ESYS when it cannot run or does not exit 0.
 */
int notify_warnings(const char *sendmail_path, const char *mail_to,
		    const json_t *changes, struct hk_err *err);

#endif
