/* SPDX-License-Identifier: ISC */
/* test_notify.c - the warnings mail: the exact argument vector sendmail
 * gets, the message's headers and body on its standard input, nothing
 * run for no address or no change, bad settings refused before anything
 * runs, a failing sendmail reported.  The sendmail here is a script the
 * test writes in place of the panel host's program: it records its
 * arguments and its input. */
#include "config.h"

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

#include "pushd/notify.h"

struct t {
	char dir[64];
	char prog[128];
};

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* The file's text (NULL when there is none); the caller frees it. */
static char *
slurp(const struct t *t, const char *name)
{
	char path[160], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char script[512];

	assert_non_null(t);
	snprintf(t->dir, sizeof(t->dir), "/tmp/hk-notify-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->prog, sizeof(t->prog), "%s/sendmail", t->dir);
	/* each argument on a line of its own, argv[0] first; the exit
	 * status from the file "status" when there is one */
	snprintf(script, sizeof(script),
		 "#!/bin/sh\nd=%s\nprintf '%%s\\n' \"$0\" \"$@\" > $d/argv\n"
		 "cat > $d/stdin\n"
		 "[ -f $d/status ] || exit 0\necho 'queue file write error' >&2\n"
		 "exit $(cat $d/status)\n", t->dir);
	write_file(t->prog, script, 0755);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;
	const char *names[] = { "sendmail", "argv", "stdin", "status" };
	char path[160];

	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", t->dir, names[i]);
		unlink(path);
	}
	rmdir(t->dir);
	free(t);
	return 0;
}

static json_t *
changes(void)
{
	return json_pack("[{s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:i}, "
			 "{s:s, s:s, s:s, s:n, s:s, s:f, s:f, s:i}]",
			 "event", "raised", "kind", "disk_used", "object", "g1",
			 "guest", "g1", "project", "lab", "value", 91.5,
			 "threshold", 85.0, "at", 1764680000,
			 "event", "cleared", "kind", "project_days", "object",
			 "lab", "guest", "project", "lab", "value", 12.25,
			 "threshold", 30.0, "at", 1764680000);
}

/* The header `name: ` line's value, from the message's header part. */
static void
assert_header(const char *msg, const char *line)
{
	const char *end = strstr(msg, "\n\n");
	const char *at = strstr(msg, line);

	assert_non_null(end);
	if (at == NULL || at > end || (at != msg && at[-1] != '\n') ||
	    at[strlen(line)] != '\n')
		fail_msg("no header line \"%s\" in:\n%s", line, msg);
}

static void
test_sent(void **state)
{
	struct t *t = *state;
	json_t *c = changes();
	struct hk_err err;
	char want[256], *argv, *msg, *date;
	int day, year, h, m, s;
	char wd[4], mon[4];

	hk_err_clear(&err);
	assert_int_equal(notify_warnings(t->prog, "ops@example.org", c, &err),
			 0);
	json_decref(c);
	argv = slurp(t, "argv");
	assert_non_null(argv);
	snprintf(want, sizeof(want), "%s\n-i\n--\nops@example.org\n", t->prog);
	assert_string_equal(argv, want);
	msg = slurp(t, "stdin");
	assert_non_null(msg);
	assert_true(strncmp(msg, "From: hakomail <hakomail@", 25) == 0);
	assert_header(msg, "To: ops@example.org");
	assert_header(msg, "Subject: [hakomail] warnings: 1 raised, 1 cleared");
	assert_header(msg, "MIME-Version: 1.0");
	assert_header(msg, "Content-Type: text/plain; charset=UTF-8");
	date = strstr(msg, "\nDate: ");
	assert_non_null(date);
	assert_int_equal(sscanf(date, "\nDate: %3[A-Za-z], %2d %3[A-Za-z] "
				"%4d %2d:%2d:%2d +0000\n", wd, &day, mon, &year,
				&h, &m, &s), 7);
	assert_true(year >= 2025);
	assert_non_null(strstr(msg, "\n\nRaised:\n  disk_used: g1 (guest g1, "
			       "project lab): 91.50 % of the mail filesystem "
			       "used, warns at 85 %\n"));
	assert_non_null(strstr(msg, "\nCleared:\n  project_days: lab (project "
			       "lab): 12.25 days until the project's storage "
			       "limit is reached, warns at 30 days\n"));
	free(argv);
	free(msg);
}

/* A name with a line break cannot start a header or a line of its own. */
static void
test_no_injection(void **state)
{
	struct t *t = *state;
	json_t *c = json_pack("[{s:s, s:s, s:s, s:s, s:s, s:f, s:f}]", "event",
			      "raised", "kind", "queue_deferred", "object",
			      "g1\nBcc: victim@example.net", "guest", "g1\r\n",
			      "project", "lab", "value", 150.0, "threshold",
			      100.0);
	struct hk_err err;
	char *msg;

	assert_int_equal(notify_warnings(t->prog, "ops@example.org", c, &err),
			 0);
	json_decref(c);
	msg = slurp(t, "stdin");
	assert_non_null(msg);
	assert_null(strstr(msg, "\nBcc:"));
	assert_null(strstr(msg, "\r"));
	assert_non_null(strstr(msg, "queue_deferred: g1?Bcc: victim@example.net"
			       " (guest g1??, project lab): 150.00 messages "
			       "deferred, warns above 100\n"));
	free(msg);
}

static void
test_nothing_to_send(void **state)
{
	struct t *t = *state;
	json_t *c = changes(), *empty = json_array();
	struct hk_err err;

	assert_int_equal(notify_warnings(t->prog, "", c, &err), 0);
	assert_int_equal(notify_warnings(t->prog, "ops@example.org", NULL,
					 &err), 0);
	assert_int_equal(notify_warnings(t->prog, "ops@example.org", empty,
					 &err), 0);
	assert_null(slurp(t, "argv"));
	json_decref(c);
	json_decref(empty);
}

static void
test_refused(void **state)
{
	struct t *t = *state;
	json_t *c = changes();
	struct hk_err err;

	assert_int_equal(notify_warnings(t->prog, "-oQ/tmp", c, &err), -1);
	assert_int_equal(err.code, HK_EINVAL);
	assert_string_equal(err.field, "mail_to");
	assert_int_equal(err.reason, HK_R_conf_not_address);
	assert_int_equal(notify_warnings(t->prog, "a@b.example, c@d.example",
					 c, &err), -1);
	assert_int_equal(err.reason, HK_R_conf_not_address);
	assert_int_equal(notify_warnings("sendmail", "ops@example.org", c,
					 &err), -1);
	assert_string_equal(err.field, "sendmail");
	assert_int_equal(err.reason, HK_R_conf_not_absolute);
	assert_null(slurp(t, "argv"));
	json_decref(c);
}

static void
test_sendmail_fails(void **state)
{
	struct t *t = *state;
	json_t *c = changes();
	struct hk_err err;
	char path[160];

	snprintf(path, sizeof(path), "%s/status", t->dir);
	write_file(path, "75\n", 0644);
	assert_int_equal(notify_warnings(t->prog, "ops@example.org", c, &err),
			 -1);
	assert_int_equal(err.code, HK_ESYS);
	assert_non_null(strstr(err.message, "exited 75"));
	assert_non_null(strstr(err.message, "queue file write error"));
	json_decref(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_injection, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nothing_to_send, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sendmail_fails, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
