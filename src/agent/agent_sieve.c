/* SPDX-License-Identifier: ISC */
/*
 * agent_sieve.c - the generation's Sieve scripts, written and compiled.
 * See agent_sieve.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_mta.h"
#include "agent_sieve.h"
#include "base64.h"
#include "fdio.h"
#include "mapsyntax.h"
#include "subproc.h"

#define SIEVEC_TIMEOUT_MS	60000
#define SIEVEC_OUT_MAX		8192
#define FILE_NAME_MAX		(MAPSYNTAX_LOCAL_MAX + 8)	/* LOCAL.svbin */
#define PATH_BUF		(AGENT_DIR_MAX + 128 + MAPSYNTAX_DOMAIN_MAX + \
				 FILE_NAME_MAX)

/*
 * sievec compiles for no user: it sets up Dovecot's mail user without a
 * userdb lookup, its home taken from HOME.  With no HOME, any "%h" in the
 * global configuration is fatal to it, and the guest recipe has one
 * (quota_clone_dict = file:%h/...): "userdb didn't return a home
 * directory".  A home that does not exist keeps it from writing anywhere.
 */
static char *const sievec_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin",
	"HOME=/nonexistent",
	NULL
};

const char *
agent_sieve_stored_name(const char *name)
{
	return strcmp(name, "sieve") == 0 ? "sieve.list" : name;
}

/* One script: where it goes and what it says. */
struct script {
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
	char address[MAPSYNTAX_ADDRESS_MAX + 1];
	unsigned char *text;	/* decoded, MAPSYNTAX_SIEVE_MAX + 3 room */
	size_t len;
};

/* The line s[0..n) into sc (its grammar is mapsyntax's: checked again,
 * for the paths it makes). */
static int
parse_line(const char *s, size_t n, struct script *sc, struct hk_err *err)
{
	const char *sp = memchr(s, ' ', n), *at;
	size_t an, bn;

	if (sp == NULL || mapsyntax_line("sieve", s, n, err) < 0)
		return hk_fail(err, HK_EPROTO, "sieve", "sieve: a bad line");
	an = (size_t)(sp - s);
	bn = n - an - 1;
	for (at = sp; at > s && at[-1] != '@'; at--)
		;
	snprintf(sc->address, sizeof(sc->address), "%.*s", (int)an, s);
	snprintf(sc->local, sizeof(sc->local), "%.*s", (int)(at - 1 - s), s);
	snprintf(sc->domain, sizeof(sc->domain), "%.*s", (int)(sp - at), at);
	if (!mapsyntax_localpart(sc->local, strlen(sc->local)) ||
	    !mapsyntax_domain(sc->domain, strlen(sc->domain)) ||
	    base64_decode(sp + 1, bn, sc->text, &sc->len) < 0)
		return hk_fail(err, HK_EPROTO, "sieve", "sieve: a bad line");
	return 0;
}

/* The open directory dfd/name, made if missing. */
static int
open_dir(int dfd, const char *dir, const char *name, struct hk_err *err)
{
	int fd;

	if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
		return hk_fail_errno(err, "creating %s/%s", dir, name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return hk_fail_errno(err, "%s/%s", dir, name);
	return fd;
}

/* Whether cur/name holds exactly sc's text. */
static int
same_text(int cur, const char *name, const struct script *sc)
{
	unsigned char *buf;
	ssize_t got;
	int fd, same;

	fd = openat(cur, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if ((buf = malloc(sc->len + 1)) == NULL) {
		(void)close(fd);
		return 0;
	}
	got = fdio_read_full(fd, buf, sc->len + 1);
	same = got >= 0 && (size_t)got == sc->len &&
	       memcmp(buf, sc->text, sc->len) == 0;
	free(buf);
	(void)close(fd);
	return same;
}

/* The serving generation's script and binary of sc, linked into ddir
 * when the script is sc's byte for byte: 1 done, 0 not (compile it). */
static int
reuse(int cur, int ddir, const struct script *sc)
{
	char src[FILE_NAME_MAX + 1], bin[FILE_NAME_MAX + 1];
	char from[MAPSYNTAX_DOMAIN_MAX + FILE_NAME_MAX + 2];
	char from_bin[sizeof(from)];

	if (cur < 0)
		return 0;
	snprintf(src, sizeof(src), "%s.sieve", sc->local);
	snprintf(bin, sizeof(bin), "%s.svbin", sc->local);
	snprintf(from, sizeof(from), "%s/%s", sc->domain, src);
	snprintf(from_bin, sizeof(from_bin), "%s/%s", sc->domain, bin);
	if (!same_text(cur, from, sc))
		return 0;
	if (linkat(cur, from_bin, ddir, bin, 0) < 0)
		return 0;
	if (linkat(cur, from, ddir, src, 0) == 0)
		return 1;
	(void)unlinkat(ddir, bin, 0);
	return 0;
}

/* ddir/LOCAL.sieve holding sc's text (a second line of the address
 * finds it there: refused). */
static int
write_script(int ddir, const char *path, const struct script *sc,
	     struct hk_err *err)
{
	char name[FILE_NAME_MAX + 1];
	int fd;

	snprintf(name, sizeof(name), "%s.sieve", sc->local);
	fd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return hk_fail(err, HK_EPROTO, "sieve", "sieve: %s twice",
			       sc->address);
	if (fd < 0)
		return hk_fail_errno(err, "creating %s", path);
	if (fdio_write_all(fd, sc->text, sc->len) < 0 || fsync(fd) < 0) {
		hk_fail_errno(err, "writing %s", path);
		(void)close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return hk_fail_errno(err, "writing %s", path);
	return 0;
}

/* `sievec PATH`: PATH's .svbin beside it, fsynced; a script that does
 * not compile is refused with its address and sievec's words. */
static int
compile(const struct agent_conf *conf, int ddir, const char *path,
	const struct script *sc, struct hk_err *err)
{
	char *argv[] = { (char *)conf->sievec, (char *)path, NULL };
	char what[MAPSYNTAX_ADDRESS_MAX + 64], bin[FILE_NAME_MAX + 1];
	struct subproc_result res;
	int rc, fd;

	snprintf(what, sizeof(what), "the Sieve script of %s does not "
		 "compile (sievec)", sc->address);
	rc = agent_mta_capture_env(argv, sievec_env, what, SIEVEC_TIMEOUT_MS,
				   SIEVEC_OUT_MAX, &res, err);
	subproc_result_free(&res);
	if (rc < 0) {
		err->code = HK_EPROTO;
		snprintf(err->field, sizeof(err->field), "sieve");
		return -1;
	}
	snprintf(bin, sizeof(bin), "%s.svbin", sc->local);
	if ((fd = openat(ddir, bin, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return hk_fail_errno(err, "sievec made no %s.svbin", sc->address);
	rc = fsync(fd) < 0 ? hk_fail_errno(err, "fsync %s", bin) : 0;
	(void)close(fd);
	return rc;
}

/* One script into sdir (path dir/sieve): reused or written and
 * compiled.  *ddir is the open directory of *ddom, kept across lines
 * (they come by domain). */
static int
put_script(const struct agent_conf *conf, int sdir, int cur, const char *dir,
	   const struct script *sc, int *ddir, char *ddom, struct hk_err *err)
{
	char path[PATH_BUF];

	if (*ddir < 0 || strcmp(ddom, sc->domain) != 0) {
		if (*ddir >= 0 && fsync(*ddir) < 0)
			return hk_fail_errno(err, "fsync %s/sieve/%s", dir, ddom);
		if (*ddir >= 0)
			(void)close(*ddir);
		snprintf(path, sizeof(path), "%s/sieve", dir);
		*ddir = open_dir(sdir, path, sc->domain, err);
		if (*ddir < 0)
			return -1;
		snprintf(ddom, MAPSYNTAX_DOMAIN_MAX + 1, "%s", sc->domain);
	}
	snprintf(path, sizeof(path), "%s/sieve/%s/%s.sieve", dir, sc->domain,
		 sc->local);
	if (reuse(cur, *ddir, sc))
		return 0;
	if (write_script(*ddir, path, sc, err) < 0)
		return -1;
	return compile(conf, *ddir, path, sc, err);
}

/* Every line of f into sdir. */
static int
put_all(const struct agent_conf *conf, int sdir, int cur, const char *dir,
	const struct bundle_file *f, struct script *sc, struct hk_err *err)
{
	char ddom[MAPSYNTAX_DOMAIN_MAX + 1] = "";
	size_t pos = 0;
	int ddir = -1, rc = 0;

	while (rc == 0 && pos < f->len) {
		const char *nl = memchr(f->data + pos, '\n', f->len - pos);
		size_t n = nl ? (size_t)(nl - (f->data + pos)) : f->len - pos;

		rc = parse_line(f->data + pos, n, sc, err);
		if (rc == 0)
			rc = put_script(conf, sdir, cur, dir, sc, &ddir, ddom,
					err);
		pos += n + 1;
	}
	if (ddir >= 0) {
		if (rc == 0 && fsync(ddir) < 0)
			rc = hk_fail_errno(err, "fsync %s/sieve/%s", dir, ddom);
		(void)close(ddir);
	}
	return rc;
}

int
agent_sieve_build(const struct agent_conf *conf, int sfd, int dfd,
		  const char *dir, const struct bundle_file *f,
		  struct hk_err *err)
{
	struct script sc;
	int sdir, cur, rc;

	if (f == NULL || f->len == 0)
		return 0;
	if ((sc.text = malloc(MAPSYNTAX_SIEVE_MAX + 3)) == NULL)
		return hk_fail(err, HK_ESYS, "sieve", "out of memory");
	if ((sdir = open_dir(dfd, dir, "sieve", err)) < 0) {
		free(sc.text);
		return -1;
	}
	/* the serving generation's scripts, if any, to reuse */
	cur = openat(sfd, "current/sieve", O_RDONLY | O_DIRECTORY |
		     O_CLOEXEC);
	rc = put_all(conf, sdir, cur, dir, f, &sc, err);
	if (rc == 0 && fsync(sdir) < 0)
		rc = hk_fail_errno(err, "fsync %s/sieve", dir);
	if (cur >= 0)
		(void)close(cur);
	(void)close(sdir);
	free(sc.text);
	return rc;
}

/* Unlinks every entry of the directory fd (closing it). */
static int
empty_dir(int fd, const char *what, struct hk_err *err)
{
	struct dirent *de;
	DIR *d = fdopendir(fd);

	if (d == NULL) {
		(void)close(fd);
		return hk_fail_errno(err, "%s", what);
	}
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0)
			break;
	}
	if (errno != 0) {
		hk_fail_errno(err, "emptying %s", what);
		(void)closedir(d);
		return -1;
	}
	(void)closedir(d);
	return 0;
}

/* Removes each entry of the directory fd (closed here): a file, or a
 * directory of files (a domain's scripts). */
static int
remove_domains(int fd, const char *what, struct hk_err *err)
{
	struct dirent *de;
	DIR *d = fdopendir(fd);
	int rc = 0;

	if (d == NULL) {
		(void)close(fd);
		return hk_fail_errno(err, "%s", what);
	}
	for (errno = 0; rc == 0 && (de = readdir(d)) != NULL; errno = 0) {
		int sub;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY |
			     O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)	/* not a directory: a file or a link */
			rc = unlinkat(dirfd(d), de->d_name, 0) < 0 ?
			     hk_fail_errno(err, "%s/%s", what, de->d_name) : 0;
		else if ((rc = empty_dir(sub, what, err)) == 0 &&
			 unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0)
			rc = hk_fail_errno(err, "%s/%s", what, de->d_name);
	}
	if (rc == 0 && errno != 0)
		rc = hk_fail_errno(err, "listing %s", what);
	(void)closedir(d);
	return rc;
}

int
agent_sieve_remove_tree(int dfd, const char *dir, const char *name,
			struct hk_err *err)
{
	char what[PATH_BUF];
	int fd;

	snprintf(what, sizeof(what), "%s/%s", dir, name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : hk_fail_errno(err, "%s", what);
	if (remove_domains(fd, what, err) < 0)
		return -1;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		return hk_fail_errno(err, "removing %s", what);
	return 0;
}

int
agent_sieve_remove(int dfd, const char *dir, struct hk_err *err)
{
	return agent_sieve_remove_tree(dfd, dir, "sieve", err);
}
