/* SPDX-License-Identifier: ISC */
/*
 * agent_passwd.h - passwd in a generation as Dovecot reads it: 256 bucket
 * files passwd.d/00 ... passwd.d/ff (bucket.h; Dovecot's passdb and
 * userdb name the file with %2Mu), and passwd.sums, the bucket list whose
 * SHA-256 is passwd's checksum.  A delta's edits rewrite the buckets they
 * touch and link the others from the generation serving, so a change of
 * one mailbox writes one small file and hashes it alone.
 *
 * A generation of an older agent holds one file, passwd: it is read as
 * such; a delta on it is refused (the panel then sends the whole bundle).
 */
#ifndef HK_AGENT_PASSWD_H
#define HK_AGENT_PASSWD_H

#include "agent.h"
#include "agent_stage.h"
#include "bundle.h"
#include "err.h"
#include "strbuf.h"

#define AGENT_PASSWD_DIR	"passwd.d"
#define AGENT_PASSWD_SUMS	"passwd.sums"

/* passwd of the new generation dfd (its path dir; sfd is STATEDIR): f
 * whole (NULL: empty), kept (keep->kept[idx]: linked from keep->served)
 * or edited (f->how BUNDLE_EDIT, on keep->served); a kept or edited
 * result must have f's checksum, else HK_EPROTO: send the whole bundle. */
int agent_passwd_stage(const struct agent_conf *conf, int sfd, int dfd,
		       const char *dir, const struct bundle_file *f,
		       const struct agent_keep *keep, int idx,
		       struct hk_err *err);

/* passwd's checksum in generation gfd (path dir), every bucket hashed
 * again (what status and drift checks compare). */
int agent_passwd_sum(int gfd, const char *dir, char out[65],
		     struct hk_err *err);

/* passwd of generation gfd (path dir) into sb: with address, its bucket
 * alone (or more); else every line, bucket by bucket.  1, or 0 when the
 * generation has none, or -1. */
int agent_passwd_read(int gfd, const char *dir, const char *address,
		      struct strbuf *sb, struct hk_err *err);

#endif
