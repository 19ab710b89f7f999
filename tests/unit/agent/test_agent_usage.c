/* SPDX-License-Identifier: ISC */
/* test_agent_usage.c - the agent's usage walk on a real directory tree
 * standing for STATEDIR and the mail root: figures read from quota clone
 * files, homes never delivered to, empty Maildirs seeded, a crash's empty
 * file replaced, bad or linked files refused.  Counting by doveadm is
 * the integration test's (report.sh, on a real Dovecot); here doveadm is
 * absent, so a Maildir holding mail is left for a later report. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

#include "agent/agent_usage.h"
#include "bundle.h"
#include "tree.h"

#define ROWS_MAX 16

struct tree {
	char base[64];
	char state[96];		/* STATEDIR */
	struct agent_conf conf;
	struct {
		char user[64];
		int64_t bytes, messages;
	} rows[ROWS_MAX];
	int nrows;
};

static void
put(const struct tree *t, const char *rel, const char *body)
{
	tree_put(t->base, rel, body);
}

static void
dirs(const struct tree *t, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", t->base, rel);
	for (char *p = path + strlen(t->base) + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			fail_msg("mkdir %s", path);
		if ((*p = c) == '\0')
			break;
	}
}

static char *
slurp(const struct tree *t, const char *rel)
{
	static char buf[256];
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->base, rel);
	if ((fd = open(path, O_RDONLY)) < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* A passwd line as the panel renders it, for the user's own uid/gid. */
static void
passwd(struct tree *t, const char *lines)
{
	char text[4096], line[512];
	const char *s = lines;

	text[0] = '\0';
	while (*s != '\0') {
		const char *nl = strchr(s, '\n');
		int n = (int)(nl - s);
		const char *at = memchr(s, '@', (size_t)n);

		snprintf(line, sizeof(line), "%.*s:{SHA512-CRYPT}$6$x$y:%ld:%ld::"
			 "%s/vhosts/%.*s/%.*s::userdb_quota_rule=*:storage="
			 "1024B\n", n, s, (long)getuid(), (long)getgid(),
			 t->base, (int)(s + n - at - 1), at + 1,
			 (int)(at - s), s);
		strncat(text, line, sizeof(text) - strlen(text) - 1);
		s = nl + 1;
	}
	put(t, "state/current/passwd", text);
}

static int
collect(void *ctx, const struct mtaout_mailbox *m, struct hk_err *err)
{
	struct tree *t = ctx;

	(void)err;
	assert_true(t->nrows < ROWS_MAX);
	snprintf(t->rows[t->nrows].user, sizeof(t->rows[0].user), "%.*s",
		 (int)m->user_len, m->user);
	t->rows[t->nrows].bytes = m->bytes;
	t->rows[t->nrows++].messages = m->messages;
	return 0;
}

/* "bytes messages" the walk gave user, or "none". */
static const char *
row(const struct tree *t, const char *user)
{
	static char buf[64];

	for (int i = 0; i < t->nrows; i++)
		if (strcmp(t->rows[i].user, user) == 0) {
			snprintf(buf, sizeof(buf), "%lld %lld",
				 (long long)t->rows[i].bytes,
				 (long long)t->rows[i].messages);
			return buf;
		}
	return "none";
}

static int
setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->base, sizeof(t->base), "/tmp/hk-usage-XXXXXX");
	if (mkdtemp(t->base) == NULL)
		return -1;
	snprintf(t->state, sizeof(t->state), "%s/state", t->base);
	dirs(t, "state/current");
	dirs(t, "vhosts/pc1.example");
	t->conf.statedir = t->state;
	snprintf(t->conf.doveadm, sizeof(t->conf.doveadm),
		 "%s/no-doveadm", t->base);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tree *t = *state;

	tree_remove(t->base);
	free(t);
	return 0;
}

#define CLONE(b, m) "priv/quota/storage\n" b "\npriv/quota/messages\n" m "\n"

static void
test_walk(void **state)
{
	struct tree *t = *state;
	struct hk_err err;

	passwd(t, "cloned@pc1.example\nnever@pc1.example\n"
	       "empty@pc1.example\ncrashed@pc1.example\nold@pc1.example\n");
	dirs(t, "vhosts/pc1.example/cloned/Maildir/cur");
	put(t, "vhosts/pc1.example/cloned/" AGENT_USAGE_FILE,
	    CLONE("464", "1"));
	dirs(t, "vhosts/pc1.example/empty/Maildir/cur");
	dirs(t, "vhosts/pc1.example/empty/Maildir/new");
	dirs(t, "vhosts/pc1.example/empty/Maildir/tmp");
	dirs(t, "vhosts/pc1.example/empty/Maildir/.Sent/cur");
	put(t, "vhosts/pc1.example/empty/Maildir/dovecot-uidlist", "3 V1\n");
	put(t, "vhosts/pc1.example/empty/Maildir/tmp/half", "x");
	dirs(t, "vhosts/pc1.example/crashed/Maildir/new");
	put(t, "vhosts/pc1.example/crashed/" AGENT_USAGE_FILE, "");
	dirs(t, "vhosts/pc1.example/old/Maildir/cur");
	dirs(t, "vhosts/pc1.example/old/Maildir/.Sent/cur");
	put(t, "vhosts/pc1.example/old/Maildir/.Sent/cur/1.host:2,S", "m\n");

	assert_int_equal(agent_usage(&t->conf, collect, t, &err), 0);
	assert_string_equal(row(t, "cloned@pc1.example"), "464 1");
	assert_string_equal(row(t, "never@pc1.example"), "0 0");
	assert_null(slurp(t, "vhosts/pc1.example/never"));
	assert_string_equal(row(t, "empty@pc1.example"), "0 0");
	assert_string_equal(slurp(t, "vhosts/pc1.example/empty/"
				  AGENT_USAGE_FILE), CLONE("0", "0"));
	assert_string_equal(row(t, "crashed@pc1.example"), "0 0");
	assert_string_equal(slurp(t, "vhosts/pc1.example/crashed/"
				  AGENT_USAGE_FILE), CLONE("0", "0"));
	/* Mail but no figure, and no doveadm: left for a later report. */
	assert_string_equal(row(t, "old@pc1.example"), "none");
	assert_null(slurp(t, "vhosts/pc1.example/old/" AGENT_USAGE_FILE));
	assert_int_equal(t->nrows, 4);

	/* A second walk reads the seeds; a seed never overwrites. */
	put(t, "vhosts/pc1.example/empty/" AGENT_USAGE_FILE, CLONE("9", "2"));
	t->nrows = 0;
	assert_int_equal(agent_usage(&t->conf, collect, t, &err), 0);
	assert_string_equal(row(t, "empty@pc1.example"), "9 2");
	assert_int_equal(t->nrows, 4);
}

/* A mailbox held for a domain move is left out: no figure, no seed, and
 * doveadm never runs for it (doveadm would make the INBOX that dsync is
 * about to copy, under another GUID). */
static void
test_held(void **state)
{
	struct tree *t = *state;
	struct hk_err err;
	char line[1024], script[600];

	snprintf(line, sizeof(line), "held@pc1.example:{SHA512-CRYPT}$6$x$y:"
		 "%ld:%ld::%s/vhosts/pc1.example/held::userdb_quota_rule=*:"
		 "storage=1024B nologin=y reason=" BUNDLE_HELD_REASON "\n",
		 (long)getuid(), (long)getgid(), t->base);
	put(t, "state/current/passwd", line);
	dirs(t, "vhosts/pc1.example/held/Maildir/cur");
	put(t, "vhosts/pc1.example/held/Maildir/cur/1.host:2,S", "m\n");
	/* a doveadm that leaves a mark when it runs */
	snprintf(script, sizeof(script), "#!/bin/sh\ntouch %s/doveadm-ran\n",
		 t->base);
	put(t, "doveadm", script);
	snprintf(t->conf.doveadm, sizeof(t->conf.doveadm), "%s/doveadm",
		 t->base);
	assert_int_equal(chmod(t->conf.doveadm, 0755), 0);
	assert_int_equal(agent_usage(&t->conf, collect, t, &err), 0);
	assert_int_equal(t->nrows, 0);
	assert_null(slurp(t, "doveadm-ran"));
	assert_null(slurp(t, "vhosts/pc1.example/held/" AGENT_USAGE_FILE));
	/* the same mailbox not held is counted by doveadm */
	snprintf(line, sizeof(line), "held@pc1.example:{SHA512-CRYPT}$6$x$y:"
		 "%ld:%ld::%s/vhosts/pc1.example/held::userdb_quota_rule=*:"
		 "storage=1024B\n", (long)getuid(), (long)getgid(), t->base);
	put(t, "state/current/passwd", line);
	assert_int_equal(agent_usage(&t->conf, collect, t, &err), 0);
	assert_non_null(slurp(t, "doveadm-ran"));
}

static void
test_refused(void **state)
{
	struct tree *t = *state;
	char link_path[512];
	struct hk_err err;

	passwd(t, "bad@pc1.example\n");
	dirs(t, "vhosts/pc1.example/bad");
	put(t, "vhosts/pc1.example/bad/" AGENT_USAGE_FILE, CLONE("-1", "1"));
	assert_int_equal(agent_usage(&t->conf, collect, t, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
	assert_non_null(strstr(err.message, "/bad/" AGENT_USAGE_FILE));

	/* A link planted in the home is not followed. */
	snprintf(link_path, sizeof(link_path), "%s/vhosts/pc1.example/bad/"
		 AGENT_USAGE_FILE, t->base);
	assert_int_equal(unlink(link_path), 0);
	put(t, "elsewhere", CLONE("5", "5"));
	assert_int_equal(symlink("../../../elsewhere", link_path), 0);
	t->nrows = 0;
	assert_int_equal(agent_usage(&t->conf, collect, t, &err), -1);
	assert_int_equal(err.code, HK_ESYS);
	assert_int_equal(t->nrows, 0);

	put(t, "state/current/passwd", "bad@pc1.example:x:1000\n");
	assert_int_equal(agent_usage(&t->conf, collect, t, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
	assert_non_null(strstr(err.message, "passwd line 1"));
}

/* Nothing serving yet: no mailboxes, no error. */
static void
test_nothing_serving(void **state)
{
	struct tree *t = *state;
	char path[512];
	struct hk_err err;

	snprintf(path, sizeof(path), "%s/current/passwd", t->state);
	(void)unlink(path);
	assert_int_equal(agent_usage(&t->conf, collect, t, &err), 0);
	assert_int_equal(t->nrows, 0);
}

/* One mailbox's figures, for dsync-backup: its file's, never seeded. */
static void
test_usage_of(void **state)
{
	struct tree *t = *state;
	int64_t bytes = -1, messages = -1;
	struct hk_err err;

	passwd(t, "cloned@pc1.example\nold@pc1.example\nbad@pc1.example\n");
	dirs(t, "vhosts/pc1.example/cloned/Maildir/cur");
	put(t, "vhosts/pc1.example/cloned/" AGENT_USAGE_FILE,
	    CLONE("464", "1"));
	dirs(t, "vhosts/pc1.example/old/Maildir/cur");
	put(t, "vhosts/pc1.example/old/Maildir/cur/1.host:2,S", "m\n");
	dirs(t, "vhosts/pc1.example/bad");
	put(t, "vhosts/pc1.example/bad/" AGENT_USAGE_FILE, "nonsense\n");

	assert_int_equal(agent_usage_of(&t->conf, "cloned@pc1.example",
					&bytes, &messages, &err), 1);
	assert_int_equal(bytes, 464);
	assert_int_equal(messages, 1);
	assert_int_equal(agent_usage_of(&t->conf, "old@pc1.example", &bytes,
					&messages, &err), 0);
	assert_null(slurp(t, "vhosts/pc1.example/old/" AGENT_USAGE_FILE));
	/* a prefix of a user is not that user */
	assert_int_equal(agent_usage_of(&t->conf, "cloned@pc1.exampl",
					&bytes, &messages, &err), 0);
	assert_int_equal(agent_usage_of(&t->conf, "none@pc1.example",
					&bytes, &messages, &err), 0);
	assert_int_equal(agent_usage_of(&t->conf, "bad@pc1.example", &bytes,
					&messages, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_serving, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_usage_of, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
