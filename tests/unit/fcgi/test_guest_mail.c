/* SPDX-License-Identifier: ISC */
/*
 * test_guest_mail.c - a guest's mail_host and mail_addrs through the API:
 * set at creation and by PATCH, shown canonical (an A-label, addresses
 * as inet_ntop writes them) in GET and the list, cleared with null and
 * [], kept when absent; changing them alone owes the guest no push; bad
 * values refused with the field named and nothing written.  On SQLite
 * and PostgreSQL (the fixture).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fcgi/api.h"
#include "../fixture.h"
#include "exchange.h"

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5Nbt018Bz3ge0IFjMj8BMAB2V3"

static struct hk_config cfg;
static char token[256];

static int
setup(void **state)
{
	struct fixture *f;

	fixture_setup(state);
	f = *state;
	conf_defaults(&cfg);
	snprintf(cfg.wake_socket, sizeof(cfg.wake_socket), "%s/wake", f->dir);
	fixture_key(f, "admin", NULL, token, sizeof(token));
	return 0;
}

static int
send(struct fixture *f, const char *method, const char *uri,
     const char *body, struct exchange *x)
{
	*x = ex(method, uri, body);
	x->bearer = token;
	return exchange_send(f, &cfg, x);
}

static void
expect_mail(struct fixture *f, const char *guest, const char *host,
	    const char *addrs)
{
	char uri[64], got[256] = "";
	struct exchange x;
	json_t *a, *v;
	size_t i;

	snprintf(uri, sizeof(uri), "/api/v1/guests/%s", guest);
	assert_int_equal(send(f, "GET", uri, NULL, &x), 200);
	v = json_object_get(x.json, "mail_host");
	if (host == NULL)
		assert_true(json_is_null(v));
	else
		assert_string_equal(json_string_value(v), host);
	a = json_object_get(x.json, "mail_addrs");
	assert_true(json_is_array(a));
	json_array_foreach(a, i, v)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
			 i ? " " : "", json_string_value(v));
	assert_string_equal(got, addrs);
	json_decref(x.json);
}

static void
test_set_and_clear(void **state)
{
	struct fixture *f = *state;
	struct exchange x;
	int64_t gen;

	assert_int_equal(send(f, "POST", "/api/v1/guests", "{\"name\":\"g2\","
			      "\"project\":\"lab\",\"ssh_host\":\"10.0.0.2\","
			      "\"host_key\":\"" KEY "\",\"mail_host\":"
			      "\"MX.大学.example\",\"mail_addrs\":[\"192.0.2.1\","
			      "\"2001:DB8:0:0::1\"]}", &x), 201);
	json_decref(x.json);
	expect_mail(f, "g2", "mx.xn--pss25c.example", "192.0.2.1 2001:db8::1");
	expect_mail(f, "g1", NULL, "");
	gen = fixture_int(f, "SELECT desired_gen FROM guest WHERE name = 'g2'");
	/* the addresses alone: the host kept, no push owed */
	assert_int_equal(send(f, "PATCH", "/api/v1/guests/g2",
			      "{\"mail_addrs\":[\"198.51.100.7\"]}", &x), 200);
	json_decref(x.json);
	expect_mail(f, "g2", "mx.xn--pss25c.example", "198.51.100.7");
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest WHERE "
				     "name = 'g2'"), gen);
	/* an SSH change with them still owes a push */
	assert_int_equal(send(f, "PATCH", "/api/v1/guests/g2",
			      "{\"ssh_port\":2222,\"mail_host\":null}", &x),
			 200);
	json_decref(x.json);
	expect_mail(f, "g2", NULL, "198.51.100.7");
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest WHERE "
				     "name = 'g2'"), gen + 1);
	assert_int_equal(send(f, "PATCH", "/api/v1/guests/g2",
			      "{\"mail_addrs\":[]}", &x), 200);
	json_decref(x.json);
	expect_mail(f, "g2", NULL, "");
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM guest WHERE "
				     "mail_addrs IS NULL AND mail_host IS "
				     "NULL"), 2);
	/* the list shows them too */
	assert_int_equal(send(f, "GET", "/api/v1/guests", NULL, &x), 200);
	assert_true(json_is_array(json_object_get(json_array_get(
		json_object_get(x.json, "items"), 0), "mail_addrs")));
	json_decref(x.json);
}

static void
test_refused(void **state)
{
	static const struct { const char *body, *field; } bad[] = {
		{ "{\"mail_host\":\"not a host\"}", "mail_host" },
		{ "{\"mail_host\":\"mx..example\"}", "mail_host" },
		{ "{\"mail_host\":5}", "mail_host" },
		{ "{\"mail_addrs\":\"192.0.2.1\"}", "mail_addrs" },
		{ "{\"mail_addrs\":[\"192.0.2.0/24\"]}", "mail_addrs" },
		{ "{\"mail_addrs\":[\"2001:db8::/32\"]}", "mail_addrs" },
		{ "{\"mail_addrs\":[\"mx.example.org\"]}", "mail_addrs" },
		{ "{\"mail_addrs\":[\"192.0.2.1\",\"192.0.2.01\"]}",
		  "mail_addrs" },
		{ "{\"mail_addrs\":[\"2001:db8::1\",\"2001:DB8:0::1\"]}",
		  "mail_addrs" },
		{ "{\"mail_addrs\":[\"fe80::1%eth0\"]}", "mail_addrs" },
		{ "{\"mail_addrs\":[\"1.1.1.1\",\"1.1.1.2\",\"1.1.1.3\","
		  "\"1.1.1.4\",\"1.1.1.5\",\"1.1.1.6\",\"1.1.1.7\","
		  "\"1.1.1.8\",\"1.1.1.9\"]}", "mail_addrs" },
		{ "{\"mail_addrs\":[\"192.0.2.1\"],\"mail_host\":\"-x\"}",
		  "mail_host" },
	};
	struct fixture *f = *state;
	struct exchange x;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (send(f, "PATCH", "/api/v1/guests/g1", bad[i].body, &x) !=
		    400 || strcmp(x.field, bad[i].field) != 0)
			fail_msg("%s: %d %s", bad[i].body, x.status, x.field);
		json_decref(x.json);
	}
	expect_mail(f, "g1", NULL, "");
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest WHERE "
				     "name = 'g1'"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set_and_clear, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
