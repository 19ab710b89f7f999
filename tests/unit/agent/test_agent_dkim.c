/* SPDX-License-Identifier: ISC */
/*
 * test_agent_dkim.c - agent_dkim.c on a temporary generation directory:
 * the tables and key files written with their contents, modes and owners;
 * keys that do not load or check, of the wrong size, or for a signing
 * user that does not exist, refused with their line and nothing left
 * that a generation would serve; the sign lines split by their key's
 * algorithm into the RSA and the Ed25519 instance's tables; the removal;
 * the pid files' checks and the reload's signal, sent as the signing
 * user to the instances whose tables changed, and to them alone.  Needs root and the user
 * "opendkim" (Debian's opendkim package); skipped otherwise.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "agent/agent_dkim.h"
#include "base64.h"
#include "strbuf.h"
#include "tree.h"

#define USER	"opendkim"

struct t {
	char dir[64];
	struct agent_conf conf;
	int dfd;
	char pidfile[96];
	char edpidfile[96];
};

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (geteuid() != 0 || getpwnam(USER) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->dir, sizeof(t->dir), "/tmp/hk-dkim-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	t->conf.statedir = "/var/lib/hakomail";
	t->conf.dkim_user = USER;
	snprintf(t->pidfile, sizeof(t->pidfile), "%s/opendkim.pid", t->dir);
	t->conf.dkim_pidfile = t->pidfile;
	snprintf(t->edpidfile, sizeof(t->edpidfile), "%s/ed.pid", t->dir);
	t->conf.dkim_ed_pidfile = t->edpidfile;
	t->dfd = open(t->dir, O_RDONLY | O_DIRECTORY);
	assert_true(t->dfd >= 0);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	close(t->dfd);
	tree_remove(t->dir);
	free(t);
	return 0;
}

/* A new key of `alg` ("RSA" with bits, or "ED25519") as base64 of its
 * PKCS#8 PEM, appended to out. */
static void
new_key(struct strbuf *out, const char *alg, size_t bits)
{
	EVP_PKEY *k = bits ? EVP_PKEY_Q_keygen(NULL, NULL, alg, bits) :
			     EVP_PKEY_Q_keygen(NULL, NULL, alg);
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long n;

	assert_non_null(k);
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL,
						  NULL), 1);
	n = BIO_get_mem_data(bio, &pem);
	assert_int_equal(base64_encode(out, pem, (size_t)n), 0);
	BIO_free(bio);
	EVP_PKEY_free(k);
}

static struct bundle_file
file_of(const struct strbuf *sb)
{
	struct bundle_file f = { "dkim", sb->data, sb->len, "", BUNDLE_WHOLE };

	return f;
}

static void
slurp(const char *path, char *buf, size_t n)
{
	FILE *fp = fopen(path, "r");
	size_t got;

	assert_non_null(fp);
	got = fread(buf, 1, n - 1, fp);
	buf[got] = '\0';
	fclose(fp);
}

static void
expect_mode(const char *path, mode_t mode, uid_t uid)
{
	struct stat sb;

	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, mode);
	assert_int_equal(sb.st_uid, uid);
}

/* t->dir/dkim/rel holds want, 0600 and the signer's. */
static void
expect_table(struct t *t, const char *rel, const char *want)
{
	char path[256], buf[4096];

	snprintf(path, sizeof(path), "%s/dkim/%s", t->dir, rel);
	slurp(path, buf, sizeof(buf));
	assert_string_equal(buf, want);
	expect_mode(path, 0600, getpwnam(USER)->pw_uid);
}

static void
test_written(void **state)
{
	struct t *t = *state;
	struct passwd *pw = getpwnam(USER);
	struct strbuf sb;
	struct bundle_file f;
	struct hk_err err;
	char path[256], buf[4096];

	strbuf_init(&sb, 0);
	strbuf_puts(&sb, "sign c.example a.example e1\nkey a.example r1 ");
	new_key(&sb, "RSA", 1024);
	strbuf_puts(&sb, "\nkey a.example e1 ");
	new_key(&sb, "ED25519", 0);
	strbuf_puts(&sb, "\nkey a.example new ");
	new_key(&sb, "ED25519", 0);
	strbuf_puts(&sb, "\nsign a.example a.example r1\nsign a.example "
		    "a.example e1\nsign b.example a.example r1\n");
	f = file_of(&sb);
	if (agent_dkim_build(&t->conf, t->dfd, t->dir, &f, &err) < 0)
		fail_msg("%s", err.message);
	expect_table(t, "KeyTable",
	    "r1._domainkey.a.example a.example:r1:/var/lib/hakomail/current/"
	    "dkim/keys/a.example/r1.pem\n"
	    "r1._domainkey.b.example b.example:r1:/var/lib/hakomail/current/"
	    "dkim/keys/a.example/r1.pem\n");
	expect_table(t, "SigningTable", "*@a.example r1._domainkey.a.example\n"
		     "*@b.example r1._domainkey.b.example\n");
	/* the Ed25519 sign line (before its key line) in the other pair */
	expect_table(t, "ed25519/KeyTable",
	    "e1._domainkey.c.example c.example:e1:/var/lib/hakomail/current/"
	    "dkim/keys/a.example/e1.pem\n"
	    "e1._domainkey.a.example a.example:e1:/var/lib/hakomail/current/"
	    "dkim/keys/a.example/e1.pem\n");
	expect_table(t, "ed25519/SigningTable",
		     "*@c.example e1._domainkey.c.example\n"
		     "*@a.example e1._domainkey.a.example\n");
	snprintf(path, sizeof(path), "%s/dkim/ed25519", t->dir);
	expect_mode(path, 0750, 0);
	snprintf(path, sizeof(path), "%s/dkim/keys/a.example/new.pem", t->dir);
	slurp(path, buf, sizeof(buf));
	assert_memory_equal(buf, "-----BEGIN PRIVATE KEY-----\n", 28);
	expect_mode(path, 0600, pw->pw_uid);
	snprintf(path, sizeof(path), "%s/dkim/keys/a.example", t->dir);
	expect_mode(path, 0750, 0);
	snprintf(path, sizeof(path), "%s/dkim", t->dir);
	expect_mode(path, 0750, 0);
	assert_int_equal(agent_dkim_remove(t->dfd, t->dir, &err), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(agent_dkim_remove(t->dfd, t->dir, &err), 0);
	strbuf_free(&sb);
}

static void
test_no_keys(void **state)
{
	struct t *t = *state;
	struct hk_err err;
	char path[256];
	struct stat sb;

	assert_int_equal(agent_dkim_build(&t->conf, t->dfd, t->dir, NULL,
					  &err), 0);
	snprintf(path, sizeof(path), "%s/dkim/KeyTable", t->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	snprintf(path, sizeof(path), "%s/dkim/SigningTable", t->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	snprintf(path, sizeof(path), "%s/dkim/ed25519/KeyTable", t->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	snprintf(path, sizeof(path), "%s/dkim/ed25519/SigningTable", t->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	/* no signing user and no keys: fine, empty tables all the same */
	assert_int_equal(agent_dkim_remove(t->dfd, t->dir, &err), 0);
	t->conf.dkim_user = "hk-no-such-user";
	assert_int_equal(agent_dkim_build(&t->conf, t->dfd, t->dir, NULL,
					  &err), 0);
	assert_int_equal(stat(path, &sb), 0);
}

/* Builds body, expecting a refusal that holds `what`. */
static void
expect_build_refused(struct t *t, struct strbuf *sb, const char *what)
{
	struct bundle_file f = file_of(sb);
	struct hk_err err;

	assert_int_equal(agent_dkim_build(&t->conf, t->dfd, t->dir, &f, &err),
			 -1);
	if (strstr(err.message, what) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", err.message, what);
	assert_int_equal(agent_dkim_remove(t->dfd, t->dir, &err), 0);
}

static void
test_refused(void **state)
{
	struct t *t = *state;
	struct strbuf sb;
	size_t mid;

	strbuf_init(&sb, 0);
	strbuf_puts(&sb, "sign a.example a.example e1\nkey a.example e1 ");
	new_key(&sb, "RSA", 512);
	strbuf_puts(&sb, "\n");
	expect_build_refused(t, &sb, "dkim line 2: the key is neither RSA "
			     "of 1024 to 4096 bits nor Ed25519");
	/* a corrupted key: one base64 symbol of the PEM's body changed */
	sb.len = 0;
	strbuf_puts(&sb, "key a.example e1 ");
	new_key(&sb, "RSA", 1024);
	mid = sb.len / 2;
	sb.data[mid] = sb.data[mid] == 'A' ? 'B' : 'A';
	strbuf_puts(&sb, "\n");
	expect_build_refused(t, &sb, "dkim line 1: ");
	sb.len = 0;
	strbuf_puts(&sb, "key a.example e1 ");
	new_key(&sb, "ED25519", 0);
	strbuf_puts(&sb, "\n");
	t->conf.dkim_user = "hk-no-such-user";
	expect_build_refused(t, &sb, "the signing user \"hk-no-such-user\" "
			     "does not exist");
	strbuf_free(&sb);
}

/* A child that sleeps as `uid` (SIGUSR1 ends it). */
static pid_t
sleeper(uid_t uid, gid_t gid)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (uid != 0 && (setgid(gid) < 0 || setuid(uid) < 0))
			_exit(2);
		for (;;)
			pause();
	}
	usleep(100000);	/* it has become the user */
	return pid;
}

static void
put_pid(struct t *t, const char *name, pid_t pid, mode_t mode)
{
	char buf[32], path[128];

	snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	(void)unlink(path);
	tree_put(t->dir, name, buf);
	assert_int_equal(chmod(path, mode), 0);
}

/* The generation directory t->dir/name, built from sb (NULL: no file). */
static int
gen(struct t *t, const char *name, struct strbuf *sb)
{
	struct bundle_file f;
	struct hk_err err;
	char dir[128];
	int fd;

	assert_int_equal(mkdirat(t->dfd, name, 0755), 0);
	fd = openat(t->dfd, name, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	snprintf(dir, sizeof(dir), "%s/%s", t->dir, name);
	if (sb != NULL)
		f = file_of(sb);
	if (agent_dkim_build(&t->conf, fd, dir, sb ? &f : NULL, &err) < 0)
		fail_msg("%s", err.message);
	return fd;
}

static void
expect_reload(struct t *t, int pfd, int nfd, struct strbuf *sb,
	      const char *what)
{
	struct bundle_file f;
	struct hk_err err;
	int rc;

	if (sb != NULL)
		f = file_of(sb);
	rc = agent_dkim_reload(&t->conf, pfd, nfd, sb ? &f : NULL, &err);
	if (what == NULL && rc != 0)
		fail_msg("%s", err.message);
	if (what != NULL && (rc == 0 || strstr(err.message, what) == NULL))
		fail_msg("rc %d, \"%s\" lacks \"%s\"", rc, err.message, what);
}

/* Whether child pid got SIGUSR1 (reaped) or still runs (not signalled). */
static int
signalled(pid_t pid)
{
	int status;
	pid_t got = waitpid(pid, &status, WNOHANG);

	for (int i = 0; got == 0 && i < 20; i++) {	/* up to 1 s */
		usleep(50000);
		got = waitpid(pid, &status, WNOHANG);
	}
	assert_true(got == 0 || got == pid);
	if (got == pid)
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1);
	return got == pid;
}

/* The RSA instance's pid file: its checks, and the signal. */
static void
test_reload(void **state)
{
	struct t *t = *state;
	struct passwd *pw = getpwnam(USER);
	struct strbuf sb;
	pid_t user, root;
	int status, empty, nfd;

	strbuf_init(&sb, 0);
	strbuf_puts(&sb, "key a.example e1 ");
	new_key(&sb, "ED25519", 0);
	strbuf_puts(&sb, "\n");
	empty = gen(t, "g1", NULL);
	nfd = gen(t, "g2", &sb);
	expect_reload(t, -1, empty, NULL, NULL); /* no pid files, no keys */
	expect_reload(t, empty, nfd, &sb, "RSA OpenDKIM's pid file");
	user = sleeper(pw->pw_uid, pw->pw_gid);
	root = sleeper(0, 0);
	put_pid(t, "opendkim.pid", user, 0666);
	expect_reload(t, -1, nfd, &sb, "writable by its owner alone");
	put_pid(t, "opendkim.pid", root, 0644);
	expect_reload(t, -1, nfd, &sb, "not a process of the signing user");
	put_pid(t, "opendkim.pid", 1, 0644);
	expect_reload(t, -1, nfd, &sb, "not a process id");
	put_pid(t, "opendkim.pid", user, 0644);
	expect_reload(t, -1, nfd, &sb, NULL);
	assert_true(signalled(user));
	expect_reload(t, -1, nfd, &sb, "no such process");
	kill(root, SIGKILL);
	assert_int_equal(waitpid(root, &status, 0), root);
	close(empty);
	close(nfd);
	strbuf_free(&sb);
}

/* Two instances: each reloaded when its own tables changed, the Ed25519
 * one needed (its pid file) once an Ed25519 key signs. */
static void
test_reload_two(void **state)
{
	struct t *t = *state;
	struct passwd *pw = getpwnam(USER);
	struct strbuf rsa, both;
	pid_t r, e;
	int g1, g2;

	strbuf_init(&rsa, 0);
	strbuf_puts(&rsa, "key a.example r1 ");
	new_key(&rsa, "RSA", 1024);
	strbuf_puts(&rsa, "\nsign a.example a.example r1\n");
	strbuf_init(&both, 0);
	strbuf_puts(&both, rsa.data);
	strbuf_puts(&both, "key a.example e1 ");
	new_key(&both, "ED25519", 0);
	strbuf_puts(&both, "\nsign a.example a.example e1\n");
	g1 = gen(t, "g1", &rsa);
	g2 = gen(t, "g2", &both);
	r = sleeper(pw->pw_uid, pw->pw_gid);
	e = sleeper(pw->pw_uid, pw->pw_gid);
	put_pid(t, "opendkim.pid", r, 0644);
	/* RSA alone: no Ed25519 instance needed (it has no pid file) */
	expect_reload(t, g1, g1, &rsa, NULL);
	assert_false(signalled(r));	/* nothing changed */
	expect_reload(t, g1, g2, &both, "an Ed25519 sign line but the "
		      "Ed25519 OpenDKIM (opendkim-hakomail-ed25519.conf)'s "
		      "pid file");
	put_pid(t, "ed.pid", e, 0664);
	expect_reload(t, g1, g2, &both, "writable by its owner alone");
	put_pid(t, "ed.pid", e, 0644);
	expect_reload(t, g1, g2, &both, NULL);
	assert_true(signalled(e));	/* its tables changed */
	assert_false(signalled(r));	/* the RSA ones did not */
	/* back to RSA alone: the Ed25519 instance is told (e is gone) */
	expect_reload(t, g2, g1, &rsa, "no such process");
	assert_false(signalled(r));
	/* no previous generation: every table changed */
	(void)unlink(t->edpidfile);
	expect_reload(t, -1, g1, &rsa, NULL);
	assert_true(signalled(r));
	close(g1);
	close(g2);
	strbuf_free(&rsa);
	strbuf_free(&both);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_two, setup,
						teardown),
	};

	if (geteuid() != 0 || getpwnam(USER) == NULL) {
		printf("1..0 # SKIP needs root and the user " USER "\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
