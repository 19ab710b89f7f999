/* SPDX-License-Identifier: ISC */
/* tree.h - the agent tests' scratch directory trees: a file written under
 * a base directory, and the whole tree removed after the test.  Included
 * after <cmocka.h> by each test (static: each test is one program). */
#ifndef HK_TEST_TREE_H
#define HK_TEST_TREE_H

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* base/rel holding body, or the test fails. */
static void
tree_put(const char *base, const char *rel, const char *body)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if ((fp = fopen(path, "w")) == NULL || fputs(body, fp) < 0 ||
	    fclose(fp) != 0)
		fail_msg("writing %s", path);
}

/* rm -rf dir (the tests' own temporary directory, never a link). */
static void
tree_remove(const char *dir)
{
	char *argv[] = { "rm", "-rf", "--", (char *)dir, NULL };
	pid_t pid = fork();

	if (pid == 0) {
		execvp("rm", argv);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0)
			;
}

#endif
