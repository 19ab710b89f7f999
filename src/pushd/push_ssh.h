/* SPDX-License-Identifier: ISC */
/*
 * push_ssh.h - one conversation with a guest's hakomail-agent over
 * OpenSSH, and what its answer means.  Used by push.c.
 */
#ifndef HK_PUSH_SSH_H
#define HK_PUSH_SSH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "push.h"
#include "store.h"
#include "subproc.h"

/* The agent's answer, or why there is none. */
struct push_ssh_answer {
	int reached;		/* the agent answered (ok or not) */
	int ok;			/* it answered ok and exited 0 */
	int64_t served;		/* the generation it serves, -1 if none */
	json_t *files;		/* ok: {file: sha256}, or the report (verb
				 * report): owned */
	char state[16];		/* !ok: unreachable | failed */
	char error[512];	/* !ok */
};

/* Runs `verb` (apply with the bundle on stdin, status or report) on the
 * guest.  An answer larger than the verb allows is refused unread.
 * Returns -1 only if ssh could not be run at all (err). */
int push_ssh(const struct push_cfg *cfg, const struct push_job *job,
	     const char *verb, const void *input, size_t input_len,
	     struct push_ssh_answer *ans, struct hk_err *err);

void push_ssh_answer_free(struct push_ssh_answer *ans);

/* ssh's argument vector and environment, with the buffers they point
 * into. */
#define PUSH_SSH_ARGV_MAX	48
struct push_ssh_argv {
	char *argv[PUSH_SSH_ARGV_MAX];
	char *envp[3];
	char kh[700], o_kh[800], o_alias[64], o_id[600], o_ctl[600];
	char port[16], home[600];
};

/* Starts ssh to job's guest (pinned key, the control master as pushes
 * use it) running the remote command words (NULL-terminated: a verb and
 * its operands, each already validated), left running on pipes for the
 * caller (subproc.h). */
int push_ssh_spawn(const struct push_cfg *cfg, const struct push_job *job,
		   const char *const *words, struct subproc_child *child,
		   struct hk_err *err);

/* What ssh's failure (exit 255, its stderr e) means for the guest:
 * state "failed" for a host key that does not match, else
 * "unreachable", and the error to show. */
void push_ssh_judge_failure(const char *e, char *state, size_t statelen,
			    char *error, size_t errorlen);

#endif
