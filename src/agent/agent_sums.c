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
 * .sums holds one line per Postfix map, in bundle_names order:
 *   <sha256 lowercase hex> <name><suffix>\n
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
#include "digest.h"
#include "fdio.h"
#include "strbuf.h"

#define SUMS		".sums"
#define SUMS_MAX	4096
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

/* The expected text of .sums for what is in dfd now. */
static int
sums_text(const struct agent_conf *conf, int dfd, const char *dir,
	  struct strbuf *sb, struct hk_err *err)
{
	char table[TABLE_NAME_MAX], sha[65];

	for (int i = 0; bundle_names[i] != NULL; i++) {
		if (!bundle_is_postfix_map(bundle_names[i]))
			continue;
		snprintf(table, sizeof(table), "%s%s", bundle_names[i],
			 agent_mta_map_suffix(conf->maptype));
		if (table_sum(dfd, dir, table, sha, err) < 0)
			return -1;
		if (strbuf_printf(sb, "%s %s\n", sha, table) < 0)
			return hk_fail(err, HK_ESYS, NULL, "out of memory");
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
