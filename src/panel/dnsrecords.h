/* SPDX-License-Identifier: ISC */
/*
 * dnsrecords.h - the DNS records a domain needs, from plain input (no
 * database here): its MX, SPF, DKIM, DMARC and TLS-RPT records and those
 * of its alias domains, as a list (dnscheck.h checks it) and as text an
 * owner pastes into a zone file.
 *
 * What goes in:
 *  - MX: "10 <primary's mail_host>", and "20 <backup's mail_host>" when
 *    the domain has a backup MX.
 *  - SPF: "v=spf1 ip4:.. ip6:.. -all" with the primary guest's addresses
 *    alone: the primary sends the domain's mail; a backup MX only
 *    receives and relays inbound mail to the primary, and a bounce it
 *    makes has the null sender, which SPF checks against its HELO name,
 *    not this domain.  Listing it would let it send as the domain.
 *  - DKIM: one TXT at SELECTOR._domainkey per key: a pending or active
 *    key is to publish; a retiring one to keep until its remove_after,
 *    and past that to remove (listed so that the owner is told to).
 *  - DMARC at _dmarc: "v=DMARC1; p=none" to start, with
 *    "; rua=mailto:ADDR" when [dns] dmarc_rua is set.
 *  - TLS-RPT at _smtp._tls: "v=TLSRPTv1; rua=mailto:ADDR" when [dns]
 *    tlsrpt_rua is set.
 * Each alias domain gets the same MX, SPF, DMARC and TLS-RPT records
 * under its own name, and the target's DKIM records under its own
 * _domainkey (its mail is signed d=ALIAS with the target's keys).
 * A guest without a mail_host (MX) or mail_addrs (SPF) gives the record
 * that needs it with value NULL and a note saying what is missing, never
 * a made-up value.
 *
 * Names are A-labels as the database holds them, without the final dot
 * in the list; the zone text has absolute names (a final dot).
 */
#ifndef HK_DNSRECORDS_H
#define HK_DNSRECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "err.h"
#include "strbuf.h"

#define DNSREC_NAME_MAX	255	/* a name's text, without the final dot */

enum dnsrec_type { DNSREC_MX, DNSREC_TXT };
enum dnsrec_purpose { DNSREC_P_MX, DNSREC_P_SPF, DNSREC_P_DKIM,
		      DNSREC_P_DMARC, DNSREC_P_TLSRPT };
/* What the owner does with a record: publish it, keep it published
 * until `until` (a retiring DKIM key), or remove it. */
enum dnsrec_action { DNSREC_PUBLISH, DNSREC_KEEP, DNSREC_REMOVE };

struct dnsrec {
	char name[DNSREC_NAME_MAX + 1];	  /* "_dmarc.example.org" */
	char domain[DNSREC_NAME_MAX + 1]; /* the domain or alias domain */
	enum dnsrec_type type;
	enum dnsrec_purpose purpose;
	enum dnsrec_action action;
	int pref;		/* MX: its preference */
	char *value;		/* MX: the host; TXT: the whole text; NULL:
				 * not configured (see note) */
	char note[160];		/* why value is NULL, else "" */
	int64_t until;		/* DNSREC_KEEP: Unix time, else 0 */
};

struct dnsrec_list {
	struct dnsrec *v;
	size_t n, cap;
};

/* A guest as far as DNS goes: mail_host and mail_addrs as the database
 * holds them (NULL: not set; addrs space-separated, canonical). */
struct dnsrec_guest {
	const char *name;
	const char *mail_host;
	const char *mail_addrs;
};

enum dnsrec_dkim_state { DNSREC_DKIM_PENDING, DNSREC_DKIM_ACTIVE,
			 DNSREC_DKIM_RETIRING };

struct dnsrec_dkim {
	const char *selector;	/* a DNS label */
	const char *txt;	/* "v=DKIM1; k=rsa; p=..." */
	enum dnsrec_dkim_state state;
	int64_t remove_after;	/* RETIRING: Unix time, else ignored */
};

struct dnsrec_in {
	const char *domain;			/* A-label */
	struct dnsrec_guest primary;
	const struct dnsrec_guest *backup;	/* NULL: no backup MX */
	const struct dnsrec_dkim *dkim;
	size_t ndkim;
	const char *const *aliases;		/* alias domains' names */
	size_t naliases;
	const struct dns_conf *conf;		/* the rua addresses */
	int64_t now;				/* Unix time: retiring keys */
};

/* The records of in->domain then of each alias, in a fixed order (MX,
 * SPF, DKIM by the input's order, DMARC, TLS-RPT).  0, or -1 (out of
 * memory, a name too long) with *out empty. */
int dnsrec_build(const struct dnsrec_in *in, struct dnsrec_list *out,
		 struct hk_err *err);
void dnsrec_list_free(struct dnsrec_list *list);

/* The zone-file text of the list: a comment heading each domain, one
 * line per record to publish or keep ("; keep until YYYY-MM-DD"), a
 * record to remove and one not configured as comments.  TXT values go
 * as quoted strings of at most 255 bytes (RFC 1035 character-strings;
 * DKIM keys past 255 bytes need several, RFC 6376 3.6.2.2). */
int dnsrec_zone_text(const struct dnsrec_list *list, struct strbuf *out,
		     struct hk_err *err);

/* A TXT value as zone-file strings: "..." "..." (each <= 255 bytes, '"'
 * and '\' escaped). */
int dnsrec_txt_strings(const char *value, struct strbuf *out);

const char *dnsrec_purpose_name(enum dnsrec_purpose p);	/* "mx", "spf" */
const char *dnsrec_action_name(enum dnsrec_action a);	/* "publish" */

#endif
