/* SPDX-License-Identifier: ISC */
/* test_conf.c - hakomail.conf's [warn] section, [auth] require_totp,
 * [ldap], [dkim] and [dns]: their defaults, values read as given (the
 * service password from its file), and each bad value refused naming its
 * setting and line, or for what [ldap]'s keys mean together, its setting
 * and file. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static char path[64];

static int
load(const char *text, struct hk_config *cfg, struct hk_err *err)
{
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/hk-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	hk_err_clear(err);
	fd = conf_load(cfg, path, err);
	unlink(path);
	return fd;
}

static void
test_defaults(void **state)
{
	struct hk_config cfg;
	struct warn_limits l;
	struct hk_err err;

	(void)state;
	assert_int_equal(load("", &cfg, &err), 0);
	conf_warn_limits(&cfg, &l);
	assert_true(l.disk_percent == 85);
	assert_true(l.disk_days == 30);
	assert_int_equal(l.queue_deferred, 100);
	assert_int_equal(l.queue_age_s, 3600);
	assert_true(l.mailbox_percent == 90);
	assert_string_equal(cfg.warn_mail_to, "");
	assert_string_equal(cfg.warn_sendmail, "/usr/sbin/sendmail");
}

static void
test_values(void **state)
{
	struct hk_config cfg;
	struct warn_limits l;
	struct hk_err err;

	(void)state;
	assert_int_equal(load("[warn]\ndisk_percent = 92.5\ndisk_days = 7\n"
			      "queue_deferred = 0\nqueue_age = 600\n"
			      "mailbox_percent = 99\n"
			      "mail_to = Ops@Example.ORG\n"
			      "sendmail = /usr/lib/sendmail\n", &cfg, &err), 0);
	conf_warn_limits(&cfg, &l);
	assert_true(l.disk_percent == 92.5);
	assert_true(l.disk_days == 7);
	assert_int_equal(l.queue_deferred, 0);
	assert_int_equal(l.queue_age_s, 600);
	assert_true(l.mailbox_percent == 99);
	/* canonical, as every address the panel keeps */
	assert_string_equal(cfg.warn_mail_to, "ops@example.org");
	assert_string_equal(cfg.warn_sendmail, "/usr/lib/sendmail");
	/* mail_to empty: no mail */
	assert_int_equal(load("[warn]\nmail_to =\n", &cfg, &err), 0);
	assert_string_equal(cfg.warn_mail_to, "");
}

/* deploy/hakomail.conf, the documented example, loads and shows the
 * built-in defaults. */
static void
test_deploy_file(void **state)
{
	struct hk_config cfg, dflt;
	struct hk_err err;

	(void)state;
	conf_defaults(&dflt);
	if (conf_load(&cfg, HK_TOP_SRCDIR "/deploy/hakomail.conf", &err) != 0)
		fail_msg("deploy/hakomail.conf: %s", err.message);
	assert_true(cfg.warn_disk_percent == dflt.warn_disk_percent);
	assert_true(cfg.warn_disk_days == dflt.warn_disk_days);
	assert_int_equal(cfg.warn_queue_deferred, dflt.warn_queue_deferred);
	assert_int_equal(cfg.warn_queue_age, dflt.warn_queue_age);
	assert_true(cfg.warn_mailbox_percent == dflt.warn_mailbox_percent);
	assert_string_equal(cfg.warn_mail_to, dflt.warn_mail_to);
	assert_string_equal(cfg.warn_sendmail, dflt.warn_sendmail);
	assert_int_equal(cfg.require_totp, dflt.require_totp);
	assert_string_equal(cfg.ldap.uri, "");
	assert_string_equal(cfg.ldap.filter, dflt.ldap.filter);
	assert_int_equal(cfg.ldap.timeout, dflt.ldap.timeout);
	assert_int_equal(cfg.ldap.starttls, 0);
	assert_string_equal(cfg.dns.resolver, "");
	assert_int_equal(cfg.dns.timeout, 5);
	assert_int_equal(cfg.dns.check_interval, 0);
	assert_string_equal(cfg.dns.dmarc_rua, "");
	assert_string_equal(cfg.dns.tlsrpt_rua, "");
	assert_int_equal(cfg.fcgi_workers, 4);
	assert_int_equal(cfg.fcgi_threads, 2);
}

/* [auth] require_totp: none by default, each word read as given. */
static void
test_require_totp(void **state)
{
	struct hk_config cfg;
	struct hk_err err;

	(void)state;
	assert_int_equal(load("", &cfg, &err), 0);
	assert_int_equal(cfg.require_totp, CONF_TOTP_NONE);
	assert_int_equal(load("[auth]\nrequire_totp = operators\n", &cfg,
			      &err), 0);
	assert_int_equal(cfg.require_totp, CONF_TOTP_OPERATORS);
	assert_int_equal(load("[auth]\nrequire_totp = all\n", &cfg, &err), 0);
	assert_int_equal(cfg.require_totp, CONF_TOTP_ALL);
	assert_int_equal(load("[auth]\nrequire_totp = none\n", &cfg, &err),
			 0);
	assert_int_equal(cfg.require_totp, CONF_TOTP_NONE);
}

/* Each refusal names the setting and the line it is on. */
static void
refused(const char *text, const char *field, enum hk_reason reason,
	const char *line)
{
	struct hk_config cfg;
	struct hk_err err;

	assert_int_equal(load(text, &cfg, &err), -1);
	assert_int_equal(err.code, HK_EINVAL);
	assert_string_equal(err.field, field);
	assert_int_equal(err.reason, reason);
	if (strstr(err.message, line) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.message, line);
}

/* A secret's file holding text, mode mode; its path in out. */
static void
secret_file(char out[64], const char *text, mode_t mode)
{
	int fd;

	snprintf(out, 64, "/tmp/hk-secret-XXXXXX");
	fd = mkstemp(out);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

/* [ldap]: no directory by default; a directory as given, the service
 * password read from its file without the final newline. */
static void
test_ldap(void **state)
{
	struct hk_config cfg;
	struct hk_err err;
	char text[1024], pw[64];

	(void)state;
	assert_int_equal(load("", &cfg, &err), 0);
	assert_string_equal(cfg.ldap.uri, "");
	assert_string_equal(cfg.ldap.filter, "(uid=%s)");
	assert_int_equal(cfg.ldap.timeout, 5);
	assert_string_equal(cfg.ldap.bind_password, "");
	secret_file(pw, "s3cret with spaces\r\n", 0640);
	snprintf(text, sizeof(text), "[ldap]\nuri = ldaps://ldap.example.org\n"
		 "ca_file = /etc/ssl/ca.pem\nbase = ou=people,dc=example,dc=org\n"
		 "filter = (&(objectClass=inetOrgPerson)(mail=%%s))\n"
		 "bind_dn = cn=panel,dc=example,dc=org\n"
		 "bind_password_file = %s\ntimeout = 2\n", pw);
	assert_int_equal(load(text, &cfg, &err), 0);
	assert_string_equal(cfg.ldap.uri, "ldaps://ldap.example.org");
	assert_int_equal(cfg.ldap.starttls, 0);
	assert_string_equal(cfg.ldap.ca_file, "/etc/ssl/ca.pem");
	assert_string_equal(cfg.ldap.base, "ou=people,dc=example,dc=org");
	assert_string_equal(cfg.ldap.filter,
			    "(&(objectClass=inetOrgPerson)(mail=%s))");
	assert_string_equal(cfg.ldap.bind_dn, "cn=panel,dc=example,dc=org");
	assert_string_equal(cfg.ldap.bind_password_file, pw);
	assert_string_equal(cfg.ldap.bind_password, "s3cret with spaces");
	assert_int_equal(cfg.ldap.timeout, 2);
	unlink(pw);
	assert_int_equal(load("[ldap]\nuri = ldap://ldap.example.org:3389\n"
			      "starttls = yes\nca_file = /ca.pem\nbase = o=x\n",
			      &cfg, &err), 0);
	assert_int_equal(cfg.ldap.starttls, 1);
	assert_string_equal(cfg.ldap.bind_dn, "");
	/* no password in a message, even a refused file's */
	secret_file(pw, "xyzzy-pw\nline two\n", 0600);
	snprintf(text, sizeof(text), "[ldap]\nbind_password_file = %s\n", pw);
	assert_int_equal(load(text, &cfg, &err), -1);
	assert_int_equal(err.reason, HK_R_conf_secret_bad);
	assert_null(strstr(err.message, "xyzzy"));
	unlink(pw);
}

static void
test_refused(void **state)
{
	(void)state;
	refused("[warn]\n\ndisk_percent = 101\n", "disk_percent",
		HK_R_conf_not_number, "line 3)");
	refused("[warn]\ndisk_percent = nan\n", "disk_percent",
		HK_R_conf_not_number, "line 2)");
	refused("[warn]\ndisk_percent = 85%\n", "disk_percent",
		HK_R_conf_not_number, "line 2)");
	refused("[warn]\ndisk_days = -1\n", "disk_days",
		HK_R_conf_not_number, "line 2)");
	refused("[warn]\nmailbox_percent = 0\n", "mailbox_percent",
		HK_R_conf_not_number, "line 2)");
	refused("[warn]\nqueue_deferred = 1.5\n", "queue_deferred",
		HK_R_conf_not_number, "line 2)");
	refused("[warn]\nqueue_age = 0\n", "queue_age",
		HK_R_conf_not_number, "line 2)");
	refused("[fcgi]\nthreads = 0\n", "threads", HK_R_conf_not_number,
		"line 2)");
	refused("[fcgi]\nthreads = 65\n", "threads", HK_R_conf_not_number,
		"line 2)");
	refused("[warn]\nmail_to = ops\n", "mail_to",
		HK_R_conf_not_address, "line 2)");
	refused("[warn]\nmail_to = a@b.example, c@d.example\n", "mail_to",
		HK_R_conf_not_address, "line 2)");
	refused("[warn]\nsendmail = sendmail\n", "sendmail",
		HK_R_conf_not_absolute, "line 2)");
	refused("[warn]\nsendmail =\n", "sendmail",
		HK_R_conf_not_absolute, "line 2)");
	refused("[warn]\ndisk_percnt = 80\n", "disk_percnt",
		HK_R_conf_unknown, "line 2)");
	refused("[auth]\nrequire_totp = admins\n", "require_totp",
		HK_R_conf_not_one_of, "line 2)");
	refused("[auth]\nrequire_totp =\n", "require_totp",
		HK_R_conf_not_one_of, "line 2)");
}

/* [ldap]'s keys one by one, at their line. */
static void
test_ldap_refused(void **state)
{
	static const char *const filters[] = { "uid=%s", "(uid=%s", "(uid=x)",
		"(uid=%s)(cn=%s)", "(|(uid=%s)(mail=%s))", "(uid=%d)",
		"(uid=%s))(", "(uid=%s%)", "(uid=%%s)", "()", "", NULL };
	char text[256], pw[64];

	(void)state;
	for (int i = 0; filters[i] != NULL; i++) {
		snprintf(text, sizeof(text), "[ldap]\n\nfilter = %s\n",
			 filters[i]);
		refused(text, "filter", HK_R_conf_ldap_filter, "line 3)");
	}
	refused("[ldap]\nuri = http://ldap.example.org\n", "uri",
		HK_R_conf_ldap_uri, "line 2)");
	refused("[ldap]\nuri = ldapi:///run/slapd/ldapi\n", "uri",
		HK_R_conf_ldap_uri, "line 2)");
	refused("[ldap]\nuri = ldaps://a.example ldaps://b.example\n", "uri",
		HK_R_conf_ldap_uri, "line 2)");
	refused("[ldap]\nstarttls = true\n", "starttls",
		HK_R_conf_not_one_of, "line 2)");
	refused("[ldap]\nca_file = ca.pem\n", "ca_file",
		HK_R_conf_not_absolute, "line 2)");
	refused("[ldap]\nbase =\n", "base", HK_R_conf_empty, "line 2)");
	refused("[ldap]\ntimeout = 0\n", "timeout", HK_R_conf_not_number,
		"line 2)");
	refused("[ldap]\ntimeout = 61\n", "timeout", HK_R_conf_not_number,
		"line 2)");
	refused("[ldap]\nbind_password_file = ldap.pw\n",
		"bind_password_file", HK_R_conf_not_absolute, "line 2)");
	refused("[ldap]\nbind_password_file = /nonexistent/ldap.pw\n",
		"bind_password_file", HK_R_conf_secret_unreadable, "line 2)");
	refused("[ldap]\nbind_password_file = /tmp\n", "bind_password_file",
		HK_R_conf_secret_bad, "line 2)");
	/* readable by others; empty; a second line */
	secret_file(pw, "s3cret\n", 0644);
	snprintf(text, sizeof(text), "[ldap]\nbind_password_file = %s\n", pw);
	refused(text, "bind_password_file", HK_R_conf_secret_exposed,
		"line 2)");
	unlink(pw);
	secret_file(pw, "\n", 0600);
	snprintf(text, sizeof(text), "[ldap]\nbind_password_file = %s\n", pw);
	refused(text, "bind_password_file", HK_R_conf_secret_bad, "line 2)");
	unlink(pw);
	secret_file(pw, "s3cret\nmore\n", 0600);
	snprintf(text, sizeof(text), "[ldap]\nbind_password_file = %s\n", pw);
	refused(text, "bind_password_file", HK_R_conf_secret_bad, "line 2)");
	unlink(pw);
}

/* [ldap]'s keys together, once the file is read: the key named, and the
 * file. */
static void
test_ldap_together(void **state)
{
	char text[256], pw[64];

	(void)state;
	refused("[ldap]\nuri = ldap://ldap.example.org\nca_file = /ca.pem\n"
		"base = o=x\n", "uri", HK_R_conf_ldap_cleartext, "/tmp/hk-conf-");
	refused("[ldap]\nuri = ldap://ldap.example.org\nstarttls = no\n"
		"ca_file = /ca.pem\nbase = o=x\n", "uri",
		HK_R_conf_ldap_cleartext, "/tmp/hk-conf-");
	refused("[ldap]\nuri = LDAPS://ldap.example.org\nstarttls = yes\n"
		"ca_file = /ca.pem\nbase = o=x\n", "starttls",
		HK_R_conf_ldap_starttls, "/tmp/hk-conf-");
	refused("[ldap]\nuri = ldaps://ldap.example.org\nca_file = /ca.pem\n",
		"base", HK_R_conf_ldap_needs, "/tmp/hk-conf-");
	refused("[ldap]\nuri = ldaps://ldap.example.org\nbase = o=x\n",
		"ca_file", HK_R_conf_ldap_needs, "/tmp/hk-conf-");
	refused("[ldap]\nuri = ldaps://ldap.example.org\nbase = o=x\n"
		"ca_file = /ca.pem\nbind_dn = cn=panel,o=x\n",
		"bind_password_file", HK_R_conf_ldap_needs, "/tmp/hk-conf-");
	secret_file(pw, "s3cret", 0600);
	snprintf(text, sizeof(text), "[ldap]\nuri = ldaps://l.example\n"
		 "base = o=x\nca_file = /ca.pem\nbind_password_file = %s\n",
		 pw);
	refused(text, "bind_dn", HK_R_conf_ldap_needs, "/tmp/hk-conf-");
	unlink(pw);
}

#define KEY_HEX "000102030405060708090a0b0c0d0e0f" \
	"F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF"

/* [dkim]: no key file by default; a key file of 64 hex digits (a final
 * newline or none) read into the key when it is 0600 or 0640. */
static void
test_dkim(void **state)
{
	static const mode_t modes[] = { 0600, 0640, 0400, 0440 };
	struct hk_config cfg;
	struct hk_err err;
	char text[256], kf[64];

	(void)state;
	assert_int_equal(load("", &cfg, &err), 0);
	assert_string_equal(cfg.dkim.key_file, "");
	assert_int_equal(cfg.dkim.rsa_bits, 2048);
	assert_int_equal(cfg.dkim.retire_days, 7);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		secret_file(kf, i % 2 ? KEY_HEX "\n" : KEY_HEX, modes[i]);
		snprintf(text, sizeof(text), "[dkim]\nkey_file = %s\n"
			 "rsa_bits = 3072\nretire_days = 2\n", kf);
		if (load(text, &cfg, &err) != 0)
			fail_msg("mode %04o: %s", (unsigned)modes[i],
				 err.message);
		unlink(kf);
		assert_string_equal(cfg.dkim.key_file, kf);
		assert_int_equal(cfg.dkim.key[0], 0x00);
		assert_int_equal(cfg.dkim.key[15], 0x0f);
		assert_int_equal(cfg.dkim.key[16], 0xf0);
		assert_int_equal(cfg.dkim.key[31], 0xff);
		assert_int_equal(cfg.dkim.rsa_bits, 3072);
		assert_int_equal(cfg.dkim.retire_days, 2);
	}
}

/* A key file refused naming [dkim] key_file, the file and what is
 * wrong. */
static void
dkim_refused(const char *content, mode_t mode, enum hk_reason reason)
{
	char text[256], kf[64];

	secret_file(kf, content, mode);
	snprintf(text, sizeof(text), "[dkim]\nkey_file = %s\n", kf);
	refused(text, "key_file", reason, kf);
	unlink(kf);
}

static void
test_dkim_refused(void **state)
{
	char text[256], kf[64], link[80];

	(void)state;
	/* others may read it; its group may write it */
	dkim_refused(KEY_HEX, 0644, HK_R_conf_secret_exposed);
	dkim_refused(KEY_HEX, 0604, HK_R_conf_secret_exposed);
	dkim_refused(KEY_HEX, 0660, HK_R_conf_key_group_write);
	dkim_refused(KEY_HEX, 0620, HK_R_conf_key_group_write);
	/* not 64 hex digits */
	dkim_refused("", 0600, HK_R_conf_key_hex);
	dkim_refused(KEY_HEX "00", 0600, HK_R_conf_key_hex);
	dkim_refused("000102030405060708090a0b0c0d0e0f", 0600,
		     HK_R_conf_key_hex);
	dkim_refused("g00102030405060708090a0b0c0d0e0f"
		     "F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF", 0600,
		     HK_R_conf_key_hex);
	dkim_refused(KEY_HEX "\n\n", 0600, HK_R_conf_key_hex);
	dkim_refused(" " KEY_HEX, 0600, HK_R_conf_key_hex);
	/* a symbolic link to a good file; a directory; none; relative */
	secret_file(kf, KEY_HEX, 0600);
	snprintf(link, sizeof(link), "%s.link", kf);
	assert_int_equal(symlink(kf, link), 0);
	snprintf(text, sizeof(text), "[dkim]\nkey_file = %s\n", link);
	refused(text, "key_file", HK_R_conf_key_symlink, link);
	unlink(link);
	unlink(kf);
	refused("[dkim]\nkey_file = /tmp\n", "key_file",
		HK_R_conf_key_not_file, "/tmp");
	refused("[dkim]\nkey_file = /nonexistent/dkim.key\n", "key_file",
		HK_R_conf_secret_unreadable, "/nonexistent/dkim.key");
	refused("[dkim]\nkey_file = dkim.key\n", "key_file",
		HK_R_conf_not_absolute, "line 2)");
	/* RSA sizes dkim_key makes */
	refused("[dkim]\nrsa_bits = 512\n", "rsa_bits", HK_R_conf_not_number,
		"line 2)");
	refused("[dkim]\nrsa_bits = 8192\n", "rsa_bits",
		HK_R_conf_not_number, "line 2)");
	refused("[dkim]\nrsa_bits = 1500\n", "rsa_bits",
		HK_R_conf_not_one_of, "/tmp/hk-conf-");
	refused("[dkim]\nretire_days = -1\n", "retire_days",
		HK_R_conf_not_number, "line 2)");
}

/* [dns]: the defaults, values read as given (the addresses canonical),
 * and each bad one refused at its line. */
static void
test_dns(void **state)
{
	static const char *const bad[] = { "dns.example.org", "192.0.2.1@",
		"192.0.2.1@0", "192.0.2.1@65536", "192.0.2.1@53x",
		"192.0.2.0/24", "[2001:db8::1]:53", "@53", "192.0.2.1 53",
		"2001:db8::1%eth0", NULL };
	struct hk_config cfg;
	struct hk_err err;
	char text[256];

	(void)state;
	assert_int_equal(load("", &cfg, &err), 0);
	assert_string_equal(cfg.dns.resolver, "");
	assert_int_equal(cfg.dns.timeout, 5);
	assert_int_equal(cfg.dns.check_interval, 0);
	assert_int_equal(load("[dns]\ncheck_interval = 86400\n", &cfg, &err),
			 0);
	assert_int_equal(cfg.dns.check_interval, 86400);
	assert_int_equal(load("[dns]\nresolver = 192.0.2.53\ntimeout = 60\n"
			      "dmarc_rua = DMARC@Example.NET\n"
			      "tlsrpt_rua = tls@example.net\n", &cfg, &err), 0);
	assert_string_equal(cfg.dns.resolver, "192.0.2.53");
	assert_int_equal(cfg.dns.timeout, 60);
	assert_string_equal(cfg.dns.dmarc_rua, "dmarc@example.net");
	assert_string_equal(cfg.dns.tlsrpt_rua, "tls@example.net");
	assert_int_equal(load("[dns]\nresolver = 2001:db8::53@5353\n", &cfg,
			      &err), 0);
	assert_string_equal(cfg.dns.resolver, "2001:db8::53@5353");
	assert_int_equal(load("[dns]\nresolver = 10.78.1.2@53\n", &cfg, &err),
			 0);
	for (int i = 0; bad[i] != NULL; i++) {
		snprintf(text, sizeof(text), "[dns]\n\nresolver = %s\n", bad[i]);
		refused(text, "resolver", HK_R_conf_dns_resolver, "line 3)");
	}
	refused("[dns]\ntimeout = 0\n", "timeout", HK_R_conf_not_number,
		"line 2)");
	refused("[dns]\ntimeout = 61\n", "timeout", HK_R_conf_not_number,
		"line 2)");
	refused("[dns]\ncheck_interval = -1\n", "check_interval",
		HK_R_conf_not_number, "line 2)");
	refused("[dns]\ncheck_interval = 2592001\n", "check_interval",
		HK_R_conf_not_number, "line 2)");
	refused("[dns]\ndmarc_rua = mailto:x@example.net\n", "dmarc_rua",
		HK_R_conf_not_address, "line 2)");
	refused("[dns]\ntlsrpt_rua = nobody\n", "tlsrpt_rua",
		HK_R_conf_not_address, "line 2)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_deploy_file),
		cmocka_unit_test(test_require_totp),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_ldap),
		cmocka_unit_test(test_ldap_refused),
		cmocka_unit_test(test_ldap_together),
		cmocka_unit_test(test_dkim),
		cmocka_unit_test(test_dkim_refused),
		cmocka_unit_test(test_dns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
