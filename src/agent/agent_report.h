/* SPDX-License-Identifier: ISC */
/*
 * agent_report.h - the `report` verb: what the guest holds and how it
 * fares, from its own system calls and mail programs (never a shell).
 */
#ifndef HK_AGENT_REPORT_H
#define HK_AGENT_REPORT_H

#include <jansson.h>

#include "agent.h"
#include "err.h"

/*
 * The "report" member of the agent's answer (contract of issue 16):
 *   {"at","uptime_s","load":[1,5,15],"versions":{"postfix","dovecot"},
 *    "fs":{"root","bytes_total","bytes_used","bytes_free","inodes_total",
 *          "inodes_used","inodes_free"},
 *    "queue":{"active","deferred","hold","incoming","oldest_deferred_s"},
 *    "mailboxes":[[address,bytes,messages],...]}
 * into *out (the caller's reference).  Any figure not had fails the whole
 * report: 0, or -1 with err.
 */
int agent_report(const struct agent_conf *conf, json_t **out,
		 struct hk_err *err);

#endif
