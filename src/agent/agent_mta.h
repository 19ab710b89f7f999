/* SPDX-License-Identifier: ISC */
/*
 * agent_mta.h - what hakomail-agent asks of the guest's Postfix and
 * Dovecot.  Each returns 0, or -1 with err saying which program failed and
 * the end of what it printed.
 */
#ifndef HK_AGENT_MTA_H
#define HK_AGENT_MTA_H

#include "agent.h"
#include "err.h"
#include "subproc.h"

/* The most maps one postmap is given: every whole map and a bucketed
 * one's buckets (bucket.h). */
#define AGENT_MTA_MAPS_MAX	(BUNDLE_MAX_FILES + 16)

/* postmap the maps rel[0..n) of the generation in dir (dfd), each a path
 * below it (a map's name, or a bucket's NAME.d/B), in one process; each
 * table made fsync'd. */
int agent_mta_postmap(const struct agent_conf *conf, int dfd, const char *dir,
		      const char *const *rel, size_t n, struct hk_err *err);
const char *agent_mta_map_suffix(const char *maptype);

/* `postfix check`, skipped while main.cf and master.cf are unchanged since
 * the last check that passed (stamp in STATEDIR, sfd). */
int agent_mta_check(const struct agent_conf *conf, int sfd, struct hk_err *err);

/* `postfix [-c DIR] VERB` */
int agent_mta_postfix(const struct agent_conf *conf, const char *verb,
		struct hk_err *err);

/* Runs argv (argv[0] absolute, no shell, a fixed PATH) and keeps what it
 * printed, at most out_max bytes of each stream, in res (the caller frees
 * it, also on failure).  Fails unless it exits 0 within timeout_ms;
 * "what" begins the message ("postqueue -j failed"). */
int agent_mta_capture(char *const argv[], const char *what, int timeout_ms,
		      size_t out_max, struct subproc_result *res,
		      struct hk_err *err);

/* As agent_mta_capture, with envp (NULL-terminated, its PATH included)
 * as the child's whole environment. */
int agent_mta_capture_env(char *const argv[], char *const envp[],
			  const char *what, int timeout_ms, size_t out_max,
			  struct subproc_result *res, struct hk_err *err);

/* The end of what a program printed, s[0..len), on one printable line of
 * at most size - 1 bytes: "|" between lines, "?" for other bytes, "..."
 * first when cut. */
void agent_mta_tail(const char *s, size_t len, char *out, size_t size);

/* `postconf [-c DIR] -h param` into res (at most 4 KiB; the caller frees
 * res, also on failure). */
int agent_mta_postconf(const struct agent_conf *conf, const char *param,
		       struct subproc_result *res, struct hk_err *err);

/* Postfix reads the bundle's transport map (main.cf's transport_maps
 * names STATEDIR/current/transport): else mail relayed for a domain moved
 * away would follow its MX records, back to this guest.  A refusal says
 * what main.cf lacks. */
int agent_mta_transport_check(const struct agent_conf *conf,
			      struct hk_err *err);

#endif
