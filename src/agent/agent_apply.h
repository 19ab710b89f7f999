/* SPDX-License-Identifier: ISC */
/*
 * agent_apply.h - the generations under STATEDIR (see agent.h): what is
 * serving, and applying a bundle as the next one.
 */
#ifndef HK_AGENT_APPLY_H
#define HK_AGENT_APPLY_H

#include "agent.h"
#include "bundle.h"
#include "err.h"

/*
 * Each takes the lock, fills st with what is serving when it returns
 * (also on failure, as far as known) and returns 0 or -1 with err, which
 * must not be NULL.  On success st->sha256[] holds the files read back.
 */

/* Creates STATEDIR and generation 0 (all files empty) unless current exists. */
int agent_apply_init(const struct agent_conf *conf, struct agent_state *st,
		     struct hk_err *err);

/* Stages, postmaps, checks, publishes and reloads bundle b. */
int agent_apply(const struct agent_conf *conf, const struct bundle *b,
		struct agent_state *st, struct hk_err *err);

/* Reads back the generation serving and the sha256 of its files. */
int agent_apply_status(const struct agent_conf *conf, struct agent_state *st,
		       struct hk_err *err);

/* Only the generation serving, without the lock (for error answers). */
void agent_apply_serving(const struct agent_conf *conf, struct agent_state *st);

#endif
