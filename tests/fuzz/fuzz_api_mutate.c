/* SPDX-License-Identifier: ISC */
/*
 * fuzz_api_mutate.c - fuzz_api's structure-aware mutator (below).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/*
 * --- structure-aware mutations ---
 *
 * libFuzzer's byte mutations find what breaks the parser, but seldom turn
 * one valid body into another: a duplicate key in a body that is otherwise
 * accepted, or one more field that changes what a handler does.  So half
 * of the mutations work on the body as JSON instead: drop, add, duplicate
 * or change a member, or send the body to another route, with another
 * Content-Type or credential.  The other half, and every input whose body
 * is not a JSON object, get libFuzzer's own (with the dictionary).
 */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

/* Names the API declares (api.dict has them too); a missing one only
 * makes this less sharp. */
static const char *const field_names[] = {
	"active", "address", "backup_guest", "catch_all", "default_quota",
	"destinations", "disabled", "expires_at", "guest", "host_key",
	"local_part", "login", "max_domains", "max_mailboxes", "max_storage",
	"name", "password", "password_hash", "project", "quota", "read_only",
	"role", "ssh_host", "ssh_port", "ssh_user", "target", NULL
};

/* Strings the fixture gives a meaning to, and some it must refuse. */
static const char *const field_strings[] = {
	"pc1.example", "pc2.example", "new.example", "g1", "g2", "g3", "lab",
	"other", "matsui@pc1.example", "tanaka@pc2.example", "x@b.example",
	"matsui", "info", "owner1", "admin1", "admin", "owner",
	"long-enough-1", "2G", "0", "1T", "", "a\nb", "a:b", "a,b",
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", NULL
};

static const json_int_t field_ints[] = {
	0, 1, -1, 22, 65535, 65536, 4102444800, INT32_MAX, INT64_MAX,
	INT64_MIN
};

static unsigned
next_rand(unsigned *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 17;
	*r ^= *r << 5;
	return *r;
}

static size_t
count_of(const char *const *list)
{
	size_t n = 0;

	while (list[n])
		n++;
	return n;
}

static json_t *
random_value(unsigned *r)
{
	size_t ns = count_of(field_strings);
	json_t *a;

	switch (next_rand(r) % 6) {
	case 0:
		return json_boolean(next_rand(r) & 1);
	case 1:
		return json_null();
	case 2:
		return json_integer(field_ints[next_rand(r) %
		    (sizeof(field_ints) / sizeof(field_ints[0]))]);
	case 3:
		a = json_array();
		for (unsigned i = next_rand(r) % 3 + 1; i > 0; i--)
			json_array_append_new(a, json_string(
			    field_strings[next_rand(r) % ns]));
		return a;
	default:
		return json_string(field_strings[next_rand(r) % ns]);
	}
}

/* A member of o at random, or NULL when it has none. */
static const char *
random_key(json_t *o, unsigned *r)
{
	size_t n = json_object_size(o), pick;
	const char *key;
	json_t *v;

	if (n == 0)
		return NULL;
	pick = next_rand(r) % n;
	json_object_foreach(o, key, v)
		if (pick-- == 0)
			return key;
	return NULL;
}

/* The object's text with member key written twice (jansson's objects
 * cannot hold a duplicate, so it is spliced into the text). */
static char *
dump_with_duplicate(json_t *o, const char *key)
{
	json_t *k = json_string(key);
	char *text = json_dumps(o, JSON_COMPACT);
	char *kt = json_dumps(k, JSON_ENCODE_ANY | JSON_COMPACT);
	char *vt = json_dumps(json_object_get(o, key), JSON_ENCODE_ANY |
			      JSON_COMPACT);
	char *out = NULL;
	size_t n;

	if (text && kt && vt && (out = malloc((n = strlen(text) + strlen(kt) +
	    strlen(vt) + 3))) != NULL)
		snprintf(out, n, "{%s:%s,%s", kt, vt, text + 1);
	json_decref(k);
	free(text);
	free(kt);
	free(vt);
	return out;
}

/* One change to the request; returns the body's new text or NULL. */
static char *
mutate_json(uint8_t *head, json_t *o, unsigned *r)
{
	const char *key = random_key(o, r);

	switch (next_rand(r) % 7) {
	case 0:
		if (key)
			json_object_del(o, key);
		break;
	case 1:
		if (key)
			return dump_with_duplicate(o, key);
		break;
	case 2:
		if (key) {
			json_object_set_new(o, key, random_value(r));
			break;
		}
		/* FALLTHROUGH */
	case 3:
	case 4:
		json_object_set_new(o, field_names[next_rand(r) %
		    count_of(field_names)], random_value(r));
		break;
	case 5:
		head[0] = (uint8_t)next_rand(r);
		break;
	default:
		head[1] = (uint8_t)next_rand(r);
		break;
	}
	return json_dumps(o, JSON_COMPACT);
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			unsigned int seed)
{
	unsigned r = seed | 1;
	json_t *o = NULL;
	char *text = NULL;
	size_t n = 0;
	int done = 0;

	if (size >= 2 && max_size > 2 && (next_rand(&r) & 1))
		o = json_loadb((const char *)data + 2, size - 2, 0, NULL);
	if (json_is_object(o))
		text = mutate_json(data, o, &r);
	if (text != NULL && (n = strlen(text)) + 2 <= max_size) {
		memcpy(data + 2, text, n);
		done = 1;
	}
	json_decref(o);
	free(text);
	return done ? n + 2 : LLVMFuzzerMutate(data, size, max_size);
}
