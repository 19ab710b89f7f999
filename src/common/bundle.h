/* SPDX-License-Identifier: ISC */
/*
 * bundle.h - the unit of a push: every map file of one guest at one
 * generation, with a checksum per file and for the whole.
 *
 * Wire format (all text lines end in a single '\n'):
 *
 *   HAKOMAIL-BUNDLE 1
 *   generation <decimal u64, no leading zeros, > 0>
 *   file <name> <size> <sha256 lowercase hex>     (repeated, names unique,
 *   <size raw bytes>                               in bundle_names order)
 *   end <sha256 lowercase hex of every byte before this line>
 *
 * and nothing after.  Names come from a fixed whitelist; every file's body
 * is lines each ending in '\n' that pass mapsyntax_line() for that file.
 * The parser refuses anything else before the caller writes a byte.
 * A file's "sha256" is the SHA-256 of its bytes, but for passwd, whose
 * checksum is that of its bucket list (bucket.h): a guest keeps passwd
 * in buckets, and a change proves itself by hashing its bucket alone.
 *
 * Besides the maps, "trash" tells the agent what to do with the maildirs
 * of deleted mailboxes (see mapsyntax.h); it is written into each
 * generation like the others, so status and drift checks cover it.
 *
 * "sieve" carries one Sieve script per mailbox that has a vacation reply
 * or forwarding ("ADDRESS BASE64", mapsyntax.h); the agent writes each
 * as sieve/DOMAIN/LOCAL.sieve in the generation and compiles it.  An
 * agent older than "sieve" refuses a bundle that holds it (a name not
 * in its whitelist): update the agents of the guests before a panel
 * that sends it.
 *
 * "dkim", last, carries OpenDKIM's private keys and which domain signs
 * with which ("key ..." and "sign ..." lines, dkimsyntax.h); the agent
 * writes them as its KeyTable, SigningTable and key files (agent_dkim.h).
 * Like "sieve", an agent older than it refuses a bundle that holds it.
 *
 * A delta carries what changed since the generation the guest serves:
 *
 *   HAKOMAIL-BUNDLE 1
 *   generation <N>
 *   base <B: decimal > 0, < N>
 *   then every name of the whitelist, in its order, as one of
 *   file <name> <size> <sha256>     the whole file, as above
 *   keep <name> <sha256>            generation B's file, unchanged
 *   edit <name> <size> <sha256>     generation B's file with the keyed
 *   <size raw bytes>                edits of mapdelta.h made (keyed files
 *                                   only); the sha256 is the result's
 *   end <sha256 lowercase hex of every byte before this line>
 *
 * The parser can only check what a delta says; the agent proves the rest:
 * the files it makes from generation B must have these checksums, and it
 * refuses a delta on another base (pushd then sends the whole bundle).
 */
#ifndef HK_BUNDLE_H
#define HK_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "strbuf.h"

#define BUNDLE_MAGIC		"HAKOMAIL-BUNDLE 1"
/* The reason= of a passwd line that holds a mailbox for a domain move
 * (logins refused): its mail is a copy being made or left behind, which
 * nothing but dsync may open. */
#define BUNDLE_HELD_REASON	"mailbox-moving"
#define BUNDLE_MAX_FILES	10
#define BUNDLE_MAX_SIZE		((size_t)512 << 20)	/* whole bundle */

/* The whitelist, in wire order; NULL-terminated. */
extern const char *const bundle_names[];

/* Whether the file is a Postfix lookup table (postmap'd by the agent):
 * every file but passwd, trash, sieve and dkim. */
int bundle_is_postfix_map(const char *name);

/* How a delta gives a file; a whole bundle's files are all BUNDLE_WHOLE. */
enum bundle_how {
	BUNDLE_WHOLE,	/* data: the file */
	BUNDLE_KEEP,	/* the base's file; no data */
	BUNDLE_EDIT	/* data: edits (mapdelta.h) to the base's file */
};

struct bundle_file {
	const char *name;	/* one of bundle_names */
	const char *data;	/* points into the parsed buffer / caller's */
	size_t len;
	char sha256[65];	/* lowercase hex, NUL-terminated: the file's
				 * (for KEEP and EDIT, the result's) */
	enum bundle_how how;
};

struct bundle {
	uint64_t generation;
	uint64_t base;		/* a delta on this generation; 0: whole */
	size_t nfiles;
	struct bundle_file files[BUNDLE_MAX_FILES];
	char sha256[65];	/* of the whole, as in the "end" line */
};

/*
 * Appends the wire form of generation `gen` with files[0..n) to out.  Fills
 * each file's sha256, and whole_sha256 (the "end" checksum) when it is not
 * NULL.  Files must be given in whitelist order, each body passing the same
 * checks as bundle_parse() (HK_EINVAL naming file and line otherwise); on
 * any failure nothing is appended.  What it writes, bundle_parse() accepts.
 */
int bundle_write(struct strbuf *out, uint64_t gen, struct bundle_file *files,
		 size_t n, char whole_sha256[65], struct hk_err *err);

/*
 * Appends the wire form of a delta from generation `base` to `gen`:
 * files[0..n) must be every whitelisted name, in order, each with its how;
 * a KEEP or EDIT file's sha256 is the caller's (the resulting file's), a
 * WHOLE one's is filled.  Otherwise as bundle_write().
 */
int bundle_write_delta(struct strbuf *out, uint64_t gen, uint64_t base,
		       struct bundle_file *files, size_t n,
		       char whole_sha256[65], struct hk_err *err);

/*
 * Strictly parses buf[0..len) into b (whose files point into buf).  On
 * failure (HK_EPROTO, saying what and where) b is zeroed.
 */
int bundle_parse(const char *buf, size_t len, struct bundle *b,
		 struct hk_err *err);


#endif
