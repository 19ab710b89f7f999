/* SPDX-License-Identifier: ISC */
/*
 * agent_dkim.c - the generation's OpenDKIM keys and tables, and
 * OpenDKIM's reload.  See agent_dkim.h.
 *
 * Every path is a constant or a validated domain and selector (LDH
 * labels: no '/', never "." or ".."), opened relative to the generation's
 * descriptor without following links.  The lines are split again here
 * with dkimsyntax_line() for the paths they make; the checks across lines
 * ran in bundle_parse().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "agent_dkim.h"
#include "agent_sieve.h"
#include "base64.h"
#include "dkimsyntax.h"
#include "fdio.h"
#include "mapsyntax.h"
#include "strbuf.h"

#define TABLE_MAX	((size_t)64 << 20)	/* KeyTable, SigningTable */
#define PIDFILE_MAX	32
#define DKIM_ED_DIR	"ed25519"	/* the Ed25519 instance's tables */

/* Who signs: the -k user, if it exists. */
struct signer {
	int exists;
	uid_t uid;
	gid_t gid;
};

const char *
agent_dkim_stored_name(const char *name)
{
	return strcmp(name, "dkim") == 0 ? "dkim.list" : name;
}

/* Whether f holds a key line. */
static int
has_keys(const struct bundle_file *f)
{
	size_t pos = 0;

	while (f != NULL && pos < f->len) {
		const char *nl = memchr(f->data + pos, '\n', f->len - pos);

		if (f->len - pos > 4 && memcmp(f->data + pos, "key ", 4) == 0)
			return 1;
		if (nl == NULL)
			break;
		pos = (size_t)(nl - f->data) + 1;
	}
	return 0;
}

static int
signer_lookup(const struct agent_conf *conf, int keys, struct signer *s,
	      struct hk_err *err)
{
	struct passwd *pw;

	memset(s, 0, sizeof(*s));
	errno = 0;
	pw = getpwnam(conf->dkim_user);
	if (pw == NULL && keys)
		return hk_fail(err, HK_EPROTO, "dkim", "dkim: the bundle holds "
			       "keys but the signing user \"%s\" does not exist "
			       "on this guest (install OpenDKIM, or name its "
			       "user with -k)", conf->dkim_user);
	if (pw != NULL) {
		s->exists = 1;
		s->uid = pw->pw_uid;
		s->gid = pw->pw_gid;
	}
	return 0;
}

/* Whether the key's parts agree (a flipped bit in an RSA key's numbers
 * loads but does not check); a key type without a check passes. */
static int
key_consistent(EVP_PKEY *k)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
	int rc;

	if (ctx == NULL)
		return 0;
	rc = EVP_PKEY_check(ctx);
	EVP_PKEY_CTX_free(ctx);
	return rc == 1 || rc == -2;
}

/* The key of line l (line number ln) decoded into pem, and loaded with
 * OpenSSL: RSA of 1024..4096 bits or Ed25519. */
static int
load_key(const struct dkim_line *l, size_t ln, unsigned char *pem,
	 size_t *len, struct hk_err *err)
{
	EVP_PKEY *k = NULL;
	BIO *bio;
	int type = 0, bits = 0;

	if (base64_decode(l->b64, l->b64_len, pem, len) < 0)
		return hk_fail(err, HK_EPROTO, "dkim", "dkim line %zu: bad "
			       "base64", ln);
	if ((bio = BIO_new_mem_buf(pem, (int)*len)) != NULL) {
		k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (k != NULL) {
		type = EVP_PKEY_base_id(k);
		bits = EVP_PKEY_bits(k);
		if (!key_consistent(k))
			type = 0;
		EVP_PKEY_free(k);
	}
	if (k == NULL || type == 0)
		return hk_fail(err, HK_EPROTO, "dkim", "dkim line %zu: the key "
			       "does not load or does not check (OpenSSL)", ln);
	if (type == EVP_PKEY_RSA && bits >= 1024 && bits <= 4096 &&
	    l->alg == DKIM_ALG_RSA)
		return 0;
	if (type == EVP_PKEY_ED25519 && l->alg == DKIM_ALG_ED25519)
		return 0;
	return hk_fail(err, HK_EPROTO, "dkim", "dkim line %zu: the key is "
		       "neither RSA of 1024 to 4096 bits nor Ed25519", ln);
}

/* Creates dfd/name with data[0..n): 0600 and the signer's, or root's
 * 0644 when there is no signer (then it is an empty table). */
static int
put_file(int dfd, const char *dir, const char *name, const void *data,
	 size_t n, const struct signer *s, struct hk_err *err)
{
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return hk_fail_errno(err, "creating %s/%s", dir, name);
	if ((s->exists ? fchown(fd, s->uid, s->gid) : fchmod(fd, 0644)) < 0 ||
	    fdio_write_all(fd, data, n) < 0 || fsync(fd) < 0) {
		hk_fail_errno(err, "writing %s/%s", dir, name);
		(void)close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return hk_fail_errno(err, "writing %s/%s", dir, name);
	return 0;
}

/* The open directory dfd/name (made if missing): 0750, root's and of the
 * signer's group (0755 root's without a signer). */
static int
open_sub(int dfd, const char *dir, const char *name, const struct signer *s,
	 struct hk_err *err)
{
	int fd;

	if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
		return hk_fail_errno(err, "creating %s/%s", dir, name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return hk_fail_errno(err, "%s/%s", dir, name);
	if (fchown(fd, (uid_t)-1, s->exists ? s->gid : getegid()) < 0 ||
	    fchmod(fd, s->exists ? 0750 : 0755) < 0) {
		hk_fail_errno(err, "%s/%s", dir, name);
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* A key line: keys/DOMAIN/SELECTOR.pem (kfd is keys, path dir/keys). */
static int
put_key(int kfd, const char *dir, const struct dkim_line *l, size_t ln,
	const struct signer *s, struct hk_err *err)
{
	unsigned char pem[DKIMSYNTAX_KEY_MAX];
	char dom[MAPSYNTAX_DOMAIN_MAX + 1], file[80], path[AGENT_DIR_MAX + 512];
	size_t len;
	int dfd, rc;

	if (l->b64_len > BASE64_LEN(sizeof(pem)) ||
	    load_key(l, ln, pem, &len, err) < 0)
		return -1;
	snprintf(dom, sizeof(dom), "%.*s", (int)l->domain_len, l->domain);
	snprintf(file, sizeof(file), "%.*s.pem", (int)l->selector_len,
		 l->selector);
	snprintf(path, sizeof(path), "%s/keys", dir);
	if ((dfd = open_sub(kfd, path, dom, s, err)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/keys/%s", dir, dom);
	rc = put_file(dfd, path, file, pem, len, s, err);
	if (rc == 0 && fsync(dfd) < 0)
		rc = hk_fail_errno(err, "fsync %s", path);
	(void)close(dfd);
	return rc;
}

/* A key line's name and algorithm, for the sign lines that name it. */
struct keyref {
	const char *domain, *selector;
	size_t domain_len, selector_len;
	enum dkim_alg alg;
};

/* One OpenDKIM instance's pair of tables (agent_dkim.h). */
struct tables {
	struct strbuf kt, st;
};

/* The key lines' refs of f, for sign lines to find their algorithm. */
struct keys {
	struct keyref *v;
	size_t n;
};

/* A sign line's entries in the tables t of its key's algorithm. */
static int
add_sign(const struct agent_conf *conf, const struct dkim_line *l,
	 struct tables *t)
{
	int dn = (int)l->domain_len, sn = (int)l->selector_len;

	if (strbuf_printf(&t->kt, "%.*s._domainkey.%.*s %.*s:%.*s:%s/current/"
			  "dkim/keys/%.*s/%.*s.pem\n", sn, l->selector, dn,
			  l->domain, dn, l->domain, sn, l->selector,
			  conf->statedir, (int)l->keydomain_len, l->keydomain,
			  sn, l->selector) < 0)
		return -1;
	return strbuf_printf(&t->st, "*@%.*s %.*s._domainkey.%.*s\n", dn,
			     l->domain, sn, l->selector, dn, l->domain);
}

/* The algorithm of the key sign line l names (NONE: no such key). */
static enum dkim_alg
sign_alg(const struct keys *k, const struct dkim_line *l)
{
	for (size_t i = 0; i < k->n; i++) {
		const struct keyref *r = &k->v[i];

		if (r->domain_len == l->keydomain_len &&
		    r->selector_len == l->selector_len &&
		    memcmp(r->domain, l->keydomain, r->domain_len) == 0 &&
		    memcmp(r->selector, l->selector, r->selector_len) == 0)
			return r->alg;
	}
	return DKIM_ALG_NONE;
}

/* Line ln of f (data[0..n)): a key into dkim/keys (kfd) and k, or a
 * sign line (when `signs`) into t[0] (RSA) or t[1] (Ed25519). */
static int
put_line(const struct agent_conf *conf, int kfd, const char *dir,
	 const char *data, size_t n, size_t ln, int signs,
	 const struct signer *s, struct keys *k, struct tables t[2],
	 struct hk_err *err)
{
	struct dkim_line l;
	enum dkim_alg alg;

	if (dkimsyntax_line(data, n, &l) != NULL)
		return hk_fail(err, HK_EPROTO, "dkim", "dkim line %zu: a bad "
			       "line", ln);
	if (!l.sign && !signs) {
		k->v[k->n++] = (struct keyref){ l.domain, l.selector,
						l.domain_len, l.selector_len,
						l.alg };
		return put_key(kfd, dir, &l, ln, s, err);
	}
	if (!l.sign || !signs)
		return 0;
	if ((alg = sign_alg(k, &l)) == DKIM_ALG_NONE)
		return hk_fail(err, HK_EPROTO, "dkim", "dkim line %zu: the "
			       "sign line names no key", ln);
	if (add_sign(conf, &l, &t[alg == DKIM_ALG_ED25519]) < 0)
		return hk_fail(err, HK_ESYS, "dkim", "dkim: tables too large "
			       "or out of memory");
	return 0;
}

/* Every line of f: the keys first (a sign line may come before its
 * key), then the sign lines into the tables of their key's algorithm. */
static int
put_lines(const struct agent_conf *conf, int kfd, const char *dir,
	  const struct bundle_file *f, const struct signer *s,
	  struct tables t[2], struct hk_err *err)
{
	struct keys k = { NULL, 0 };
	size_t lines = 0;
	int rc = 0;

	for (size_t i = 0; f != NULL && i < f->len; i++)
		lines += f->data[i] == '\n' || i + 1 == f->len;
	if (lines > 0 && (k.v = calloc(lines, sizeof(*k.v))) == NULL)
		return hk_fail(err, HK_ESYS, "dkim", "dkim: out of memory");
	for (int signs = 0; rc == 0 && signs < 2; signs++) {
		size_t pos = 0, ln = 0;

		while (rc == 0 && f != NULL && pos < f->len && ln < lines) {
			const char *nl = memchr(f->data + pos, '\n',
						f->len - pos);
			size_t n = nl ? (size_t)(nl - (f->data + pos)) :
					f->len - pos;

			rc = put_line(conf, kfd, dir, f->data + pos, n, ++ln,
				      signs, s, &k, t, err);
			pos += n + 1;
		}
	}
	free(k.v);
	return rc;
}

/* Writes one instance's tables t into dfd (path dir). */
static int
put_tables(int dfd, const char *dir, const struct tables *t,
	   const struct signer *s, struct hk_err *err)
{
	if (put_file(dfd, dir, "KeyTable", t->kt.data ? t->kt.data : "",
		     t->kt.len, s, err) < 0)
		return -1;
	return put_file(dfd, dir, "SigningTable", t->st.data ? t->st.data :
			"", t->st.len, s, err);
}

/* The Ed25519 instance's tables t into dkim/ed25519/ (ddir: dkim/). */
static int
put_ed_tables(int ddir, const char *dir, const struct tables *t,
	      const struct signer *s, struct hk_err *err)
{
	char path[AGENT_DIR_MAX + 512];
	int efd, rc;

	if ((efd = open_sub(ddir, dir, DKIM_ED_DIR, s, err)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/" DKIM_ED_DIR, dir);
	rc = put_tables(efd, path, t, s, err);
	if (rc == 0 && fsync(efd) < 0)
		rc = hk_fail_errno(err, "fsync %s", path);
	(void)close(efd);
	return rc;
}

/* dkim/ (ddir, path dir/dkim): keys/ if any, then both instances'
 * tables, each pair written even when empty. */
static int
fill(const struct agent_conf *conf, int ddir, const char *dir,
     const struct bundle_file *f, const struct signer *s, struct hk_err *err)
{
	struct tables t[2];
	int kfd = -1, rc = 0;

	for (int i = 0; i < 2; i++) {
		strbuf_init(&t[i].kt, TABLE_MAX);
		strbuf_init(&t[i].st, TABLE_MAX);
	}
	if (has_keys(f) && (kfd = open_sub(ddir, dir, "keys", s, err)) < 0)
		rc = -1;
	if (rc == 0)
		rc = put_lines(conf, kfd, dir, f, s, t, err);
	if (rc == 0 && kfd >= 0 && fsync(kfd) < 0)
		rc = hk_fail_errno(err, "fsync %s/keys", dir);
	if (rc == 0)
		rc = put_tables(ddir, dir, &t[0], s, err);
	if (rc == 0)
		rc = put_ed_tables(ddir, dir, &t[1], s, err);
	if (kfd >= 0)
		(void)close(kfd);
	for (int i = 0; i < 2; i++) {
		strbuf_free(&t[i].kt);
		strbuf_free(&t[i].st);
	}
	return rc;
}

int
agent_dkim_build(const struct agent_conf *conf, int dfd, const char *dir,
		 const struct bundle_file *f, struct hk_err *err)
{
	char path[AGENT_DIR_MAX + 256];
	struct signer s;
	int ddir, rc;

	if (signer_lookup(conf, has_keys(f), &s, err) < 0)
		return -1;
	if ((ddir = open_sub(dfd, dir, "dkim", &s, err)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/dkim", dir);
	rc = fill(conf, ddir, path, f, &s, err);
	if (rc == 0 && fsync(ddir) < 0)
		rc = hk_fail_errno(err, "fsync %s", path);
	(void)close(ddir);
	return rc;
}

int
agent_dkim_remove(int dfd, const char *dir, struct hk_err *err)
{
	char path[AGENT_DIR_MAX + 256];
	int ddir, rc;

	ddir = openat(dfd, "dkim", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		      O_CLOEXEC);
	if (ddir < 0)
		return errno == ENOENT ? 0 : hk_fail_errno(err, "%s/dkim", dir);
	snprintf(path, sizeof(path), "%s/dkim", dir);
	rc = agent_sieve_remove_tree(ddir, path, "keys", err);
	(void)close(ddir);
	if (rc < 0)
		return -1;
	/* now two levels: dkim/KeyTable ... and dkim/ed25519/KeyTable ... */
	return agent_sieve_remove_tree(dfd, dir, "dkim", err);
}

/* The pid in the pid file p: 1 read, 0 no such file, -1 refused. */
static int
read_pidfile(const char *p, const struct signer *s, pid_t *pid,
	     struct hk_err *err)
{
	char buf[PIDFILE_MAX + 1];
	struct stat sb;
	uint64_t v = 0;
	ssize_t got;
	int fd;

	fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : hk_fail_errno(err, "%s", p);
	if (fstat(fd, &sb) < 0 || (got = fdio_read_full(fd, buf, PIDFILE_MAX)) < 0) {
		hk_fail_errno(err, "reading %s", p);
		(void)close(fd);
		return -1;
	}
	(void)close(fd);
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & 022) != 0 ||
	    (sb.st_uid != 0 && (!s->exists || sb.st_uid != s->uid)))
		return hk_fail(err, HK_ESYS, "dkim", "%s: not a regular file "
			       "of root or the signing user writable by its "
			       "owner alone: refused", p);
	while (got > 0 && buf[got - 1] == '\n')
		got--;
	if (!mapsyntax_decimal(buf, (size_t)got, INT32_MAX, &v) || v < 2)
		return hk_fail(err, HK_ESYS, "dkim", "%s: not a process id", p);
	*pid = (pid_t)v;
	return 1;
}

/* SIGUSR1 to pid (read from pidfile) from a child that is the signer
 * (see agent_dkim.h). */
static int
signal_as(const struct signer *s, pid_t pid, const char *pidfile,
	  struct hk_err *err)
{
	pid_t child;
	int status;

	if ((child = fork()) < 0)
		return hk_fail_errno(err, "fork");
	if (child == 0) {
		if (geteuid() != s->uid &&
		    (setgid(s->gid) < 0 || setuid(s->uid) < 0))
			_exit(3);
		_exit(kill(pid, SIGUSR1) == 0 ? 0 : errno == ESRCH ? 4 : 5);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return hk_fail_errno(err, "waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return hk_fail(err, HK_ESYS, "dkim", "cannot reload OpenDKIM "
		       "(pid %ld of %s): %s", (long)pid, pidfile,
		       !WIFEXITED(status) ? "the signalling child died" :
		       WEXITSTATUS(status) == 3 ? "cannot become the signing "
		       "user" : WEXITSTATUS(status) == 4 ? "no such process "
		       "(a stale pid file: is OpenDKIM running?)" :
		       "not a process of the signing user");
}

/* Whether dfd's file `name` has the same bytes in both generations
 * (pfd: the previous one); anything unreadable counts as changed. */
static int
same_file(int pfd, int nfd, const char *name)
{
	char a[8192], b[8192];
	ssize_t an, bn;
	int fa, fb, same = 1;

	if (pfd < 0)
		return 0;
	fa = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	fb = openat(nfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fa < 0 || fb < 0)
		same = 0;
	while (same) {
		an = fdio_read_full(fa, a, sizeof(a));
		bn = fdio_read_full(fb, b, sizeof(b));
		if (an < 0 || an != bn || memcmp(a, b, (size_t)an) != 0)
			same = 0;
		if (an <= 0)
			break;
	}
	if (fa >= 0)
		(void)close(fa);
	if (fb >= 0)
		(void)close(fb);
	return same;
}

/* Whether the tables under sub ("dkim" or "dkim/ed25519") changed. */
static int
tables_changed(int pfd, int nfd, const char *sub)
{
	char kt[64], st[64];

	snprintf(kt, sizeof(kt), "%s/KeyTable", sub);
	snprintf(st, sizeof(st), "%s/SigningTable", sub);
	return !same_file(pfd, nfd, kt) || !same_file(pfd, nfd, st);
}

/* Whether the Ed25519 tables of generation nfd sign anything. */
static int
ed_signs(int nfd)
{
	struct stat sb;

	return fstatat(nfd, "dkim/" DKIM_ED_DIR "/SigningTable", &sb,
		       AT_SYMLINK_NOFOLLOW) == 0 && sb.st_size > 0;
}

/* One instance (`who`): its pid file checked when it is needed (the
 * bundle holds `what`) or its tables changed; SIGUSR1 when they did. */
static int
reload_one(const struct signer *s, const char *pidfile, int needed,
	   int changed, const char *what, const char *who,
	   struct hk_err *err)
{
	pid_t pid = 0;
	int rc;

	if (!needed && !changed)
		return 0;
	if ((rc = read_pidfile(pidfile, s, &pid, err)) < 0)
		return -1;
	if (rc == 0 && needed)
		return hk_fail(err, HK_ESYS, "dkim", "the bundle holds %s but "
			       "%s's pid file %s does not exist: is it "
			       "installed and running?", what, who, pidfile);
	if (rc == 0 || !changed)
		return 0;
	return signal_as(s, pid, pidfile, err);
}

int
agent_dkim_reload(const struct agent_conf *conf, int pfd, int nfd,
		  const struct bundle_file *f, struct hk_err *err)
{
	struct signer s;
	int keys = has_keys(f);

	if (signer_lookup(conf, keys, &s, err) < 0)
		return -1;
	if (!s.exists)		/* no OpenDKIM, and no keys to sign with */
		return 0;
	if (reload_one(&s, conf->dkim_pidfile, keys,
		       tables_changed(pfd, nfd, "dkim"), "DKIM keys",
		       "the RSA OpenDKIM", err) < 0)
		return -1;
	return reload_one(&s, conf->dkim_ed_pidfile, ed_signs(nfd),
			  tables_changed(pfd, nfd, "dkim/" DKIM_ED_DIR),
			  "an Ed25519 sign line", "the Ed25519 OpenDKIM "
			  "(opendkim-hakomail-ed25519.conf)", err);
}
