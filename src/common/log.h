/* SPDX-License-Identifier: ISC */
/*
 * log.h - the one logging module of every hakomail program.
 *
 * The program names itself once, at start (log_init), and says from then
 * on one line per event on stderr, written with one write(2), so lines
 * of several threads or worker processes never mix.  As text (Postfix's
 * shape):
 *
 *	[TIME ]PROG[[PID]]: [warning: |debug: ]MESSAGE[: ERRNO TEXT]
 *	2026-12-02T04:15:39Z hakomail-fcgi[4711]: warning: ...
 *
 * (errors and information carry no level word, so that a CLI's errors
 * read "hakomail: field: message"); with LOG_F_JSON, one JSON object a
 * line for log shippers:
 *
 *	{"time":"2026-12-02T04:15:39.123Z","program":"hakomail-pushd",
 *	 "pid":4711,"level":"info","message":"...","errno":"..."}
 *
 * Messages are bounded (LOG_LINE_MAX, cut with "..."). As text a control
 * character becomes "?"; in JSON it is escaped and a byte that is not
 * UTF-8 becomes U+FFFD: a hostile name cannot forge a line or break a
 * shipper.  log_init and log_set_level are for the start, before any
 * thread; the others may be called from any thread and keep errno as it
 * was.
 */
#ifndef HK_LOG_H
#define HK_LOG_H

#include <stdarg.h>

#define LOG_LINE_MAX	4096

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

#define LOG_F_TIME	0x1	/* text: the UTC time first */
#define LOG_F_PID	0x2	/* text: PROG[PID] */
#define LOG_F_JSON	0x4	/* JSON lines (time and pid always in them) */

/* prog is kept as given (a string constant). */
void log_init(const char *prog, unsigned flags);
/* Events less severe than level are dropped; LOG_LEVEL_INFO at start. */
void log_set_level(enum log_level level);
/* "error", "warning", "info", "debug": 0, or -1 for another name. */
int log_level_parse(const char *name, enum log_level *level);
const char *log_program(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same, with strerror(errno) as it was at the call. */
void log_error_errno(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void log_warn_errno(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* The one they all call; errnum 0: no errno text. */
void log_vmsg(enum log_level level, int errnum, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
