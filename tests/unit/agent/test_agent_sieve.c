/* SPDX-License-Identifier: ISC */
/*
 * test_agent_sieve.c - the agent's Sieve scripts (agent_sieve.c) in a
 * temporary state directory, compiled by the real sievec: a good file
 * makes a script and a binary per line; the next generation links the
 * unchanged ones from the serving one and compiles only what changed; a
 * script that does not compile, or an address twice, is refused with the
 * reason; the tree is removed; a configuration with "%h" in a global
 * plugin setting (the guest recipe's) compiles too.  Without sievec (Debian's dovecot-sieve,
 * deploy/install-deps.sh) the test fails.
 */
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

#include "agent/agent_sieve.h"
#include "base64.h"
#include "strbuf.h"

#include "tree.h"

#define SIEVEC	"/usr/bin/sievec"
#define KEEP	"keep;\r\n"
#define VAC	"require [\"vacation\"];\r\nvacation :days 7 \"Away.\";\r\n"
#define BAD	"frobnicate \"x\";\r\n"

struct t {
	char dir[64];
	struct agent_conf conf;
	int sfd;
};

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	snprintf(t->dir, sizeof(t->dir), "/tmp/hk-agent-sieve-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	t->conf.statedir = t->dir;
	snprintf(t->conf.sievec, sizeof(t->conf.sievec), "%s", SIEVEC);
	t->sfd = open(t->dir, O_RDONLY | O_DIRECTORY);
	assert_true(t->sfd >= 0);
	assert_int_equal(mkdirat(t->sfd, "gen", 0755), 0);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	(void)close(t->sfd);
	tree_remove(t->dir);
	free(t);
	return 0;
}

/* The "sieve" file of lines ADDRESS, SCRIPT, ... (NULL-terminated). */
static void
sieve_file(struct strbuf *sb, const char *const *pairs)
{
	strbuf_init(sb, 0);
	for (; pairs[0] != NULL; pairs += 2) {
		assert_int_equal(strbuf_printf(sb, "%s ", pairs[0]), 0);
		assert_int_equal(base64_encode(sb, pairs[1], strlen(pairs[1])),
				 0);
		assert_int_equal(strbuf_puts(sb, "\n"), 0);
	}
}

/* Builds the scripts of pairs into gen/NAME: agent_sieve_build's rc. */
static int
build(struct t *t, const char *name, const char *const *pairs,
      struct hk_err *err)
{
	char dir[256], rel[64];
	struct bundle_file f = { "sieve", NULL, 0, "", BUNDLE_WHOLE };
	struct strbuf sb;
	int dfd, rc;

	if (access(SIEVEC, X_OK) != 0)
		fail_msg("%s is missing: install dovecot-sieve "
			 "(deploy/install-deps.sh --test)", SIEVEC);
	snprintf(rel, sizeof(rel), "gen/%s", name);
	snprintf(dir, sizeof(dir), "%s/%s", t->dir, rel);
	assert_int_equal(mkdirat(t->sfd, rel, 0755), 0);
	dfd = openat(t->sfd, rel, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	sieve_file(&sb, pairs);
	f.data = strbuf_str(&sb);
	f.len = sb.len;
	hk_err_clear(err);
	rc = agent_sieve_build(&t->conf, t->sfd, dfd, dir, &f, err);
	(void)close(dfd);
	strbuf_free(&sb);
	return rc;
}

/* The inode of DIR/gen/REL, 0 when there is no such file. */
static ino_t
inode(struct t *t, const char *rel)
{
	char path[512];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/gen/%s", t->dir, rel);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? sb.st_ino : 0;
}

static void
test_build_and_reuse(void **state)
{
	static const char *const one[] = {
		"a@pc1.example", KEEP, "b.x+y@pc1.example", VAC,
		"a@pc2.example", KEEP, NULL };
	static const char *const two[] = {
		"a@pc1.example", KEEP, "b.x+y@pc1.example", VAC "keep;\r\n",
		"c@pc2.example", VAC, NULL };
	struct t *t = *state;
	struct hk_err err;

	if (build(t, "1", one, &err) != 0)
		fail_msg("build: %s", err.message);
	assert_true(inode(t, "1/sieve/pc1.example/a.sieve") != 0);
	assert_true(inode(t, "1/sieve/pc1.example/a.svbin") != 0);
	assert_true(inode(t, "1/sieve/pc1.example/b.x+y.svbin") != 0);
	assert_true(inode(t, "1/sieve/pc2.example/a.svbin") != 0);
	assert_int_equal(symlinkat("gen/1", t->sfd, "current"), 0);
	/* the next generation: a@pc1 reused, b changed, c new, a@pc2 gone */
	if (build(t, "2", two, &err) != 0)
		fail_msg("build: %s", err.message);
	assert_int_equal(inode(t, "2/sieve/pc1.example/a.svbin"),
			 inode(t, "1/sieve/pc1.example/a.svbin"));
	assert_int_equal(inode(t, "2/sieve/pc1.example/a.sieve"),
			 inode(t, "1/sieve/pc1.example/a.sieve"));
	assert_true(inode(t, "2/sieve/pc1.example/b.x+y.svbin") !=
		    inode(t, "1/sieve/pc1.example/b.x+y.svbin"));
	assert_true(inode(t, "2/sieve/pc2.example/c.svbin") != 0);
	assert_int_equal(inode(t, "2/sieve/pc2.example/a.sieve"), 0);
	/* removed: the whole tree, and nothing else */
	{
		int dfd = openat(t->sfd, "gen/2", O_RDONLY | O_DIRECTORY);

		assert_int_equal(agent_sieve_remove(dfd, "gen/2", &err), 0);
		assert_int_equal(agent_sieve_remove(dfd, "gen/2", &err), 0);
		(void)close(dfd);
	}
	assert_int_equal(inode(t, "2/sieve/pc1.example/a.sieve"), 0);
	assert_int_equal(unlinkat(t->sfd, "gen/2", AT_REMOVEDIR), 0);
	assert_true(inode(t, "1/sieve/pc1.example/a.svbin") != 0);
	/* a file where a domain directory would be goes too */
	{
		char base[128];
		int dfd = openat(t->sfd, "gen/1", O_RDONLY | O_DIRECTORY);

		snprintf(base, sizeof(base), "%s/gen/1/sieve", t->dir);
		tree_put(base, "stray", "x");
		assert_int_equal(agent_sieve_remove(dfd, "gen/1", &err), 0);
		(void)close(dfd);
	}
	assert_int_equal(unlinkat(t->sfd, "gen/1", AT_REMOVEDIR), 0);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"a@pc1.example", KEEP, "x@pc1.example", BAD, NULL };
	static const char *const twice[] = {
		"a@pc1.example", KEEP, "a@pc1.example", VAC, NULL };
	struct t *t = *state;
	struct hk_err err;

	assert_int_equal(build(t, "3", bad, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
	assert_string_equal(err.field, "sieve");
	print_message("refused: %s\n", err.message);
	if (strstr(err.message, "x@pc1.example") == NULL ||
	    strstr(err.message, "does not compile") == NULL ||
	    strstr(err.message, "frobnicate") == NULL)
		fail_msg("the message: %s", err.message);
	assert_int_equal(build(t, "4", twice, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
	if (strstr(err.message, "a@pc1.example twice") == NULL)
		fail_msg("the message: %s", err.message);
}

/*
 * The guest recipe's configuration, as far as it matters to sievec: a
 * global plugin setting with "%h" (quota_clone_dict).  sievec sets up a
 * mail user with no userdb lookup, the home from HOME: run as the agent
 * runs it (a fixed environment), it must still have one.  sievec is
 * pointed at that configuration by a wrapper script (its -c).
 */
static void
test_recipe_home(void **state)
{
	static const char conf[] =
		"mail_plugins = quota quota_clone\n"
		"mailbox_list_index = yes\n"
		"plugin {\n"
		"  quota = count:User quota\n"
		"  quota_clone_dict = file:%h/dovecot-quota-usage\n"
		"  quota_vsizes = yes\n"
		"}\n";
	static const char *const one[] = { "a@pc1.example", VAC, NULL };
	struct t *t = *state;
	char body[512], wrapper[128];
	struct hk_err err;

	tree_put(t->dir, "dovecot.conf", conf);
	snprintf(body, sizeof(body), "#!/bin/sh\nexec %s -c %s/dovecot.conf "
		 "\"$@\"\n", SIEVEC, t->dir);
	tree_put(t->dir, "sievec", body);
	snprintf(wrapper, sizeof(wrapper), "%s/sievec", t->dir);
	assert_int_equal(chmod(wrapper, 0755), 0);
	snprintf(t->conf.sievec, sizeof(t->conf.sievec), "%s", wrapper);
	if (build(t, "1", one, &err) != 0)
		fail_msg("build: %s", err.message);
	assert_true(inode(t, "1/sieve/pc1.example/a.svbin") != 0);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(agent_sieve_stored_name("sieve"), "sieve.list");
	assert_string_equal(agent_sieve_stored_name("passwd"), "passwd");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_build_and_reuse, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recipe_home, setup,
						teardown),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
