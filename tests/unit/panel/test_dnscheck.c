/* SPDX-License-Identifier: ISC */
/*
 * test_dnscheck.c - dnscheck.c against a real authoritative server
 * (tests/nsd.sh: Debian's nsd in a network namespace of its own, the
 * zones written here) through libunbound forwarding to it: every record
 * published -> match; the zone edited and reloaded (a DKIM p= changed,
 * SPF with another address, DMARC removed, an MX's preference changed,
 * a DKIM key in two strings) -> different (with what is published) and
 * missing exactly there; TXT records that are not SPF -> missing, not
 * different; a resolver address where nothing answers -> failed within
 * the timeout.  Without nsd (deploy/install-deps.sh --test) or root (a
 * network namespace) the test fails.
 *
 * HK_TEST_NSD_DIR: where nsd's directory goes (default /tmp);
 * HK_TEST_NSD_NET: the N of its network 10.78.N.0/24 (default from the
 * PID, 1..254).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "dnscheck.h"
#include "dnsrecords.h"
#include "subproc.h"

#define NSD_SH	HK_TOP_SRCDIR "/tests/nsd.sh"
#define TIMEOUT	3	/* [dns] timeout in these tests */

static char dir[256], resolver[64], silent[64];
static char long_key[420];	/* an RSA 2048 key's length */

static const char *const aliases[] = { "alias.example" };

static int
nsd(const char *verb, const char *net)
{
	char *argv[] = { NSD_SH, (char *)verb, dir, (char *)net, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct subproc_result res;
	struct hk_err err;
	const char *p;
	int ok;

	ok = subproc_run(argv, envp, NULL, 0, 60000, 65536, &res, &err) == 0
	    && subproc_ok(&res);
	if (!ok)
		print_error("nsd.sh %s: %s\n", verb, res.errout.data ?
			    res.errout.data : err.message);
	if (ok && strcmp(verb, "start") == 0) {
		p = strstr(res.out.data, "HK_NSD_RESOLVER=");
		ok = p && sscanf(p, "HK_NSD_RESOLVER=%63s", resolver) == 1;
		p = strstr(res.out.data, "HK_NSD_SILENT=");
		ok = ok && p && sscanf(p, "HK_NSD_SILENT=%63s", silent) == 1;
	}
	subproc_result_free(&res);
	return ok ? 0 : -1;
}

/* DIR/zones/NAME.zone: SOA and NS, then body. */
static int
write_zone(const char *name, const char *body)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/zones/%s.zone", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "$ORIGIN %s.\n$TTL 60\n@ IN SOA ns.%s. hostmaster.%s. "
		"1 3600 600 86400 60\n@ IN NS ns.%s.\nns IN A 10.78.0.2\n%s",
		name, name, name, name, body);
	return fclose(f);
}

/* The long key's TXT as two strings cut at `at` (not where dnsrecords
 * would cut it: the checker joins whatever the zone has). */
static void
long_txt(char *out, size_t len, int at)
{
	snprintf(out, len, "\"%.*s\" \"%s\"", at, long_key, long_key + at);
}

/* example.org as expected, with one TXT that is not SPF at its apex;
 * the edit changes what dnscheck must see as different or missing. */
static int
write_example(int edited)
{
	char body[4096], dkim2[600];

	long_txt(dkim2, sizeof(dkim2), edited ? 255 : 200);
	snprintf(body, sizeof(body),
		 "@ IN MX %s mx1.example.net.\n"
		 "@ IN MX 20 MX2.Example.NET.\n"
		 "@ IN TXT \"v=spf1 ip4:%s ip6:2001:db8::1 -all\"\n"
		 "@ IN TXT \"site-verification=abc\"\n"
		 "hk1._domainkey IN TXT \"v=DKIM1; k=rsa; p=%s\"\n"
		 "hk2._domainkey IN TXT %s\n"
		 "%s"
		 "_smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:tls@example.net\"\n",
		 edited ? "30" : "10", edited ? "192.0.2.77" : "192.0.2.1",
		 edited ? "ZZZZ" : "BBBB", dkim2, edited ? "" :
		 "_dmarc IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@example.net\"\n");
	return write_zone("example.org", body);
}

/* alias.example: no SPF but another TXT, no TLS-RPT at all. */
static int
write_alias(void)
{
	char body[4096], dkim2[600];

	long_txt(dkim2, sizeof(dkim2), 180);
	snprintf(body, sizeof(body),
		 "@ IN MX 10 mx1.example.net.\n"
		 "@ IN MX 20 mx2.example.net.\n"
		 "@ IN TXT \"site-verification=abc\" \"second string\"\n"
		 "hk1._domainkey IN TXT \"v=DKIM1; k=rsa; p=BBBB\"\n"
		 "hk2._domainkey IN TXT %s\n"
		 "_dmarc IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@example.net\"\n",
		 dkim2);
	return write_zone("alias.example", body);
}

static int
group_setup(void **state)
{
	const char *parent = getenv("HK_TEST_NSD_DIR"),
		   *net = getenv("HK_TEST_NSD_NET");
	char n[16], zones[300];

	(void)state;
	memset(long_key, 'k', sizeof(long_key) - 1);
	memcpy(long_key, "v=DKIM1; k=rsa; p=MIIB", 22);
	snprintf(n, sizeof(n), "%s", net ? net : "");
	if (net == NULL)
		snprintf(n, sizeof(n), "%d", 1 + (int)(getpid() % 254));
	snprintf(dir, sizeof(dir), "%s/hk-nsd-XXXXXX", parent ? parent : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(zones, sizeof(zones), "%s/zones", dir);
	if (mkdir(zones, 0755) < 0 || write_example(0) < 0 ||
	    write_alias() < 0)
		return -1;
	return nsd("start", n);
}

static int
group_teardown(void **state)
{
	(void)state;
	return nsd("stop", NULL);
}

static void
expected(struct dnsrec_list *l, struct dns_conf *c, const char *at)
{
	static const struct dnsrec_dkim keys[2] = {
		{ "hk1", "v=DKIM1; k=rsa; p=BBBB", DNSREC_DKIM_ACTIVE, 0 },
		{ "hk2", long_key, DNSREC_DKIM_PENDING, 0 },
	};
	static struct dnsrec_guest backup = { "g2", "mx2.example.net", NULL };
	struct dnsrec_in in = { "example.org", { "g1", "mx1.example.net",
				"192.0.2.1 2001:db8::1" }, &backup, keys, 2,
				aliases, 1, c, 0 };
	struct hk_err err;

	memset(c, 0, sizeof(*c));
	snprintf(c->resolver, sizeof(c->resolver), "%s", at);
	snprintf(c->dmarc_rua, sizeof(c->dmarc_rua), "dmarc@example.net");
	snprintf(c->tlsrpt_rua, sizeof(c->tlsrpt_rua), "tls@example.net");
	c->timeout = TIMEOUT;
	in.conf = c;
	assert_int_equal(dnsrec_build(&in, l, &err), 0);
	assert_int_equal(l->n, 14);
}

/* The statuses as letters, one per record: m(atch) d(ifferent)
 * x (missing) f(ailed) u(nchecked); each domain's 7 apart. */
static void
check(const char *at, const char *want, struct dnscheck_result *out,
      struct dnsrec_list *l)
{
	static const char letters[] = "mdxfu";
	char got[32] = "";
	struct dns_conf c;
	struct hk_err err;

	expected(l, &c, at);
	assert_int_equal(dnscheck_run(&c, l, out, &err), 0);
	for (size_t i = 0; i < l->n; i++) {
		got[i + i / 7] = letters[out[i].status];
		got[7] = ' ';
		print_message("%-28s %-3s %-9s %s\n", l->v[i].name,
			      l->v[i].type == DNSREC_MX ? "MX" : "TXT",
			      dnscheck_status_name(out[i].status),
			      out[i].found ? out[i].found : "");
	}
	assert_string_equal(got, want);
}

static void
reload(int edited)
{
	assert_int_equal(write_example(edited), 0);
	assert_int_equal(nsd("reload", NULL), 0);
}

static void
test_all_match(void **state)
{
	struct dnscheck_result out[14];
	struct dnsrec_list l;

	(void)state;
	reload(0);
	check(resolver, "mmmmmmm mmxmmmx", out, &l);
	dnscheck_free(out, l.n);
	dnsrec_list_free(&l);
}

static void
test_edited(void **state)
{
	struct dnscheck_result out[14];
	struct dnsrec_list l;

	(void)state;
	reload(1);
	check(resolver, "dmddmxm mmxmmmx", out, &l);
	/* what is published instead, each as found */
	assert_non_null(strstr(out[0].found, "30 mx1.example.net"));
	/* nsd keeps the zone's case; the comparison ignores it */
	assert_non_null(strcasestr(out[0].found, "20 mx2.example.net"));
	assert_string_equal(out[2].found,
			    "v=spf1 ip4:192.0.2.77 ip6:2001:db8::1 -all");
	assert_string_equal(out[3].found, "v=DKIM1; k=rsa; p=ZZZZ");
	assert_null(out[5].found);
	dnscheck_free(out, l.n);
	dnsrec_list_free(&l);
	reload(0);
}

/* alias.example's apex has TXT records, none of them SPF: missing, and
 * _smtp._tls.alias.example does not exist (NXDOMAIN): missing too. */
static void
test_other_txt_is_missing(void **state)
{
	struct dnscheck_result out[14];
	struct dnsrec_list l;

	(void)state;
	check(resolver, "mmmmmmm mmxmmmx", out, &l);
	assert_string_equal(l.v[9].name, "alias.example");
	assert_int_equal(l.v[9].purpose, DNSREC_P_SPF);
	assert_int_equal(out[9].status, DNSCHECK_MISSING);
	assert_null(out[9].found);
	assert_string_equal(l.v[13].name, "_smtp._tls.alias.example");
	assert_int_equal(out[13].status, DNSCHECK_MISSING);
	dnscheck_free(out, l.n);
	dnsrec_list_free(&l);
}

/* Nothing answers at the resolver's address: every record failed, with
 * why, within about the timeout (bounded generously: not a timed test). */
static void
test_silent_resolver(void **state)
{
	struct dnscheck_result out[14];
	struct dnsrec_list l;
	long long t0 = clock_mono_ms(), ms;

	(void)state;
	check(silent, "fffffff fffffff", out, &l);
	ms = clock_mono_ms() - t0;
	print_message("a silent resolver: failed after %lld ms (timeout %d s)\n",
		      ms, TIMEOUT);
	assert_true(ms < (TIMEOUT + 5) * 1000LL);
	assert_non_null(strstr(out[0].found, "lookup failed"));
	dnscheck_free(out, l.n);
	dnsrec_list_free(&l);
}

/* A record without a value (no mail host) is not asked at all. */
static void
test_unchecked(void **state)
{
	struct dnsrec_in in = { "example.org", { "g1", NULL, NULL }, NULL,
				NULL, 0, NULL, 0, NULL, 0 };
	struct dnscheck_result out[3];
	struct dnsrec_list l;
	struct dns_conf c;
	struct hk_err err;

	(void)state;
	memset(&c, 0, sizeof(c));
	snprintf(c.resolver, sizeof(c.resolver), "%s", resolver);
	c.timeout = TIMEOUT;
	in.conf = &c;
	assert_int_equal(dnsrec_build(&in, &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(dnscheck_run(&c, &l, out, &err), 0);
	assert_int_equal(out[0].status, DNSCHECK_UNCHECKED);
	assert_int_equal(out[1].status, DNSCHECK_UNCHECKED);
	/* "v=DMARC1; p=none" without rua: example.org's has one */
	assert_int_equal(out[2].status, DNSCHECK_DIFFERENT);
	dnscheck_free(out, l.n);
	dnsrec_list_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_match),
		cmocka_unit_test(test_edited),
		cmocka_unit_test(test_other_txt_is_missing),
		cmocka_unit_test(test_unchecked),
		cmocka_unit_test(test_silent_resolver),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
