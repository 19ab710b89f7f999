/* SPDX-License-Identifier: ISC */
/*
 * store_dnswatch.h - pushd's check of each domain's DNS records, every
 * [dns] check_interval seconds (table domain_dns, store_dnswatch.c).
 *
 * A domain is claimed by moving its next_at past now in one short write
 * transaction (FOR UPDATE SKIP LOCKED on PostgreSQL), so that of several
 * nodes one checks it; a new domain is due at once.  The check itself
 * (store_dns.h, dnscheck.h) runs outside any transaction, then
 * store_dnswatch_save() records what it found, in one transaction:
 *
 *  - a record that matched at the last check and is now different or
 *    missing raises a warning (kind "dns_record", object "NAME PURPOSE",
 *    e.g. "_dmarc.example.org dmarc"; one open row, as every warning),
 *    audited as warning.raised by pushd; one that matches again ends
 *    it (warning.cleared).  A lookup that failed changes nothing: a
 *    resolver's bad minute is not the owner's record;
 *  - the results replace the previous ones (domain_dns.results).
 *
 * Then, each in a transaction of its own (store_dkim.h, audited by
 * pushd): a pending DKIM key whose records (the domain's and each alias
 * domain's) all match is activated, so that signing switches once DNS
 * shows the new selector; a retiring key past its remove_after whose
 * records are all gone is deleted.
 */
#ifndef HK_STORE_DNSWATCH_H
#define HK_STORE_DNSWATCH_H

#include <stdint.h>

#include <jansson.h>

#include "conf.h"
#include "dnscheck.h"
#include "dnsrecords.h"
#include "mapsyntax.h"
#include "store.h"

struct dnswatch_job {
	int64_t domain_id;
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
	json_t *previous;	/* the last check's results (owned) */
};

/* 1 with *job (free it with store_dnswatch_job_free), the next domain
 * due at now, now due again at now + interval_s; 0 when none is due. */
int store_dnswatch_claim(struct db *db, int64_t now, int64_t interval_s,
			 struct dnswatch_job *job, struct hk_err *err);
void store_dnswatch_job_free(struct dnswatch_job *job);

/* When the next check is due (a domain never checked: 0), -1: none. */
int store_dnswatch_next_due(struct db *db, int64_t *at, struct hk_err *err);

/* The check's results[i] of list->v[i] recorded, as above; *changes
 * (NULL allowed) counts the warnings raised and cleared and the keys
 * activated and deleted. */
int store_dnswatch_save(struct db *db, const struct dkim_conf *dc,
			const struct dnswatch_job *job,
			const struct dnsrec_list *list,
			const struct dnscheck_result *results, int64_t now,
			int *changes, struct hk_err *err);

#endif
