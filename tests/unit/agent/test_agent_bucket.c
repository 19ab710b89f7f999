/* SPDX-License-Identifier: ISC */
/*
 * test_agent_bucket.c - the bucketed files (agent_bucket.h) on temporary
 * generation directories: a whole passwd lands line by line in the file
 * %2Mu names, with passwd.sums, and its checksum is the bundle's; a delta
 * on it rewrites only the bucket its edit reaches (the others are links
 * to the served files) and gives the checksum of the whole file made the
 * long way; a kept passwd is all links; a result that is not the claimed
 * one, or a base without buckets, is refused; a bucket is read alone.
 * virtual_mailbox_maps likewise in 16, a delta linking the tables of the
 * buckets it does not touch and naming the one written.
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
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/agent_bucket.h"
#include "bucket.h"
#include "tree.h"

/* keys' buckets: matsui@pc1.example bf, s0000001@big.example c4,
 * a@x.example f9 */
#define L_M "matsui@pc1.example:{PLAIN}x:5000:5000::/m/pc1.example/matsui::\n"
#define L_S "s0000001@big.example:{PLAIN}y:5000:5000::/m/big.example/s1::\n"
#define L_A "a@x.example:{PLAIN}z:5000:5000::/m/x.example/a::\n"
#define L_S2 "s0000001@big.example:{PLAIN}w:5000:5000::/m/big.example/s1::\n"

struct t {
	char base[64];
	struct agent_conf conf;
	int g1, g2;	/* two generation directories */
};

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char p[128];

	snprintf(t->base, sizeof(t->base), "/tmp/hk-passwd-XXXXXX");
	if (t == NULL || mkdtemp(t->base) == NULL)
		return -1;
	t->conf.group = "hakomail-test-no-such-group";
	t->conf.maptype = "cdb";
	snprintf(p, sizeof(p), "%s/g1", t->base);
	mkdir(p, 0755);
	t->g1 = open(p, O_RDONLY | O_DIRECTORY);
	snprintf(p, sizeof(p), "%s/g2", t->base);
	mkdir(p, 0755);
	t->g2 = open(p, O_RDONLY | O_DIRECTORY);
	*state = t;
	return t->g1 < 0 || t->g2 < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	close(t->g1);
	close(t->g2);
	tree_remove(t->base);
	free(t);
	return 0;
}

/* passwd through the module, the buckets written left aside. */
static int
pw_stage(const struct agent_conf *conf, int sfd, int dfd, const char *dir,
	 const struct bundle_file *f, const struct agent_keep *keep, int idx,
	 struct hk_err *err)
{
	int written[BUCKETS];

	return agent_bucket_stage(conf, sfd, dfd, dir, "passwd", f, keep, idx,
				  written, err);
}

static int
pw_sum(int gfd, const char *dir, char out[65], struct hk_err *err)
{
	return agent_bucket_sum(gfd, dir, "passwd", out, err);
}

static int
pw_read(int gfd, const char *dir, const char *address, struct strbuf *sb,
	struct hk_err *err)
{
	return agent_bucket_read(gfd, dir, "passwd", address, sb, err);
}

static struct bundle_file
whole(const char *text)
{
	struct bundle_file f = { "passwd", text, strlen(text), "",
				 BUNDLE_WHOLE };

	bucket_file_sum("passwd", text, strlen(text), f.sha256);
	return f;
}

/* The bucket file XX of generation dfd, or "" if absent. */
static char *
bucket(int dfd, const char *xx)
{
	static char buf[4096];
	char rel[32];
	ssize_t n;
	int fd;

	snprintf(rel, sizeof(rel), "passwd.d/%s", xx);
	buf[0] = '\0';
	if ((fd = openat(dfd, rel, O_RDONLY)) < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static ino_t
inode(int dfd, const char *rel)
{
	struct stat sb;

	return fstatat(dfd, rel, &sb, 0) == 0 ? sb.st_ino : 0;
}

static void
test_whole(void **state)
{
	struct t *t = *state;
	struct bundle_file f = whole(L_S L_M L_A);
	struct hk_err err;
	struct strbuf sb;
	char sum[65];
	struct stat st;

	if (pw_stage(&t->conf, t->g1, t->g1, "g1", &f, NULL, 6,
			       &err) != 0)
		fail_msg("stage: %s", err.message);
	assert_string_equal(bucket(t->g1, "bf"), L_M);
	assert_string_equal(bucket(t->g1, "c4"), L_S);
	assert_string_equal(bucket(t->g1, "f9"), L_A);
	assert_string_equal(bucket(t->g1, "00"), "");
	assert_int_equal(fstatat(t->g1, "passwd.d/ff", &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(fstatat(t->g1, "passwd.sums", &st, 0), 0);
	assert_int_equal(st.st_size, BUCKETS * 68);
	assert_int_equal(pw_sum(t->g1, "g1", sum, &err), 0);
	assert_string_equal(sum, f.sha256);
	strbuf_init(&sb, 1 << 20);
	assert_int_equal(pw_read(t->g1, "g1", "s0000001@big.example",
					   &sb, &err), 1);
	assert_int_equal(sb.len, strlen(L_S));
	sb.len = 0;
	assert_int_equal(pw_read(t->g1, "g1", NULL, &sb, &err), 1);
	assert_int_equal(sb.len, strlen(L_S L_M L_A));
	strbuf_free(&sb);
}

static time_t
mtime(int dfd, const char *rel)
{
	struct stat sb;

	return fstatat(dfd, rel, &sb, 0) == 0 ? sb.st_mtime : 0;
}

/* A whole passwd where g1 serves (the state directory's current): each
 * bucket dated after the one it replaces, even one dated ahead of the
 * clock by changes in the same second, so that Dovecot (which compares
 * mtime seconds and size) rereads every bucket that changed. */
static void
test_whole_dated_after(void **state)
{
	struct t *t = *state;
	struct bundle_file f = whole(L_S L_M L_A);
	struct timespec ahead[2] = { { 0, UTIME_OMIT }, { 0, 0 } };
	struct hk_err err;
	char p[128];
	int sfd;
	time_t now = time(NULL);

	snprintf(p, sizeof(p), "%s/current", t->base);
	assert_int_equal(symlink("g1", p), 0);
	assert_true((sfd = open(t->base, O_RDONLY | O_DIRECTORY)) >= 0);
	if (pw_stage(&t->conf, sfd, t->g1, "g1", &f, NULL, 6, &err) != 0)
		fail_msg("stage g1: %s", err.message);
	ahead[1].tv_sec = now + 30;
	assert_int_equal(utimensat(t->g1, "passwd.d/c4", ahead, 0), 0);
	f = whole(L_S2 L_M L_A);	/* the same size in c4 */
	if (pw_stage(&t->conf, sfd, t->g2, "g2", &f, NULL, 6, &err) != 0)
		fail_msg("stage g2: %s", err.message);
	assert_true(mtime(t->g2, "passwd.d/c4") > now + 30);
	assert_true(mtime(t->g2, "passwd.d/bf") > mtime(t->g1, "passwd.d/bf"));
	assert_true(mtime(t->g2, "passwd.d/00") > mtime(t->g1, "passwd.d/00"));
	close(sfd);
}

/* g1 staged whole; then onto g2 the delta edit e (claiming `claim`). */
static int
edit(struct t *t, const char *e, const char *claim, struct hk_err *err)
{
	struct bundle_file f = whole(L_S L_M L_A);
	struct agent_keep keep = { t->g1, { 0 } };

	if (pw_stage(&t->conf, t->g1, t->g1, "g1", &f, NULL, 6,
			       err) != 0)
		fail_msg("stage: %s", err->message);
	f = (struct bundle_file){ "passwd", e, strlen(e), "", BUNDLE_EDIT };
	bucket_file_sum("passwd", claim, strlen(claim), f.sha256);
	return pw_stage(&t->conf, t->g1, t->g2, "g2", &f, &keep, 6,
				  err);
}

static void
test_delta_one_bucket(void **state)
{
	struct t *t = *state;
	struct hk_err err;
	char sum[65], want[65];

	if (edit(t, "+" L_S2, L_S2 L_M L_A, &err) != 0)
		fail_msg("delta: %s", err.message);
	assert_string_equal(bucket(t->g2, "c4"), L_S2);
	assert_int_not_equal(inode(t->g1, "passwd.d/c4"),
			     inode(t->g2, "passwd.d/c4"));
	/* untouched buckets are the served files themselves */
	assert_int_equal(inode(t->g1, "passwd.d/bf"),
			 inode(t->g2, "passwd.d/bf"));
	assert_int_equal(inode(t->g1, "passwd.d/00"),
			 inode(t->g2, "passwd.d/00"));
	assert_int_equal(pw_sum(t->g2, "g2", sum, &err), 0);
	bucket_file_sum("passwd", L_S2 L_M L_A, strlen(L_S2 L_M L_A), want);
	assert_string_equal(sum, want);
}

static void
test_delta_drops(void **state)
{
	struct t *t = *state;
	struct hk_err err;

	/* a key dropped, and a whole domain */
	if (edit(t, "=pc1.example\n-a@x.example\n", L_S, &err) != 0)
		fail_msg("delta: %s", err.message);
	assert_string_equal(bucket(t->g2, "bf"), "");
	assert_string_equal(bucket(t->g2, "f9"), "");
	assert_string_equal(bucket(t->g2, "c4"), L_S);
}

static void
test_delta_lie_refused(void **state)
{
	struct t *t = *state;
	struct hk_err err;

	assert_int_equal(edit(t, "+" L_S2, L_S L_M L_A, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
	assert_non_null(strstr(err.message, "send the whole bundle"));
}

static void
test_kept(void **state)
{
	struct t *t = *state;
	struct bundle_file f = whole(L_S L_M L_A);
	struct agent_keep keep = { t->g1, { 0 } };
	struct hk_err err;

	assert_int_equal(pw_stage(&t->conf, t->g1, t->g1, "g1", &f,
					    NULL, 6, &err), 0);
	f.how = BUNDLE_KEEP;
	f.data = "";
	f.len = 0;
	keep.kept[6] = 1;
	if (pw_stage(&t->conf, t->g1, t->g2, "g2", &f, &keep, 6,
			       &err) != 0)
		fail_msg("keep: %s", err.message);
	for (int b = 0; b < BUCKETS; b += 51) {
		char rel[32];

		snprintf(rel, sizeof(rel), "passwd.d/%02x", (unsigned)b);
		assert_int_equal(inode(t->g1, rel), inode(t->g2, rel));
	}
}

static void
test_old_base_refused(void **state)
{
	struct t *t = *state;
	struct bundle_file f = { "passwd", "+" L_S2, strlen("+" L_S2), "",
				 BUNDLE_EDIT };
	struct agent_keep keep = { t->g1, { 0 } };
	struct hk_err err;
	struct strbuf sb;
	char sum[65];

	/* an older agent's generation: one passwd file */
	tree_put(t->base, "g1/passwd", L_S L_M L_A);
	bucket_file_sum("passwd", L_S2 L_M L_A, strlen(L_S2 L_M L_A),
			f.sha256);
	assert_int_equal(pw_stage(&t->conf, t->g1, t->g2, "g2", &f,
					    &keep, 6, &err), -1);
	assert_non_null(strstr(err.message, "send the whole bundle"));
	/* but it is read, and summed, as it is */
	assert_int_equal(pw_sum(t->g1, "g1", sum, &err), 0);
	assert_string_equal(sum, whole(L_S L_M L_A).sha256);
	strbuf_init(&sb, 1 << 20);
	assert_int_equal(pw_read(t->g1, "g1", "a@x.example", &sb, &err), 1);
	assert_int_equal(sb.len, strlen(L_S L_M L_A));
	strbuf_free(&sb);
}

/* virtual_mailbox_maps keys' buckets (high four bits of the MD5):
 * matsui@pc1.example b, s0000001@big.example c, a@x.example f */
#define V_M "matsui@pc1.example pc1.example/matsui/\n"
#define V_S "s0000001@big.example big.example/s1/\n"
#define V_A "a@x.example x.example/a/\n"
#define V_N "k@x.example x.example/k/\n"

static struct bundle_file
vmm(const char *text, enum bundle_how how)
{
	struct bundle_file f = { "virtual_mailbox_maps", text, strlen(text),
				 "", how };

	return f;
}

static void
test_vmm(void **state)
{
	struct t *t = *state;
	struct bundle_file f = vmm(V_S V_M V_A, BUNDLE_WHOLE);
	struct agent_keep keep = { t->g1, { 0 } };
	int written[BUCKETS];
	struct hk_err err;
	char sum[65], want[65], rel[64];
	struct stat st;

	assert_int_equal(agent_bucket_stage(&t->conf, t->g1, t->g1, "g1",
					    "virtual_mailbox_maps", &f, NULL,
					    1, written, &err), 0);
	for (int b = 0; b < 16; b++) {
		assert_int_equal(written[b], 1);
		/* the tables postmap would have made */
		snprintf(rel, sizeof(rel), "virtual_mailbox_maps.d/%x.cdb", b);
		tree_put(t->base, "g1/x", "");
		assert_int_equal(renameat(t->g1, "x", t->g1, rel), 0);
	}
	assert_int_equal(fstatat(t->g1, "virtual_mailbox_maps.d/f", &st, 0),
			 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(st.st_size, strlen(V_A));
	assert_int_equal(fstatat(t->g1, "virtual_mailbox_maps.sums", &st, 0),
			 0);
	assert_int_equal(st.st_size, 16 * 67);
	/* a mailbox added: bucket f written, its table left to postmap;
	 * the others, and their tables, linked */
	f = vmm("+" V_N, BUNDLE_EDIT);
	bucket_file_sum(f.name, V_S V_M V_A V_N, strlen(V_S V_M V_A V_N),
			f.sha256);
	if (agent_bucket_stage(&t->conf, t->g1, t->g2, "g2",
			       "virtual_mailbox_maps", &f, &keep, 1, written,
			       &err) != 0)
		fail_msg("delta: %s", err.message);
	for (int b = 0; b < 16; b++)
		assert_int_equal(written[b], b == 15);
	assert_int_equal(inode(t->g1, "virtual_mailbox_maps.d/b.cdb"),
			 inode(t->g2, "virtual_mailbox_maps.d/b.cdb"));
	assert_int_equal(inode(t->g2, "virtual_mailbox_maps.d/f.cdb"), 0);
	assert_int_equal(agent_bucket_sum(t->g2, "g2", "virtual_mailbox_maps",
					  sum, &err), 0);
	bucket_file_sum(f.name, V_S V_M V_A V_N, strlen(V_S V_M V_A V_N), want);
	assert_string_equal(sum, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whole_dated_after, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delta_one_bucket, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delta_drops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delta_lie_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_base_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmm, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
