/* SPDX-License-Identifier: ISC */
/*
 * dnswatch.h - pushd's turn of the DNS watch: the next domain due
 * (store_dnswatch.h) checked through [dns] resolver (dnscheck.h) and
 * what it found recorded: warnings raised and cleared, pending DKIM keys
 * seen in DNS activated, retired ones whose records are gone deleted.
 * Off with [dns] check_interval = 0.
 */
#ifndef HK_DNSWATCH_H
#define HK_DNSWATCH_H

#include <stdint.h>

#include "conf.h"
#include "db.h"

/* One domain's check when one is due at now: 1, 0 when none is, -1 on a
 * database error (logged; a failed lookup is a result, not an error). */
int dnswatch_once(struct db *db, const struct hk_config *cfg, int64_t now);

/* When the watch next needs a worker (-1: never), for the main loop. */
int64_t dnswatch_next_due(struct db *db, const struct hk_config *cfg);

#endif
