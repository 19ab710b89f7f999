/* SPDX-License-Identifier: ISC */
/*
 * notify.c - the warnings mail.  See notify.h.  Nothing from the
 * database reaches a header but the counts: the address was validated,
 * and every string of the body has its control characters replaced, so
 * that a name cannot add a header or a line of its own.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"
#include "strbuf.h"
#include "subproc.h"
#include "validate.h"

/* RFC 5322's date, in English whatever the locale: "Wed, 02 Dec 2026
 * 13:45:00 +0000". */
static void
mail_date(time_t t, char *out, size_t len)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
					    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
		"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
		 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* This host's name if it is a plain host name, for the From address. */
static void
host_name(char *out, size_t len)
{
	char h[256] = "";

	if (gethostname(h, sizeof(h) - 1) != 0 || h[0] == '\0' ||
	    strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789.-") != strlen(h))
		snprintf(h, sizeof(h), "localhost");
	snprintf(out, len, "%s", h);
}

/* s with control characters as '?' (UTF-8 stays as it is). */
static void
put_clean(struct strbuf *sb, const char *s)
{
	char c[2] = "";

	for (s = s ? s : "-"; *s; s++) {
		c[0] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
		strbuf_append(sb, c, 1);
	}
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* What a kind's figure means, in words: after the value, then after the
 * threshold. */
struct words {
	const char *kind, *after_value, *after_threshold;
};
static const struct words kinds[] = {
	{ "disk_used", " % of the mail filesystem used, warns at ", " %" },
	{ "disk_days", " days until the mail filesystem is full, warns at ",
	  " days" },
	{ "queue_deferred", " messages deferred, warns above ", "" },
	{ "queue_age", " s since the oldest deferred message came, warns "
	  "above ", " s" },
	{ "mailbox_quota", " % of the mailbox's quota used, warns at ", " %" },
	{ "project_days", " days until the project's storage limit is "
	  "reached, warns at ", " days" },
	{ NULL, ", threshold ", "" },
};

static const struct words *
kind_words(const char *kind)
{
	const struct words *w = kinds;

	while (w->kind && (kind == NULL || strcmp(kind, w->kind) != 0))
		w++;
	return w;
}

/* "  disk_used: g1 (guest g1, project lab): 91.50 % of ..." */
static void
put_change(struct strbuf *sb, const json_t *c)
{
	const struct words *w = kind_words(jstr(c, "kind"));

	strbuf_puts(sb, "  ");
	put_clean(sb, jstr(c, "kind"));
	strbuf_puts(sb, ": ");
	put_clean(sb, jstr(c, "object"));
	strbuf_puts(sb, " (");
	if (jstr(c, "guest") != NULL) {
		strbuf_puts(sb, "guest ");
		put_clean(sb, jstr(c, "guest"));
		strbuf_puts(sb, ", ");
	}
	strbuf_puts(sb, "project ");
	put_clean(sb, jstr(c, "project"));
	strbuf_printf(sb, "): %.2f%s%g%s\n",
		      json_number_value(json_object_get(c, "value")),
		      w->after_value,
		      json_number_value(json_object_get(c, "threshold")),
		      w->after_threshold);
}

/* The changes of one event ("raised" or "cleared") under a heading;
 * returns how many there were. */
static size_t
put_event(struct strbuf *sb, const json_t *changes, const char *event,
	  const char *heading)
{
	size_t i, n = 0;
	const json_t *c;

	json_array_foreach(changes, i, c) {
		const char *ev = jstr(c, "event");

		if (ev == NULL || strcmp(ev, event) != 0)
			continue;
		if (n++ == 0)
			strbuf_puts(sb, heading);
		put_change(sb, c);
	}
	return n;
}

/* The whole message into sb. */
static void
message(struct strbuf *sb, const char *mail_to, const json_t *changes)
{
	char date[64], host[256];
	size_t raised = 0, cleared = 0, i;
	const json_t *c;
	time_t now = time(NULL);

	json_array_foreach(changes, i, c) {
		const char *ev = jstr(c, "event");

		raised += ev && strcmp(ev, "raised") == 0;
		cleared += ev && strcmp(ev, "cleared") == 0;
	}
	mail_date(now, date, sizeof(date));
	host_name(host, sizeof(host));
	strbuf_printf(sb, "From: hakomail <hakomail@%s>\n"
		      "To: %s\n"
		      "Subject: [hakomail] warnings: %zu raised, %zu cleared\n"
		      "Date: %s\n"
		      "MIME-Version: 1.0\n"
		      "Content-Type: text/plain; charset=UTF-8\n"
		      "Content-Transfer-Encoding: 8bit\n"
		      "Auto-Submitted: auto-generated\n"
		      "\n"
		      "hakomail-pushd evaluated what the guests report.\n",
		      host, mail_to, raised, cleared, date);
	if (put_event(sb, changes, "raised", "\nRaised:\n") +
	    put_event(sb, changes, "cleared", "\nCleared:\n") == 0)
		strbuf_puts(sb, "\nNothing was raised or cleared.\n");
	strbuf_puts(sb, "\nSee GET /api/v1/warnings or `hakomail warnings`.\n");
}

/* mail_to an address, sendmail a path to run. */
static int
check_args(const char *sendmail_path, const char *mail_to,
	   struct hk_err *err)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];

	if (validate_address(mail_to, "mail_to", local, domain, err) < 0)
		return hk_failr(err, HK_EINVAL, "mail_to",
				HK_R_conf_not_address, "section", "warn",
				"name", "mail_to", "value", mail_to, NULL);
	if (sendmail_path == NULL || sendmail_path[0] != '/')
		return hk_failr(err, HK_EINVAL, "sendmail",
				HK_R_conf_not_absolute, "section", "warn",
				"name", "sendmail", "value", sendmail_path,
				NULL);
	return 0;
}

int
notify_warnings(const char *sendmail_path, const char *mail_to,
		const json_t *changes, struct hk_err *err)
{
	char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct subproc_result res;
	struct strbuf msg;
	int rc;

	if (mail_to == NULL || mail_to[0] == '\0' ||
	    json_array_size(changes) == 0)
		return 0;
	if (check_args(sendmail_path, mail_to, err) < 0)
		return -1;
	strbuf_init(&msg, 0);
	message(&msg, mail_to, changes);
	if (msg.overflow) {
		strbuf_free(&msg);
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	}
	rc = subproc_run((char *const[]){ (char *)sendmail_path, "-i", "--",
					  (char *)mail_to, NULL }, env,
			 msg.data, msg.len, NOTIFY_TIMEOUT_S * 1000, 4096,
			 &res, err);
	strbuf_free(&msg);
	if (rc == 0 && !subproc_ok(&res))
		rc = hk_fail(err, HK_ESYS, "sendmail", "%s %s %d: %.200s",
			     sendmail_path, res.timed_out ? "timed out after"
			     : res.exited ? "exited" : "killed by signal",
			     res.timed_out ? NOTIFY_TIMEOUT_S : res.status,
			     strbuf_str(&res.errout));
	subproc_result_free(&res);
	return rc;
}
