/* SPDX-License-Identifier: ISC */
/*
 * subproc.h - run a program from an argument vector, never through a shell.
 *
 * posix_spawn() with stdin fed from a buffer and stdout/stderr captured into
 * bounded buffers, under a wall-clock timeout after which the child is
 * killed.  Used for ssh (pushd) and postmap/postfix (agent).
 */
#ifndef HK_SUBPROC_H
#define HK_SUBPROC_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "strbuf.h"

struct subproc_result {
	int exited;		/* 1 if the child exited normally */
	int status;		/* exit status, or the signal number */
	int timed_out;		/* killed after timeout_ms */
	struct strbuf out;	/* captured stdout (bounded) */
	struct strbuf errout;	/* captured stderr (bounded) */
};

/*
 * Runs argv[0] (an absolute path) with argv and envp (NULL: an empty
 * environment).  input/input_len go to the child's stdin (NULL: /dev/null).
 * Returns 0 once the child has been reaped (look at res for how it ended),
 * -1 if it could not be started or waited for.  The caller frees res with
 * subproc_result_free() in both cases.
 */
int subproc_run(char *const argv[], char *const envp[], const void *input,
	      size_t input_len, int timeout_ms, size_t out_max,
	      struct subproc_result *res, struct hk_err *err);

/* A child left running, and the parent's ends of its stdin, stdout and
 * stderr: non-blocking, close-on-exec, -1 once the caller closed them. */
struct subproc_child {
	pid_t pid;
	int in, out, err;
};

/* Starts argv[0] (absolute) with argv and envp (NULL: empty) on three
 * pipes; the caller talks to it, closes the ends and reaps it with
 * subproc_wait().  -1 (err) if it could not be started. */
int subproc_spawn(char *const argv[], char *const envp[],
		  struct subproc_child *c, struct hk_err *err);

/* Closes the ends still open, kills the child first with kill_first, and
 * reaps it: res gets how it ended (exited, status, timed_out =
 * kill_first); its buffers are left empty.  -1 if waitpid failed. */
int subproc_wait(struct subproc_child *c, int kill_first,
		 struct subproc_result *res, struct hk_err *err);

/* 1 when the child exited with status 0. */
int subproc_ok(const struct subproc_result *res);

void subproc_result_free(struct subproc_result *res);

#endif
