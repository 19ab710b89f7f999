/* SPDX-License-Identifier: ISC */
/*
 * dnscheck.h - whether the records of a dnsrec_list are published,
 * asked of a real resolver through libunbound (never a shell): [dns]
 * resolver (every query forwarded to it) or, when unset, the system's
 * /etc/resolv.conf.  All queries go at once; the whole check takes at
 * most [dns] timeout seconds (it polls libunbound's descriptor against
 * that deadline itself, since libunbound would retry a silent server for
 * far longer), and what has no answer by then is `failed`.
 *
 * Per record:
 *  - match: published as expected.  TXT: the record's strings joined
 *    and compared byte for byte; MX: preference and host, the host
 *    case-insensitively, a final dot ignored.
 *  - different: a record of its kind is there but not the expected one;
 *    found says what is (several joined with " | ").  Of its kind: an
 *    MX; for SPF, DMARC and TLS-RPT a TXT that starts with "v=spf1",
 *    "v=DMARC1", "v=TLSRPTv1" (so that other TXT records at the same
 *    name count for nothing); for DKIM any TXT at SELECTOR._domainkey.
 *  - missing: NXDOMAIN, or no record of its kind at the name.
 *  - failed: SERVFAIL or another error rcode, no answer in time, the
 *    resolver unreachable; found says why.
 *  - unchecked: the record has no value (not configured).
 * For a record to remove (DNSREC_REMOVE), missing is what the owner
 * wants and match means it is still there.
 */
#ifndef HK_DNSCHECK_H
#define HK_DNSCHECK_H

#include "conf.h"
#include "dnsrecords.h"
#include "err.h"

enum dnscheck_status { DNSCHECK_MATCH, DNSCHECK_DIFFERENT,
		       DNSCHECK_MISSING, DNSCHECK_FAILED,
		       DNSCHECK_UNCHECKED };

struct dnscheck_result {
	enum dnscheck_status status;
	char *found;	/* different: what is published; failed: why; else
			 * NULL */
};

/*
 * Checks every record of list: out[i] is list->v[i]'s result (out has
 * list->n entries; free them with dnscheck_free).  -1 only when no check
 * could start at all (libunbound refused the configuration, out of
 * memory): err says why and out holds nothing.
 */
int dnscheck_run(const struct dns_conf *conf, const struct dnsrec_list *list,
		 struct dnscheck_result *out, struct hk_err *err);
void dnscheck_free(struct dnscheck_result *out, size_t n);
/* dnscheck_run into an array of its own: *out gets list->n results
 * (NULL on failure, when err says why); free it with dnscheck_release. */
int dnscheck_all(const struct dns_conf *conf, const struct dnsrec_list *list,
		 struct dnscheck_result **out, struct hk_err *err);
void dnscheck_release(struct dnscheck_result *out, size_t n);

const char *dnscheck_status_name(enum dnscheck_status s); /* "match" */

#endif
