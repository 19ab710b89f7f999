/* SPDX-License-Identifier: ISC */
/*
 * push_served.h - what pushd keeps of the files each guest serves: the
 * base of the next delta (render_delta.h).  Shared by pushd's workers; a
 * guest is leased to one worker at a time, so its entry is taken out
 * while a push uses it and put back (the old one on failure, the new one
 * on success).  Bounded in bytes: past the bound, the entries least
 * recently put are dropped (those guests are sent whole next time).
 */
#ifndef HK_PUSH_SERVED_H
#define HK_PUSH_SERVED_H

#include <stddef.h>
#include <stdint.h>

#include "served.h"

struct push_served;

/* max_bytes 0: nothing is kept (no deltas). */
struct push_served *push_served_new(size_t max_bytes);
void push_served_free(struct push_served *ps);

/*
 * Takes the guest's entry if it holds generation gen whose checksums are
 * those in files_json (the agent's {"file": "sha256", ...} for what it
 * serves, as the database keeps it): 1, with out the files; else 0, and
 * any entry of the guest is dropped.
 */
int push_served_take(struct push_served *ps, int64_t guest_id, int64_t gen,
		     const char *files_json, struct served *out);

/* Keeps sv (taken: sv is left empty) as what the guest serves at
 * sv->generation. */
void push_served_put(struct push_served *ps, int64_t guest_id,
		     struct served *sv);

#endif
