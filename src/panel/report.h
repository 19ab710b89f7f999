/* SPDX-License-Identifier: ISC */
/*
 * report.h - a guest's report (hakomail-agent's `report` verb) read into
 * figures the panel can store (store_report_save, store.h).
 *
 * The guest is not trusted with the panel's database: every figure is
 * checked before a byte is stored - present, of its JSON type, in range -
 * and a report that fails any check is refused whole, naming the JSON path
 * at fault ("report.fs.bytes_used", "report.mailboxes[12][0]") in
 * err->field, with a reason of the report_* family (reasons.def).
 *
 * Bounds ("absurd" figures, far past any real machine, so that sums and
 * the series' averages never overflow 64 bits):
 *   bytes (filesystem, a mailbox)            0 <= n < 2^60  (1 EiB)
 *   counts (inodes, queue, messages),
 *   seconds (at, uptime, oldest deferred)    0 <= n < 2^40
 *   load averages                            0 <= x < 1e6
 *   the mailboxes' bytes added up            < 2^62
 *   mailboxes                                at most REPORT_MAX_MAILBOXES
 *   versions                                 0..63 printable ASCII characters
 * and used <= total, used + free <= total for bytes and for inodes.  A
 * mailbox is [address, bytes, messages], its address in the canonical form
 * the panel stores (validate.h: lower-case local part, the domain as its
 * IDNA A-label), no address twice.  Members the panel does not know are
 * ignored, so that a newer agent's additions do not break an older panel.
 */
#ifndef HK_REPORT_H
#define HK_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

#define REPORT_MAX_BYTES	((size_t)64 << 20)	/* pushd reads at most
							 * this much of the
							 * answer */
#define REPORT_MAX_MAILBOXES	1000000
#define REPORT_BYTES_CAP	((int64_t)1 << 60)	/* exclusive */
#define REPORT_COUNT_CAP	((int64_t)1 << 40)	/* exclusive */
#define REPORT_SUM_CAP		((int64_t)1 << 62)	/* exclusive */
#define REPORT_LOAD_CAP		1e6			/* exclusive */
#define REPORT_VERSION_MAX	63

struct report_mailbox {
	char *address;
	int64_t used_bytes, messages;
};

struct guest_report {
	int64_t guest_at, uptime_s;
	double load[3];
	char postfix_version[64], dovecot_version[64];
	int64_t fs_bytes_total, fs_bytes_used, fs_bytes_free;
	int64_t fs_inodes_total, fs_inodes_used, fs_inodes_free;
	int64_t q_active, q_deferred, q_hold, q_incoming;
	int64_t q_oldest_deferred_s;	/* -1: nothing deferred (JSON null) */
	size_t n_mailboxes;
	struct report_mailbox *mailboxes;	/* owned, as listed */
	int64_t mailbox_bytes, mailbox_messages;	/* sums, computed */
};

/*
 * The "report" member of the agent's answer into *r: every field present,
 * of its type, in range (see above).  On failure -1 with err set
 * (HK_EINVAL, the path in err->field) and *r empty; report_free() is safe
 * on it either way.
 */
int report_from_json(const json_t *report, struct guest_report *r,
		     struct hk_err *err);
void report_free(struct guest_report *r);

/*
 * The addresses of a report's mailboxes, found by FNV-1a hash in an open
 * table of index + 1 (0: free), room for n kept at most half full: the
 * parser finds an address listed twice with it, the store the mailbox a
 * (local part, domain) row of the database names.  init: -1 when out of
 * memory.  add: mailbox i in; the index of an earlier one with the same
 * address (then i is not added), else -1.  find: the index of
 * local@domain, else -1.
 */
struct report_index {
	uint32_t *slot;
	size_t mask;
};
int report_index_init(struct report_index *x, size_t n);
long report_index_add(struct report_index *x, const struct guest_report *r,
		      size_t i);
long report_index_find(const struct report_index *x,
		       const struct guest_report *r, const char *local,
		       const char *domain);
void report_index_free(struct report_index *x);

#endif
