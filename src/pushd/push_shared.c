/* SPDX-License-Identifier: ISC */
/*
 * push_shared.c - what pushd's workers share (see push.h): the bundles of
 * guests that still owe a push, and the stagger between push starts.
 *
 * A guest that is down is retried for as long as it is down; rendering
 * its whole map set again for each retry would cost the panel CPU for
 * nothing while the generation stays the same.  So a bundle that failed
 * to go out is kept, keyed by guest and generation, until it goes out or
 * a newer generation replaces it; past cache_max bytes, retries render.
 * A guest is leased to one worker at a time, so an entry is taken out
 * while in use and put back on failure.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "push_shared.h"

#define CACHE_SLOTS	256

struct cache_entry {
	int64_t guest_id, gen;	/* guest_id 0: free slot */
	struct strbuf wire;
};

struct push_shared {
	pthread_mutex_t lock;
	size_t cache_max, cache_bytes;
	struct cache_entry slots[CACHE_SLOTS];
	int stagger_ms;
	long long next_start_ms;
};

struct push_shared *
push_shared_new(size_t cache_max, int stagger_ms)
{
	struct push_shared *ps = calloc(1, sizeof(*ps));

	if (ps == NULL)
		return NULL;
	if (pthread_mutex_init(&ps->lock, NULL) != 0) {
		free(ps);
		return NULL;
	}
	ps->cache_max = cache_max;
	ps->stagger_ms = stagger_ms;
	return ps;
}

void
push_shared_free(struct push_shared *ps)
{
	if (ps == NULL)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++)
		strbuf_free(&ps->slots[i].wire);
	pthread_mutex_destroy(&ps->lock);
	free(ps);
}

static void
drop(struct push_shared *ps, struct cache_entry *e)
{
	ps->cache_bytes -= e->wire.len;
	strbuf_free(&e->wire);
	memset(e, 0, sizeof(*e));
}

int
push_shared_cache_take(struct push_shared *ps, int64_t guest_id,
		       int64_t gen, struct strbuf *wire)
{
	int found = 0;

	if (ps == NULL)
		return 0;
	pthread_mutex_lock(&ps->lock);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct cache_entry *e = &ps->slots[i];

		if (e->guest_id != guest_id)
			continue;
		if (e->gen == gen) {
			strbuf_free(wire);
			*wire = e->wire;
			ps->cache_bytes -= e->wire.len;
			memset(e, 0, sizeof(*e));
			found = 1;
		} else {
			drop(ps, e);	/* an older generation: useless now */
		}
	}
	pthread_mutex_unlock(&ps->lock);
	return found;
}

void
push_shared_cache_put(struct push_shared *ps, int64_t guest_id,
		      int64_t gen, struct strbuf *wire)
{
	int kept = 0;

	if (ps == NULL)
		return;
	pthread_mutex_lock(&ps->lock);
	for (int i = 0; i < CACHE_SLOTS && !kept; i++) {
		struct cache_entry *e = &ps->slots[i];

		if (e->guest_id != 0 ||
		    ps->cache_bytes + wire->len > ps->cache_max)
			continue;
		e->guest_id = guest_id;
		e->gen = gen;
		e->wire = *wire;
		ps->cache_bytes += wire->len;
		kept = 1;
	}
	pthread_mutex_unlock(&ps->lock);
	if (kept)	/* the cache owns the data now; *wire starts anew */
		strbuf_init(wire, wire->max);
}

void
push_shared_stagger(struct push_shared *ps)
{
	long long now, slot;
	struct timespec ts;

	if (ps == NULL || ps->stagger_ms <= 0)
		return;
	pthread_mutex_lock(&ps->lock);
	now = clock_mono_ms();
	slot = ps->next_start_ms > now ? ps->next_start_ms : now;
	ps->next_start_ms = slot + ps->stagger_ms;
	pthread_mutex_unlock(&ps->lock);
	if (slot <= now)
		return;
	ts.tv_sec = (slot - now) / 1000;
	ts.tv_nsec = (long)((slot - now) % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
