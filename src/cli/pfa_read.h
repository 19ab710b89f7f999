/* SPDX-License-Identifier: ISC */
/*
 * pfa_read.h - a PostfixAdmin 3.x database (pfa_src.h) read into a
 * migration's set (migrate.h), as PostfixAdmin holds it:
 *
 *  - domain: each but PostfixAdmin's own "ALL", to --guest or the guest
 *    --map-domain names; mailboxes -> max_mailboxes, maxquota (MB) ->
 *    default quota, aliases and quota -> noted (no counterpart), backupmx
 *    -> backup MX on --backup-guest;
 *  - mailbox: username, password (as stored), name, quota (bytes), active;
 *  - alias: address, goto (the entries PostfixAdmin's vacation adds,
 *    "local#domain@its.vacation.domain", left out: the vacation comes
 *    over as itself), active;
 *  - alias_domain (PostfixAdmin has the alias domain in its domain table
 *    too: it comes over as an alias domain only; what is filed under it
 *    is noted, not carried), vacation (activefrom/activeuntil as dates,
 *    interval_time as days, 1..30), admin (with superadmin; a domain
 *    admin only of domains that come over).
 * --only-domain keeps the named domains (and what is theirs) only.
 *
 * Refused, nothing read into the set (HK_EINVAL, field "from"): a
 * database without PostfixAdmin's tables (pfa_not_postfixadmin), a
 * schema version outside 1824..1847, PostfixAdmin 3.0 to 3.3
 * (pfa_schema_version); a failure of the source (pfa_src.h) as it is.
 */
#ifndef HK_PFA_READ_H
#define HK_PFA_READ_H

#include <stddef.h>
#include <stdint.h>

#include "import.h"
#include "migrate.h"
#include "pfa_src.h"

#define PFA_VERSION_MIN	1824
#define PFA_VERSION_MAX	1847

struct pfa_read_opts {
	const char *guest;		/* every domain's, but those mapped */
	const char *backup_guest;	/* backupmx domains' backup, or NULL */
	const char *const *map;		/* "DOMAIN=GUEST" each */
	size_t nmap;
	const char *const *only;	/* domains kept, none: all */
	size_t nonly;
	int64_t quota_multiplier;	/* PostfixAdmin's: bytes per MB */
	import_progress_fn progress;	/* phase "read" (may be NULL) */
	void *progress_ctx;
};

/* *version gets the schema version read. */
int pfa_read(struct pfa_src *src, const struct pfa_read_opts *o,
	     struct mig_set *set, int *version, struct hk_err *err);

#endif
