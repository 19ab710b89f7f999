/* SPDX-License-Identifier: ISC */
/*
 * render.h - the complete map set of one guest, rendered from one
 * consistent read of the database: Postfix's virtual_* (and, for domains
 * the guest is backup MX of, relay_*) tables and Dovecot's passwd-file,
 * the trash file: what the agent does with deleted mailboxes' mail, the
 * sieve file: the Sieve script of each mailbox with a vacation reply or
 * forwarding that takes logins on the guest (store_sieve.h), and
 * for a domain being moved (store_move.c) what each of its two guests
 * serves at the move's step: the target holds its mailboxes with logins
 * refused while dsync copies them, and the source relays its mail
 * (relay_* and transport) from the cut-over until the move finishes.
 * The dkim file (dkimsyntax.h) carries the pending and active DKIM keys
 * of the domains the guest serves, opened (store_dkim_signing), and a
 * sign line for each active key: for its domain, and for each active
 * alias domain of it (mail From: the alias is signed d=ALIAS with the
 * target's key, whose record the alias publishes too: dnsrecords.h).
 * Lines are sorted so that equal state gives byte-equal files (and equal
 * checksums), whatever order rows were written in.
 */
#ifndef HK_RENDER_H
#define HK_RENDER_H

#include <stdint.h>

#include "bundle.h"
#include "conf.h"
#include "db.h"
#include "err.h"
#include "strbuf.h"

/* Dovecot's answer to a login refused because the mailbox is moving. */
#define RENDER_NOLOGIN_REASON	BUNDLE_HELD_REASON

struct render_opts {
	int vmail_uid, vmail_gid;
	const char *mail_root;	/* e.g. /var/mail/vhosts; homes below it */
	const struct dkim_conf *dkim;	/* [dkim]: opens the keys */
};

/* files[i] holds bundle_names[i]. */
struct render_out {
	int64_t generation;	/* the guest's desired generation at the read */
	struct strbuf files[BUNDLE_MAX_FILES];
};

/* Every file, from one read transaction of its own; the keyed files
 * (mapdelta.h) in key order. */
int render_guest(struct db *db, int64_t guest_id,
		 const struct render_opts *opts, struct render_out *out,
		 struct hk_err *err);

/* A key of a delta: every key of `domain` (local_part NULL: its
 * addresses, "@domain"), or the address local_part@domain. */
struct render_key {
	const char *domain;
	const char *local_part;
};

/* In the caller's read transaction: the small files whole and, of the
 * keyed files, only the lines of keys[0..n), in no particular order;
 * out->generation is left 0. */
int render_guest_keys(struct db *db, int64_t guest_id,
		      const struct render_opts *opts,
		      const struct render_key *keys, size_t n,
		      struct render_out *out, struct hk_err *err);

/* Wraps out into the wire form of a bundle (see bundle.h); sums (when
 * not NULL) gets each file's sha256, in bundle_names order. */
int render_bundle(struct render_out *out, struct strbuf *wire,
		  char whole_sha256[65], char sums[][65], struct hk_err *err);

void render_out_free(struct render_out *out);

#endif
