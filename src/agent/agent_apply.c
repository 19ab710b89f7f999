/* SPDX-License-Identifier: ISC */
/*
 * agent_apply.c - the file work of hakomail-agent: reading back what is
 * serving, staging a generation, the atomic swap of STATEDIR/current,
 * rollback, and pruning old generations.  The mail programs it runs on the
 * way (postmap, postfix) are agent_mta.c's.
 * See agent.h for the layout of STATEDIR.
 *
 * Every path below STATEDIR is a constant, a generation number formatted
 * here, or a name from bundle_names: nothing the peer sends names a file.
 * All work is relative to directory descriptors (openat() and friends,
 * POSIX.1-2008), final components are opened with O_NOFOLLOW, old
 * directories are emptied without recursion, and locking is fcntl() only,
 * so the same code runs on Linux and in FreeBSD jails.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "agent_apply.h"
#include "agent_delta.h"
#include "agent_dkim.h"
#include "agent_mta.h"
#include "agent_bucket.h"
#include "agent_sieve.h"
#include "agent_stage.h"
#include "agent_sums.h"
#include "agent_trash.h"
#include "bucket.h"
#include "digest.h"
#include "fdio.h"
#include "log.h"
#include "mapsyntax.h"

#define NAME_MAX_LEN		64	/* "gen/N", ".stage-N-PID" */
#define DIR_BUF		(AGENT_DIR_MAX + 2 * NAME_MAX_LEN)	/* gen dirs */

/* Open descriptors of one locked operation. */
struct ctx {
	const struct agent_conf *conf;
	int sfd;	/* STATEDIR */
	int gfd;	/* STATEDIR/gen, or -1 */
	int lfd;	/* STATEDIR/lock, or -1 */
};

/* Canonical decimal: "0" or [1-9][0-9]*, at most AGENT_GEN_MAX. */
static int
parse_gen(const char *s, size_t n, uint64_t *gen)
{
	return mapsyntax_decimal(s, n, AGENT_GEN_MAX, gen);
}

static void
gen_name(char out[NAME_MAX_LEN], const char *prefix, uint64_t gen)
{
	snprintf(out, NAME_MAX_LEN, "%s%llu", prefix, (unsigned long long)gen);
}

/* ------------------------------------------------------------------ */
/* State directory, lock, what is serving */

static void
ctx_close(struct ctx *c)
{
	/* read-only descriptors: nothing to lose on close; the lock goes */
	if (c->lfd >= 0)
		(void)close(c->lfd);
	if (c->gfd >= 0)
		(void)close(c->gfd);
	if (c->sfd >= 0)
		(void)close(c->sfd);
	c->lfd = c->gfd = c->sfd = -1;
}

static int
take_lock(struct ctx *c, int exclusive, struct hk_err *err)
{
	struct flock fl;

	/* A reader creates nothing: no lock file means no apply ever ran,
	 * and current is only ever replaced by rename(). */
	c->lfd = openat(c->sfd, "lock", exclusive ? O_RDWR | O_CREAT |
			O_NOFOLLOW | O_CLOEXEC : O_RDONLY | O_NOFOLLOW |
			O_CLOEXEC, 0600);
	if (c->lfd < 0 && !exclusive && errno == ENOENT)
		return 0;
	if (c->lfd < 0)
		return hk_fail_errno(err, "%s/lock", c->conf->statedir);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = exclusive ? F_WRLCK : F_RDLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(c->lfd, F_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return hk_fail_errno(err, "locking %s/lock",
					     c->conf->statedir);
	return 0;
}

static int
ctx_open(struct ctx *c, const struct agent_conf *conf, int exclusive,
	 struct hk_err *err)
{
	c->conf = conf;
	c->gfd = c->lfd = -1;
	c->sfd = open(conf->statedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->sfd < 0)
		return hk_fail_errno(err, "%s", conf->statedir);
	return take_lock(c, exclusive, err);
}

/* Reads the generation from the target "gen/N" of STATEDIR/current. */
static int
read_current(struct ctx *c, struct agent_state *st, struct hk_err *err)
{
	char buf[NAME_MAX_LEN];
	ssize_t n;

	memset(st, 0, sizeof(*st));
	n = readlinkat(c->sfd, "current", buf, sizeof(buf));
	if (n < 0 && errno == ENOENT)
		return 0;
	if (n < 0)
		return hk_fail_errno(err, "%s/current", c->conf->statedir);
	if ((size_t)n >= sizeof(buf) || n < 5 || memcmp(buf, "gen/", 4) != 0 ||
	    !parse_gen(buf + 4, (size_t)n - 4, &st->generation))
		return hk_fail(err, HK_ESYS, "current", "%s/current: symlink "
			       "target is not \"gen/N\"", c->conf->statedir);
	st->serving = 1;
	return 0;
}

/* SHA-256 of the regular file dir/name (dfd is dir). */
static int
hash_file(int dfd, const char *dir, const char *name, char out[65],
	  struct hk_err *err)
{
	struct stat sb;
	int fd, rc;

	/* O_NONBLOCK: a FIFO planted in place of a map must not hang us */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return hk_fail_errno(err, "%s/%s", dir, name);
	if (fstat(fd, &sb) < 0)
		rc = hk_fail_errno(err, "%s/%s", dir, name);
	else if (!S_ISREG(sb.st_mode))
		rc = hk_fail(err, HK_ESYS, name, "%s/%s: not a regular file",
			     dir, name);
	else if (sha256_hex_fd(fd, out) < 0)
		rc = hk_fail_errno(err, "reading %s/%s", dir, name);
	else
		rc = 0;
	(void)close(fd);
	return rc;
}

/* Opens STATEDIR/gen/<st->generation>, its path into dir. */
static int
open_served(struct ctx *c, const struct agent_state *st, char dir[DIR_BUF],
	    struct hk_err *err)
{
	char rel[NAME_MAX_LEN];
	int dfd;

	gen_name(rel, "gen/", st->generation);
	snprintf(dir, DIR_BUF, "%s/%s", c->conf->statedir, rel);
	dfd = openat(c->sfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (dfd < 0)
		return hk_fail_errno(err, "%s", dir);
	return dfd;
}

/* Fills st->sha256[] from STATEDIR/gen/<st->generation>/. */
static int
read_served(struct ctx *c, struct agent_state *st, struct hk_err *err)
{
	char dir[DIR_BUF];
	int dfd, rc = 0;

	if ((dfd = open_served(c, st, dir, err)) < 0)
		return -1;
	for (int i = 0; rc == 0 && bundle_names[i] != NULL; i++) {
		rc = bucket_file(bundle_names[i]) ?
		    agent_bucket_sum(dfd, dir, bundle_names[i], st->sha256[i],
				     err) :
		    hash_file(dfd, dir, agent_stage_stored_name(bundle_names[i]),
			      st->sha256[i], err);
		/* A generation of an agent older than the trash (or the
		 * transport map, or the scripts) has none: the same as an
		 * empty one. */
		if (rc < 0 && err->code == HK_ESYS && errno == ENOENT &&
		    agent_stage_may_lack(bundle_names[i])) {
			bucket_file_sum(bundle_names[i], "", 0,
					st->sha256[i]);
			rc = 0;
		}
	}
	(void)close(dfd);
	st->have_files = rc == 0;
	return rc;
}

/* The tables postmap built for what serves are still those (agent_sums). */
static int
check_tables(struct ctx *c, struct agent_state *st, struct hk_err *err)
{
	char dir[DIR_BUF];
	int dfd, rc;

	if ((dfd = open_served(c, st, dir, err)) < 0)
		return -1;
	rc = agent_sums_check(c->conf, dfd, dir, err);
	(void)close(dfd);
	if (rc < 0)
		st->have_files = 0;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Staging */

/* ------------------------------------------------------------------ */
/* Generation directories */

/* Creates gen/<stage> and fills it (agent_stage.h). */
static int
build_stage(struct ctx *c, const char *stage, const struct bundle *b,
	    const struct agent_keep *keep, struct hk_err *err)
{
	char dir[DIR_BUF];
	int dfd, rc;

	snprintf(dir, sizeof(dir), "%s/gen/%s", c->conf->statedir, stage);
	if (mkdirat(c->gfd, stage, 0755) < 0)
		return hk_fail_errno(err, "creating %s", dir);
	dfd = openat(c->gfd, stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (dfd < 0)
		return hk_fail_errno(err, "%s", dir);
	rc = agent_stage_build(c->conf, c->sfd, dfd, dir, b, keep, err);
	(void)close(dfd);
	return rc;
}

/* The bucket directories (agent_bucket.h) of generation dfd removed. */
static int
remove_buckets(int dfd, const char *path, struct hk_err *err)
{
	char d[64];

	for (int i = 0; bundle_names[i] != NULL; i++) {
		if (!bucket_file(bundle_names[i]))
			continue;
		snprintf(d, sizeof(d), "%s%s", bundle_names[i],
			 AGENT_BUCKET_DIR_SUFFIX);
		if (agent_sieve_remove_tree(dfd, path, d, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * Removes gen/<name> after unlinking the entries in it (and its sieve/,
 * dkim/ and bucket directories, fixed levels: agent_sieve.c, agent_dkim.c,
 * agent_bucket.h); never recurses and never follows a link.  0 if there
 * is no such directory.
 */
static int
remove_dir(struct ctx *c, const char *name, struct hk_err *err)
{
	char path[DIR_BUF];
	struct dirent *de;
	DIR *d;
	int dfd;

	snprintf(path, sizeof(path), "%s/gen/%s", c->conf->statedir, name);
	dfd = openat(c->gfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : hk_fail_errno(err, "%s", path);
	if (agent_sieve_remove(dfd, path, err) < 0 ||
	    agent_dkim_remove(dfd, path, err) < 0 ||
	    remove_buckets(dfd, path, err) < 0) {
		(void)close(dfd);
		return -1;
	}
	if ((d = fdopendir(dfd)) == NULL) {
		(void)close(dfd);
		return hk_fail_errno(err, "%s/gen/%s", c->conf->statedir, name);
	}
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0)
			break;
	}
	if (errno != 0) {
		hk_fail_errno(err, "emptying %s/gen/%s", c->conf->statedir, name);
		(void)closedir(d);
		return -1;
	}
	(void)closedir(d);
	if (unlinkat(c->gfd, name, AT_REMOVEDIR) < 0)
		return hk_fail_errno(err, "removing %s/gen/%s",
				     c->conf->statedir, name);
	return 0;
}

/* Removes gen/N other than keep and prev, and stale stage directories. */
static void
prune(struct ctx *c, uint64_t keep, const struct agent_state *prev)
{
	struct hk_err e;
	struct dirent *de;
	uint64_t g;
	DIR *d;
	int fd;

	fd = openat(c->gfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			(void)close(fd);
		log_warn("cannot list the gen directory to prune it");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;

		if (parse_gen(n, strlen(n), &g)) {
			if (g == keep || (prev->serving && g == prev->generation))
				continue;
		} else if (strncmp(n, ".stage-", 7) != 0) {
			continue;
		}
		if (remove_dir(c, n, &e) < 0)
			log_warn("%s", e.message);
	}
	(void)closedir(d);
}

/* ------------------------------------------------------------------ */
/* Publishing */

/* Points STATEDIR/current at gen/<gen> in one rename(); on failure it is
 * left as it was. */
static int
swap_current(struct ctx *c, uint64_t gen, struct hk_err *err)
{
	char target[NAME_MAX_LEN];
	const char *sd = c->conf->statedir;

	gen_name(target, "gen/", gen);
	if (unlinkat(c->sfd, "current.new", 0) < 0 && errno != ENOENT)
		return hk_fail_errno(err, "removing %s/current.new", sd);
	if (symlinkat(target, c->sfd, "current.new") < 0)
		return hk_fail_errno(err, "creating %s/current.new", sd);
	if (renameat(c->sfd, "current.new", c->sfd, "current") < 0) {
		hk_fail_errno(err, "renaming %s/current.new to current", sd);
		if (unlinkat(c->sfd, "current.new", 0) < 0)
			log_warn("cannot remove current.new");
		return -1;
	}
	if (fsync(c->sfd) < 0)	/* published already: say so, carry on */
		log_warn("fsync of the state directory failed");
	return 0;
}

/* Back to what served before gen (or to nothing); always returns -1. */
static int
rollback(struct ctx *c, const struct agent_state *prev, uint64_t gen,
	 struct agent_state *st, struct hk_err *err)
{
	char name[NAME_MAX_LEN], *msg = err->message;
	size_t len = strlen(msg);
	struct hk_err e;
	int rc;

	if (prev->serving)
		rc = swap_current(c, prev->generation, &e);
	else if ((rc = unlinkat(c->sfd, "current", 0)) < 0)
		hk_fail_errno(&e, "removing %s/current", c->conf->statedir);
	else if (fsync(c->sfd) < 0)
		log_warn("fsync of the state directory failed");
	if (rc < 0) {
		snprintf(msg + len, sizeof(err->message) - len, "; rollback "
			 "failed, generation %llu still serving: %s",
			 (unsigned long long)gen, e.message);
		return -1;
	}
	*st = *prev;
	gen_name(name, "", gen);
	if (remove_dir(c, name, &e) < 0)
		log_warn("%s", e.message);
	if (prev->serving)
		snprintf(msg + len, sizeof(err->message) - len, "; rolled back "
			 "to generation %llu",
			 (unsigned long long)prev->generation);
	else
		snprintf(msg + len, sizeof(err->message) - len, "; rolled back "
			 "to nothing serving");
	return -1;
}

/* Opens STATEDIR/gen, creating it. */
static int
open_gen(struct ctx *c, struct hk_err *err)
{
	if (mkdirat(c->sfd, "gen", 0755) < 0 && errno != EEXIST)
		return hk_fail_errno(err, "creating %s/gen", c->conf->statedir);
	c->gfd = openat(c->sfd, "gen", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	if (c->gfd < 0)
		return hk_fail_errno(err, "%s/gen", c->conf->statedir);
	return 0;
}

/* Stage as gen/.stage-N-PID, rename to gen/N (a leftover gen/N of a
 * rolled-back attempt is replaced: N is newer than anything serving). */
static int
stage_and_rename(struct ctx *c, const struct bundle *b,
		 const struct agent_keep *keep, struct hk_err *err)
{
	char stage[NAME_MAX_LEN], name[NAME_MAX_LEN];
	struct hk_err e;

	snprintf(stage, sizeof(stage), ".stage-%llu-%ld",
		 (unsigned long long)b->generation, (long)getpid());
	gen_name(name, "", b->generation);
	if (remove_dir(c, stage, err) < 0)
		return -1;
	if (build_stage(c, stage, b, keep, err) < 0 ||
	    remove_dir(c, name, err) < 0)
		goto fail;
	if (renameat(c->gfd, stage, c->gfd, name) < 0) {
		hk_fail_errno(err, "renaming %s/gen/%s to %s",
			      c->conf->statedir, stage, name);
		goto fail;
	}
	if (fsync(c->gfd) < 0) {
		hk_fail_errno(err, "fsync %s/gen", c->conf->statedir);
		if (remove_dir(c, name, &e) < 0)
			log_warn("%s", e.message);
		return -1;
	}
	return 0;
fail:
	if (remove_dir(c, stage, &e) < 0)
		log_warn("%s", e.message);
	return -1;
}

/* Whether the bundle file `name` differs from what served before. */
static int
file_changed(const struct bundle *b, const struct agent_state *prev,
	     const char *name)
{
	const struct bundle_file *f = agent_stage_file(b, name);
	char want[65];

	if (!prev->serving || !prev->have_files)
		return 1;
	if (f != NULL)
		memcpy(want, f->sha256, sizeof(want));
	else
		bucket_file_sum(name, "", 0, want);
	for (int i = 0; bundle_names[i] != NULL; i++)
		if (strcmp(bundle_names[i], name) == 0)
			return strcmp(want, prev->sha256[i]) != 0;
	return 1;
}

/* The OpenDKIM instances reloaded whose tables differ between the
 * generation that served before (prev) and b's, now serving. */
static int
dkim_reload(struct ctx *c, const struct bundle *b,
	    const struct agent_state *prev, struct hk_err *err)
{
	char name[NAME_MAX_LEN];
	int pfd = -1, nfd, rc;

	gen_name(name, "", b->generation);
	nfd = openat(c->gfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (nfd < 0)
		return hk_fail_errno(err, "%s/gen/%s", c->conf->statedir, name);
	if (prev->serving) {	/* gone or unreadable: every table changed */
		gen_name(name, "", prev->generation);
		pfd = openat(c->gfd, name, O_RDONLY | O_DIRECTORY |
			     O_NOFOLLOW | O_CLOEXEC);
	}
	rc = agent_dkim_reload(c->conf, pfd, nfd, agent_stage_file(b, "dkim"), err);
	if (pfd >= 0)
		(void)close(pfd);
	(void)close(nfd);
	return rc;
}

/* Whether Postfix must be reloaded: after a whole bundle (every table a
 * new file, perhaps in a layout an older agent did not write), or when a
 * delta changed one of its tables.  A delta links the others, so a
 * password change alone costs Postfix nothing. */
static int
postfix_needs_reload(const struct bundle *b, const struct agent_keep *keep,
		const struct agent_state *prev)
{
	if (keep == NULL)
		return 1;
	for (int i = 0; bundle_names[i] != NULL; i++)
		if (bundle_is_postfix_map(bundle_names[i]) &&
		    file_changed(b, prev, bundle_names[i]))
			return 1;
	return 0;
}

/* Builds b, publishes it, reloads if asked (rolling back if that fails)
 * and prunes.  st: what served before; on return what serves now. */
static int
install(struct ctx *c, const struct bundle *b, const struct agent_keep *keep,
	int reload,
	struct agent_state *st, struct hk_err *err)
{
	struct agent_state prev = *st;
	char name[NAME_MAX_LEN];
	struct hk_err e;

	if (open_gen(c, err) < 0 || stage_and_rename(c, b, keep, err) < 0)
		return -1;
	if (swap_current(c, b->generation, err) < 0) {
		gen_name(name, "", b->generation);
		if (remove_dir(c, name, &e) < 0)
			log_warn("%s", e.message);
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->serving = 1;
	st->generation = b->generation;
	if (reload && postfix_needs_reload(b, keep, &prev) &&
	    agent_mta_postfix(c->conf, "reload", err) < 0)
		return rollback(c, &prev, b->generation, st, err);
	if (reload && file_changed(b, &prev, "dkim") &&
	    dkim_reload(c, b, &prev, err) < 0)
		return rollback(c, &prev, b->generation, st, err);
	prune(c, b->generation, &prev);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Verbs */

/* The same generation again: fine if every file matches what serves. */
static int
same_generation(struct ctx *c, const struct bundle *b,
		struct agent_state *st, struct hk_err *err)
{
	char want[65];

	if (read_served(c, st, err) < 0)
		return -1;
	for (int i = 0; bundle_names[i] != NULL; i++) {
		const struct bundle_file *f = agent_stage_file(b, bundle_names[i]);

		if (f != NULL)
			memcpy(want, f->sha256, sizeof(want));
		else
			bucket_file_sum(bundle_names[i], "", 0, want);
		if (strcmp(want, st->sha256[i]) != 0)
			return hk_fail(err, HK_EEXIST, bundle_names[i],
				       "generation %llu already serving with "
				       "different content (%s differs);"
				       " send a new generation",
				       (unsigned long long)st->generation,
				       bundle_names[i]);
	}
	return 0;
}

/*
 * A delta on what serves: made whole (agent_delta.h), what it keeps linked.
 * The files' sums are the delta's, each proven on the way: what changed is
 * known without reading back the whole generation, before or after.
 */
static int
publish_delta(struct ctx *c, const struct bundle *d, struct agent_state *st,
	      struct hk_err *err)
{
	struct agent_whole w;
	struct agent_keep keep;
	char dir[DIR_BUF];
	struct hk_err e;
	int rc;

	if (!st->serving || st->generation != d->base)
		return hk_fail(err, HK_EPROTO, "base", "a delta on generation "
			       "%llu, but %llu serves: send the whole bundle",
			       (unsigned long long)d->base,
			       (unsigned long long)st->generation);
	if ((keep.served = open_served(c, st, dir, err)) < 0)
		return -1;
	rc = agent_delta_whole(dir, d, &w, &keep, err);
	for (int i = 0; rc == 0 && bundle_names[i] != NULL; i++)
		snprintf(st->sha256[i], sizeof(st->sha256[i]), "%s",
			 keep.kept[i] ? d->files[i].sha256 : "");
	st->have_files = rc == 0;
	if (rc == 0)
		rc = install(c, &w.b, &keep, 1, st, err);
	for (int i = 0; rc == 0 && bundle_names[i] != NULL; i++)
		memcpy(st->sha256[i], d->files[i].sha256, 65);
	if (rc == 0)
		st->have_files = 1;
	agent_whole_free(&w);
	(void)close(keep.served);
	if (rc < 0 && st->serving && read_served(c, st, &e) < 0)
		st->have_files = 0;
	return rc;
}

static int
publish_locked(struct ctx *c, const struct bundle *b, struct agent_state *st,
	       struct hk_err *err)
{
	unsigned long long gen = b->generation, cur = st->generation;

	if (b->generation > AGENT_GEN_MAX)
		return hk_fail(err, HK_EPROTO, "generation",
			       "generation %llu too large", gen);
	if (st->serving && gen < cur)
		return hk_fail(err, HK_EEXIST, "generation",
			       "stale generation %llu < current %llu", gen, cur);
	if (st->serving && gen == cur)
		return b->base != 0 ? hk_fail(err, HK_EEXIST, "generation",
		    "generation %llu already serving; a delta to it is not "
		    "checked again: send the whole bundle", gen) :
		    same_generation(c, b, st, err);
	if (b->base != 0)
		return publish_delta(c, b, st, err);
	if (st->serving) {
		struct hk_err e;

		/* What serves, so that install() knows whether passwd
		 * changes; unreadable files only cost a Dovecot reload. */
		if (read_served(c, st, &e) < 0)
			st->have_files = 0;
	}
	if (install(c, b, NULL, 1, st, err) < 0)
		return -1;
	return read_served(c, st, err);
}

/*
 * The trash file b gives: its own, or, when a delta keeps it, the serving
 * generation's (the delta's base; publish_delta() proves its checksum).
 * Read as empty, a kept trash would purge every trash directory, and the
 * next whole bundle would move aside the homes its ids name afresh.
 */
static int
trash_of(struct ctx *c, const struct bundle *b, const struct agent_state *st,
	 struct agent_trash *t, struct hk_err *err)
{
	const struct bundle_file *f = agent_stage_file(b, "trash");
	struct bundle_file kept = { "trash", "", 0, "", BUNDLE_WHOLE };
	struct strbuf sb;
	char dir[DIR_BUF];
	int dfd, rc;

	if (f == NULL || f->how == BUNDLE_WHOLE || !st->serving)
		return agent_trash_parse(f, t, err);
	if ((dfd = open_served(c, st, dir, err)) < 0)
		return -1;
	strbuf_init(&sb, BUNDLE_MAX_SIZE);
	rc = agent_delta_served_file(dfd, dir, "trash", &sb, err);
	(void)close(dfd);
	if (rc == 0 && sb.len > 0) {
		kept.data = sb.data;
		kept.len = sb.len;
	}
	if (rc == 0)
		rc = agent_trash_parse(&kept, t, err);
	strbuf_free(&sb);
	return rc;
}

/* The generation, then what its trash file says (agent_trash.c): after
 * the swap, when the maps no longer name a deleted mailbox; also for the
 * same generation again, so that a retry finishes what failed. */
static int
apply_locked(struct ctx *c, const struct bundle *b, struct agent_state *st,
	     struct hk_err *err)
{
	struct agent_trash t;
	int rc;

	if (trash_of(c, b, st, &t, err) < 0)
		return -1;
	rc = publish_locked(c, b, st, err);
	if (rc == 0)
		rc = agent_trash_act(c->conf->mailroot, &t, err);
	agent_trash_free(&t);
	return rc;
}

int
agent_apply(const struct agent_conf *conf, const struct bundle *b,
	    struct agent_state *st, struct hk_err *err)
{
	struct ctx c;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = ctx_open(&c, conf, 1, err);
	if (rc == 0)
		rc = read_current(&c, st, err);
	if (rc == 0)
		rc = apply_locked(&c, b, st, err);
	ctx_close(&c);
	return rc;
}

int
agent_apply_init(const struct agent_conf *conf, struct agent_state *st,
	   struct hk_err *err)
{
	struct bundle empty;
	struct ctx c;
	int rc;

	memset(st, 0, sizeof(*st));
	memset(&empty, 0, sizeof(empty));	/* generation 0, no files */
	if (mkdir(conf->statedir, 0755) < 0 && errno != EEXIST)
		return hk_fail_errno(err, "creating %s", conf->statedir);
	rc = ctx_open(&c, conf, 1, err);
	if (rc == 0)
		rc = read_current(&c, st, err);
	if (rc == 0 && !st->serving)
		rc = install(&c, &empty, NULL, 0, st, err);	/* Postfix not up */
	if (rc == 0)
		rc = read_served(&c, st, err);
	ctx_close(&c);
	return rc;
}

int
agent_apply_status(const struct agent_conf *conf, struct agent_state *st,
	     struct hk_err *err)
{
	struct ctx c;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = ctx_open(&c, conf, 0, err);
	if (rc == 0)
		rc = read_current(&c, st, err);
	if (rc == 0 && !st->serving)
		rc = hk_fail(err, HK_ENOTFOUND, "current", "nothing serving: "
			     "no %s/current (run hakomail-agent init)",
			     conf->statedir);
	if (rc == 0)
		rc = read_served(&c, st, err);
	if (rc == 0)
		rc = check_tables(&c, st, err);
	ctx_close(&c);
	return rc;
}

void
agent_apply_serving(const struct agent_conf *conf, struct agent_state *st)
{
	struct ctx c = { conf, -1, -1, -1 };

	memset(st, 0, sizeof(*st));
	c.sfd = open(conf->statedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.sfd >= 0 && read_current(&c, st, NULL) < 0)
		memset(st, 0, sizeof(*st));
	ctx_close(&c);
}
