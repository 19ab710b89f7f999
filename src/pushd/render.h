/* SPDX-License-Identifier: ISC */
/*
 * render.h - the complete map set of one guest, rendered from one
 * consistent read of the database: Postfix's virtual_* (and, for domains
 * the guest is backup MX of, relay_*) tables and Dovecot's passwd-file,
 * and the trash file: what the agent does with deleted mailboxes' mail.
 * Lines are sorted so that equal state gives byte-equal files (and equal
 * checksums), whatever order rows were written in.
 */
#ifndef HK_RENDER_H
#define HK_RENDER_H

#include <stdint.h>

#include "bundle.h"
#include "db.h"
#include "err.h"
#include "strbuf.h"

struct render_opts {
	int vmail_uid, vmail_gid;
	const char *mail_root;	/* e.g. /var/mail/vhosts; homes below it */
};

/* files[i] holds bundle_names[i]. */
struct render_out {
	int64_t generation;	/* the guest's desired generation at the read */
	struct strbuf files[BUNDLE_MAX_FILES];
};

int render_guest(struct db *db, int64_t guest_id,
		 const struct render_opts *opts, struct render_out *out,
		 struct hk_err *err);

/* Wraps out into the wire form of a bundle (see bundle.h). */
int render_bundle(struct render_out *out, struct strbuf *wire,
		  char whole_sha256[65], struct hk_err *err);

void render_out_free(struct render_out *out);

#endif
