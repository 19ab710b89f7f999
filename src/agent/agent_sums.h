/* SPDX-License-Identifier: ISC */
/*
 * agent_sums.h - checksums of a generation's postmap output (see
 * agent_sums.c).  dfd is the generation's directory, dir its path for
 * messages.  Each returns 0, or -1 with err.
 */
#ifndef HK_AGENT_SUMS_H
#define HK_AGENT_SUMS_H

#include "agent.h"
#include "err.h"

/* Writes dir/.sums for the tables postmap just built. */
int agent_sums_write(const struct agent_conf *conf, int dfd, const char *dir,
		     struct hk_err *err);

/* Checks the tables against dir/.sums (none: nothing to check); a table
 * that differs fails HK_EEXIST naming it. */
int agent_sums_check(const struct agent_conf *conf, int dfd, const char *dir,
		     struct hk_err *err);

#endif
