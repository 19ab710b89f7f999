/* SPDX-License-Identifier: ISC */
/*
 * push_served.c - the files each guest serves, kept for deltas.  See
 * push_served.h.
 *
 * An entry is trusted only as far as the database's record of the guest
 * goes: it is taken only for the generation the guest was last recorded
 * serving and only with the checksums the agent reported for it, so an
 * entry left behind by another pushd node's pushes, or by a repair, is
 * never a base.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "push_served.h"

struct entry {
	int64_t guest_id;
	struct served files;
	size_t bytes;
	unsigned long long stamp;	/* when put: the oldest goes first */
};

struct push_served {
	pthread_mutex_t lock;
	size_t max, bytes;
	struct entry *v;
	size_t n, cap;
	unsigned long long clock;
};

struct push_served *
push_served_new(size_t max_bytes)
{
	struct push_served *ps = calloc(1, sizeof(*ps));

	if (ps == NULL)
		return NULL;
	if (pthread_mutex_init(&ps->lock, NULL) != 0) {
		free(ps);
		return NULL;
	}
	ps->max = max_bytes;
	return ps;
}

/* Drops entry i (the last one takes its place). */
static void
drop(struct push_served *ps, size_t i)
{
	ps->bytes -= ps->v[i].bytes;
	served_free(&ps->v[i].files);
	ps->v[i] = ps->v[--ps->n];
}

void
push_served_free(struct push_served *ps)
{
	if (ps == NULL)
		return;
	while (ps->n > 0)
		drop(ps, 0);
	free(ps->v);
	pthread_mutex_destroy(&ps->lock);
	free(ps);
}

/* Whether e's sums are those of files_json. */
static int
same_sums(const struct entry *e, const char *files_json)
{
	json_t *o = files_json ? json_loads(files_json, 0, NULL) : NULL;
	int same = o != NULL;

	for (int i = 0; same && bundle_names[i] != NULL; i++) {
		const char *s = json_string_value(json_object_get(o,
							bundle_names[i]));

		same = s != NULL && strcmp(s, e->files.sums[i]) == 0;
	}
	json_decref(o);
	return same;
}

int
push_served_take(struct push_served *ps, int64_t guest_id, int64_t gen,
		 const char *files_json, struct served *out)
{
	int found = 0;

	if (ps == NULL)
		return 0;
	pthread_mutex_lock(&ps->lock);
	for (size_t i = 0; i < ps->n; i++) {
		struct entry *e = &ps->v[i];

		if (e->guest_id != guest_id)
			continue;
		if (e->files.generation == gen && same_sums(e, files_json)) {
			*out = e->files;
			memset(&e->files, 0, sizeof(e->files));
			found = 1;
		}
		drop(ps, i);
		break;
	}
	pthread_mutex_unlock(&ps->lock);
	return found;
}

/* Room for `need` more bytes: the oldest entries out. */
static void
make_room(struct push_served *ps, size_t need)
{
	while (ps->n > 0 && ps->bytes + need > ps->max) {
		size_t old = 0;

		for (size_t i = 1; i < ps->n; i++)
			if (ps->v[i].stamp < ps->v[old].stamp)
				old = i;
		drop(ps, old);
	}
}

void
push_served_put(struct push_served *ps, int64_t guest_id, struct served *sv)
{
	size_t bytes = served_bytes(sv);

	if (ps == NULL) {
		served_free(sv);
		return;
	}
	pthread_mutex_lock(&ps->lock);
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].guest_id == guest_id) {
			drop(ps, i);
			break;
		}
	make_room(ps, bytes);
	if (bytes <= ps->max && ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 16;
		struct entry *v = realloc(ps->v, cap * sizeof(*v));

		if (v != NULL) {
			ps->v = v;
			ps->cap = cap;
		}
	}
	if (bytes <= ps->max && ps->n < ps->cap) {
		struct entry *e = &ps->v[ps->n++];

		e->guest_id = guest_id;
		e->files = *sv;
		e->bytes = bytes;
		e->stamp = ++ps->clock;
		ps->bytes += bytes;
		memset(sv, 0, sizeof(*sv));
	}
	pthread_mutex_unlock(&ps->lock);
	served_free(sv);	/* not kept: let go */
}
