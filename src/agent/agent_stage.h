/* SPDX-License-Identifier: ISC */
/*
 * agent_stage.h - filling a new generation directory from a whole bundle:
 * each file written (or, for a delta made whole, linked from the
 * generation serving when it is kept as it is, with the table postmap
 * made of it), the Sieve scripts and DKIM keys made, the other maps
 * postmap'd, their sums kept (agent_sums.h), and `postfix check` run.
 */
#ifndef HK_AGENT_STAGE_H
#define HK_AGENT_STAGE_H

#include "agent.h"
#include "bundle.h"
#include "err.h"

/* What a delta keeps of the generation serving. */
struct agent_keep {
	int served;			/* its directory, open */
	int kept[BUNDLE_MAX_FILES];	/* by bundle_names index */
};

/* The name a bundle file is kept under in a generation. */
const char *agent_stage_stored_name(const char *name);

/* Whether a generation of an older agent may lack the file `name` (it is
 * then the same as empty). */
int agent_stage_may_lack(const char *name);

/* The file `name` of b, or NULL. */
const struct bundle_file *agent_stage_file(const struct bundle *b,
					   const char *name);

/* Fills directory dfd (its path dir; sfd is STATEDIR) with b, whose files
 * are all whole; keep (NULL for none) says which of them are the serving
 * generation's as they are. */
int agent_stage_build(const struct agent_conf *conf, int sfd, int dfd,
		      const char *dir, const struct bundle *b,
		      const struct agent_keep *keep, struct hk_err *err);

#endif
