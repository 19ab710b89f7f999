/* SPDX-License-Identifier: ISC */
/*
 * migrate_set.c - what another mail system holds, as the reader adds it:
 * growing arrays of items whose strings live in one arena (chunks of
 * 64 KiB, freed together), so that a hundred thousand mailboxes cost a
 * few allocations, not half a million.  See migrate.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "migrate.h"

#define CHUNK_SIZE	65536

struct mig_arena {
	struct mig_arena *next;
	size_t used, size;
	char data[];
};

void
mig_set_init(struct mig_set *set)
{
	memset(set, 0, sizeof(*set));
}

void
mig_set_free(struct mig_set *set)
{
	struct mig_arena *a = set->arena, *next;

	for (; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
	free(set->domains);
	free(set->mailboxes);
	free(set->aliases);
	free(set->aliasdoms);
	free(set->vacations);
	free(set->admins);
	memset(set, 0, sizeof(*set));
}

static char *
arena_alloc(struct mig_set *set, size_t n)
{
	struct mig_arena *a = set->arena;

	if (a == NULL || a->size - a->used < n) {
		size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;

		if ((a = malloc(sizeof(*a) + size)) == NULL)
			return NULL;
		a->size = size;
		a->used = 0;
		a->next = set->arena;
		set->arena = a;
	}
	a->used += n;
	return a->data + a->used - n;
}

const char *
mig_str(struct mig_set *set, const char *s)
{
	size_t n;
	char *copy;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	if ((copy = arena_alloc(set, n)) != NULL)
		memcpy(copy, s, n);
	return copy;
}

/* Room for one more item in *arr (of *n, *cap items of size each). */
static void *
grow(void **arr, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *p = realloc(*arr, ncap * size);

		if (p == NULL)
			return NULL;
		*arr = p;
		*cap = ncap;
	}
	return (char *)*arr + (*n)++ * size;
}

/* Copies the string at *field into the arena (NULL stays NULL). */
static int
own(struct mig_set *set, const char **field)
{
	return *field == NULL || (*field = mig_str(set, *field)) != NULL ?
	    0 : -1;
}

static int
oom(struct hk_err *err)
{
	return hk_fail(err, HK_ESYS, NULL, "out of memory");
}

int
mig_add_domain(struct mig_set *set, const struct mig_domain *item,
	       struct hk_err *err)
{
	struct mig_domain *it = grow((void **)&set->domains, &set->n_domains,
				     &set->cap_domains, sizeof(*it));

	if (it == NULL)
		return oom(err);
	*it = *item;
	return own(set, &it->name) < 0 || own(set, &it->guest) < 0 ||
	    own(set, &it->backup_guest) < 0 ? oom(err) : 0;
}

int
mig_add_mailbox(struct mig_set *set, const struct mig_mailbox *item,
		struct hk_err *err)
{
	struct mig_mailbox *it = grow((void **)&set->mailboxes,
				      &set->n_mailboxes, &set->cap_mailboxes,
				      sizeof(*it));

	if (it == NULL)
		return oom(err);
	*it = *item;
	return own(set, &it->address) < 0 || own(set, &it->hash) < 0 ||
	    own(set, &it->name) < 0 ? oom(err) : 0;
}

int
mig_add_alias(struct mig_set *set, const struct mig_alias *item,
	      struct hk_err *err)
{
	struct mig_alias *it = grow((void **)&set->aliases, &set->n_aliases,
				    &set->cap_aliases, sizeof(*it));

	if (it == NULL)
		return oom(err);
	*it = *item;
	return own(set, &it->address) < 0 || own(set, &it->dests) < 0 ?
	    oom(err) : 0;
}

int
mig_add_aliasdom(struct mig_set *set, const struct mig_aliasdom *item,
		 struct hk_err *err)
{
	struct mig_aliasdom *it = grow((void **)&set->aliasdoms,
				       &set->n_aliasdoms, &set->cap_aliasdoms,
				       sizeof(*it));

	if (it == NULL)
		return oom(err);
	*it = *item;
	return own(set, &it->name) < 0 || own(set, &it->target) < 0 ?
	    oom(err) : 0;
}

int
mig_add_vacation(struct mig_set *set, const struct mig_vacation *item,
		 struct hk_err *err)
{
	struct mig_vacation *it = grow((void **)&set->vacations,
				       &set->n_vacations, &set->cap_vacations,
				       sizeof(*it));

	if (it == NULL)
		return oom(err);
	*it = *item;
	return own(set, &it->address) < 0 || own(set, &it->subject) < 0 ||
	    own(set, &it->text) < 0 || own(set, &it->start) < 0 ||
	    own(set, &it->end) < 0 ? oom(err) : 0;
}

int
mig_add_admin(struct mig_set *set, const struct mig_admin *item,
	      struct hk_err *err)
{
	struct mig_admin *it = grow((void **)&set->admins, &set->n_admins,
				    &set->cap_admins, sizeof(*it));

	if (it == NULL)
		return oom(err);
	*it = *item;
	return own(set, &it->login) < 0 || own(set, &it->hash) < 0 ?
	    oom(err) : 0;
}
