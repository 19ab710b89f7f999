/* SPDX-License-Identifier: ISC */
/*
 * push_shared.h - the bundle cache and the stagger that pushd's workers
 * share (struct push_shared, made by push_shared_new() in push.h).  Every
 * function takes NULL for "nothing shared" and then does nothing.
 */
#ifndef HK_PUSH_SHARED_H
#define HK_PUSH_SHARED_H

#include <stdint.h>

#include "push.h"
#include "strbuf.h"

/* Moves the kept bundle of (guest, gen) into *wire (freeing what *wire
 * held) and returns 1; 0 when there is none.  Older generations of the
 * guest are dropped. */
int push_shared_cache_take(struct push_shared *ps, int64_t guest_id,
			   int64_t gen, struct strbuf *wire);

/* Keeps *wire for a retry if there is room: then *wire is left empty. */
void push_shared_cache_put(struct push_shared *ps, int64_t guest_id,
			   int64_t gen, struct strbuf *wire);

/* Sleeps until this caller's start slot: slots are stagger_ms apart. */
void push_shared_stagger(struct push_shared *ps);

#endif
