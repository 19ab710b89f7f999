/* SPDX-License-Identifier: ISC */
/*
 * agent_sums.c - the checksums of what postmap built for a generation,
 * written into it when it is built (gen/N/.sums) and checked by `status`.
 *
 * The text of each map is checksummed on every status, and pushd compares
 * those with what it pushed.  But Postfix reads the tables postmap made,
 * and an operator may rebuild or replace one by hand; these sums tell such
 * a table apart from the one built from this generation's text.  A
 * generation built before sums were kept has no .sums and is not checked.
 *
 * .sums holds one line per Postfix map's table, in bundle_names order (a
 * bucketed map's, bucket.h, one a bucket):
 *   <sha256 lowercase hex> <name><suffix>\n
 *   <sha256 lowercase hex> <name>.d/<bucket><suffix>\n
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_mta.h"
#include "agent_sums.h"
#include "bucket.h"
#include "digest.h"
#include "fdio.h"
#include "strbuf.h"

#define SUMS		".sums"
#define SUMS_MAX	8192
#define TABLE_NAME_MAX	64

static int
table_sum(int dfd, const char *dir, const char *table, char out[65],
	  struct hk_err *err)
{
	struct stat sb;
	int fd = openat(dfd, table, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			O_CLOEXEC), rc = 0;

	if (fd < 0)
		return hk_fail_errno(err, "%s/%s", dir, table);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sha256_hex_fd(fd, out) < 0)
		rc = hk_fail(err, HK_ESYS, table, "%s/%s: not a readable "
			     "regular file", dir, table);
	(void)close(fd);
	return rc;
}

/* One line of .sums: table (in directory fd; its name in .sums is
 * prefix then table). */
static int
sums_line(int fd, const char *dir, const char *prefix, const char *table,
	  struct strbuf *sb, struct hk_err *err)
{
	char sha[65];

	if (table_sum(fd, dir, table, sha, err) < 0)
		return -1;
	if (strbuf_printf(sb, "%s %s%s\n", sha, prefix, table) < 0)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	return 0;
}

/* The lines of a bucketed map's tables, each bucket's (bucket.h). */
static int
bucket_lines(const struct agent_conf *conf, int dfd, const char *dir,
	     const char *name, struct strbuf *sb, struct hk_err *err)
{
	char sub[TABLE_NAME_MAX], path[TABLE_NAME_MAX + 4096], nm[3];
	char table[TABLE_NAME_MAX];
	int fd, rc = 0;

	snprintf(sub, sizeof(sub), "%s.d/", name);
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hk_fail_errno(err, "%s", path);
	for (int b = 0; rc == 0 && b < bucket_count(name); b++) {
		bucket_name(name, b, nm);
		snprintf(table, sizeof(table), "%s%s", nm,
			 agent_mta_map_suffix(conf->maptype));
		rc = sums_line(fd, path, sub, table, sb, err);
	}
	(void)close(fd);
	return rc;
}

/* The expected text of .sums for what is in dfd now. */
static int
sums_text(const struct agent_conf *conf, int dfd, const char *dir,
	  struct strbuf *sb, struct hk_err *err)
{
	char table[TABLE_NAME_MAX];

	for (int i = 0; bundle_names[i] != NULL; i++) {
		if (!bundle_is_postfix_map(bundle_names[i]))
			continue;
		if (bucket_file(bundle_names[i])) {
			if (bucket_lines(conf, dfd, dir, bundle_names[i], sb,
					 err) < 0)
				return -1;
			continue;
		}
		snprintf(table, sizeof(table), "%s%s", bundle_names[i],
			 agent_mta_map_suffix(conf->maptype));
		if (sums_line(dfd, dir, "", table, sb, err) < 0)
			return -1;
	}
	return 0;
}

int
agent_sums_write(const struct agent_conf *conf, int dfd, const char *dir,
		 struct hk_err *err)
{
	struct strbuf sb;
	int fd, rc;

	strbuf_init(&sb, SUMS_MAX);
	rc = sums_text(conf, dfd, dir, &sb, err);
	if (rc == 0) {
		fd = openat(dfd, SUMS, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0644);
		if (fd < 0)
			rc = hk_fail_errno(err, "creating %s/" SUMS, dir);
		else {
			if (fdio_write_all(fd, sb.data, sb.len) < 0 ||
			    fsync(fd) < 0)
				rc = hk_fail_errno(err, "writing %s/" SUMS, dir);
			if (close(fd) < 0 && rc == 0)
				rc = hk_fail_errno(err, "closing %s/" SUMS, dir);
		}
	}
	strbuf_free(&sb);
	return rc;
}

int
agent_sums_check(const struct agent_conf *conf, int dfd, const char *dir,
		 struct hk_err *err)
{
	char kept[SUMS_MAX + 1], table[TABLE_NAME_MAX];
	struct strbuf now;
	ssize_t n;
	int fd, rc;

	fd = openat(dfd, SUMS, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return hk_fail_errno(err, "%s/" SUMS, dir);
	n = fdio_read_full(fd, kept, SUMS_MAX);
	(void)close(fd);
	if (n < 0)
		return hk_fail_errno(err, "reading %s/" SUMS, dir);
	kept[n] = '\0';
	strbuf_init(&now, SUMS_MAX);
	rc = sums_text(conf, dfd, dir, &now, err);
	if (rc == 0 && strcmp(kept, strbuf_str(&now)) != 0) {
		/* name the first table whose line is not the kept one */
		const char *line = strbuf_str(&now);
		size_t len = strcspn(line, "\n");

		while (line[len] == '\n' && (size_t)(line - now.data) + len <
		       (size_t)n && strncmp(kept + (line - now.data), line,
		       len + 1) == 0) {
			line += len + 1;
			len = strcspn(line, "\n");
		}
		snprintf(table, sizeof(table), "%.*s", len > 65 ?
			 (int)(len - 65) : 0, line + (len > 65 ? 65 : len));
		rc = hk_fail(err, HK_EEXIST, table, "%s/%s is not the table "
			     "built from this generation's text (changed on "
			     "the guest)", dir, table);
	}
	strbuf_free(&now);
	return rc;
}
