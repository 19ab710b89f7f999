/* SPDX-License-Identifier: ISC */
/* test_agent_trash.c - the agent's side of the mailbox trash on a real
 * directory tree standing for MAILROOT: homes moved aside once, moved
 * back, trash directories no line names removed without following a link
 * out of the tree, and files that name an id twice refused. */
#include "config.h"

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

#include "agent/agent_trash.h"
#include "tree.h"

struct tree {
	char root[64];		/* the mail root */
	char outside[96];	/* a file beside it, never to be removed */
};

static void
put(const struct tree *t, const char *rel, const char *body)
{
	tree_put(t->root, rel, body);
}

static void
dir(const struct tree *t, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	if (mkdir(path, 0700) != 0)
		fail_msg("mkdir %s", path);
}

static int
there(const struct tree *t, const char *rel)
{
	char path[512];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	return lstat(path, &sb) == 0;
}

static int
setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char base[] = "/tmp/hk-trash-XXXXXX";

	if (t == NULL || mkdtemp(base) == NULL)
		return -1;
	snprintf(t->root, sizeof(t->root), "%s/vhosts", base);
	snprintf(t->outside, sizeof(t->outside), "%s/outside", base);
	if (mkdir(t->root, 0755) != 0)
		return -1;
	dir(t, "pc1.example");
	dir(t, "pc1.example/matsui");
	dir(t, "pc1.example/matsui/cur");
	put(t, "pc1.example/matsui/cur/1.mail", "old mail\n");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tree *t = *state;
	char base[64];

	snprintf(base, sizeof(base), "%.*s", (int)(strrchr(t->root, '/') -
		 t->root), t->root);
	tree_remove(base);
	free(t);
	return 0;
}

/* Parses text as a trash file and acts on it under t's root. */
static int
act(const struct tree *t, const char *text, struct hk_err *err)
{
	struct bundle_file f = { "trash", text, strlen(text), "", BUNDLE_WHOLE };
	struct agent_trash tr;
	int rc;

	if (agent_trash_parse(&f, &tr, err) != 0)
		return -1;
	rc = agent_trash_act(t->root, &tr, err);
	agent_trash_free(&tr);
	return rc;
}

static void
test_parse(void **state)
{
	struct bundle_file dup = { "trash", "trash 5 a@pc1.example\n"
				   "restore 5 a@pc1.example\n", 0, "", BUNDLE_WHOLE };
	struct bundle_file bad = { "trash", "trash 5 ../etc\n", 0, "", BUNDLE_WHOLE };
	struct bundle_file good = { "trash", "trash 5 a@pc1.example\n"
				    "restore 3 b.c@pc1.example\n", 0, "", BUNDLE_WHOLE };
	struct agent_trash tr;
	struct hk_err err;

	(void)state;
	dup.len = strlen(dup.data);
	bad.len = strlen(bad.data);
	good.len = strlen(good.data);
	assert_int_equal(agent_trash_parse(&dup, &tr, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
	assert_non_null(strstr(err.message, "5 named twice"));
	assert_int_equal(agent_trash_parse(&bad, &tr, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
	assert_int_equal(agent_trash_parse(NULL, &tr, &err), 0);
	assert_int_equal(tr.n, 0);
	assert_int_equal(agent_trash_parse(&good, &tr, &err), 0);
	assert_int_equal(tr.n, 2);
	assert_false(tr.lines[0].restore);
	assert_int_equal(tr.lines[0].id, 5);
	assert_string_equal(tr.lines[0].local, "a");
	assert_true(tr.lines[1].restore);
	assert_int_equal(tr.lines[1].id, 3);
	assert_string_equal(tr.lines[1].local, "b.c");
	assert_string_equal(tr.lines[1].domain, "pc1.example");
	agent_trash_free(&tr);
}

static void
test_moved_aside_once(void **state)
{
	struct tree *t = *state;
	struct hk_err err;

	assert_int_equal(act(t, "trash 5 matsui@pc1.example\n"
			     "trash 6 alice@pc1.example\n"
			     "trash 7 bob@other.example\n", &err), 0);
	assert_false(there(t, "pc1.example/matsui"));
	assert_true(there(t, ".hakomail-trash/5/cur/1.mail"));
	/* no home: an empty one, so that the id is acted on once */
	assert_true(there(t, ".hakomail-trash/6"));
	assert_true(there(t, ".hakomail-trash/7"));
	/* a new mailbox of the same name gets mail; the same file again
	 * leaves it alone */
	dir(t, "pc1.example/matsui");
	put(t, "pc1.example/matsui/new.mail", "new mail\n");
	assert_int_equal(act(t, "trash 5 matsui@pc1.example\n"
			     "trash 6 alice@pc1.example\n"
			     "trash 7 bob@other.example\n", &err), 0);
	assert_true(there(t, "pc1.example/matsui/new.mail"));
	assert_true(there(t, ".hakomail-trash/5/cur/1.mail"));
}

static void
test_restore_in_order(void **state)
{
	struct tree *t = *state;
	struct hk_err err;

	assert_int_equal(act(t, "trash 5 matsui@pc1.example\n", &err), 0);
	dir(t, "pc1.example/matsui");
	put(t, "pc1.example/matsui/new.mail", "new mail\n");
	/* the new one deleted (8), then the old one restored (5) */
	assert_int_equal(act(t, "trash 8 matsui@pc1.example\n"
			     "restore 5 matsui@pc1.example\n", &err), 0);
	assert_true(there(t, "pc1.example/matsui/cur/1.mail"));
	assert_false(there(t, "pc1.example/matsui/new.mail"));
	assert_true(there(t, ".hakomail-trash/8/new.mail"));
	assert_false(there(t, ".hakomail-trash/5"));
	/* a restore whose home exists leaves the trash where it is */
	assert_int_equal(act(t, "trash 8 matsui@pc1.example\n"
			     "restore 9 matsui@pc1.example\n", &err), 0);
	dir(t, ".hakomail-trash/9");
	assert_int_equal(act(t, "trash 8 matsui@pc1.example\n"
			     "restore 9 matsui@pc1.example\n", &err), 0);
	assert_true(there(t, ".hakomail-trash/9"));
	assert_true(there(t, "pc1.example/matsui/cur/1.mail"));
	/* a restore into a domain with no directory makes it */
	assert_int_equal(act(t, "trash 8 matsui@pc1.example\n"
			     "trash 10 kim@new.example\n", &err), 0);
	put(t, ".hakomail-trash/10/kim.mail", "x\n");
	assert_int_equal(act(t, "restore 10 kim@new.example\n", &err), 0);
	assert_true(there(t, "new.example/kim/kim.mail"));
}

static void
test_purge(void **state)
{
	struct tree *t = *state;
	struct hk_err err;
	char link[512];
	FILE *fp;

	assert_int_equal(act(t, "trash 5 matsui@pc1.example\n"
			     "trash 6 alice@pc1.example\n", &err), 0);
	/* a link planted in the maildir, to a file outside the root */
	assert_non_null(fp = fopen(t->outside, "w"));
	assert_int_equal(fclose(fp), 0);
	snprintf(link, sizeof(link), "%s/.hakomail-trash/5/cur/evil",
		 t->root);
	assert_int_equal(symlink(t->outside, link), 0);
	snprintf(link, sizeof(link), "%s/.hakomail-trash/5/up", t->root);
	assert_int_equal(symlink("../../pc1.example", link), 0);
	dir(t, ".hakomail-trash/not-an-id");
	/* 5 is no longer named: purged; 6 is kept */
	assert_int_equal(act(t, "trash 6 alice@pc1.example\n", &err), 0);
	assert_false(there(t, ".hakomail-trash/5"));
	assert_true(there(t, ".hakomail-trash/6"));
	assert_true(there(t, ".hakomail-trash/not-an-id"));
	assert_int_equal(access(t->outside, F_OK), 0);
	assert_true(there(t, "pc1.example"));
	/* an empty file purges everything */
	assert_int_equal(act(t, "", &err), 0);
	assert_false(there(t, ".hakomail-trash/6"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_moved_aside_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restore_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
