/* SPDX-License-Identifier: ISC */
/*
 * test_sieve_script.c - sieve_script.c: every refusal with its field and
 * reason, the exact script of a few settings, and the tricky ones (quotes,
 * backslashes, a "." line, CRLF, tabs, Japanese, the longest text, the
 * dates) compiled by Pigeonhole's sievec and run by its sieve-test, whose
 * actions must be exactly what was set.  Without sievec or sieve-test
 * (Debian's dovecot-sieve, deploy/install-deps.sh) the test fails.
 */
#include "config.h"

#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sieve_script.h"
#include "subproc.h"

#include "../agent/tree.h"

#define OWN	"me@example.org"
#define SIEVEC	"/usr/bin/sievec"
#define SIEVE_TEST "/usr/bin/sieve-test"
#define HEAD	"# " OWN ": vacation reply and forwarding, as set in " \
		"hakomail (changes here are replaced)\r\n"

/* A vacation reply of "x", every 7 days, from me@example.org. */
static struct sieve_settings
base(void)
{
	return (struct sieve_settings){ .address = OWN,
		.vacation = { .text = "x", .days = 7 } };
}

/* s refused on field for reason, by the check and by the rendering (which
 * then leaves no script). */
static void
refused(const struct sieve_settings *s, const char *field,
	enum hk_reason reason)
{
	struct hk_err err;
	struct strbuf out;

	hk_err_clear(&err);
	if (sieve_script_check(s, NULL, &err) == 0)
		fail_msg("accepted; %s should be refused (%s)", field,
			 hk_reason_name(reason));
	assert_int_equal(err.code, HK_EINVAL);
	assert_string_equal(err.field, field);
	assert_string_equal(hk_reason_name(err.reason),
			    hk_reason_name(reason));
	strbuf_init(&out, 0);
	assert_int_equal(sieve_script_render(s, &out, &err), -1);
	assert_int_equal(out.len, 0);
	strbuf_free(&out);
}

static void
accepted(const struct sieve_settings *s)
{
	struct hk_err err;

	hk_err_clear(&err);
	if (sieve_script_check(s, NULL, &err) != 0)
		fail_msg("refused: %s: %s", err.field, err.message);
}

/* n copies of unit, NUL-terminated, in a buffer the caller frees. */
static char *
repeat(const char *unit, size_t n)
{
	size_t len = strlen(unit);
	char *s = malloc(len * n + 1);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

static void
test_refusals_subject_text(void **state)
{
	static const char *const lines[] = { "a\r\nb", "a\nb", "a\rb", "\n" };
	static const char *const controls[] = { "a\tb", "\x01", "\x7f",
		"\xc2\x85" /* U+0085 */, "\x1b[1m" };
	static const char *const not_utf8[] = { "\xff", "a\xc3", "\xc0\xaf",
		"\xed\xa0\x80" /* a surrogate */ };
	struct sieve_settings s = base();
	char *t;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		s.vacation.subject = lines[i];
		refused(&s, "vacation.subject", HK_R_subject_one_line);
	}
	for (size_t i = 0; i < sizeof(controls) / sizeof(*controls); i++) {
		s.vacation.subject = controls[i];
		refused(&s, "vacation.subject", HK_R_control_characters);
	}
	for (size_t i = 0; i < sizeof(not_utf8) / sizeof(*not_utf8); i++) {
		s.vacation.subject = not_utf8[i];
		refused(&s, "vacation.subject", HK_R_not_utf8_text);
		s = base();
		s.vacation.text = not_utf8[i];
		refused(&s, "vacation.text", HK_R_not_utf8_text);
	}
	s = base();
	s.vacation.subject = t = repeat("あ", SIEVE_SUBJECT_MAX);
	accepted(&s);				/* characters, not octets */
	free(t);
	s.vacation.subject = t = repeat("a", SIEVE_SUBJECT_MAX + 1);
	refused(&s, "vacation.subject", HK_R_at_most_characters);
	free(t);
	s.vacation.subject = "";		/* Pigeonhole's own subject */
	accepted(&s);
	s = base();
	s.vacation.text = "";
	refused(&s, "vacation.text", HK_R_empty);
	s.vacation.text = t = repeat("a", SIEVE_TEXT_MAX);
	accepted(&s);
	free(t);
	s.vacation.text = t = repeat("a", SIEVE_TEXT_MAX + 1);
	refused(&s, "vacation.text", HK_R_longer_than_bytes);
	free(t);
	s.vacation.text = t = repeat("x", 1024 * 1024);
	refused(&s, "vacation.text", HK_R_longer_than_bytes);
	free(t);
	s.vacation.text = "\"\\\r\n.\r\n\t 日本語\xe2\x80\x8d";
	accepted(&s);		/* any other character (a ZWJ of emoji too) */
	for (size_t i = 1; i < sizeof(controls) / sizeof(*controls); i++) {
		s.vacation.text = controls[i];
		refused(&s, "vacation.text", HK_R_control_characters);
	}
}

static void
test_refusals_dates_days(void **state)
{
	static const char *const bad[] = { "", "2025-1-01", "2025-01-1",
		"20250101", "2025-01-01x", " 2025-01-01", "2025/01/01",
		"2025-00-10", "2025-13-01", "2025-01-00", "2025-01-32",
		"2025-04-31", "2023-02-29", "2100-02-29", "２０２５-01-01" };
	static const char *const good[] = { "2025-01-01", "2024-02-29",
		"2000-02-29", "2025-12-31", "2025-04-30" };
	struct sieve_settings s = base();
	struct hk_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		s = base();
		s.vacation.start = bad[i];
		refused(&s, "vacation.start", HK_R_date_form);
		s = base();
		s.vacation.end = bad[i];
		refused(&s, "vacation.end", HK_R_date_form);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		s.vacation.start = s.vacation.end = good[i];
		accepted(&s);			/* one day, inclusive */
	}
	s.vacation.start = "2025-08-10";
	s.vacation.end = "2025-08-09";
	refused(&s, "vacation.end", HK_R_date_end_before_start);
	hk_err_clear(&err);
	assert_int_equal(sieve_script_check(&s, NULL, &err), -1);
	assert_string_equal(hk_err_param(&err, "start"), "2025-08-10");
	s.vacation.start = "2025-12-31";
	s.vacation.end = "2026-01-01";
	accepted(&s);
	s = base();
	for (int d = -1; d <= SIEVE_DAYS_MAX + 1; d++) {
		s.vacation.days = d;
		if (d >= SIEVE_DAYS_MIN && d <= SIEVE_DAYS_MAX)
			accepted(&s);
		else
			refused(&s, "vacation.days", HK_R_integer_range);
	}
	s.vacation.text = NULL;			/* no reply: nothing to check */
	s.vacation.days = 0;
	s.vacation.start = "bad";
	accepted(&s);
}

static void
test_refusals_forward_address(void **state)
{
	const char *list[SIEVE_FORWARD_MAX + 1];
	char addr[SIEVE_FORWARD_MAX + 1][32];
	struct sieve_settings s = base();

	(void)state;
	for (int i = 0; i <= SIEVE_FORWARD_MAX; i++) {
		snprintf(addr[i], sizeof(addr[i]), "f%d@example.net", i);
		list[i] = addr[i];
	}
	s.forward.addresses = list;
	s.forward.n = SIEVE_FORWARD_MAX;
	accepted(&s);
	s.forward.n = SIEVE_FORWARD_MAX + 1;
	refused(&s, "forward.addresses", HK_R_destinations_count);
	list[3] = "nobody";
	s.forward.n = 5;
	refused(&s, "forward.addresses", HK_R_address_form);
	list[3] = "a\nb@example.net";
	refused(&s, "forward.addresses", HK_R_control_or_utf8);
	list[3] = "a b@example.net";
	refused(&s, "forward.addresses", HK_R_local_part_chars);
	list[3] = "\"x\"@example.net";
	refused(&s, "forward.addresses", HK_R_local_part_chars);
	list[3] = "x@example";
	refused(&s, "forward.addresses", HK_R_domain_invalid);
	list[3] = OWN;
	refused(&s, "forward.addresses", HK_R_forward_to_self);
	list[3] = "ME@Example.ORG";		/* itself, however written */
	refused(&s, "forward.addresses", HK_R_forward_to_self);
	s = base();
	s.address = "me";
	refused(&s, "address", HK_R_address_form);
	s.address = NULL;
	refused(&s, "address", HK_R_empty);
}

/* The forward addresses as the script will hold them. */
static void
test_forwards_canonical(void **state)
{
	static const char *const list[] = { "A@Example.NET", "b@大学.example",
		"a@example.net", "c@example.net" };
	struct sieve_settings s = { .address = "Me@Example.ORG",
		.forward = { .addresses = list, .n = 4 } };
	struct sieve_forwards fwd;
	struct hk_err err;

	(void)state;
	hk_err_clear(&err);
	assert_int_equal(sieve_script_check(&s, &fwd, &err), 0);
	assert_int_equal(fwd.n, 3);
	assert_string_equal(fwd.addr[0], "a@example.net");
	assert_string_equal(fwd.addr[1], "b@xn--pss25c.example");
	assert_string_equal(fwd.addr[2], "c@example.net");
}

static void
script_is(const struct sieve_settings *s, const char *want)
{
	struct strbuf out;
	struct hk_err err;

	strbuf_init(&out, 0);
	hk_err_clear(&err);
	if (sieve_script_render(s, &out, &err) != 0)
		fail_msg("refused: %s: %s", err.field, err.message);
	assert_string_equal(strbuf_str(&out), want);
	strbuf_free(&out);
}

static void
test_scripts_exact(void **state)
{
	static const char *const two[] = { "a@example.net", "B@example.net" };
	struct sieve_settings s = base();

	(void)state;
	s.vacation.subject = "Away";
	s.vacation.text = "Back on Monday.";
	script_is(&s, HEAD "require [\"vacation\"];\r\n"
		  "vacation :days 7 :subject \"Away\" :addresses "
		  "[\"" OWN "\"] \"Back on Monday.\";\r\n");
	s.vacation.subject = NULL;
	s.vacation.text = "say \"hi\" \\ bye\n.\r\nend\r";
	s.vacation.days = 1;
	s.vacation.start = "2025-08-01";
	s.vacation.end = "2025-08-15";
	s.forward = (struct sieve_forward){ two, 2, 1 };
	script_is(&s, HEAD "require [\"date\", \"relational\", \"vacation\"];"
		  "\r\nif allof (currentdate :value \"ge\" \"date\" "
		  "\"2025-08-01\", currentdate :value \"le\" \"date\" "
		  "\"2025-08-15\") {\r\n"
		  "\tvacation :days 1 :addresses [\"" OWN "\"] "
		  "\"say \\\"hi\\\" \\\\ bye\r\n.\r\nend\";\r\n"
		  "}\r\nredirect \"a@example.net\";\r\n"
		  "redirect \"b@example.net\";\r\nkeep;\r\n");
	s.vacation.start = NULL;
	s.vacation.text = "x";
	s.forward.keep = 0;
	script_is(&s, HEAD "require [\"date\", \"relational\", \"vacation\"];"
		  "\r\nif currentdate :value \"le\" \"date\" \"2025-08-15\" {"
		  "\r\n\tvacation :days 1 :addresses [\"" OWN "\"] \"x\";\r\n"
		  "}\r\nredirect \"a@example.net\";\r\n"
		  "redirect \"b@example.net\";\r\n");
	s.vacation.text = NULL;			/* forwarding needs no require */
	s.forward.n = 1;
	script_is(&s, HEAD "redirect \"a@example.net\";\r\n");
	s.forward.n = 0;			/* nothing: no script */
	s.forward.keep = 1;
	script_is(&s, "");
}

/* A script over its buffer's ceiling is an internal failure, and no
 * script is left half written. */
static void
test_ceiling(void **state)
{
	struct sieve_settings s = base();
	struct strbuf out;
	struct hk_err err;

	(void)state;
	strbuf_init(&out, 64);
	hk_err_clear(&err);
	assert_int_equal(sieve_script_render(&s, &out, &err), -1);
	assert_int_equal(err.code, HK_EINTERNAL);
	assert_int_equal(out.len, 0);
	strbuf_free(&out);
}

/*
 * A scratch directory for Pigeonhole: the message, a dovecot.conf of our
 * own (no system configuration read, forwarding up to SIEVE_FORWARD_MAX
 * as the guests have it), the script.  sieve-test refuses to run as root,
 * so as root it runs as nobody, which must read the directory.  One for
 * each test (cmocka's setup and teardown).
 */
struct pigeonhole {
	char dir[64];
	char script[96], msg[96], conf[96];
	char uid[32], gid[32];
	int nobody;	/* 0: root with no nobody to run sieve-test as */
};

static int
ph_open(void **state)
{
	static const char msg[] = "From: bob@example.com\r\n"
		"To: " OWN "\r\nSubject: hello\r\n"
		"Message-ID: <t1@example.com>\r\n\r\nHi.\r\n";
	char conf[512];
	struct passwd *pw = geteuid() == 0 ? getpwnam("nobody") : NULL;
	struct pigeonhole *ph;

	*state = ph = calloc(1, sizeof(*ph));
	assert_non_null(ph);
	snprintf(ph->dir, sizeof(ph->dir), "/tmp/hk-sieve-XXXXXX");
	assert_non_null(mkdtemp(ph->dir));
	assert_int_equal(chmod(ph->dir, 0755), 0);
	umask(022);
	snprintf(ph->script, sizeof(ph->script), "%s/mailbox.sieve", ph->dir);
	snprintf(ph->msg, sizeof(ph->msg), "%s/msg.eml", ph->dir);
	snprintf(ph->conf, sizeof(ph->conf), "%s/dovecot.conf", ph->dir);
	snprintf(conf, sizeof(conf), "mail_location = maildir:%s/Maildir\n"
		 "base_dir = %s/run\nplugin {\n  sieve_max_redirects = %d\n}\n",
		 ph->dir, ph->dir, SIEVE_FORWARD_MAX);
	tree_put(ph->dir, "msg.eml", msg);
	tree_put(ph->dir, "dovecot.conf", conf);
	ph->nobody = geteuid() != 0 || pw != NULL;
	snprintf(ph->uid, sizeof(ph->uid), "mail_uid=%u",
		 pw ? (unsigned)pw->pw_uid : (unsigned)geteuid());
	snprintf(ph->gid, sizeof(ph->gid), "mail_gid=%u",
		 pw ? (unsigned)pw->pw_gid : (unsigned)getegid());
	return 0;
}

/* The scratch directory removed, whether the test passed or not. */
static int
ph_close(void **state)
{
	struct pigeonhole *ph = *state;

	if (ph != NULL)
		tree_remove(ph->dir);
	free(ph);
	return 0;
}

/* argv run to a clean exit, its stdout into out; else the test fails
 * with what it said. */
static void
ph_exec(char *const argv[], struct strbuf *out)
{
	char tz[256];
	char *env[] = { tz, NULL };
	struct subproc_result res;
	struct hk_err err;
	const char *t = getenv("TZ");

	/* the same local date as this test computes, whatever TZ says */
	snprintf(tz, sizeof(tz), "TZ=%s", t ? t : "");
	hk_err_clear(&err);
	if (subproc_run(argv, t ? env : NULL, NULL, 0, 30000, 1 << 20, &res,
			&err) != 0)
		fail_msg("%s: %s", argv[0], err.message);
	if (!subproc_ok(&res))
		fail_msg("%s %s: status %d: %s", argv[0],
			 res.timed_out ? "timed out" : "failed", res.status,
			 strbuf_str(&res.errout));
	if (out != NULL)
		assert_int_equal(strbuf_puts(out, strbuf_str(&res.out)), 0);
	subproc_result_free(&res);
}

/* sieve-test's actions without the vacation's "handle" line (an internal
 * key made of the reason and the subject), so what remains is all ours. */
static void
drop_handle(struct strbuf *sb)
{
	char *h = strstr(sb->data, "    => handle  : "), *e;

	if (h == NULL)
		return;
	e = strstr(h, "\n\nSTART MESSAGE\n");
	assert_non_null(e);
	memmove(h, e + 1, strlen(e + 1) + 1);
	sb->len = strlen(sb->data);
}

/* s rendered, compiled by sievec, run by sieve-test on the message:
 * the actions are exactly want. */
static void
ph_run(struct pigeonhole *ph, const struct sieve_settings *s,
       const char *want)
{
	char *sievec[] = { SIEVEC, ph->script, NULL };
	char *test[] = { SIEVE_TEST, "-c", ph->conf, "-o", ph->uid, "-o",
		ph->gid, "-r", OWN, "-f", "bob@example.com", ph->script,
		ph->msg, NULL };
	struct strbuf script, out;
	struct hk_err err;
	char bin[128];

	/* here, not in the setup: cmocka counts no failed setup as failed */
	if (access(SIEVEC, X_OK) != 0 || access(SIEVE_TEST, X_OK) != 0)
		fail_msg("%s or %s is missing: install dovecot-sieve "
			 "(deploy/install-deps.sh --test)", SIEVEC, SIEVE_TEST);
	if (!ph->nobody)
		fail_msg("no user nobody to run sieve-test as");
	strbuf_init(&script, 0);
	strbuf_init(&out, 0);
	hk_err_clear(&err);
	if (sieve_script_render(s, &script, &err) != 0)
		fail_msg("refused: %s: %s", err.field, err.message);
	snprintf(bin, sizeof(bin), "%s/mailbox.svbin", ph->dir);
	(void)unlink(bin);
	tree_put(ph->dir, "mailbox.sieve", strbuf_str(&script));
	ph_exec(sievec, NULL);
	ph_exec(test, &out);
	drop_handle(&out);
	assert_string_equal(strbuf_str(&out), want);
	strbuf_free(&out);
	strbuf_free(&script);
}

/* What sieve-test prints for a reply of text (its line breaks CRLF) with
 * subject (NULL: none) every days days, the forwards, a kept copy, and
 * whether the implicit keep is left. */
static void
actions(struct strbuf *w, const char *subject, const char *text, int days,
	const char *const *fwd, size_t n, int keep)
{
	strbuf_reset(w);
	assert_int_equal(strbuf_puts(w, "\nPerformed actions:\n\n"), 0);
	if (text != NULL &&
	    (strbuf_printf(w, " * send vacation message:\n    => seconds : "
			   "%d\n", days * 86400) < 0 ||
	     (subject && strbuf_printf(w, "    => subject : %s\n",
				       subject) < 0) ||
	     strbuf_printf(w, "\nSTART MESSAGE\n%s\nEND MESSAGE\n", text) < 0))
		fail();
	for (size_t i = 0; i < n; i++)
		assert_int_equal(strbuf_printf(w, " * redirect message to: "
					       "<%s>\n", fwd[i]), 0);
	if (keep)
		assert_int_equal(strbuf_puts(w, " * store message in folder:"
					     " INBOX\n"), 0);
	if (text == NULL && n == 0 && !keep)
		assert_int_equal(strbuf_puts(w, "  (none)\n"), 0);
	assert_int_equal(strbuf_printf(w, "\nImplicit keep:\n\n%s\n",
				       n > 0 ? "  (none)\n" :
				       " * store message in folder: INBOX\n"),
			 0);
}

static void
test_pigeonhole_tricky(void **state)
{
	static const char *const fwd[] = { "a@example.net", "b@example.net" };
	static const struct { const char *subject, *text, *want; } t[] = {
		{ "Away \"until\" C:\\dir\\", "Quote \" and \\ backslash,"
		  " \\\" both, a tab\there, \\n not a newline\n.\nthe line "
		  "above is only a dot\r\n\r\nCRLF, LF\nand CR\rend.",
		  "Quote \" and \\ backslash, \\\" both, a tab\there, \\n not "
		  "a newline\r\n.\r\nthe line above is only a dot\r\n\r\n"
		  "CRLF, LF\r\nand CR\r\nend." },
		{ "不在のお知らせ", "ただいま不在です。\n「\"」と「\\」も"
		  "そのまま。\n.\n", "ただいま不在です。\r\n「\"」と「\\」も"
		  "そのまま。\r\n." },
		/* the last line break is Pigeonhole's own (sieve_script.h) */
		{ NULL, "Back.\r\n\r\n", "Back.\r\n" },
		{ NULL, "\n", "" },
		{ NULL, "\\", "\\" },
		{ "\\\"", "\"", "\"" },
	};
	struct sieve_settings s = base();
	struct pigeonhole *ph = *state;
	struct strbuf w;

	strbuf_init(&w, 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		s.vacation.subject = t[i].subject;
		s.vacation.text = t[i].text;
		s.vacation.days = 3;
		s.forward = (struct sieve_forward){ fwd, 2, (int)(i % 2) };
		actions(&w, t[i].subject, t[i].want, 3, fwd, 2, (int)(i % 2));
		ph_run(ph, &s, strbuf_str(&w));
	}
	s.forward.n = 0;
	actions(&w, t[0].subject, t[0].want, 3, NULL, 0, 0);
	s.vacation.subject = t[0].subject;
	s.vacation.text = t[0].text;
	ph_run(ph, &s, strbuf_str(&w));
	strbuf_free(&w);
}

/* The longest text and subject, of every character that needs care, and
 * forwarding to as many addresses as allowed. */
static void
test_pigeonhole_longest(void **state)
{
	const char *list[SIEVE_FORWARD_MAX];
	char addr[SIEVE_FORWARD_MAX][32];
	struct sieve_settings s = base();
	struct pigeonhole *ph = *state;
	struct strbuf w;
	char *text, *subject;

	/* 16 octets a unit: '"', '\', tab, 日本語 (9), " a.b" */
	text = repeat("\"\\\t日本語 a.b", SIEVE_TEXT_MAX / 16);
	assert_int_equal(strlen(text), SIEVE_TEXT_MAX);
	subject = repeat("\"件\\名", SIEVE_SUBJECT_MAX / 4);
	for (int i = 0; i < SIEVE_FORWARD_MAX; i++) {
		snprintf(addr[i], sizeof(addr[i]), "f%d@example.net", i);
		list[i] = addr[i];
	}
	s.vacation.subject = subject;
	s.vacation.text = text;
	s.vacation.days = SIEVE_DAYS_MAX;
	s.forward = (struct sieve_forward){ list, SIEVE_FORWARD_MAX, 0 };
	strbuf_init(&w, 0);
	actions(&w, subject, text, SIEVE_DAYS_MAX, list, SIEVE_FORWARD_MAX, 0);
	ph_run(ph, &s, strbuf_str(&w));
	strbuf_free(&w);
	free(subject);
	free(text);
}

/* Today plus days as YYYY-MM-DD, local time (as sieve-test sees it). */
static void
day(char out[11], int days)
{
	time_t now = time(NULL);
	struct tm tm;

	assert_non_null(localtime_r(&now, &tm));
	tm.tm_mday += days;
	tm.tm_hour = 12;			/* clear of DST's missing hour */
	assert_int_not_equal(mktime(&tm), (time_t)-1);
	assert_int_equal(strftime(out, 11, "%Y-%m-%d", &tm), 10);
}

/* The period's days inclusive, on the guest's (here: this) clock. */
static void
test_pigeonhole_dates(void **state)
{
	char today[11], yesterday[11], tomorrow[11], again[11];
	struct sieve_settings s = base();
	struct pigeonhole *ph = *state;
	struct strbuf on, off;

	strbuf_init(&on, 0);
	strbuf_init(&off, 0);
	actions(&on, NULL, "x", 7, NULL, 0, 0);
	actions(&off, NULL, NULL, 0, NULL, 0, 0);
	do {	/* again if midnight passed meanwhile */
		day(today, 0);
		day(yesterday, -1);
		day(tomorrow, 1);
		s.vacation.start = s.vacation.end = today;
		ph_run(ph, &s, strbuf_str(&on));
		s.vacation.start = yesterday;
		s.vacation.end = tomorrow;
		ph_run(ph, &s, strbuf_str(&on));
		s.vacation.start = NULL;
		s.vacation.end = yesterday;
		ph_run(ph, &s, strbuf_str(&off));
		s.vacation.start = tomorrow;
		s.vacation.end = NULL;
		ph_run(ph, &s, strbuf_str(&off));
		s.vacation.start = today;
		ph_run(ph, &s, strbuf_str(&on));
		s.vacation.start = NULL;
		s.vacation.end = today;
		ph_run(ph, &s, strbuf_str(&on));
		day(again, 0);
	} while (strcmp(again, today) != 0);
	strbuf_free(&off);
	strbuf_free(&on);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals_subject_text),
		cmocka_unit_test(test_refusals_dates_days),
		cmocka_unit_test(test_refusals_forward_address),
		cmocka_unit_test(test_forwards_canonical),
		cmocka_unit_test(test_scripts_exact),
		cmocka_unit_test(test_ceiling),
		cmocka_unit_test_setup_teardown(test_pigeonhole_tricky, ph_open,
						ph_close),
		cmocka_unit_test_setup_teardown(test_pigeonhole_longest, ph_open,
						ph_close),
		cmocka_unit_test_setup_teardown(test_pigeonhole_dates, ph_open,
						ph_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
