/* SPDX-License-Identifier: ISC */
/* test_agent_cmd.c - the agent's verb and address, from
 * SSH_ORIGINAL_COMMAND and from its operands: every verb SSH may ask for,
 * every refusal (bad addresses, extra words, two spaces, init and
 * dsync-relay over SSH), and the agent's own path that doveadm runs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/agent_cmd.h"

#define SELF "/usr/local/sbin/hakomail-agent"

/* SSH_ORIGINAL_COMMAND ssh: its verb, or -1 with the error's code. */
static int
ssh_verb(const char *ssh, struct agent_cmd *cmd, struct hk_err *err)
{
	if (agent_cmd_parse(ssh, 0, NULL, SELF, cmd, err) < 0)
		return -(int)err->code;
	return (int)cmd->verb;
}

static void
test_ssh_verbs(void **state)
{
	struct agent_cmd cmd;
	struct hk_err err;

	(void)state;
	assert_int_equal(ssh_verb("apply", &cmd, &err), AGENT_VERB_APPLY);
	assert_string_equal(cmd.address, "");
	assert_int_equal(ssh_verb("status", &cmd, &err), AGENT_VERB_STATUS);
	assert_int_equal(ssh_verb("report", &cmd, &err), AGENT_VERB_REPORT);
	assert_int_equal(ssh_verb("dsync-server matsui@pc1.example", &cmd,
				  &err), AGENT_VERB_DSYNC_SERVER);
	assert_string_equal(cmd.address, "matsui@pc1.example");
	assert_int_equal(ssh_verb("dsync-backup a.b+c-d_e@xn--bcher-kva.example",
				  &cmd, &err), AGENT_VERB_DSYNC_BACKUP);
	assert_string_equal(cmd.address, "a.b+c-d_e@xn--bcher-kva.example");
	assert_int_equal(ssh_verb("dsync-catchup x@pc2.example", &cmd, &err),
			 AGENT_VERB_DSYNC_CATCHUP);
	assert_string_equal(cmd.address, "x@pc2.example");
	assert_null(cmd.state);
	assert_int_equal(ssh_verb("dsync-catchup x@pc2.example AQAA+/9z=",
				  &cmd, &err), AGENT_VERB_DSYNC_CATCHUP);
	assert_string_equal(cmd.address, "x@pc2.example");
	assert_string_equal(cmd.state, "AQAA+/9z=");
}

static void
test_ssh_bad_address(void **state)
{
	static const char *const bad[] = {
		"dsync-server Matsui@pc1.example",	/* upper case */
		"dsync-server matsui@pc1",		/* one label */
		"dsync-server matsui",
		"dsync-server @pc1.example",		/* catch-all */
		"dsync-server matsui@pc1.example.",
		"dsync-server ../x@pc1.example",
		"dsync-server a..b@pc1.example",
		"dsync-server x@pc1.example;reboot",
		"dsync-server x@pc1.example\n",
		"dsync-server x@pc1.example\tx",
		"dsync-server $(id)@pc1.example",
		"dsync-server ",			/* empty */
		"dsync-backup x@pc1.example y@pc1.example",	/* extra words */
		"dsync-backup x@pc1.example -o",
		"dsync-catchup  x@pc1.example",		/* two spaces */
		NULL
	};
	struct agent_cmd cmd;
	struct hk_err err;
	char big[400];

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		assert_int_equal(ssh_verb(bad[i], &cmd, &err), -HK_EINVAL);
		assert_string_equal(err.field, "address");
		assert_string_equal(cmd.address, "");
		assert_null(strstr(err.message, "pc1"));	/* not echoed */
		assert_null(strstr(err.message, "atsui"));
	}
	snprintf(big, sizeof(big), "dsync-server %065d@pc1.example", 0);
	assert_int_equal(ssh_verb(big, &cmd, &err), -HK_EINVAL);
	assert_int_equal(ssh_verb("dsync-server", &cmd, &err), -HK_EINVAL);
	assert_non_null(strstr(err.message, "needs an address"));
}

/* dsync-catchup's state: base64 alone, bounded, and only
 * dsync-catchup's */
static void
test_state(void **state)
{
	static const char *const bad[] = {
		"dsync-catchup x@pc1.example ",		/* trailing space */
		"dsync-catchup x@pc1.example AQ;reboot",
		"dsync-catchup x@pc1.example AQ$(id)",
		"dsync-catchup x@pc1.example -o",
		"dsync-catchup x@pc1.example AQ AQ",
		"dsync-catchup x@pc1.example  AQ",
		"dsync-catchup x@pc1.example AQ\n",
		NULL
	};
	static char big[AGENT_DSYNC_STATE_MAX + 64];
	struct agent_cmd cmd;
	struct hk_err err;
	int n;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		assert_int_equal(ssh_verb(bad[i], &cmd, &err), -HK_EINVAL);
		assert_string_equal(err.field, "state");
		assert_null(cmd.state);
	}
	n = snprintf(big, sizeof(big), "dsync-catchup x@pc1.example ");
	memset(big + n, 'A', AGENT_DSYNC_STATE_MAX);
	big[n + AGENT_DSYNC_STATE_MAX] = '\0';
	assert_int_equal(ssh_verb(big, &cmd, &err), AGENT_VERB_DSYNC_CATCHUP);
	assert_int_equal(strlen(cmd.state), AGENT_DSYNC_STATE_MAX);
	big[n + AGENT_DSYNC_STATE_MAX] = 'A';
	big[n + AGENT_DSYNC_STATE_MAX + 1] = '\0';
	assert_int_equal(ssh_verb(big, &cmd, &err), -HK_EINVAL);
	assert_string_equal(err.field, "state");
	/* the other verbs take no state: it is part of the address */
	assert_int_equal(ssh_verb("dsync-backup x@pc1.example AQ", &cmd,
				  &err), -HK_EINVAL);
	assert_string_equal(err.field, "address");
	assert_int_equal(ssh_verb("dsync-server x@pc1.example AQ", &cmd,
				  &err), -HK_EINVAL);
	assert_int_equal(agent_cmd_parse(NULL, 3, (char *[]){ "dsync-catchup",
			 "x@pc1.example", "AQ==" }, SELF, &cmd, &err), 0);
	assert_string_equal(cmd.state, "AQ==");
	assert_int_equal(agent_cmd_parse(NULL, 3, (char *[]){ "dsync-catchup",
			 "x@pc1.example", "" }, SELF, &cmd, &err), -1);
	assert_string_equal(err.field, "state");
	assert_int_equal(agent_cmd_parse(NULL, 3, (char *[]){ "dsync-backup",
			 "x@pc1.example", "AQ" }, SELF, &cmd, &err), -1);
	assert_int_equal(err.code, HK_EINVAL);
}

static void
test_ssh_refused(void **state)
{
	static const char *const refused[] = {
		"init", "dsync-relay", "dsync-relay x@pc1.example",
		"dsync-relay dsync-server",
		"cat /etc/shadow", "report -m /", "status ", "apply x",
		"Status", " status", "dsync-servers x@pc1.example",
		"dsync-server\tx@pc1.example", "", NULL
	};
	struct agent_cmd cmd;
	struct hk_err err;

	(void)state;
	for (int i = 0; refused[i] != NULL; i++) {
		assert_int_equal(ssh_verb(refused[i], &cmd, &err),
				 -HK_EFORBIDDEN);
		assert_non_null(strstr(err.message, "only \"apply\", "
				       "\"status\" or \"report\""));
		assert_non_null(strstr(err.message, "\"dsync-catchup\""));
	}
	/* the forced command may hold options, never a verb */
	assert_int_equal(agent_cmd_parse("status", 1, (char *[]){ "report",
			 NULL }, SELF, &cmd, &err), -1);
	assert_int_equal(err.code, HK_EINVAL);
}

/* doveadm runs the agent again by argv[0]: it must be absolute and clean;
 * dsync-server runs no relay and does not care. */
static void
test_self(void **state)
{
	static const char *const bad[] = {
		"hakomail-agent", "./hakomail-agent", "/usr/sbin/../x",
		"/usr/sbin/", "/usr/sbin/hakomail agent", "", NULL
	};
	struct agent_cmd cmd;
	struct hk_err err;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		assert_int_equal(agent_cmd_parse("dsync-backup x@pc1.example",
			0, NULL, bad[i], &cmd, &err), -1);
		assert_int_equal(err.code, HK_EINVAL);
		assert_int_equal(agent_cmd_parse("dsync-catchup x@pc1.example",
			0, NULL, bad[i], &cmd, &err), -1);
	}
	assert_int_equal(agent_cmd_parse("dsync-backup x@pc1.example", 0,
			 NULL, NULL, &cmd, &err), -1);
	assert_int_equal(agent_cmd_parse("dsync-server x@pc1.example", 0,
			 NULL, "hakomail-agent", &cmd, &err), 0);
	assert_int_equal(cmd.verb, AGENT_VERB_DSYNC_SERVER);
}

/* argv[optind..]: the verb and, for a dsync verb, the address. */
static int
argv_verb(int n, char *const ops[], struct agent_cmd *cmd,
	  struct hk_err *err)
{
	if (agent_cmd_parse(NULL, n, ops, SELF, cmd, err) < 0)
		return -(int)err->code;
	return (int)cmd->verb;
}

static void
test_operands(void **state)
{
	struct agent_cmd cmd;
	struct hk_err err;

	(void)state;
	assert_int_equal(argv_verb(1, (char *[]){ "init" }, &cmd, &err),
			 AGENT_VERB_INIT);
	assert_int_equal(argv_verb(1, (char *[]){ "dsync-relay" }, &cmd,
				   &err), AGENT_VERB_DSYNC_RELAY);
	assert_int_equal(argv_verb(1, (char *[]){ "report" }, &cmd, &err),
			 AGENT_VERB_REPORT);
	assert_int_equal(argv_verb(2, (char *[]){ "dsync-backup",
				   "x@pc1.example" }, &cmd, &err),
			 AGENT_VERB_DSYNC_BACKUP);
	assert_string_equal(cmd.address, "x@pc1.example");
	assert_int_equal(argv_verb(0, NULL, &cmd, &err), -HK_EINVAL);
	assert_non_null(strstr(err.message, "usage:"));
	assert_int_equal(argv_verb(1, (char *[]){ "reboot" }, &cmd, &err),
			 -HK_EINVAL);
	assert_int_equal(argv_verb(2, (char *[]){ "status", "x" }, &cmd,
				   &err), -HK_EINVAL);
	/* doveadm runs "AGENT dsync-relay dsync-server" */
	assert_int_equal(argv_verb(2, (char *[]){ "dsync-relay",
				   "dsync-server" }, &cmd, &err),
			 AGENT_VERB_DSYNC_RELAY);
	assert_int_equal(argv_verb(2, (char *[]){ "dsync-relay",
				   "x@pc1.example" }, &cmd, &err), -HK_EINVAL);
	assert_int_equal(argv_verb(3, (char *[]){ "dsync-relay",
				   "dsync-server", "x" }, &cmd, &err),
			 -HK_EINVAL);
	assert_int_equal(argv_verb(2, (char *[]){ "dsync-server",
				   "X@pc1.example" }, &cmd, &err), -HK_EINVAL);
	assert_string_equal(err.field, "address");
	assert_int_equal(argv_verb(1, (char *[]){ "dsync-server" }, &cmd,
				   &err), -HK_EINVAL);
	assert_int_equal(argv_verb(3, (char *[]){ "dsync-server",
				   "x@pc1.example", "y@pc1.example" }, &cmd,
				   &err), -HK_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_verbs),
		cmocka_unit_test(test_ssh_bad_address),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_ssh_refused),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_operands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
