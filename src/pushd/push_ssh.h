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

#endif
