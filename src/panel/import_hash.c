/* SPDX-License-Identifier: ISC */
/*
 * import_hash.c - passwords hashed by a pool of threads.  See
 * import_hash.h.  Workers take the next item under one lock; the
 * caller's thread waits on a condition and reports progress.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import_hash.h"
#include "pwhash.h"

#define THREADS_MAX	64

struct hasher {
	struct pw_item *items;
	size_t n, next, done, failed;
	pthread_mutex_t lock;
	pthread_cond_t moved;
};

static void *
worker(void *arg)
{
	struct hasher *h = arg;
	char out[PWHASH_MAX];
	struct hk_err e;

	for (;;) {
		struct pw_item *it = NULL;
		int rc;

		pthread_mutex_lock(&h->lock);
		if (h->next < h->n)
			it = &h->items[h->next++];
		pthread_mutex_unlock(&h->lock);
		if (it == NULL)
			return NULL;
		rc = pwhash_make(it->plain, out, &e);
		if (rc == 0 && (it->hash = strdup(out)) == NULL)
			rc = -1;
		pthread_mutex_lock(&h->lock);
		h->failed += rc < 0;
		h->done++;
		pthread_cond_signal(&h->moved);
		pthread_mutex_unlock(&h->lock);
	}
}

int
import_hash(struct pw_item *items, size_t n, int threads,
	    import_progress_fn progress, void *ctx, struct hk_err *err)
{
	struct hasher h = { .items = items, .n = n,
			    .lock = PTHREAD_MUTEX_INITIALIZER,
			    .moved = PTHREAD_COND_INITIALIZER };
	pthread_t tid[THREADS_MAX];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int nt = threads > 0 ? threads : cores > 0 ? (int)cores : 1;

	if (n == 0)
		return 0;
	if (nt > THREADS_MAX)
		nt = THREADS_MAX;
	for (int i = 0; i < nt; i++)
		if (pthread_create(&tid[i], NULL, worker, &h) != 0)
			nt = i;
	pthread_mutex_lock(&h.lock);
	while (h.done < n && nt > 0) {
		pthread_cond_wait(&h.moved, &h.lock);
		if (progress != NULL) {
			size_t done = h.done;

			pthread_mutex_unlock(&h.lock);
			progress(ctx, "hash", done, n);
			pthread_mutex_lock(&h.lock);
		}
	}
	pthread_mutex_unlock(&h.lock);
	for (int i = 0; i < nt; i++)
		pthread_join(tid[i], NULL);
	if (nt == 0 || h.failed > 0)
		return hk_fail(err, HK_ESYS, "password", "hashing failed for "
			       "%zu passwords", nt == 0 ? n : h.failed);
	return 0;
}
