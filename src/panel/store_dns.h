/* SPDX-License-Identifier: ISC */
/*
 * store_dns.h - the DNS records a domain needs, read from the database
 * (store_dns.c) and built by dnsrecords.h, and their JSON shape with the
 * check's results (dnscheck.h) when asked.  The store's conventions
 * (scoping by the actor, errors) are store.h's.
 *
 * What is read, in one read transaction: the domain (a domain of another
 * project is HK_ENOTFOUND, as one that does not exist), its guest's and
 * its backup MX's mail_host and mail_addrs, its DKIM keys (every state;
 * only the public part), and its active alias domains.  Reading needs no
 * [dkim] key_file: the records hold public keys alone.
 */
#ifndef HK_STORE_DNS_H
#define HK_STORE_DNS_H

#include <stdint.h>

#include <jansson.h>

#include "conf.h"
#include "dnscheck.h"
#include "dnsrecords.h"
#include "store.h"

/* The records domain (canonical) needs at time now, into *out (free it
 * with dnsrec_list_free; empty on failure). */
int store_dns_records(struct db *db, const struct hk_actor *actor,
		      const struct dns_conf *conf, const char *domain,
		      int64_t now, struct dnsrec_list *out,
		      struct hk_err *err);

/*
 * Checks one of the domain's records now (the record named name, of
 * purpose): *status as dnscheck.h says it, and in found[size] what is
 * published instead or why the lookup failed ("" otherwise).  A name
 * that is not among the domain's records is HK_EINTERNAL (the caller's
 * slip); a check that cannot start, dnscheck_run's failure.
 */
int store_dns_check_record(struct db *db, const struct hk_actor *actor,
			   const struct dns_conf *conf, const char *domain,
			   const char *name, enum dnsrec_purpose purpose,
			   enum dnscheck_status *status, char *found,
			   size_t size, struct hk_err *err);

/* 0 when the DKIM record of domain's key selector is published as the
 * key's now; else HK_EEXIST dkim_not_published (field "confirm": the
 * caller may confirm it instead), naming the record, the check's status
 * and what was found. */
int store_dns_dkim_seen(struct db *db, const struct hk_actor *actor,
			const struct dns_conf *conf, const char *domain,
			const char *selector, struct hk_err *err);

/*
 * The list as the API answers it: {"domain", "records": [{"domain",
 * "name", "type" ("MX"/"TXT"), "purpose", "action" ("publish", "keep",
 * "remove"), "preference" (MX), "value" (null: not configured), "note",
 * "keep_until" (keep), and with results[] (NULL: not checked) "status"
 * and "found"}], "zone": the zone-file text}.  NULL when out of memory.
 */
json_t *store_dns_json(const char *domain, const struct dnsrec_list *list,
		       const struct dnscheck_result *results);

#endif
