/* SPDX-License-Identifier: ISC */
/*
 * test_log.c - src/common/log.c as a log reader sees it: the text line's
 * shape (program, pid, time, level word, errno text), the level filter,
 * one event always one line, and JSON lines that a parser reads back
 * whatever bytes the message held.
 */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "log.h"

static char got[65536];

/* Runs what stderr receives during the call into got[]. */
#define CAPTURE(call) do {						\
	int p_[2], saved_;						\
	ssize_t n_;							\
									\
	assert_int_equal(pipe(p_), 0);					\
	saved_ = dup(STDERR_FILENO);					\
	assert_true(saved_ >= 0);					\
	assert_true(dup2(p_[1], STDERR_FILENO) >= 0);			\
	call;								\
	assert_true(dup2(saved_, STDERR_FILENO) >= 0);			\
	close(saved_);							\
	close(p_[1]);							\
	n_ = read(p_[0], got, sizeof(got) - 1);				\
	close(p_[0]);							\
	got[n_ > 0 ? n_ : 0] = '\0';					\
} while (0)

static void
matches(const char *pattern, const char *text)
{
	regex_t re;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, text, 0, NULL, 0) != 0)
		fail_msg("\"%s\" does not match /%s/", text, pattern);
	regfree(&re);
}

static void
test_text_levels(void **state)
{
	(void)state;
	log_init("hk-test", 0);
	log_set_level(LOG_LEVEL_INFO);
	CAPTURE(log_info("guest %s: generation %d", "g1", 7));
	assert_string_equal(got, "hk-test: guest g1: generation 7\n");
	CAPTURE(log_warn("cannot remove %s", "current.new"));
	assert_string_equal(got, "hk-test: warning: cannot remove current.new\n");
	CAPTURE(log_error("name: %s", "invalid"));
	assert_string_equal(got, "hk-test: name: invalid\n");
	CAPTURE(log_debug("dropped"));
	assert_string_equal(got, "");
	log_set_level(LOG_LEVEL_DEBUG);
	CAPTURE(log_debug("kept"));
	assert_string_equal(got, "hk-test: debug: kept\n");
	log_set_level(LOG_LEVEL_ERROR);
	CAPTURE((log_info("no"), log_warn("no"), log_error("yes")));
	assert_string_equal(got, "hk-test: yes\n");
	log_set_level(LOG_LEVEL_INFO);
}

static void
test_level_names(void **state)
{
	enum log_level l;

	(void)state;
	assert_int_equal(log_level_parse("warning", &l), 0);
	assert_int_equal(l, LOG_LEVEL_WARN);
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, LOG_LEVEL_DEBUG);
	assert_int_equal(log_level_parse("warn", &l), -1);
	assert_int_equal(log_level_parse("", &l), -1);
}

static void
test_errno_kept_and_told(void **state)
{
	(void)state;
	log_init("hk-test", 0);
	errno = ENOENT;
	CAPTURE(log_error_errno("open %s", "/nonexistent"));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(got, "hk-test: open /nonexistent: No such file "
			    "or directory\n");
	errno = EACCES;
	CAPTURE(log_warn_errno("mkdir"));
	assert_string_equal(got, "hk-test: warning: mkdir: Permission denied\n");
}

static void
test_time_and_pid(void **state)
{
	char want[128];

	(void)state;
	log_init("hk-test", LOG_F_TIME | LOG_F_PID);
	CAPTURE(log_info("started"));
	snprintf(want, sizeof(want), "^20[0-9]{2}-[01][0-9]-[0-3][0-9]T"
		 "[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z hk-test\\[%ld\\]: "
		 "started\n$", (long)getpid());
	matches(want, got);
}

static void
test_one_event_one_line(void **state)
{
	char big[LOG_LINE_MAX * 2];

	(void)state;
	log_init("hk-test", 0);
	CAPTURE(log_error("guest %s: bad", "x\nhk-test: forged\r\x1b[2J"));
	assert_string_equal(got, "hk-test: guest x?hk-test: forged??[2J: bad\n");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CAPTURE(log_info("%s", big));
	assert_true(strlen(got) < LOG_LINE_MAX + 64);
	assert_non_null(strstr(got, "x...\n"));
	assert_int_equal(strchr(got, '\n') - got, (long)strlen(got) - 1);
}

static void
test_json_lines(void **state)
{
	json_error_t jerr;
	json_t *o;

	(void)state;
	log_init("hk-test", LOG_F_JSON);
	errno = ENOENT;
	CAPTURE(log_warn_errno("a \"q\" \\ b\nc\x01 \xff 日本"));
	assert_int_equal(strchr(got, '\n') - got, (long)strlen(got) - 1);
	o = json_loads(got, 0, &jerr);
	if (o == NULL)
		fail_msg("not JSON (%s): %s", jerr.text, got);
	assert_string_equal(json_string_value(json_object_get(o, "program")),
			    "hk-test");
	assert_string_equal(json_string_value(json_object_get(o, "level")),
			    "warning");
	assert_string_equal(json_string_value(json_object_get(o, "message")),
			    "a \"q\" \\ b\nc\x01 \xef\xbf\xbd 日本");
	assert_string_equal(json_string_value(json_object_get(o, "errno")),
			    "No such file or directory");
	assert_int_equal(json_integer_value(json_object_get(o, "pid")),
			 getpid());
	matches("^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:"
		"[0-6][0-9]\\.[0-9]{3}Z$",
		json_string_value(json_object_get(o, "time")));
	json_decref(o);
	CAPTURE(log_info("plain"));
	o = json_loads(got, 0, &jerr);
	assert_non_null(o);
	assert_null(json_object_get(o, "errno"));
	assert_string_equal(json_string_value(json_object_get(o, "level")),
			    "info");
	json_decref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_levels),
		cmocka_unit_test(test_level_names),
		cmocka_unit_test(test_errno_kept_and_told),
		cmocka_unit_test(test_time_and_pid),
		cmocka_unit_test(test_one_event_one_line),
		cmocka_unit_test(test_json_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
