/* SPDX-License-Identifier: ISC */
/*
 * log.c - one line per event on stderr, as text or JSON.  See log.h.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "utf8.h"

/* A line: the message, errno text, and JSON's escapes (at most six bytes
 * for one) and fields around it. */
#define OUT_MAX		(LOG_LINE_MAX * 6 + 512)

static const char *program = "hakomail";
static unsigned log_flags;
static enum log_level max_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error", [LOG_LEVEL_WARN] = "warning",
	[LOG_LEVEL_INFO] = "info", [LOG_LEVEL_DEBUG] = "debug",
};

void
log_init(const char *prog, unsigned flags)
{
	program = prog;
	log_flags = flags;
}

void
log_set_level(enum log_level level)
{
	max_level = level;
}

const char *
log_program(void)
{
	return program;
}

int
log_level_parse(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(*level_names); i++)
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	return -1;
}

/* The UTC time, to the second or (ms) to the millisecond. */
static void
utc_now(char *out, size_t size, int ms)
{
	struct timespec ts;
	struct tm tm;
	char sec[32];

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL) {
		snprintf(out, size, "-");
		return;
	}
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms)
		snprintf(out, size, "%s.%03ldZ", sec, ts.tv_nsec / 1000000L);
	else
		snprintf(out, size, "%sZ", sec);
}

/* Appends s as the inside of a JSON string to out[*len..size). */
static void
json_text(char *out, size_t size, size_t *len, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n > 0 && *len + 7 < size) {
		uint32_t cp;
		size_t k = utf8_seq(p, n, &cp);

		if (k == 0) {
			*len += (size_t)snprintf(out + *len, size - *len,
						 "\\ufffd");
			k = 1;
		} else if (*p == '"' || *p == '\\') {
			out[(*len)++] = '\\';
			out[(*len)++] = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f) {
			*len += (size_t)snprintf(out + *len, size - *len,
						 "\\u%04x", *p);
		} else {
			memcpy(out + *len, p, k);
			*len += k;
		}
		p += k;
		n -= k;
	}
	out[*len] = '\0';
}

static size_t
format_json(char *out, size_t size, enum log_level level, const char *msg,
	    const char *errtext)
{
	char when[48];
	size_t len;

	utc_now(when, sizeof(when), 1);
	len = (size_t)snprintf(out, size, "{\"time\":\"%s\",\"program\":\"",
			       when);
	json_text(out, size, &len, program);
	len += (size_t)snprintf(out + len, size - len, "\",\"pid\":%ld,"
				"\"level\":\"%s\",\"message\":\"",
				(long)getpid(), level_names[level]);
	json_text(out, size, &len, msg);
	if (errtext != NULL) {
		len += (size_t)snprintf(out + len, size - len,
					"\",\"errno\":\"");
		json_text(out, size, &len, errtext);
	}
	len += (size_t)snprintf(out + len, size - len, "\"}\n");
	return len < size ? len : size - 1;
}

static size_t
format_text(char *out, size_t size, enum log_level level, char *msg,
	    const char *errtext)
{
	char stamp[40], when[48] = "", pid[32] = "";
	const char *tag = level == LOG_LEVEL_WARN ? "warning: " :
	    level == LOG_LEVEL_DEBUG ? "debug: " : "";
	int n;

	if (log_flags & LOG_F_TIME) {
		utc_now(stamp, sizeof(stamp), 0);
		snprintf(when, sizeof(when), "%s ", stamp);
	}
	if (log_flags & LOG_F_PID)
		snprintf(pid, sizeof(pid), "[%ld]", (long)getpid());
	for (char *c = msg; *c != '\0'; c++)	/* one event, one line */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	n = snprintf(out, size, "%s%s%s: %s%s%s%s\n", when, program, pid, tag,
		     msg, errtext ? ": " : "", errtext ? errtext : "");
	if (n < 0)
		return 0;
	if ((size_t)n >= size) {	/* cut, the newline kept */
		out[size - 2] = '\n';
		return size - 1;
	}
	return (size_t)n;
}

void
log_vmsg(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX], out[OUT_MAX];
	const char *errtext = NULL;
	int saved = errno, n;
	size_t len;

	if (level > max_level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		msg[0] = '\0';
	else if (n >= (int)sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	/* strerror as err.c: glibc's and FreeBSD's are safe for threads */
	if (errnum != 0)
		errtext = strerror(errnum);
	len = log_flags & LOG_F_JSON ?
	    format_json(out, sizeof(out), level, msg, errtext) :
	    format_text(out, sizeof(out), level, msg, errtext);
	/* Nowhere is left to tell of a failed write to the log. */
	(void)fdio_write_all(STDERR_FILENO, out, len);
	errno = saved;
}

#define LOG_FN(name, level, with_errno)					\
void									\
name(const char *fmt, ...)						\
{									\
	int errnum = with_errno ? errno : 0;				\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	log_vmsg(level, errnum, fmt, ap);				\
	va_end(ap);							\
}

LOG_FN(log_error, LOG_LEVEL_ERROR, 0)
LOG_FN(log_warn, LOG_LEVEL_WARN, 0)
LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, 0)
LOG_FN(log_error_errno, LOG_LEVEL_ERROR, 1)
LOG_FN(log_warn_errno, LOG_LEVEL_WARN, 1)
