/* SPDX-License-Identifier: ISC */
/* test_openapi.c - www/openapi.json describes exactly the routes of
 * api_routes[]: every route has its operation, every operation its route
 * (a {parameter} in a path stands for one segment, as "*" does), and each
 * operation has an operationId of its own and its responses. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "fcgi/api.h"

static json_t *doc;

static int
load(void **state)
{
	json_error_t jerr;

	(void)state;
	doc = json_load_file(HK_TOP_SRCDIR "/www/openapi.json",
			     JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		fail_msg("www/openapi.json: line %d: %s", jerr.line, jerr.text);
	return 0;
}

static int
unload(void **state)
{
	(void)state;
	json_decref(doc);
	return 0;
}

/* Whether the document's path ("/domains/{domain}") is the route's
 * pattern ("domains" then a "*" segment). */
static int
same_path(const char *path, const char *pattern)
{
	if (*path++ != '/')
		return 0;
	for (;;) {
		size_t pn = strcspn(path, "/"), rn = strcspn(pattern, "/");
		int param = pn > 2 && path[0] == '{' && path[pn - 1] == '}';

		if (param ? !(rn == 1 && *pattern == '*') :
		    !(pn == rn && strncmp(path, pattern, pn) == 0))
			return 0;
		path += pn;
		pattern += rn;
		if (*path == '\0' || *pattern == '\0')
			return *path == *pattern;
		path++;
		pattern++;
	}
}

static const char *const methods[] = { "get", "post", "patch", "delete",
				       "put", "head", "options", "trace" };

static void
test_every_route_documented(void **state)
{
	json_t *paths = json_object_get(doc, "paths"), *item;
	const char *path;

	(void)state;
	assert_true(json_is_object(paths));
	for (const struct api_route *r = api_routes; r->method; r++) {
		int found = 0;

		json_object_foreach(paths, path, item) {
			char m[8];
			size_t i;

			if (!same_path(path, r->pattern))
				continue;
			for (i = 0; r->method[i] && i < sizeof(m) - 1; i++)
				m[i] = (char)(r->method[i] | 0x20);
			m[i] = '\0';
			found |= json_object_get(item, m) != NULL;
		}
		if (!found)
			fail_msg("route %s %s is not in www/openapi.json",
				 r->method, r->pattern);
	}
}

static void
test_every_operation_routed(void **state)
{
	json_t *paths = json_object_get(doc, "paths"), *item, *ids = json_object();
	const char *path;

	(void)state;
	json_object_foreach(paths, path, item) {
		for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]);
		     m++) {
			json_t *op = json_object_get(item, methods[m]);
			const struct api_route *r;
			const char *id;

			if (op == NULL)
				continue;
			for (r = api_routes; r->method; r++)
				if (strcasecmp(r->method, methods[m]) == 0 &&
				    same_path(path, r->pattern))
					break;
			if (r->method == NULL)
				fail_msg("%s %s is documented but not routed",
					 methods[m], path);
			id = json_string_value(json_object_get(op,
							      "operationId"));
			if (id == NULL || json_object_get(ids, id) != NULL)
				fail_msg("%s %s: operationId missing or taken",
					 methods[m], path);
			json_object_set_new(ids, id, json_true());
			if (json_object_size(json_object_get(op,
							     "responses")) == 0)
				fail_msg("%s %s has no responses", methods[m],
					 path);
		}
	}
	json_decref(ids);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_documented),
		cmocka_unit_test(test_every_operation_routed),
	};

	return cmocka_run_group_tests(tests, load, unload);
}
