/* SPDX-License-Identifier: ISC */
/*
 * agent_cmd.c - the agent's verb and its address, checked before anything
 * runs.  See agent_cmd.h.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "agent.h"
#include "agent_cmd.h"
#include "mapsyntax.h"

#define SSH_REFUSAL "refused: only \"apply\", \"status\" or \"report\", " \
	"or \"dsync-server\", \"dsync-backup\" or \"dsync-catchup\" and " \
	"an address (and, for dsync-catchup, a state), may be run over SSH"

/* doveadm appends this word to the local command it runs (dsync-relay),
 * for a remote doveadm to know its job. */
#define DOVEADM_TAIL "dsync-server"

static const struct verb_def {
	const char *name;
	enum agent_verb verb;
	int address;	/* takes one operand, an address */
	int ssh;	/* may be asked for over SSH */
} verbs[] = {
	{ "init", AGENT_VERB_INIT, 0, 0 },
	{ "apply", AGENT_VERB_APPLY, 0, 1 },
	{ "status", AGENT_VERB_STATUS, 0, 1 },
	{ "report", AGENT_VERB_REPORT, 0, 1 },
	{ "dsync-server", AGENT_VERB_DSYNC_SERVER, 1, 1 },
	{ "dsync-backup", AGENT_VERB_DSYNC_BACKUP, 1, 1 },
	{ "dsync-catchup", AGENT_VERB_DSYNC_CATCHUP, 1, 1 },
	{ "dsync-relay", AGENT_VERB_DSYNC_RELAY, 0, 0 },
};

static const struct verb_def *
find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == len &&
		    memcmp(verbs[i].name, name, len) == 0)
			return &verbs[i];
	return NULL;
}

/* Verb and operand (or NULL) of SSH_ORIGINAL_COMMAND: split at the first
 * space, so that any second space ends up in the operand and fails it. */
static const struct verb_def *
split_ssh(const char *ssh, const char **operand)
{
	const char *sp = strchr(ssh, ' ');

	*operand = sp != NULL ? sp + 1 : NULL;
	return find(ssh, sp != NULL ? (size_t)(sp - ssh) : strlen(ssh));
}

/* The agent's own path as doveadm will run it. */
static int
self_ok(const char *self)
{
	size_t n = self != NULL ? strlen(self) : 0;

	return n > 1 && n <= AGENT_DIR_MAX && self[0] == '/' &&
	    self[n - 1] != '/' && mapsyntax_path(self, n);
}

static int
refuse(int ssh, struct hk_err *err)
{
	if (ssh)
		return hk_fail(err, HK_EFORBIDDEN, "", SSH_REFUSAL);
	return hk_fail(err, HK_EINVAL, "", AGENT_USAGE);
}

/* dsync-catchup's STATE: what doveadm printed as its state, base64. */
static int
check_state(const char *s, struct agent_cmd *cmd, struct hk_err *err)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789+/=");

	if (n == 0 || n > AGENT_DSYNC_STATE_MAX || s[n] != '\0')
		return hk_fail(err, HK_EINVAL, "state", "dsync-catchup: the "
			       "state is not dsync's (base64, at most %d "
			       "characters)", AGENT_DSYNC_STATE_MAX);
	cmd->state = s;
	return 0;
}

/* The operand (its first n bytes) against what the verb takes; state:
 * what follows the address, NULL for nothing (only dsync-catchup takes
 * it). */
static int
check_operand(const struct verb_def *v, const char *operand, size_t n,
	      const char *state, int ssh, const char *self,
	      struct agent_cmd *cmd, struct hk_err *err)
{
	if (v->verb == AGENT_VERB_DSYNC_RELAY && operand != NULL &&
	    strcmp(operand, DOVEADM_TAIL) == 0)
		return 0;
	if (!v->address)
		return operand == NULL ? 0 : refuse(ssh, err);
	if (operand == NULL)
		return hk_fail(err, HK_EINVAL, "address", "%s needs an address",
			       v->name);
	if (n > MAPSYNTAX_ADDRESS_MAX || !mapsyntax_address(operand, n))
		return hk_fail(err, HK_EINVAL, "address", "%s: not an address "
			       "(local@domain, lower case)", v->name);
	if (v->verb != AGENT_VERB_DSYNC_SERVER && !self_ok(self))
		return hk_fail(err, HK_EINVAL, "", "%s: the agent must be run "
			       "by its absolute path, which doveadm runs as "
			       "its relay", v->name);
	if (state != NULL && check_state(state, cmd, err) < 0)
		return -1;
	memcpy(cmd->address, operand, n);
	cmd->address[n] = '\0';
	return 0;
}

int
agent_cmd_parse(const char *ssh, int nops, char *const ops[],
		const char *self, struct agent_cmd *cmd, struct hk_err *err)
{
	const struct verb_def *v;
	const char *operand = NULL, *state = NULL;
	char *argv_state = NULL;
	size_t alen;

	memset(cmd, 0, sizeof(*cmd));
	if (ssh != NULL && nops != 0)
		return hk_fail(err, HK_EINVAL, "", "no operand allowed under "
			       "an SSH forced command");
	if (ssh == NULL && (nops < 1 || nops > 3))
		return hk_fail(err, HK_EINVAL, "", AGENT_USAGE);
	if (ssh != NULL) {
		v = split_ssh(ssh, &operand);
		/* dsync-catchup's state: after the address's one space */
		if (v != NULL && v->verb == AGENT_VERB_DSYNC_CATCHUP &&
		    operand != NULL && (state = strchr(operand, ' ')) != NULL)
			state++;
	} else {
		v = find(ops[0], strlen(ops[0]));
		operand = nops >= 2 ? ops[1] : NULL;
		argv_state = nops == 3 ? ops[2] : NULL;
	}
	if (v == NULL || (ssh != NULL && !v->ssh))
		return refuse(ssh != NULL, err);
	if (argv_state != NULL && v->verb != AGENT_VERB_DSYNC_CATCHUP)
		return refuse(0, err);
	alen = operand == NULL ? 0 : state != NULL ?
	    (size_t)(state - 1 - operand) : strlen(operand);
	if (argv_state != NULL)
		state = argv_state;
	if (check_operand(v, operand, alen, state, ssh != NULL, self, cmd,
			  err) < 0)
		return -1;
	cmd->verb = v->verb;
	return 0;
}
