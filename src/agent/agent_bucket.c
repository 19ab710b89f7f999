/* SPDX-License-Identifier: ISC */
/*
 * agent_bucket.c - a bucketed file in its bucket files.  See
 * agent_bucket.h.
 *
 * Like agent_stage.c, it works relative to directory descriptors and
 * opens final components with O_NOFOLLOW; every name is a bucket's hex
 * digits (and a table's suffix) or the file's two fixed names.  Bucket files are written
 * first and made durable together: on a journalling file system the
 * first fsync commits them all, so 256 files cost about one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_bucket.h"
#include "agent_genfile.h"
#include "agent_mta.h"
#include "digest.h"
#include "fdio.h"
#include "mapdelta.h"

#define OPEN_FILE	(O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
#define OPEN_DIR	(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define SEND_WHOLE	"send the whole bundle"
#define NAME_BUF	64	/* a bundle name and a suffix */
#define PATH_MAX_LEN	4096

/* name and suffix: the bucket directory's or the bucket list's name. */
static const char *
sub(const char *name, const char *suffix, char out[NAME_BUF])
{
	snprintf(out, NAME_BUF, "%s%s", name, suffix);
	return out;
}

/* dfd/name, a regular file, into sb: 1, 0 when absent, -1 (errno). */
static int
read_at(int dfd, const char *name, struct strbuf *sb)
{
	struct stat st;
	int fd, rc = 1;

	if ((fd = openat(dfd, name, OPEN_FILE)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0)
		rc = -1;
	else if (!S_ISREG(st.st_mode))
		rc = (errno = EINVAL, -1);
	else if (fdio_read_all(fd, sb, BUNDLE_MAX_SIZE) < 0)
		rc = -1;
	(void)close(fd);
	return rc;
}

/* The bucket list NAME.sums of served (bucket.h) into sums. */
static int
read_sums(int served, const char *name, char sums[BUCKETS][65],
	  struct hk_err *err)
{
	char nm[3], list[NAME_BUF];
	struct strbuf sb;
	size_t at = 0;
	int rc;

	strbuf_init(&sb, BUCKET_LIST_MAX + 1);
	rc = read_at(served, sub(name, AGENT_BUCKET_SUMS_SUFFIX, list), &sb);
	for (int b = 0; rc > 0 && b < bucket_count(name); b++) {
		size_t n;

		bucket_name(name, b, nm);
		n = strlen(nm);
		if (sb.len < at + n + 66 || memcmp(sb.data + at, nm, n) != 0 ||
		    sb.data[at + n] != ' ' || sb.data[at + n + 65] != '\n')
			rc = 0;
		else
			snprintf(sums[b], 65, "%.64s", sb.data + at + n + 1);
		at += n + 66;
	}
	if (rc > 0 && at != sb.len)
		rc = 0;
	strbuf_free(&sb);
	if (rc < 0)
		return hk_fail_errno(err, "reading %s", list);
	return rc > 0 ? 0 : hk_fail(err, HK_EPROTO, name, "the generation "
				    "serving has no %s buckets to edit: %s",
				    name, SEND_WHOLE);
}

/* mtime of what serves `name` now (0: nothing), for date_after. */
static time_t
serving_mtime(int sfd, const char *name)
{
	char path[NAME_BUF + 8];
	struct stat st;

	snprintf(path, sizeof(path), "current/%s%s", name,
		 AGENT_BUCKET_SUMS_SUFFIX);
	if (fstatat(sfd, path, &st, 0) == 0)
		return st.st_mtime;
	snprintf(path, sizeof(path), "current/%s", name);
	if (fstatat(sfd, path, &st, 0) == 0)
		return st.st_mtime;
	return 0;
}

/* NAME.d in dfd (passwd's readable by Dovecot's group); its descriptor. */
static int
make_dir(const struct agent_conf *conf, int dfd, const char *dir,
	 const char *name, struct hk_err *err)
{
	char d[NAME_BUF];
	int pfd;

	sub(name, AGENT_BUCKET_DIR_SUFFIX, d);
	if (mkdirat(dfd, d, 0700) < 0 ||
	    (pfd = openat(dfd, d, OPEN_DIR)) < 0)
		return hk_fail_errno(err, "creating %s/%s", dir, d);
	if (agent_genfile_mode(conf, pfd, name) < 0 ||
	    fchmod(pfd, strcmp(name, "passwd") == 0 ? 0750 : 0755) < 0) {
		(void)close(pfd);
		return hk_fail_errno(err, "%s/%s", dir, d);
	}
	return pfd;
}

/* Where a bucketed file is: its name, and its directory's path. */
struct where {
	const char *name;
	char path[PATH_MAX_LEN];	/* dir/NAME.d, for messages */
};

static void
where_init(struct where *w, const char *dir, const char *name)
{
	w->name = name;
	snprintf(w->path, sizeof(w->path), "%s/%s%s", dir, name,
		 AGENT_BUCKET_DIR_SUFFIX);
}

/* The bucket files of pfd that were written made durable (see the
 * header; a linked one is already), then pfd. */
static int
sync_dir(int pfd, const struct where *w, const int written[BUCKETS],
	 struct hk_err *err)
{
	char nm[3];
	int fd, rc = 0;

	for (int b = 0; rc == 0 && b < bucket_count(w->name); b++) {
		if (!written[b])
			continue;
		bucket_name(w->name, b, nm);
		if ((fd = openat(pfd, nm, OPEN_FILE)) < 0 || fsync(fd) < 0)
			rc = hk_fail_errno(err, "fsync %s/%s", w->path, nm);
		if (fd >= 0)
			(void)close(fd);
	}
	if (rc == 0 && fsync(pfd) < 0)
		rc = hk_fail_errno(err, "fsync %s", w->path);
	return rc;
}

/* One bucket file: written, dated after `after`, its sum into sum. */
static int
write_bucket(const struct agent_conf *conf, int pfd, const struct where *w,
	     int b, const struct strbuf *text, time_t after, char sum[65],
	     struct hk_err *err)
{
	char nm[3];
	int fd, rc = 0;

	bucket_name(w->name, b, nm);
	sha256_hex(text->len ? text->data : "", text->len, sum);
	fd = openat(pfd, nm, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0 || agent_genfile_mode(conf, fd, w->name) < 0 ||
	    fdio_write_all(fd, text->data, text->len) < 0 ||
	    agent_genfile_date_after(fd, after) < 0)
		rc = hk_fail_errno(err, "writing %s/%s", w->path, nm);
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = hk_fail_errno(err, "writing %s/%s", w->path, nm);
	return rc;
}

/* The bucket list of sums as NAME.sums in dfd; its sum into out. */
static int
write_sums(const struct agent_conf *conf, int dfd, const char *dir,
	   const char *name, char sums[BUCKETS][65], char out[65],
	   struct hk_err *err)
{
	char list[BUCKET_LIST_MAX + 1], nm[NAME_BUF];
	size_t len = bucket_list(name, sums, list);

	sha256_hex(list, len, out);
	return agent_genfile_write(conf, dfd, dir,
				   sub(name, AGENT_BUCKET_SUMS_SUFFIX, nm),
				   name, list, len, 0, err);
}

/* What bucket b is dated after: the bucket serving at its path, or what
 * served the file (floor), whichever is later.  Dovecot rereads a
 * bucket only when its mtime (whole seconds) or size differs from the
 * one it read, so every bucket is dated after the one it replaces. */
static time_t
bucket_after(int sfd, const char *name, int b, time_t floor)
{
	char nm[3], path[NAME_BUF + 16];
	struct stat st;

	bucket_name(name, b, nm);
	snprintf(path, sizeof(path), "current/%s%s/%s", name,
		 AGENT_BUCKET_DIR_SUFFIX, nm);
	if (fstatat(sfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_mtime > floor)
		return st.st_mtime;
	return floor;
}

/* A whole text[0..len) as buckets in pfd; sums of each. */
static int
write_whole(const struct agent_conf *conf, int sfd, int pfd,
	    const struct where *w, const char *text, size_t len,
	    char sums[BUCKETS][65], struct hk_err *err)
{
	time_t floor = serving_mtime(sfd, w->name);
	struct strbuf sb[BUCKETS];
	int rc;

	for (int b = 0; b < BUCKETS; b++)
		strbuf_init(&sb[b], BUNDLE_MAX_SIZE);
	rc = bucket_split(w->name, text, len, sb, err);
	for (int b = 0; rc == 0 && b < bucket_count(w->name); b++)
		rc = write_bucket(conf, pfd, w, b, &sb[b],
				  bucket_after(sfd, w->name, b, floor),
				  sums[b], err);
	for (int b = 0; b < BUCKETS; b++)
		strbuf_free(&sb[b]);
	return rc;
}

/* Bucket b of spfd (its sum, from NAME.sums, in sum) with edits e made,
 * written into npfd; its new sum into sum. */
static int
edit_bucket(const struct agent_conf *conf, int spfd, int npfd,
	    const struct where *w, int b, const struct strbuf *e, char sum[65],
	    struct hk_err *err)
{
	struct strbuf base, out;
	struct stat st;
	char nm[3], was[65];
	int rc;

	bucket_name(w->name, b, nm);
	strbuf_init(&base, BUNDLE_MAX_SIZE);
	strbuf_init(&out, BUNDLE_MAX_SIZE);
	if ((rc = read_at(spfd, nm, &base)) <= 0 ||
	    fstatat(spfd, nm, &st, AT_SYMLINK_NOFOLLOW) < 0)
		rc = hk_fail(err, HK_EPROTO, w->name, "bucket %s of the "
			     "generation serving: %s: %s", nm, rc == 0 ?
			     "missing" : strerror(errno), SEND_WHOLE);
	else {
		sha256_hex(base.len ? base.data : "", base.len, was);
		rc = strcmp(was, sum) != 0 ?
		    hk_fail(err, HK_EPROTO, w->name, "bucket %s of the "
			    "generation serving is not what its %s%s says: %s",
			    nm, w->name, AGENT_BUCKET_SUMS_SUFFIX,
			    SEND_WHOLE) :
		    mapdelta_apply(w->name, base.len ? base.data : "",
				   base.len, e->data, e->len, &out, err);
	}
	if (rc == 0)
		rc = write_bucket(conf, npfd, w, b, &out, st.st_mtime, sum,
				  err);
	strbuf_free(&base);
	strbuf_free(&out);
	return rc;
}

/* Bucket b (and, of a Postfix map, its table) linked from spfd. */
static int
link_bucket(const struct agent_conf *conf, int spfd, int npfd,
	    const struct where *w, int b, struct hk_err *err)
{
	char nm[3], table[16];

	bucket_name(w->name, b, nm);
	if (linkat(spfd, nm, npfd, nm, 0) < 0)
		return hk_fail_errno(err, "linking %s/%s", w->path, nm);
	if (!bundle_is_postfix_map(w->name))
		return 0;
	snprintf(table, sizeof(table), "%s%s", nm,
		 agent_mta_map_suffix(conf->maptype));
	if (linkat(spfd, table, npfd, table, 0) < 0)
		return hk_fail_errno(err, "linking %s/%s", w->path, table);
	return 0;
}

/* The serving generation's buckets in npfd: edited where e reaches,
 * linked elsewhere (e NULL: every one linked); sums updated. */
static int
from_served(const struct agent_conf *conf, int spfd, int npfd,
	    const struct where *w, const char *e, size_t elen,
	    char sums[BUCKETS][65], int touched[BUCKETS], struct hk_err *err)
{
	struct strbuf eb[BUCKETS];
	int rc = 0;

	for (int b = 0; b < BUCKETS; b++)
		strbuf_init(&eb[b], BUNDLE_MAX_SIZE);
	if (e != NULL)
		rc = bucket_split_edits(w->name, e, elen, eb, touched, err);
	for (int b = 0; rc == 0 && b < bucket_count(w->name); b++)
		rc = touched[b] ? edit_bucket(conf, spfd, npfd, w, b, &eb[b],
					      sums[b], err) :
		    link_bucket(conf, spfd, npfd, w, b, err);
	for (int b = 0; b < BUCKETS; b++)
		strbuf_free(&eb[b]);
	return rc;
}

/* Kept or edited: from keep->served, which must hold buckets. */
static int
stage_on_served(const struct agent_conf *conf, int npfd,
		const struct where *w, const struct bundle_file *f,
		const struct agent_keep *keep, char sums[BUCKETS][65],
		int written[BUCKETS], struct hk_err *err)
{
	char d[NAME_BUF];
	int spfd, rc;

	if (read_sums(keep->served, w->name, sums, err) < 0)
		return -1;
	spfd = openat(keep->served, sub(w->name, AGENT_BUCKET_DIR_SUFFIX, d),
		      OPEN_DIR);
	if (spfd < 0)
		return hk_fail(err, HK_EPROTO, w->name, "the generation "
			       "serving has no %s: %s", d, SEND_WHOLE);
	rc = from_served(conf, spfd, npfd, w,
			 f->how == BUNDLE_EDIT ? f->data : NULL, f->len, sums,
			 written, err);
	(void)close(spfd);
	return rc;
}

int
agent_bucket_stage(const struct agent_conf *conf, int sfd, int dfd,
		   const char *dir, const char *name,
		   const struct bundle_file *f, const struct agent_keep *keep,
		   int idx, int written[BUCKETS], struct hk_err *err)
{
	char sums[BUCKETS][65], sum[65];
	int on_served = f != NULL && f->how != BUNDLE_WHOLE, pfd, rc;
	struct where w;

	if (on_served && (keep == NULL || (f->how == BUNDLE_KEEP) !=
				       (keep->kept[idx] != 0)))
		return hk_fail(err, HK_EINTERNAL, name, "%s kept or edited "
			       "outside a delta", name);
	where_init(&w, dir, name);
	if ((pfd = make_dir(conf, dfd, dir, name, err)) < 0)
		return -1;
	for (int b = 0; b < BUCKETS; b++)
		written[b] = !on_served && b < bucket_count(name);
	rc = on_served ? stage_on_served(conf, pfd, &w, f, keep, sums,
					 written, err) :
	    write_whole(conf, sfd, pfd, &w, f ? f->data : "",
			f ? f->len : 0, sums, err);
	if (rc == 0)
		rc = sync_dir(pfd, &w, written, err);
	(void)close(pfd);
	if (rc == 0)
		rc = write_sums(conf, dfd, dir, name, sums, sum, err);
	if (rc == 0 && on_served && strcmp(sum, f->sha256) != 0)
		rc = hk_fail(err, HK_EPROTO, name, "delta: %s does not come "
			     "out as the panel rendered it (%s it): %s", name,
			     f->how == BUNDLE_KEEP ? "keeping" : "editing",
			     SEND_WHOLE);
	return rc;
}

int
agent_bucket_sum(int gfd, const char *dir, const char *name, char out[65],
		 struct hk_err *err)
{
	char sums[BUCKETS][65], nm[3], d[NAME_BUF];
	struct strbuf sb;
	int pfd, fd, rc = 0;

	if ((pfd = openat(gfd, sub(name, AGENT_BUCKET_DIR_SUFFIX, d),
			  OPEN_DIR)) < 0) {
		if (errno != ENOENT)	/* else an older agent's whole file */
			return hk_fail_errno(err, "%s/%s", dir, d);
		strbuf_init(&sb, BUNDLE_MAX_SIZE);
		if ((rc = read_at(gfd, name, &sb)) < 0)
			rc = hk_fail_errno(err, "reading %s/%s", dir, name);
		else
			bucket_file_sum(name, sb.len ? sb.data : "", sb.len,
					out);
		strbuf_free(&sb);
		return rc < 0 ? -1 : 0;
	}
	for (int b = 0; rc == 0 && b < bucket_count(name); b++) {
		bucket_name(name, b, nm);
		if ((fd = openat(pfd, nm, OPEN_FILE)) < 0 ||
		    sha256_hex_fd(fd, sums[b]) < 0)
			rc = hk_fail_errno(err, "reading %s/%s/%s", dir, d,
					   nm);
		if (fd >= 0)
			(void)close(fd);
	}
	(void)close(pfd);
	if (rc == 0)
		bucket_sum_of(name, sums, out);
	return rc;
}

int
agent_bucket_read(int gfd, const char *dir, const char *name,
		  const char *key, struct strbuf *sb, struct hk_err *err)
{
	int b = key ? bucket_of(name, key, strlen(key)) : -1, pfd, rc = 1;
	char nm[3], d[NAME_BUF];

	if ((pfd = openat(gfd, sub(name, AGENT_BUCKET_DIR_SUFFIX, d),
			  OPEN_DIR)) < 0) {
		if (errno != ENOENT)
			return hk_fail_errno(err, "%s/%s", dir, d);
		if ((rc = read_at(gfd, name, sb)) < 0)
			return hk_fail_errno(err, "reading %s/%s", dir, name);
		return rc;
	}
	for (int i = b >= 0 ? b : 0; rc > 0 && i < bucket_count(name); i++) {
		bucket_name(name, i, nm);
		if ((rc = read_at(pfd, nm, sb)) <= 0)
			rc = hk_fail_errno(err, "reading %s/%s/%s", dir, d, nm);
		if (b >= 0)
			break;
	}
	(void)close(pfd);
	return rc < 0 ? -1 : 1;
}
