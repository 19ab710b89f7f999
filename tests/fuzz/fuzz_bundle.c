/* SPDX-License-Identifier: ISC */
/*
 * fuzz_bundle.c - a libFuzzer target for the guest agent's strict parser
 * of a push bundle, bundle_parse() (src/common/bundle.c): each input is one
 * bundle, exactly the bytes the agent would read (not NUL-terminated, so
 * that ASan sees any read past its end).
 *
 * Whatever the input, bundle_parse() returns 0 or -1 without crashing,
 * reading out of bounds or undefined behaviour, and:
 *   - when it refuses: the error is HK_EPROTO with a message, and the
 *     struct bundle is all zero (nothing half-parsed escapes);
 *   - when it accepts:
 *     (a) every file name is one of bundle_names, in strictly increasing
 *         whitelist order (so no duplicate), at most BUNDLE_MAX_FILES, and
 *         the generation is > 0;
 *     (b) each file's sha256 is the SHA-256 of its data, computed here
 *         with OpenSSL's EVP (not the project's digest.c), its data lies
 *         inside the input, and the whole's sha256 is that of every byte
 *         before the final "end" line, which holds it;
 *     (c) bundle_write() of the parsed generation and files gives back
 *         exactly the input bytes (the format is canonical), and the same
 *         whole checksum;
 *     (d) every file is empty or '\n'-terminated lines, each passing
 *         mapsyntax_line() for that file;
 *     (e) a delta (a "base" line) names every file, in order, below its
 *         generation; a kept file has no data; an edited one is a keyed
 *         file whose edits pass mapdelta_check(), and made to a sorted
 *         base of that file (mapdelta_apply()) they give lines in key
 *         order (mapdelta_sort() leaves them as they are) or a refusal
 *         (HK_EPROTO), never a crash.
 * A broken property prints "fuzz_bundle: INVARIANT ..." to stderr and
 * aborts, so that libFuzzer keeps the input as a crash artifact.
 *
 * Random mutations nearly always break a checksum, and the parser checks
 * checksums before it looks at a body, so half of the mutations are
 * followed by a fix-up (see the end of this file) that recomputes every
 * "file" line's size and checksum and the "end" checksum: a mutated body
 * then reaches mapsyntax_line().
 *
 * The seeds are made here, in memory, at start-up (LLVMFuzzerInitialize):
 * valid bundles written by bundle_write(), and hostile ones (a name like
 * ../../etc/passwd, a truncation, a wrong checksum, a map line split by an
 * embedded newline, generation 0, a duplicate file, a wrong order, ...),
 * each with correct checksums but for the flaw it is about.  Every start
 * checks that the valid ones are accepted and the hostile ones refused
 * ("fuzz_bundle: setup: ..." and abort otherwise).  With the environment
 * variable HK_FUZZ_BUNDLE_SEEDS=DIR the binary writes them into DIR and
 * exits: that is how tests/fuzz/corpus_bundle/ is made (see
 * tests/fuzz/mkseeds_bundle.sh).
 *
 * Built and run by tests/fuzz/build.sh and tests/fuzz/run.sh.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bundle.h"
#include "err.h"
#include "fuzz_common.h"
#include "mapdelta.h"
#include "mapsyntax.h"
#include "strbuf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

const struct fz_target fz_target = { "fuzz_bundle", NULL };

/* SHA-256 of p[0..n) as 64 lowercase hex digits, with OpenSSL's EVP. */
static void
evp_sha256_hex(const void *p, size_t n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		fail_now("setup: EVP_Digest(sha256) failed");
	for (unsigned int i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* A file's checksum, worked out apart from bucket.c: for passwd, the
 * lines of each bucket (MD5 of the key, first byte) gathered in order and
 * hashed, then the list "XX SUM\n" of the 256 hashed; for
 * virtual_mailbox_maps the same with 16 buckets (the byte's high four
 * bits) and "X SUM\n"; else SHA-256. */
static void
oracle_sum(const char *name, const char *p, size_t n, char out[65])
{
	struct strbuf bucket, list;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	char sha[65];
	int count = strcmp(name, "passwd") == 0 ? 256 :
	    strcmp(name, "virtual_mailbox_maps") == 0 ? 16 : 0;
	char sep = count == 256 ? ':' : ' ';

	if (count == 0) {
		evp_sha256_hex(p, n, out);
		return;
	}
	strbuf_init(&list, 0);
	strbuf_init(&bucket, 0);
	for (int b = 0; b < count; b++) {
		bucket.len = 0;
		for (size_t pos = 0; pos < n;) {
			const char *l = p + pos, *nl = memchr(l, '\n', n - pos);
			size_t ln = nl ? (size_t)(nl - l) + 1 : n - pos;
			const char *end = memchr(l, sep, ln);

			if (EVP_Digest(l, end ? (size_t)(end - l) : ln, md,
				       &mdlen, EVP_md5(), NULL) != 1)
				fail_now("setup: EVP_Digest(md5) failed");
			if (md[0] * count / 256 == b)
				strbuf_append(&bucket, l, ln);
			pos += ln;
		}
		evp_sha256_hex(bucket.len ? bucket.data : "", bucket.len, sha);
		strbuf_printf(&list, count == 256 ? "%02x %s\n" : "%x %s\n", b,
			      sha);
	}
	evp_sha256_hex(list.data, list.len, out);
	strbuf_free(&bucket);
	strbuf_free(&list);
}

static int
is_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i] != 0)
			return 0;
	return 1;
}

/* A sorted base of each keyed file, for (e). */
static const char *
base_of(const char *name)
{
	static const char *const bases[][2] = {
		{ "virtual_mailbox_maps", "matsui@pc1.example pc1.example/"
		  "matsui/\nk@pc2.example pc2.example/k/\n" },
		{ "virtual_alias_maps", "@al1.example @pc1.example\n"
		  "@pc1.example matsui@pc1.example\n"
		  "info@pc1.example matsui@pc1.example\n" },
		{ "relay_recipient_maps", "@relay2.example OK\n"
		  "a@relay.example OK\n" },
		{ "passwd", "matsui@pc1.example:{PLAIN}x:5000:5000::/v/m::\n"
		  "k@pc2.example:{PLAIN}y:5000:5000::/v/k::\n" },
		{ "sieve", "matsui@pc1.example a2VlcDsNCg==\n" },
	};

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (strcmp(bases[i][0], name) == 0)
			return bases[i][1];
	return "";
}

/* (e) for one kept or edited file of an accepted delta. */
static void
check_delta_file(const char *buf, size_t len, const struct bundle *b,
		 const struct bundle_file *f)
{
	struct strbuf out;
	struct hk_err err;
	char *sorted;

	if (b->base == 0)
		fail_now("INVARIANT %s kept or edited outside a delta", f->name);
	if (strlen(f->sha256) != 64)
		fail_now("INVARIANT %s: result's sha256 not 64 digits", f->name);
	if (f->how == BUNDLE_KEEP) {
		if (f->data != NULL || f->len != 0)
			fail_now("INVARIANT %s kept with data", f->name);
		return;
	}
	if (f->data == NULL || f->data < buf || f->len > len ||
	    (size_t)(f->data - buf) > len - f->len)
		fail_now("INVARIANT %s: edits outside the input", f->name);
	if (!mapdelta_keyed(f->name) ||
	    mapdelta_check(f->name, f->data, f->len, &err) != 0)
		fail_now("INVARIANT %s: edits accepted that mapdelta_check() "
		    "refuses", f->name);
	strbuf_init(&out, 1 << 20);
	if (mapdelta_apply(f->name, base_of(f->name), strlen(base_of(f->name)),
			   f->data, f->len, &out, &err) != 0) {
		if (err.code != HK_EPROTO)
			fail_now("INVARIANT %s: apply refused with code %d",
			    f->name, (int)err.code);
	} else if (out.len > 0) {
		if ((sorted = malloc(out.len)) == NULL)
			fail_now("setup: out of memory");
		memcpy(sorted, out.data, out.len);
		if (mapdelta_sort(f->name, sorted, out.len) != 0 ||
		    memcmp(sorted, out.data, out.len) != 0)
			fail_now("INVARIANT %s: edits made give lines out of "
			    "key order", f->name);
		free(sorted);
	}
	strbuf_free(&out);
}

/* The properties of an accepted bundle (see the top of this file). */
static void
check_accepted(const char *buf, size_t len, const struct bundle *b)
{
	struct bundle_file files[BUNDLE_MAX_FILES];
	struct strbuf sb;
	struct hk_err err;
	char sha[65], whole[65];
	int last = -1;

	if (b->generation == 0)
		fail_now("INVARIANT accepted generation 0");
	if (b->nfiles > BUNDLE_MAX_FILES)
		fail_now("INVARIANT accepted %zu files", b->nfiles);
	for (size_t i = 0; i < b->nfiles; i++) {
		const struct bundle_file *f = &b->files[i];
		int idx = -1;

		/* (a) whitelisted, in order, once. */
		for (int k = 0; f->name != NULL && bundle_names[k] != NULL; k++)
			if (strcmp(f->name, bundle_names[k]) == 0)
				idx = k;
		if (idx < 0)
			fail_now("INVARIANT accepted file %zu: name not in "
			    "bundle_names", i);
		if (idx <= last)
			fail_now("INVARIANT accepted %s duplicated or out of "
			    "order", f->name);
		if (b->base != 0 && idx != last + 1)
			fail_now("INVARIANT delta leaves out a file");
		last = idx;
		files[i] = (struct bundle_file){ f->name, f->data, f->len,
						 "", f->how };
		if (f->how != BUNDLE_WHOLE) {
			check_delta_file(buf, len, b, f);
			memcpy(files[i].sha256, f->sha256, 65);
			continue;
		}
		/* (b) data inside the input, checksum right. */
		if (f->data == NULL || f->data < buf || f->len > len ||
		    (size_t)(f->data - buf) > len - f->len)
			fail_now("INVARIANT %s: data outside the input",
			    f->name);
		oracle_sum(f->name, f->data, f->len, sha);
		if (memcmp(sha, f->sha256, sizeof(sha)) != 0)
			fail_now("INVARIANT %s: sha256 %.64s is not that of "
			    "its data (%s)", f->name, f->sha256, sha);
		/* (d) lines, each passing mapsyntax_line(). */
		if (f->len > 0 && f->data[f->len - 1] != '\n')
			fail_now("INVARIANT %s: last line without a newline",
			    f->name);
		for (size_t pos = 0, lineno = 1; pos < f->len; lineno++) {
			const char *nl = memchr(f->data + pos, '\n',
						f->len - pos);
			size_t n = (size_t)(nl - (f->data + pos));

			if (mapsyntax_line(f->name, f->data + pos, n,
					   &err) != 0)
				fail_now("INVARIANT %s line %zu accepted but "
				    "mapsyntax_line() refuses it: %s",
				    f->name, lineno, err.message);
			pos += n + 1;
		}
	}
	if (b->base != 0 && (b->nfiles != BUNDLE_MAX_FILES ||
			     b->base >= b->generation))
		fail_now("INVARIANT delta: %zu files, base %llu, generation "
		    "%llu", b->nfiles, (unsigned long long)b->base,
		    (unsigned long long)b->generation);
	/* (b) the whole: "end <sha of every byte before this line>\n". */
	if (len < 69 || memcmp(buf + len - 69, "end ", 4) != 0 ||
	    buf[len - 1] != '\n')
		fail_now("INVARIANT accepted without a final \"end\" line");
	evp_sha256_hex(buf, len - 69, sha);
	if (memcmp(sha, b->sha256, sizeof(sha)) != 0 ||
	    memcmp(sha, buf + len - 65, 64) != 0)
		fail_now("INVARIANT whole sha256 %.64s / end line %.64s is "
		    "not that of the bytes before the end line (%s)",
		    b->sha256, buf + len - 65, sha);
	/* (c) canonical: writing it back gives the same bytes. */
	strbuf_init(&sb, 0);
	if ((b->base != 0 ? bundle_write_delta(&sb, b->generation, b->base,
	     files, b->nfiles, whole, &err) : bundle_write(&sb, b->generation,
	     files, b->nfiles, whole, &err)) != 0)
		fail_now("INVARIANT bundle_write refuses what bundle_parse "
		    "accepted: %s", err.message);
	if (sb.len != len || memcmp(sb.data, buf, len) != 0) {
		size_t at = 0;

		while (at < len && at < sb.len && sb.data[at] == buf[at])
			at++;
		fail_now("INVARIANT not canonical: bundle_write gives %zu "
		    "bytes for an input of %zu, first difference at byte %zu",
		    sb.len, len, at);
	}
	if (strcmp(whole, b->sha256) != 0)
		fail_now("INVARIANT bundle_write's whole sha256 differs");
	for (size_t i = 0; i < b->nfiles; i++)
		if (strcmp(files[i].sha256, b->files[i].sha256) != 0)
			fail_now("INVARIANT bundle_write's sha256 of %s "
			    "differs", files[i].name);
	strbuf_free(&sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct bundle b;
	struct hk_err err;

	memset(&b, 0xa5, sizeof(b));	/* bundle_parse must set it all */
	memset(&err, 0, sizeof(err));
	if (bundle_parse(buf, size, &b, &err) == 0) {
		check_accepted(buf, size, &b);
		return 0;
	}
	if (err.code != HK_EPROTO || err.message[0] == '\0')
		fail_now("INVARIANT refused with code %d, message \"%.200s\"",
		    (int)err.code, err.message);
	if (memchr(err.message, '\n', sizeof(err.message)) != NULL)
		fail_now("INVARIANT error message has a newline");
	if (!is_zero(&b, sizeof(b)))
		fail_now("INVARIANT refused but the struct bundle is not "
		    "zeroed (%s)", err.message);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Seeds. */

#define DOMAINS	"pc1.example OK\npc2.example OK\n"
#define MAILBOXES \
	"matsui@pc1.example pc1.example/matsui/\n" \
	"k.tanaka+x@pc2.example pc2.example/k.tanaka-old/\n"
#define ALIASES \
	"info@pc1.example matsui@pc1.example,k.tanaka+x@pc2.example\n" \
	"@pc1.example matsui@pc1.example\n" \
	"@al1.example @pc1.example\n"
#define RELAYS	"relay.example OK\n"
#define RECIPIENTS "a@relay.example OK\n@relay2.example OK\n"
/* "keep;\r\n" and a vacation reply, as render writes them */
#define SIEVE "matsui@pc1.example a2VlcDsNCg==\n" \
	"k.tanaka+x@pc2.example cmVxdWlyZSBbInZhY2F0aW9uIl07DQp2YWNhdGlvbiAi" \
	"QXdheS4iOw0K\n"
#define PASSWD \
	"matsui@pc1.example:{SHA512-CRYPT}$6$s$h:5000:5000::" \
	"/var/vmail/pc1.example/matsui::userdb_quota_rule=*:storage=1G\n" \
	"k.tanaka+x@pc2.example:{ARGON2ID}$argon2id$v=19$m=65536$AbC/+=:" \
	"4294967294:1::/var/vmail/pc2.example/k.tanaka-old/::\n"

static struct strbuf seeds[64];
static const char *seed_names[64];
static const char *seed_why[64];	/* NULL: valid, else in the error */
static size_t nseeds;

static struct strbuf *
new_seed(const char *name, const char *why)
{
	if (nseeds == sizeof(seeds) / sizeof(seeds[0]))
		fail_now("setup: too many seeds");
	seed_names[nseeds] = name;
	seed_why[nseeds] = why;
	strbuf_init(&seeds[nseeds], 0);
	return &seeds[nseeds++];
}

/* A valid seed, written by bundle_write(). */
static void
seed_write(const char *name, uint64_t gen, const char *const *fb, size_t n)
{
	struct bundle_file files[BUNDLE_MAX_FILES];
	struct hk_err err;
	size_t k = 0;

	/* fb: name, body, name, body, ... */
	for (size_t i = 0; i < n; i++, k++)
		files[k] = (struct bundle_file){ fb[2 * i], fb[2 * i + 1],
						 strlen(fb[2 * i + 1]), "",
						 BUNDLE_WHOLE };
	if (bundle_write(new_seed(name, NULL), gen, files, k, NULL, &err) != 0)
		fail_now("setup: seed %s: bundle_write: %s", name,
		    err.message);
}

/* A hand-made hostile seed, refused with `why` in the message: files with
 * sizes and checksums computed unless given (size/sha NULL); `trailer`
 * follows the "end" line. */
struct raw_file {
	const char *name, *size, *sha, *body;
};

static void
seed_raw(const char *name, const char *why, const char *gen,
	 const struct raw_file *f, size_t n, const char *end_sha,
	 const char *trailer)
{
	struct strbuf *sb = new_seed(name, why);
	char sha[65];

	strbuf_printf(sb, "%s\ngeneration %s\n", BUNDLE_MAGIC, gen);
	for (size_t i = 0; i < n; i++) {
		size_t blen = strlen(f[i].body);

		oracle_sum(f[i].name, f[i].body, blen, sha);
		strbuf_printf(sb, "file %s ", f[i].name);
		if (f[i].size != NULL)
			strbuf_printf(sb, "%s", f[i].size);
		else
			strbuf_printf(sb, "%zu", blen);
		strbuf_printf(sb, " %s\n", f[i].sha ? f[i].sha : sha);
		strbuf_append(sb, f[i].body, blen);
	}
	evp_sha256_hex(sb->data, sb->len, sha);
	strbuf_printf(sb, "end %s\n%s", end_sha ? end_sha : sha,
		      trailer ? trailer : "");
	if (sb->overflow)
		fail_now("setup: seed %s: out of memory", name);
}

/* A valid delta on base 41: the domains whole, passwd and the alias map
 * edited, the rest kept. */
#define PW_EDITS "-k.tanaka+x@pc2.example\n+a@pc1.example:{PLAIN}x:5000:" \
	"5000::/var/vmail/pc1.example/a::\n"
#define AL_EDITS "=al1.example\n-info@pc1.example\n+@pc1.example " \
	"a@pc1.example\n"

static size_t
seed_delta(void)
{
	struct bundle_file f[BUNDLE_MAX_FILES];
	struct hk_err err;

	for (int i = 0; i < BUNDLE_MAX_FILES; i++) {
		f[i] = (struct bundle_file){ bundle_names[i], NULL, 0, "",
					     BUNDLE_KEEP };
		evp_sha256_hex(bundle_names[i], strlen(bundle_names[i]),
			       f[i].sha256);
	}
	f[0] = (struct bundle_file){ bundle_names[0], DOMAINS,
				     strlen(DOMAINS), "", BUNDLE_WHOLE };
	f[2].how = f[6].how = BUNDLE_EDIT;
	f[2].data = AL_EDITS;
	f[2].len = strlen(AL_EDITS);
	f[6].data = PW_EDITS;
	f[6].len = strlen(PW_EDITS);
	if (bundle_write_delta(new_seed("valid-delta", NULL), 42, 41, f,
			       BUNDLE_MAX_FILES, NULL, &err) != 0)
		fail_now("setup: seed valid-delta: %s", err.message);
	return nseeds - 1;
}

/* Seed `from` with its first `what` replaced by `with`, the end line's
 * checksum made again: refused with `why`. */
static void
seed_tamper(const char *name, const char *why, size_t from, const char *what,
	    const char *with)
{
	const struct strbuf *src = &seeds[from];
	struct strbuf *sb = new_seed(name, why);
	const char *at = strstr(src->data, what), *end;
	char sha[65];

	if (at == NULL)
		fail_now("setup: seed %s: no \"%s\"", name, what);
	strbuf_append(sb, src->data, (size_t)(at - src->data));
	strbuf_puts(sb, with);
	strbuf_puts(sb, at + strlen(what));
	end = strstr(sb->data, "\nend ");
	sb->len = (size_t)(end - sb->data) + 1;
	evp_sha256_hex(sb->data, sb->len, sha);
	strbuf_printf(sb, "end %s\n", sha);
}

static void
make_delta_seeds(void)
{
	size_t d = seed_delta();
	char keep[100], sha[65];

	evp_sha256_hex("transport", 9, sha);
	snprintf(keep, sizeof(keep), "keep transport %s\n", sha);

	seed_tamper("bad-delta-base-at-generation", "below the generation", d,
		    "base 41\n", "base 42\n");
	seed_tamper("bad-delta-file-left-out", "what becomes of transport", d,
		    keep, "");
	seed_tamper("bad-delta-edit-unkeyed", "not a keyed file", d,
		    "keep transport ", "edit transport 0 ");
	seed_tamper("bad-delta-edits-out-of-group", "out of its group", d,
		    "=al1.example\n-info@pc1.example\n",
		    "-info@pc1.example\n=al1.example\n");
	seed_tamper("bad-delta-edit-path", "not an address", d,
		    "-info@pc1.example\n", "-../../../../etc/\n");
	seed_tamper("bad-keep-outside-delta", "expected \"file\" or \"end\"",
		    d, "base 41\n", "");
}

/* The raw seeds' flaws: each one refused for exactly that reason. */
#define RAW(...) (const struct raw_file[]){ __VA_ARGS__ }, \
	sizeof((const struct raw_file[]){ __VA_ARGS__ }) / \
	sizeof(struct raw_file)

static void
make_seeds(void)
{
	static const char *const all[] = {
		"virtual_mailbox_domains", DOMAINS,
		"virtual_mailbox_maps", MAILBOXES,
		"virtual_alias_maps", ALIASES,
		"relay_domains", RELAYS,
		"relay_recipient_maps", RECIPIENTS,
		"passwd", PASSWD,
	};
	static const char *const three[] = {
		"virtual_mailbox_domains", DOMAINS,
		"virtual_alias_maps", ALIASES,
		"passwd", PASSWD,
	};
	static const char *const empties[] = {
		"virtual_mailbox_domains", "", "passwd", "",
	};
	static const char *const relay[] = {
		"relay_domains", RELAYS, "relay_recipient_maps", RECIPIENTS,
	};
	static const char *const sieve[] = {
		"passwd", PASSWD, "sieve", SIEVE,
	};
	const char *zero = "0000000000000000" "0000000000000000"
	    "0000000000000000" "0000000000000000";

	/* Valid, written by bundle_write(). */
	seed_write("valid-all-files", 42, all, 6);
	seed_write("valid-three-files", 7, three, 3);
	seed_write("valid-no-files", 1, NULL, 0);
	seed_write("valid-empty-files-max-generation", UINT64_MAX, empties, 2);
	seed_write("valid-relay-only", 1000000, relay, 2);
	seed_write("valid-sieve", 9, sieve, 2);

	/* Hostile, with correct checksums but for the one flaw. */
	seed_raw("bad-name-traversal", "file name not allowed", "3",
		 RAW({ "../../etc/passwd", NULL, NULL, PASSWD }), NULL, NULL);
	seed_raw("bad-name-absolute", "file name not allowed", "3",
		 RAW({ "/etc/postfix/virtual", NULL, NULL, ALIASES }),
		 NULL, NULL);
	seed_raw("bad-name-unknown", "file name not allowed", "3",
		 RAW({ "main.cf", NULL, NULL, "x\n" }), NULL, NULL);
	seed_raw("bad-generation-zero", "bundle line 2", "0",
		 RAW({ "virtual_mailbox_domains", NULL, NULL, DOMAINS }),
		 NULL, NULL);
	seed_raw("bad-generation-leading-zero", "bundle line 2", "07",
		 RAW({ "virtual_mailbox_domains", NULL, NULL, DOMAINS }),
		 NULL, NULL);
	seed_raw("bad-generation-overflow", "bundle line 2",
		 "18446744073709551616",
		 RAW({ "virtual_mailbox_domains", NULL, NULL, DOMAINS }),
		 NULL, NULL);
	seed_raw("bad-duplicate-file", "duplicated or out of order", "3",
		 RAW({ "virtual_mailbox_domains", NULL, NULL, DOMAINS },
		     { "virtual_mailbox_domains", NULL, NULL,
		       "evil.example OK\n" }), NULL, NULL);
	seed_raw("bad-wrong-order", "duplicated or out of order", "3",
		 RAW({ "passwd", NULL, NULL, PASSWD },
		     { "virtual_alias_maps", NULL, NULL, ALIASES }),
		 NULL, NULL);
	seed_raw("bad-file-checksum", "sha256 mismatch", "3",
		 RAW({ "virtual_mailbox_domains", NULL, zero, DOMAINS }),
		 NULL, NULL);
	seed_raw("bad-file-checksum-uppercase", "64 lowercase hex", "3",
		 RAW({ "relay_domains", NULL, "E3B0C44298FC1C149AFBF4C8996FB9"
		       "2427AE41E4649B934CA495991B7852B855", "" }),
		 NULL, NULL);
	seed_raw("bad-whole-checksum", "of the whole bundle mismatch", "3",
		 RAW({ "virtual_mailbox_domains", NULL, NULL, DOMAINS }),
		 zero, NULL);
	/* One alias whose destination held "\n": its tail became a line. */
	seed_raw("bad-newline-split-alias", "virtual_alias_maps line 2", "3",
		 RAW({ "virtual_alias_maps", NULL, NULL,
		       "info@pc1.example matsui@pc1.example\n"
		       ",root@localhost\n" }), NULL, NULL);
	/* A passwd entry whose hash held "\n" and a second entry. */
	seed_raw("bad-newline-split-passwd", "passwd line 1", "3",
		 RAW({ "passwd", NULL, NULL,
		       "matsui@pc1.example:{PLAIN}x\n"
		       "root@pc1.example:{PLAIN}y:1:1::/root::\n" }),
		 NULL, NULL);
	seed_raw("bad-crlf", "virtual_mailbox_domains line 1", "3",
		 RAW({ "virtual_mailbox_domains", NULL, NULL,
		       "pc1.example OK\r\n" }), NULL, NULL);
	seed_raw("bad-no-final-newline", "does not end in a newline", "3",
		 RAW({ "virtual_mailbox_domains", NULL, NULL,
		       "pc1.example OK" }), NULL, NULL);
	seed_raw("bad-uid-zero", "uid or gid", "3",
		 RAW({ "passwd", NULL, NULL,
		       "root@pc1.example:{PLAIN}x:0:0::/var/vmail/r::\n" }),
		 NULL, NULL);
	seed_raw("bad-home-dotdot", "home is not", "3",
		 RAW({ "passwd", NULL, NULL, "a@pc1.example:{PLAIN}x:5000:"
		       "5000::/var/vmail/../../etc::\n" }), NULL, NULL);
	seed_raw("bad-size-too-large", "bad size or truncated", "3",
		 RAW({ "virtual_mailbox_domains", "4096", NULL, DOMAINS }),
		 NULL, NULL);
	seed_raw("bad-size-overflow", "bad size or truncated", "3",
		 RAW({ "virtual_mailbox_domains", "18446744073709551616",
		       NULL, DOMAINS }), NULL, NULL);
	seed_raw("bad-size-leading-zero", "bad size or truncated", "3",
		 RAW({ "virtual_mailbox_domains", "030", NULL, DOMAINS }),
		 NULL, NULL);
	seed_raw("bad-trailing-garbage", "after the \"end\" line", "3",
		 RAW({ "virtual_mailbox_domains", NULL, NULL, DOMAINS }),
		 NULL, "x");
	/* A script whose base64 broke into two lines. */
	seed_raw("bad-sieve-split", "sieve line 2", "3",
		 RAW({ "sieve", NULL, NULL, "matsui@pc1.example a2Vl\n"
		       "cDsNCg==\n" }), NULL, NULL);
	seed_raw("bad-sieve-path", "sieve line 1", "3",
		 RAW({ "sieve", NULL, NULL, "../../etc/x a2VlcDsNCg==\n" }),
		 NULL, NULL);
	seed_raw("bad-empty-line", "empty line", "3",
		 RAW({ "relay_domains", NULL, NULL, "a.example OK\n\n" }),
		 NULL, NULL);

	make_delta_seeds();

	/* Cut short (mid-body, before "end"), the wrong magic, nothing. */
	strbuf_append(new_seed("bad-truncated", "truncated"), seeds[0].data,
		      seeds[0].len / 2);
	strbuf_append(new_seed("bad-truncated-no-end", "no \"end\" line"),
		      seeds[1].data, seeds[1].len - 69);
	strbuf_puts(new_seed("bad-magic", "bundle line 1"),
		    "HAKOMAIL-BUNDLE 2\ngeneration 1\n");
	new_seed("bad-empty", "truncated");
}

/* Writes every seed into dir (HK_FUZZ_BUNDLE_SEEDS) and exits. */
static void
write_seeds(const char *dir)
{
	for (size_t i = 0; i < nseeds; i++) {
		char path[4096];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s", dir, seed_names[i]);
		if ((fp = fopen(path, "wb")) == NULL ||
		    fwrite(seeds[i].data ? seeds[i].data : "", 1, seeds[i].len,
			   fp) != seeds[i].len || fclose(fp) != 0)
			fail_now("setup: cannot write %s: %s", path,
			    strerror(errno));
	}
	fprintf(stderr, "fuzz_bundle: %zu seeds written into %s\n", nseeds,
		dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("HK_FUZZ_BUNDLE_SEEDS");

	(void)argc;
	(void)argv;
	make_seeds();
	/* Each seed: valid ones accepted, hostile ones refused, properties
	 * held (a private heap copy of exactly its length, for ASan). */
	for (size_t i = 0; i < nseeds; i++) {
		size_t n = seeds[i].len;
		char *copy = malloc(n ? n : 1);
		struct bundle b;
		struct hk_err err;
		int rc;

		if (copy == NULL)
			fail_now("setup: out of memory");
		if (n)
			memcpy(copy, seeds[i].data, n);
		rc = bundle_parse(copy, n, &b, &err);
		if (rc == 0 && seed_why[i] != NULL)
			fail_now("setup: hostile seed %s accepted",
			    seed_names[i]);
		if (rc != 0 && seed_why[i] == NULL)
			fail_now("setup: valid seed %s refused: %s",
			    seed_names[i], err.message);
		if (rc != 0 && strstr(err.message, seed_why[i]) == NULL)
			fail_now("setup: hostile seed %s refused for another "
			    "reason: \"%s\", not \"%s\"", seed_names[i],
			    err.message, seed_why[i]);
		LLVMFuzzerTestOneInput((const uint8_t *)copy, n);
		free(copy);
	}
	if (dir != NULL && *dir != '\0')
		write_seeds(dir);
	for (size_t i = 0; i < nseeds; i++)
		strbuf_free(&seeds[i]);
	if (dir != NULL && *dir != '\0')
		exit(0);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The mutator: libFuzzer's, then half of the time the checksum fix-up. */

/* The offset of the first "\nfile " or "\nend " in p[0..n), plus 1 (the
 * start of that line), or n. */
static size_t
body_end(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != '\n')
			continue;
		if ((n - i - 1 >= 5 && (memcmp(p + i + 1, "file ", 5) == 0 ||
					memcmp(p + i + 1, "edit ", 5) == 0 ||
					memcmp(p + i + 1, "keep ", 5) == 0)) ||
		    (n - i - 1 >= 4 && memcmp(p + i + 1, "end ", 4) == 0))
			return i + 1;
	}
	return n;
}

/*
 * Rewrites in[0..n) into out (at most max bytes): the first two lines as
 * they are; each "file NAME ..." line with the size and sha256 of the body
 * that follows it (up to the next "file ", "edit ", "keep " or "end "
 * line), an "edit" line with its body's size; the "end" line
 * with the sha256 of everything before it; anything after it as it is.
 * Returns the new length, or 0 when it does not fit or has no shape.
 */
static size_t
fixup(const uint8_t *in, size_t n, uint8_t *out, size_t max)
{
	struct strbuf sb;
	size_t pos = 0, r = 0;
	char sha[65];

	strbuf_init(&sb, max);
	for (int i = 0; i < 2; i++) {
		const uint8_t *nl = memchr(in + pos, '\n', n - pos);

		if (nl == NULL)
			goto done;
		pos = (size_t)(nl - in) + 1;
	}
	strbuf_append(&sb, in, pos);
	while (pos < n) {
		const uint8_t *nl = memchr(in + pos, '\n', n - pos);
		size_t ln = nl ? (size_t)(nl - (in + pos)) : n - pos;

		if (ln >= 5 && (memcmp(in + pos, "file ", 5) == 0 ||
				memcmp(in + pos, "edit ", 5) == 0) && nl) {
			const uint8_t *nm = in + pos + 5;
			const uint8_t *sp = memchr(nm, ' ', ln - 5);
			size_t nn = sp ? (size_t)(sp - nm) : ln - 5;
			const uint8_t *body = in + pos + ln + 1;
			size_t blen = body_end(body, n - (pos + ln + 1));

			char nmz[32];

			/* an edit's checksum is of its result: kept */
			snprintf(nmz, sizeof(nmz), "%.*s", (int)nn,
				 (const char *)nm);
			if (in[pos] == 'f' || ln < 64)
				oracle_sum(nmz, (const char *)body, blen, sha);
			else
				memcpy(sha, in + pos + ln - 64, 64), sha[64] = 0;
			strbuf_append(&sb, in + pos, 5);
			strbuf_append(&sb, nm, nn);
			strbuf_printf(&sb, " %zu %s\n", blen, sha);
			strbuf_append(&sb, body, blen);
			pos += ln + 1 + blen;
		} else if (ln >= 4 && memcmp(in + pos, "end ", 4) == 0) {
			evp_sha256_hex(sb.data ? sb.data : "", sb.len, sha);
			strbuf_printf(&sb, "end %s\n", sha);
			pos += ln + (nl != NULL);
			strbuf_append(&sb, in + pos, n - pos);
			pos = n;
		} else {
			strbuf_append(&sb, in + pos, n - pos);
			pos = n;
		}
	}
	if (!sb.overflow && sb.len <= max) {
		memcpy(out, sb.data ? sb.data : "", sb.len);
		r = sb.len;
	}
done:
	strbuf_free(&sb);
	return r;
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			unsigned int seed)
{
	uint8_t *tmp;
	size_t n;

	size = LLVMFuzzerMutate(data, size, max_size);
	if (seed % 2 == 0 || size == 0)
		return size;
	if ((tmp = malloc(max_size)) == NULL)
		return size;
	n = fixup(data, size, tmp, max_size);
	if (n > 0) {
		memcpy(data, tmp, n);
		size = n;
	}
	free(tmp);
	return size;
}
