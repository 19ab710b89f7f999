/* SPDX-License-Identifier: ISC */
/*
 * agent_dkim.h - OpenDKIM's keys and tables of a generation, as the bundle
 * file "dkim" carries them (dkimsyntax.h), and OpenDKIM's reload:
 *
 *   gen/N/dkim.list                     the bundle file as it came (0600,
 *                                       root's: it holds the keys)
 *   gen/N/dkim/KeyTable                 "SELECTOR._domainkey.DOMAIN
 *                                       DOMAIN:SELECTOR:PATH", a sign line
 *                                       with an RSA key each
 *   gen/N/dkim/SigningTable             "*@DOMAIN SELECTOR._domainkey.DOMAIN"
 *                                       (refile), the same sign lines
 *   gen/N/dkim/ed25519/KeyTable         the same for the sign lines with an
 *   gen/N/dkim/ed25519/SigningTable     Ed25519 key
 *   gen/N/dkim/keys/KEYDOMAIN/SELECTOR.pem   a key line's PEM
 *
 * Two OpenDKIM instances sign (the recipe): Debian 12's OpenDKIM signs
 * all its mail with one algorithm (SignatureAlgorithm), so one instance
 * reads dkim/ and signs rsa-sha256, the other reads dkim/ed25519/ and
 * signs ed25519-sha256 (opendkim-hakomail-ed25519.conf).  A sign line's
 * algorithm is its key's, read from the key (dkimsyntax.h).  Both pairs of
 * tables are always written, empty when no sign line is of their kind.
 *
 * The key files and both tables are 0600 and the signing user's (-k, the
 * recipe's UserID); the directories 0750, root's and of the user's group.
 * Without keys the tables are written all the same, empty (OpenDKIM
 * starts and reloads with none), and root's 0644 when the user does not
 * exist; keys for a user that does not exist are refused.
 *
 * PATH is STATEDIR/current/dkim/keys/KEYDOMAIN/SELECTOR.pem, through the
 * symlink rather than gen/N: a key never changes under its (domain,
 * selector) (a new key is a new selector), so the path names the same key
 * in every generation that has the selector, and the KeyTable OpenDKIM
 * has loaded stays right after the swap, before its reload, however many
 * generations were pruned meanwhile.  A path through gen/N would break
 * once gen/N is pruned (two pushes later) if a reload was missed.
 *
 * Each key is loaded with OpenSSL before a byte is written: a key that
 * does not load, or is not RSA of 1024..4096 bits or Ed25519, refuses the
 * bundle with its line named, and the previous generation keeps serving.
 */
#ifndef HK_AGENT_DKIM_H
#define HK_AGENT_DKIM_H

#include "agent.h"
#include "bundle.h"
#include "err.h"

/* The name the bundle file `name` is kept under in a generation: its own
 * but for "dkim" ("dkim.list": the directory is "dkim"). */
const char *agent_dkim_stored_name(const char *name);

/* Writes dkim/ into the generation being built, dfd (path dir), from f
 * (NULL or empty: no keys).  -1 with err (field "dkim") on the first
 * failure; a refused key is HK_EPROTO and names its line. */
int agent_dkim_build(const struct agent_conf *conf, int dfd, const char *dir,
		     const struct bundle_file *f, struct hk_err *err);

/* Removes dfd's dkim/ tree (no recursion, no link followed); 0 when
 * there is none. */
int agent_dkim_remove(int dfd, const char *dir, struct hk_err *err);

/*
 * Tells each OpenDKIM instance whose tables differ between the generation
 * that served before (directory pfd; -1: none, every table changed) and
 * the one now serving (nfd) to reload them (SIGUSR1), after a swap that
 * changed the file "dkim" (f: the new one, NULL if none).  The RSA
 * instance's pid file is -p, the Ed25519 one's -e; each must be a
 * regular file, no link, owned by root or the signing user and writable
 * by its owner alone.  A missing pid file is an error when its instance
 * is needed: the RSA one when f holds keys, the Ed25519 one when f holds
 * an Ed25519 sign line (the bundle is refused, the previous generation
 * serves again); else an instance without a pid file is left alone.
 *
 * The pid file may be the signing user's (OpenDKIM writes it), so a
 * compromised signer could name any process in it: the signal is sent
 * from a child that has become the signing user first, so it reaches only
 * what that user could signal itself (EPERM, refused, otherwise).
 */
int agent_dkim_reload(const struct agent_conf *conf, int pfd, int nfd,
		      const struct bundle_file *f, struct hk_err *err);

#endif
