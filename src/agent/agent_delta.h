/* SPDX-License-Identifier: ISC */
/*
 * agent_delta.h - a delta bundle (bundle.h) made whole on the guest, from
 * the generation serving: a kept file is read as it serves, an edited one
 * is the serving file with the delta's edits made (mapdelta.h), and each
 * must then have the checksum the panel gave, the proof that the guest
 * rebuilt exactly what the panel rendered.  A file that does not is
 * refused (HK_EPROTO, naming it): the panel then sends the whole bundle.
 * A bucketed file (agent_bucket.h) stays as the delta gives it: its
 * buckets are kept or edited, and proven, as the generation is built.
 */
#ifndef HK_AGENT_DELTA_H
#define HK_AGENT_DELTA_H

#include "agent_stage.h"
#include "bundle.h"
#include "err.h"
#include "strbuf.h"

struct agent_whole {
	struct bundle b;	/* every file whole (passwd: as the delta has
				 * it); data in bufs or the delta */
	struct strbuf bufs[BUNDLE_MAX_FILES];
};

/* Makes delta d whole into w from the generation serving (keep->served,
 * its path dir), and fills keep->kept.  w is to be freed in any case. */
int agent_delta_whole(const char *dir, const struct bundle *d,
		      struct agent_whole *w, struct agent_keep *keep,
		      struct hk_err *err);

void agent_whole_free(struct agent_whole *w);

/* The serving generation's file `name` (its directory dfd, path dir) into
 * sb; a file that generation may lack (agent_stage_may_lack) reads empty.
 * A delta's kept file is this file. */
int agent_delta_served_file(int dfd, const char *dir, const char *name,
			    struct strbuf *sb, struct hk_err *err);

#endif
