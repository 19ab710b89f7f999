/* SPDX-License-Identifier: ISC */
/*
 * push_report.h - a guest's report, asked in the lease of a push job
 * (push.c): what its agent says it holds (mailbox usage, disk, queue,
 * load), checked, stored, and the warnings it raises or clears weighed
 * and mailed.
 */
#ifndef HK_PUSH_REPORT_H
#define HK_PUSH_REPORT_H

#include "db.h"
#include "err.h"
#include "push.h"
#include "store.h"

/*
 * Asks job's guest for its report and stores it.  A report that cannot
 * be had (the guest is down) or is refused (not JSON, too large, absurd
 * figures, a mailbox the panel does not know) is logged and recorded as
 * the guest's report_error: the figures stored before stay.  res gets
 * reported (1 stored, -1 not) and report_error.  Returns -1 only when the
 * database could not be written at all.
 */
int push_report(struct db *db, const struct push_cfg *cfg,
		const struct push_job *job, struct push_result *res,
		struct hk_err *err);

#endif
