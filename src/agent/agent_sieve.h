/* SPDX-License-Identifier: ISC */
/*
 * agent_sieve.h - the mailboxes' Sieve scripts of a generation, as the
 * bundle file "sieve" carries them (one "ADDRESS BASE64" line each, see
 * mapsyntax.h), compiled with Pigeonhole's sievec:
 *
 *   gen/N/sieve.list                  the bundle file as it came
 *   gen/N/sieve/DOMAIN/LOCAL.sieve    the script of LOCAL@DOMAIN
 *   gen/N/sieve/DOMAIN/LOCAL.svbin    what sievec made of it
 *
 * Dovecot's LMTP runs current/sieve/%d/%n.sieve (the guest recipe); a
 * mailbox without a line has no file, which Pigeonhole takes as no
 * script.  Every path is a constant or a validated domain and local part
 * (no '/', never "." or ".."), opened relative to the generation's
 * descriptor without following links.
 *
 * A script byte-identical to the one of the same address in the serving
 * generation is hard-linked from there with its .svbin (one sievec run
 * per changed script, not per script and push).  The .svbin is the
 * agent's proof that the script compiles; Pigeonhole does not run it (a
 * binary records the real path of its script, gen/N/..., so one made
 * here never matches at delivery): it keeps its own in the mailbox's
 * home (the guest recipe's bindir).
 */
#ifndef HK_AGENT_SIEVE_H
#define HK_AGENT_SIEVE_H

#include "agent.h"
#include "bundle.h"
#include "err.h"

/* The name the bundle file `name` is kept under in a generation: its own
 * but for "sieve" (the directory of scripts is "sieve"). */
const char *agent_sieve_stored_name(const char *name);

/*
 * Writes and compiles the scripts of f (NULL or empty: none, and no
 * sieve directory) into the generation being built, dfd (path dir),
 * reusing what the serving generation (STATEDIR/current, through sfd)
 * has.  -1 with err on the first failure: a script that does not compile
 * names its address and carries the end of sievec's message (HK_EPROTO,
 * field "sieve"); an address twice is refused too.
 */
int agent_sieve_build(const struct agent_conf *conf, int sfd, int dfd,
		      const char *dir, const struct bundle_file *f,
		      struct hk_err *err);

/* Removes dfd's sieve/DOMAIN/FILE tree (two levels, no recursion, no
 * link followed); 0 when there is none. */
int agent_sieve_remove(int dfd, const char *dir, struct hk_err *err);

/* The same for dfd's NAME/SUB/FILE tree (also NAME/FILE), of which
 * sieve/ is one and agent_dkim.c's are others. */
int agent_sieve_remove_tree(int dfd, const char *dir, const char *name,
			    struct hk_err *err);

#endif
