/* SPDX-License-Identifier: ISC */
/*
 * agent_bucket.h - a bucketed file (bucket.h) in a generation: its bucket
 * files NAME.d/<bucket> and NAME.sums, the bucket list whose SHA-256 is
 * the file's checksum.  passwd's 256 are what Dovecot's passdb and userdb
 * name with %2Mu; virtual_mailbox_maps's 16 are each postmap'd into a
 * table beside it (NAME.d/<bucket>.cdb), which Postfix reads as one
 * unionmap.  A delta's edits rewrite the buckets they touch and link the
 * others (and their tables) from the generation serving, so a change of
 * one mailbox writes one small file, postmaps it and hashes it alone.
 *
 * A generation of an older agent holds the file whole as NAME: it is read
 * as such; a delta on it is refused (the panel then sends the whole
 * bundle).
 */
#ifndef HK_AGENT_BUCKET_H
#define HK_AGENT_BUCKET_H

#include "agent.h"
#include "agent_stage.h"
#include "bucket.h"
#include "bundle.h"
#include "err.h"
#include "strbuf.h"

#define AGENT_BUCKET_DIR_SUFFIX		".d"
#define AGENT_BUCKET_SUMS_SUFFIX	".sums"

/* The bucketed file `name` of the new generation dfd (its path dir; sfd is
 * STATEDIR): f whole (NULL: empty), kept (keep->kept[idx]: linked from
 * keep->served) or edited (f->how BUNDLE_EDIT, on keep->served); a kept or
 * edited result must have f's checksum, else HK_EPROTO: send the whole
 * bundle.  written[b] is set for each bucket written (not linked): the
 * ones a Postfix map's table must be made of. */
int agent_bucket_stage(const struct agent_conf *conf, int sfd, int dfd,
		       const char *dir, const char *name,
		       const struct bundle_file *f,
		       const struct agent_keep *keep, int idx,
		       int written[BUCKETS], struct hk_err *err);

/* The checksum of `name` in generation gfd (path dir), every bucket hashed
 * again (what status and drift checks compare). */
int agent_bucket_sum(int gfd, const char *dir, const char *name, char out[65],
		     struct hk_err *err);

/* `name` of generation gfd (path dir) into sb: with key, its bucket alone
 * (or more); else every line, bucket by bucket.  1, or 0 when the
 * generation has none, or -1. */
int agent_bucket_read(int gfd, const char *dir, const char *name,
		      const char *key, struct strbuf *sb, struct hk_err *err);

#endif
