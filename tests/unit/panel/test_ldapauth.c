/* SPDX-License-Identifier: ISC */
/*
 * test_ldapauth.c - ldapauth.c against a real slapd (tests/slapd.sh: its
 * own CA, ldaps:// and ldap:// with StartTLS on loopback), each check over
 * both: the right password, a wrong one, an unknown login, an empty
 * password (refused without asking: even a directory that is down gives
 * no error), logins that would be filter syntax, the service account and
 * its password file, an untrusted CA, a server that never answers and a
 * stopped directory (-1, directory_unreachable, within the timeout).
 * Without Debian's slapd (deploy/install-deps.sh --test) the test fails.
 *
 * HK_TEST_SLAPD_DIR: where slapd's directory goes (default /tmp);
 * HK_TEST_SLAPD_PORTS="LDAP LDAPS": its ports (default: two free ones).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "fcgi/api.h"
#include "ldapauth.h"
#include "pwhash.h"
#include "../fixture.h"
#include "../fcgi/exchange.h"
#include "subproc.h"

#define SLAPD_SH	HK_TOP_SRCDIR "/tests/slapd.sh"
#define MATSUI_PW	"matsui directory pw"
#define PEOPLE		"ou=people,dc=example,dc=org"
#define TIMEOUT		3	/* [ldap] timeout in these tests */

static char dir[256];
static int port, sport;	/* slapd's ldap:// and ldaps:// */

/* A port nobody listens on now, from the kernel. */
static int
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), p;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	p = ntohs(sa.sin_port);
	close(fd);
	return p;
}

static int
slapd(const char *verb)
{
	char p1[16], p2[16];
	char *argv[] = { SLAPD_SH, (char *)verb, dir, p1, p2, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct subproc_result res;
	struct hk_err err;
	int ok;

	snprintf(p1, sizeof(p1), "%d", port);
	snprintf(p2, sizeof(p2), "%d", sport);
	if (strcmp(verb, "stop") == 0)
		argv[3] = NULL;
	ok = subproc_run(argv, envp, NULL, 0, 120000, 65536, &res, &err) == 0
	    && subproc_ok(&res);
	if (!ok)
		print_error("slapd.sh %s: %s\n", verb, res.errout.data ?
			    res.errout.data : err.message);
	subproc_result_free(&res);
	return ok ? 0 : -1;
}

static int
group_setup(void **state)
{
	const char *parent = getenv("HK_TEST_SLAPD_DIR"),
		   *ports = getenv("HK_TEST_SLAPD_PORTS");

	(void)state;
	/* what libldap reads from the environment (and ldap.conf) at its
	 * first use must not weaken a check: test_untrusted_ca */
	if (setenv("LDAPTLS_REQCERT", "never", 1) != 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/hk-slapd-XXXXXX",
		 parent ? parent : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	if (ports == NULL || sscanf(ports, "%d %d", &port, &sport) != 2) {
		port = free_port();
		sport = free_port();
	}
	return slapd("start");
}

static int
group_teardown(void **state)
{
	(void)state;
	return slapd("stop");
}

/* [ldap] for slapd over ldaps:// (1) or ldap:// with StartTLS (0), then
 * extra lines (a key again replaces it), through conf_load. */
static void
load(struct hk_config *cfg, int ldaps, const char *extra)
{
	char path[64] = "/tmp/hk-ldapconf-XXXXXX";
	struct hk_err err;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	assert_non_null(f);
	if (ldaps)
		fprintf(f, "[ldap]\nuri = ldaps://127.0.0.1:%d\n", sport);
	else
		fprintf(f, "[ldap]\nuri = ldap://127.0.0.1:%d\nstarttls = yes\n",
			port);
	fprintf(f, "ca_file = %s/ca.pem\nbase = " PEOPLE "\ntimeout = %d\n%s",
		dir, TIMEOUT, extra ? extra : "");
	assert_int_equal(fclose(f), 0);
	fd = conf_load(cfg, path, &err);
	unlink(path);
	if (fd != 0)
		fail_msg("conf_load: %s", err.message);
}

/* ldapauth_check, and the password is in no word of err. */
static int
check(const struct hk_config *cfg, const char *login, const char *pw,
      struct hk_err *err)
{
	int rc;

	hk_err_clear(err);
	rc = ldapauth_check(&cfg->ldap, login, pw, err);
	if (pw[0] != '\0' && strstr(err->message, pw) != NULL)
		fail_msg("the password is in \"%s\"", err->message);
	for (int i = 0; pw[0] != '\0' && i < err->nparams; i++)
		if (strstr(err->params[i].value, pw) != NULL)
			fail_msg("the password is in {%s}", err->params[i].name);
	return rc;
}

/* login/pw gives want over ldaps:// and over StartTLS, a refusal with
 * reason (HK_R_none: no refusal). */
static void
both(const char *extra, const char *login, const char *pw, int want,
     enum hk_reason reason)
{
	struct hk_config cfg;
	struct hk_err err;

	for (int ldaps = 0; ldaps < 2; ldaps++) {
		load(&cfg, ldaps, extra);
		if (check(&cfg, login, pw, &err) != want)
			fail_msg("%s over %s: not %d: %s", login, cfg.ldap.uri,
				 want, err.message);
		if (want == 0) {
			assert_int_equal(err.code, HK_EAUTH);
			assert_string_equal(hk_reason_name(err.reason),
					    hk_reason_name(reason));
		}
	}
}

static void
test_right_password(void **state)
{
	(void)state;
	both(NULL, "matsui", MATSUI_PW, 1, HK_R_none);
	both(NULL, "tanaka", "tanaka-pw", 1, HK_R_none);
	/* the filter is the operator's, with %s where the login goes */
	both("filter = (&(objectClass=inetOrgPerson)(uid=%s))\n", "tanaka",
	     "tanaka-pw", 1, HK_R_none);
}

static void
test_refused(void **state)
{
	(void)state;
	both(NULL, "matsui", "matsui directory p", 0,
	     HK_R_directory_wrong_password);
	both(NULL, "matsui", "tanaka-pw", 0, HK_R_directory_wrong_password);
	both(NULL, "tanaka", MATSUI_PW, 0, HK_R_directory_wrong_password);
	both(NULL, "nobody", MATSUI_PW, 0, HK_R_directory_not_one);
	/* sato is under ou=staff, outside the base */
	both(NULL, "sato", "sato-pw", 0, HK_R_directory_not_one);
}

/* An empty password is an anonymous bind, which "succeeds": refused
 * before any connection, so a directory that is down refuses it too. */
static void
test_empty_password(void **state)
{
	struct hk_config cfg;
	struct hk_err err;
	char extra[128];

	(void)state;
	both(NULL, "matsui", "", 0, HK_R_required);
	both(NULL, "", MATSUI_PW, 0, HK_R_required);
	snprintf(extra, sizeof(extra), "uri = ldaps://127.0.0.1:%d\n",
		 free_port());
	load(&cfg, 1, extra);
	assert_int_equal(check(&cfg, "matsui", "", &err), 0);
	assert_string_equal(err.field, "password");
	assert_int_equal(err.reason, HK_R_required);
	assert_int_equal(check(&cfg, "matsui", MATSUI_PW, &err), -1);
	assert_int_equal(err.reason, HK_R_directory_unreachable);
}

/* A login is a value, never filter syntax: what would widen or rewrite
 * the filter finds nothing, and a login made of those characters finds
 * exactly its entry. */
static void
test_filter_injection(void **state)
{
	static const char *const logins[] = { "*", "mat*", "*atsui",
		"matsui)(|(uid=*", "matsui)(uid=*", "*)(uid=*))(|(uid=*",
		"matsui\\", "matsui\\2a", "\\2a", "matsui)", NULL };
	const char *and = "filter = (&(objectClass=inetOrgPerson)(uid=%s))\n";

	(void)state;
	for (int i = 0; logins[i] != NULL; i++) {
		both(NULL, logins[i], MATSUI_PW, 0, HK_R_directory_not_one);
		both(and, logins[i], MATSUI_PW, 0, HK_R_directory_not_one);
	}
	both(NULL, "w*(e)\\ird", "odd-pw", 1, HK_R_none);
	both(and, "w*(e)\\ird", "odd-pw", 1, HK_R_none);
	both(NULL, "w*", "odd-pw", 0, HK_R_directory_not_one);
}

static void
filter_is(const char *tmpl, const char *login, size_t len, const char *want)
{
	struct strbuf sb;

	strbuf_init(&sb, 0);
	assert_int_equal(ldapauth_filter(tmpl, login, len, &sb), 0);
	assert_string_equal(strbuf_str(&sb), want);
	strbuf_free(&sb);
}

/* RFC 4515's escapes, a NUL inside the login included. */
static void
test_filter_escapes(void **state)
{
	struct strbuf sb;

	(void)state;
	filter_is("(uid=%s)", "matsui", 6, "(uid=matsui)");
	filter_is("(uid=%s)", "*()\\", 4, "(uid=\\2a\\28\\29\\5c)");
	filter_is("(uid=%s)", "matsui\0*", 8, "(uid=matsui\\00\\2a)");
	filter_is("(&(o=x)(mail=%s))", "a b@c", 5, "(&(o=x)(mail=a\\20b@c))");
	filter_is("(uid=%s)", "\xe3\x81\x82\n", 4, "(uid=\\e3\\81\\82\\0a)");
	filter_is("(uid=%s)", "", 0, "(uid=)");
	strbuf_init(&sb, 11);
	assert_int_equal(ldapauth_filter("(uid=%s)", "abcdef", 6, &sb), -1);
	strbuf_free(&sb);
}

/* path holding text, mode 0600 (a secret's file). */
static void
put_secret(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fchmod(fileno(f), 0600), 0);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* Only a bound service account may read ou=staff: anonymously sato is
 * not found; as cn=panel (its password read from a file) it is, and a
 * uid in both subtrees is refused as not one entry. */
static void
test_service_account(void **state)
{
	char extra[512];
	struct hk_config cfg;
	struct hk_err err;

	(void)state;
	both("base = dc=example,dc=org\n", "sato", "sato-pw", 0,
	     HK_R_directory_not_one);
	both("base = dc=example,dc=org\n", "twin", "twin-pw", 1, HK_R_none);
	snprintf(extra, sizeof(extra), "base = dc=example,dc=org\n"
		 "bind_dn = cn=panel,ou=services,dc=example,dc=org\n"
		 "bind_password_file = %s/service.pw\n", dir);
	both(extra, "sato", "sato-pw", 1, HK_R_none);
	both(extra, "matsui", MATSUI_PW, 1, HK_R_none);
	both(extra, "sato", "sato-pw ", 0, HK_R_directory_wrong_password);
	both(extra, "twin", "twin-pw", 0, HK_R_directory_not_one);
	/* a service password that is not the service's: -1 */
	snprintf(extra, sizeof(extra), "%s/wrong.pw", dir);
	put_secret(extra, "not the service's\n");
	snprintf(extra, sizeof(extra), "bind_dn = cn=panel,ou=services,"
		 "dc=example,dc=org\nbind_password_file = %s/wrong.pw\n", dir);
	for (int ldaps = 0; ldaps < 2; ldaps++) {
		load(&cfg, ldaps, extra);
		assert_int_equal(check(&cfg, "matsui", MATSUI_PW, &err), -1);
		assert_int_equal(err.code, HK_EUNAVAIL);
		assert_int_equal(err.reason, HK_R_directory_service_refused);
		assert_non_null(strstr(err.message, "cn=panel,ou=services"));
		assert_null(strstr(err.message, "not the service's"));
	}
	/* a base that does not exist: the directory's error, -1 */
	for (int ldaps = 0; ldaps < 2; ldaps++) {
		load(&cfg, ldaps, "base = ou=nowhere,dc=example,dc=org\n");
		assert_int_equal(check(&cfg, "matsui", MATSUI_PW, &err), -1);
		assert_int_equal(err.code, HK_EUNAVAIL);
		assert_int_equal(err.reason, HK_R_directory_failed);
	}
}

/* -1, unreachable, naming the URI; in seconds. */
static double
unreachable(const struct hk_config *cfg, const char *what)
{
	struct timespec t0, t1;
	struct hk_err err;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(check(cfg, "matsui", MATSUI_PW, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(err.code, HK_EUNAVAIL);
	assert_string_equal(hk_reason_name(err.reason),
			    "directory_unreachable");
	assert_non_null(strstr(err.message, cfg->ldap.uri));
	print_message("%s over %s: -1 after %.3f s: %s\n", what,
		      cfg->ldap.uri, s, err.message);
	return s;
}

/* A certificate signed by a CA that is not ca_file's: no TLS, no
 * password sent, though LDAPTLS_REQCERT=never is in the environment. */
static void
test_untrusted_ca(void **state)
{
	struct hk_config cfg;
	char extra[300];
	struct hk_err err;

	(void)state;
	snprintf(extra, sizeof(extra), "ca_file = %s/other-ca.pem\n", dir);
	for (int ldaps = 0; ldaps < 2; ldaps++) {
		load(&cfg, ldaps, extra);
		unreachable(&cfg, "an untrusted CA");
	}
	/* no ca_file at all: no TLS, and the file named */
	snprintf(extra, sizeof(extra), "ca_file = %s/none.pem\n", dir);
	for (int ldaps = 0; ldaps < 2; ldaps++) {
		load(&cfg, ldaps, extra);
		assert_int_equal(check(&cfg, "matsui", MATSUI_PW, &err), -1);
		assert_int_equal(err.code, HK_EUNAVAIL);
		assert_int_equal(err.reason, HK_R_directory_failed);
		assert_non_null(strstr(err.message, "ca_file"));
	}
}

static int
sign_in(struct fixture *f, const struct hk_config *cfg, const char *login,
	const char *password, struct exchange *x)
{
	static char body[160];

	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":"
		 "\"%s\"}", login, password);
	json_decref(x->json);
	*x = ex("POST", "/api/v1/session", body);
	return exchange_send(f, cfg, x);
}

static void
add_account(struct fixture *f, const char *login, const char *project,
	    const char *hash, int directory)
{
	struct account_in in = { login, project ? "owner" : "admin", project,
				 hash, directory };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_account_add(f->db, &f->admin, &in, &obj, &err) != 0)
		fail_msg("account %s: %s", login, err.message);
	json_decref(obj);
}

/* The panel's sign-in through the directory: a directory account signs
 * in with the directory's password (not a panel account of the same
 * name in the directory: the panel makes accounts); with the directory
 * down it is told so (503, no URI, nothing counted) while the panel's own
 * accounts still sign in. */
static void
test_signin_through_directory(void **state)
{
	struct exchange x = ex(NULL, NULL, NULL);
	struct hk_config cfg;
	char hash[PWHASH_MAX], extra[80];
	struct hk_err err;
	struct fixture *f;
	void *st = NULL;
	int64_t failures;

	(void)state;
	fixture_setup(&st);
	f = st;
	assert_int_equal(pwhash_make("local-password-1", hash, &err), 0);
	add_account(f, "tanaka", "lab", NULL, 1);
	add_account(f, "localop", NULL, hash, 0);
	load(&cfg, 1, NULL);
	snprintf(cfg.wake_socket, sizeof(cfg.wake_socket), "/nonexistent");
	assert_int_equal(sign_in(f, &cfg, "tanaka", "tanaka-pw", &x), 201);
	assert_string_equal(json_string_value(json_object_get(x.json,
			    "role")), "owner");
	assert_int_equal(sign_in(f, &cfg, "tanaka", "local-password-1", &x),
			 401);
	assert_int_equal(sign_in(f, &cfg, "matsui", "matsui directory pw",
				 &x), 401);
	assert_int_equal(sign_in(f, &cfg, "localop", "local-password-1", &x),
			 201);
	assert_int_equal(sign_in(f, &cfg, "localop", "tanaka-pw", &x), 401);
	/* down: nothing listens there */
	failures = fixture_int(f, "SELECT COALESCE(SUM(failures), 0) FROM "
			       "login_throttle");
	snprintf(extra, sizeof(extra), "uri = ldaps://127.0.0.1:%d\n",
		 free_port());
	load(&cfg, 1, extra);
	snprintf(cfg.wake_socket, sizeof(cfg.wake_socket), "/nonexistent");
	assert_int_equal(sign_in(f, &cfg, "tanaka", "tanaka-pw", &x), 503);
	assert_non_null(strstr(x.message, "directory"));
	assert_null(strstr(x.message, "127.0.0.1"));
	assert_int_equal(fixture_int(f, "SELECT COALESCE(SUM(failures), 0) "
				     "FROM login_throttle"), failures);
	assert_int_equal(sign_in(f, &cfg, "localop", "local-password-1", &x),
			 201);
	json_decref(x.json);
	fixture_teardown(&st);
}

struct slow {
	const char *url;
	const struct hk_config *cfg;
	int status;
};

static void *
slow_sign_in(void *arg)
{
	struct slow *s = arg;
	struct exchange x = ex(NULL, NULL, NULL);
	struct fixture mine;
	struct hk_err err;

	memset(&mine, 0, sizeof(mine));
	mine.db = db_open(s->url, &err);
	if (mine.db != NULL)
		s->status = sign_in(&mine, s->cfg, "tanaka", "tanaka-pw", &x);
	json_decref(x.json);
	db_close(mine.db);
	return NULL;
}

/* While a silent directory keeps a sign-in waiting, the database takes
 * other writes: the directory is asked outside the sign-in's write
 * transaction (on SQLite that one holds every writer's lock).  The write
 * is made once the directory has the sign-in's connection, and the
 * connection must still be open after it: the sign-in was still
 * waiting, not done and out of the way. */
static void
test_slow_directory_holds_no_lock(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct hk_config cfg;
	struct slow s = { NULL, &cfg, 0 };
	char extra[80], buf[4096];
	struct hk_err err;
	struct fixture *f;
	void *st = NULL;
	pthread_t t;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), cfd;
	ssize_t n;

	(void)state;
	fixture_setup(&st);
	f = st;
	s.url = f->url;
	add_account(f, "tanaka", "lab", NULL, 1);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	snprintf(extra, sizeof(extra), "uri = ldaps://127.0.0.1:%d\n",
		 ntohs(sa.sin_port));
	load(&cfg, 1, extra);
	snprintf(cfg.wake_socket, sizeof(cfg.wake_socket), "/nonexistent");
	assert_int_equal(pthread_create(&t, NULL, slow_sign_in, &s), 0);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	assert_int_equal(store_project_add(f->db, &f->admin, "other", NULL,
					   &err), 0);
	while ((n = recv(cfd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
	pthread_join(t, NULL);
	assert_int_equal(s.status, 503);
	close(cfd);
	close(lfd);
	fixture_teardown(&st);
}

/* A server that takes the connection and never answers, then the
 * directory stopped (its ports closed): -1 within the timeout (a bound,
 * generous for a loaded machine: each step may take the whole timeout). */
static void
test_directory_down(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct hk_config cfg;
	char extra[600], ca[300], *argv[] = { "/bin/cp", ca, extra, NULL };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct subproc_result res;
	struct hk_err err;

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(extra, sizeof(extra), "uri = ldaps://127.0.0.1:%d\n",
		 ntohs(sa.sin_port));
	load(&cfg, 1, extra);
	assert_true(unreachable(&cfg, "a silent server") < 3 * TIMEOUT);
	snprintf(extra, sizeof(extra), "uri = ldap://127.0.0.1:%d\n",
		 ntohs(sa.sin_port));
	load(&cfg, 0, extra);
	assert_true(unreachable(&cfg, "a silent server") < 3 * TIMEOUT);
	close(fd);

	/* the CA outlives the directory (slapd.sh stop removes its files) */
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(extra, sizeof(extra), "%s.ca.pem", dir);
	assert_int_equal(subproc_run(argv, NULL, NULL, 0, 10000, 4096, &res,
				     &err), 0);
	assert_true(subproc_ok(&res));
	subproc_result_free(&res);
	assert_int_equal(slapd("stop"), 0);
	snprintf(extra, sizeof(extra), "ca_file = %s.ca.pem\n", dir);
	for (int ldaps = 0; ldaps < 2; ldaps++) {
		load(&cfg, ldaps, extra);
		assert_true(unreachable(&cfg, "a stopped directory") <
			    3 * TIMEOUT);
	}
	snprintf(ca, sizeof(ca), "%s.ca.pem", dir);
	assert_int_equal(unlink(ca), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_escapes),
		cmocka_unit_test(test_right_password),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_empty_password),
		cmocka_unit_test(test_filter_injection),
		cmocka_unit_test(test_service_account),
		cmocka_unit_test(test_untrusted_ca),
		cmocka_unit_test(test_signin_through_directory),
		cmocka_unit_test(test_slow_directory_holds_no_lock),
		/* last: it stops the directory */
		cmocka_unit_test(test_directory_down),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
