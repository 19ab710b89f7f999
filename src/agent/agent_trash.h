/* SPDX-License-Identifier: ISC */
/*
 * agent_trash.h - the maildirs of deleted mailboxes, as the bundle file
 * "trash" says (see mapsyntax.h for its lines):
 *
 *   MAILROOT/DOMAIN/LOCAL             a mailbox's home (as render.c writes)
 *   MAILROOT/.hakomail-trash/ID/      a deleted mailbox's home, moved aside
 *
 * The panel decides, the agent only does: "trash ID ADDRESS" moves the
 * address's home to .hakomail-trash/ID unless ID is there already (an
 * empty ID when there is no home, so each ID is acted on once and a new
 * mailbox of the same address starts empty); "restore ID ADDRESS" moves
 * .hakomail-trash/ID back when the home is absent; every
 * .hakomail-trash/ID that no line names is removed (purged: the panel
 * dropped it).  Lines are acted on in their order, which is the order in
 * which the panel decided them.  Every path is MAILROOT, a constant, a
 * decimal formatted here or a validated domain and local part (no '/',
 * never "." or ".."), opened relative to a directory descriptor without
 * following links, so nothing outside MAILROOT is ever touched.
 */
#ifndef HK_AGENT_TRASH_H
#define HK_AGENT_TRASH_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "err.h"
#include "mapsyntax.h"

#define AGENT_TRASH_DIR		".hakomail-trash"

struct agent_trash_line {
	int restore;		/* 0: trash, 1: restore */
	uint64_t id;
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
};

struct agent_trash {
	size_t n;
	struct agent_trash_line *lines;
};

/* The lines of file f (NULL: none), each ID named once; HK_EPROTO
 * otherwise.  Nothing is touched. */
int agent_trash_parse(const struct bundle_file *f, struct agent_trash *t,
		      struct hk_err *err);

/* Does what t says under mailroot (see above); stops at the first
 * failure, which names the path.  Acting twice is acting once. */
int agent_trash_act(const char *mailroot, const struct agent_trash *t,
		    struct hk_err *err);

void agent_trash_free(struct agent_trash *t);

/* Removes MAILROOT/DOMAIN/LOCAL and all below it (nothing when absent),
 * following no link: a move's half-made copy on its target, which only
 * dsync wrote (agent_dsync.c says when).  domain and local are validated
 * (mapsyntax).  0, or -1 with err. */
int agent_trash_discard(const char *mailroot, const char *domain,
			const char *local, struct hk_err *err);

#endif
