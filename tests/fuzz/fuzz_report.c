/* SPDX-License-Identifier: ISC */
/*
 * fuzz_report.c - a libFuzzer target for report_from_json()
 * (src/panel/report.c), the panel's reader of what a guest reports: each
 * input is the JSON text of the "report" member of the agent's answer,
 * parsed by jansson as pushd parses it (inputs jansson refuses are
 * dropped: they never reach the reader).
 *
 * Whatever the document, report_from_json() returns 0 or -1 without
 * crashing, reading out of bounds, leaking or undefined behaviour, and:
 *   - when it refuses: HK_EINVAL, a reason of the report_* family with
 *     its message, err->field a JSON path starting "report", and the
 *     struct empty (nothing half-read escapes);
 *   - when it accepts, checked here against the document itself (not
 *     against the struct alone):
 *     (a) every figure is the document's, and within report.h's bounds:
 *         0 <= bytes < 2^60, counts and seconds < 2^40, 0 <= load < 1e6,
 *         used + free <= total (bytes and inodes), oldest deferred -1
 *         exactly when the document says null;
 *     (b) the versions are the document's, 0..63 printable ASCII;
 *     (c) the mailboxes are the document's, in its order, at most
 *         REPORT_MAX_MAILBOXES, each address in map grammar
 *         (mapsyntax_address) and lower case, no address twice (checked
 *         by sorting a copy), the sums the sums of the entries.
 * A broken property prints "fuzz_report: INVARIANT ..." to stderr and
 * aborts, so that libFuzzer keeps the input as a crash artifact.
 *
 * Seeds: tests/fuzz/corpus_report/ (a valid report and one flaw each);
 * the dictionary tests/fuzz/report.dict.  Built and run by
 * tests/fuzz/build.sh and tests/fuzz/run.sh.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "fuzz_common.h"
#include "mapsyntax.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const struct fz_target fz_target = { "fuzz_report", NULL };

#define CHECK(cond, ...) do { if (!(cond)) \
	fail_now("INVARIANT BROKEN: " __VA_ARGS__); } while (0)

static void
check_refusal(const struct guest_report *r, const struct hk_err *err)
{
	const char *name = hk_reason_name(err->reason);

	CHECK(err->code == HK_EINVAL, "refused with code %d (%s)", err->code,
	      err->message);
	CHECK(strncmp(name, "report_", 7) == 0, "refused with reason \"%s\"",
	      name);
	CHECK(strncmp(err->field, "report", 6) == 0, "refused on field "
	      "\"%s\"", err->field);
	CHECK(err->message[0] != '\0', "a refusal without a message");
	CHECK(r->n_mailboxes == 0 && r->mailboxes == NULL &&
	      r->mailbox_bytes == 0, "a refused report left mailboxes");
}

/* The integer at obj.key, or a broken invariant. */
static int64_t
int_at(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	CHECK(json_is_integer(v), "accepted with %s not an integer", key);
	return (int64_t)json_integer_value(v);
}

static void
check_fs(const json_t *doc, const struct guest_report *r)
{
	const json_t *fs = json_object_get(doc, "fs");
	const int64_t B = REPORT_BYTES_CAP, C = REPORT_COUNT_CAP;

	CHECK(r->fs_bytes_total == int_at(fs, "bytes_total") &&
	      r->fs_bytes_used == int_at(fs, "bytes_used") &&
	      r->fs_bytes_free == int_at(fs, "bytes_free") &&
	      r->fs_inodes_total == int_at(fs, "inodes_total") &&
	      r->fs_inodes_used == int_at(fs, "inodes_used") &&
	      r->fs_inodes_free == int_at(fs, "inodes_free"),
	      "fs figures differ from the document's");
	CHECK(r->fs_bytes_total >= 0 && r->fs_bytes_total < B &&
	      r->fs_bytes_used >= 0 && r->fs_bytes_free >= 0 &&
	      r->fs_bytes_used + r->fs_bytes_free <= r->fs_bytes_total,
	      "bytes out of bounds: total %lld used %lld free %lld",
	      (long long)r->fs_bytes_total, (long long)r->fs_bytes_used,
	      (long long)r->fs_bytes_free);
	CHECK(r->fs_inodes_total >= 0 && r->fs_inodes_total < C &&
	      r->fs_inodes_used >= 0 && r->fs_inodes_free >= 0 &&
	      r->fs_inodes_used + r->fs_inodes_free <= r->fs_inodes_total,
	      "inodes out of bounds");
}

static void
check_host(const json_t *doc, const struct guest_report *r)
{
	const json_t *q = json_object_get(doc, "queue");
	const json_t *old = json_object_get(q, "oldest_deferred_s");
	const json_t *ver = json_object_get(doc, "versions");
	const char *names[2] = { "postfix", "dovecot" };
	const char *got[2] = { r->postfix_version, r->dovecot_version };
	const int64_t C = REPORT_COUNT_CAP;

	CHECK(r->guest_at == int_at(doc, "at") && r->guest_at >= 0 &&
	      r->guest_at < C && r->uptime_s == int_at(doc, "uptime_s") &&
	      r->uptime_s >= 0 && r->uptime_s < C, "at or uptime_s");
	for (int i = 0; i < 3; i++)
		CHECK(r->load[i] == json_number_value(json_array_get(
		      json_object_get(doc, "load"), (size_t)i)) &&
		      r->load[i] >= 0 && r->load[i] < REPORT_LOAD_CAP,
		      "load[%d] %g", i, r->load[i]);
	CHECK(r->q_active == int_at(q, "active") && r->q_active < C &&
	      r->q_deferred == int_at(q, "deferred") && r->q_deferred < C &&
	      r->q_hold == int_at(q, "hold") && r->q_hold < C &&
	      r->q_incoming == int_at(q, "incoming") && r->q_incoming < C &&
	      r->q_active >= 0 && r->q_deferred >= 0 && r->q_hold >= 0 &&
	      r->q_incoming >= 0, "queue figures");
	CHECK(json_is_null(old) ? r->q_oldest_deferred_s == -1 :
	      r->q_oldest_deferred_s == int_at(q, "oldest_deferred_s") &&
	      r->q_oldest_deferred_s >= 0 && r->q_oldest_deferred_s < C,
	      "oldest_deferred_s %lld", (long long)r->q_oldest_deferred_s);
	for (int i = 0; i < 2; i++) {
		const json_t *v = json_object_get(ver, names[i]);

		CHECK(json_is_string(v) && json_string_length(v) ==
		      strlen(got[i]) && strcmp(json_string_value(v), got[i]) ==
		      0 && strlen(got[i]) <= REPORT_VERSION_MAX, "version %s",
		      names[i]);
		for (const char *c = got[i]; *c; c++)
			CHECK(*c >= 0x20 && *c <= 0x7e, "version %s holds "
			      "byte %d", names[i], *c);
	}
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Entry i of the document is mailbox i of the report, in bounds. */
static void
check_entry(const json_t *e, size_t i, const struct report_mailbox *m)
{
	const json_t *a = json_array_get(e, 0), *b = json_array_get(e, 1);
	const json_t *n = json_array_get(e, 2);
	size_t len = strlen(m->address);

	CHECK(json_array_size(e) == 3 && json_is_string(a) &&
	      json_string_length(a) == len &&
	      strcmp(json_string_value(a), m->address) == 0 &&
	      json_is_integer(b) && json_integer_value(b) == m->used_bytes &&
	      json_is_integer(n) && json_integer_value(n) == m->messages,
	      "mailbox %zu differs from the document's entry", i);
	CHECK(m->used_bytes >= 0 && m->used_bytes < REPORT_BYTES_CAP &&
	      m->messages >= 0 && m->messages < REPORT_COUNT_CAP,
	      "mailbox %zu: %lld bytes, %lld messages", i,
	      (long long)m->used_bytes, (long long)m->messages);
	CHECK(mapsyntax_address(m->address, len), "mailbox %zu: \"%s\" is "
	      "not an address of the maps", i, m->address);
	for (const char *c = m->address; *c; c++)
		CHECK(!(*c >= 'A' && *c <= 'Z'), "mailbox %zu: \"%s\" is not "
		      "lower case", i, m->address);
}

static void
check_mailboxes(const json_t *doc, const struct guest_report *r)
{
	const json_t *list = json_object_get(doc, "mailboxes");
	int64_t bytes = 0, messages = 0;
	char **sorted;

	CHECK(json_array_size(list) == r->n_mailboxes && r->n_mailboxes <=
	      REPORT_MAX_MAILBOXES, "%zu mailboxes of %zu", r->n_mailboxes,
	      json_array_size(list));
	if ((sorted = calloc(r->n_mailboxes + 1, sizeof(*sorted))) == NULL)
		fail_now("out of memory");
	for (size_t i = 0; i < r->n_mailboxes; i++) {
		check_entry(json_array_get(list, i), i, &r->mailboxes[i]);
		sorted[i] = r->mailboxes[i].address;
		CHECK(r->mailboxes[i].used_bytes < REPORT_SUM_CAP - bytes,
		      "the bytes add up past the cap");
		bytes += r->mailboxes[i].used_bytes;
		messages += r->mailboxes[i].messages;
	}
	qsort(sorted, r->n_mailboxes, sizeof(*sorted), by_string);
	for (size_t i = 1; i < r->n_mailboxes; i++)
		CHECK(strcmp(sorted[i - 1], sorted[i]) != 0, "\"%s\" listed "
		      "twice", sorted[i]);
	free(sorted);
	CHECK(bytes == r->mailbox_bytes && messages == r->mailbox_messages,
	      "sums %lld/%lld, entries add up to %lld/%lld",
	      (long long)r->mailbox_bytes, (long long)r->mailbox_messages,
	      (long long)bytes, (long long)messages);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_report r;
	struct hk_err err;
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);

	if (doc == NULL)
		return 0;	/* pushd refuses it before the reader */
	hk_err_clear(&err);
	if (report_from_json(doc, &r, &err) < 0) {
		check_refusal(&r, &err);
	} else {
		check_host(doc, &r);
		check_fs(doc, &r);
		check_mailboxes(doc, &r);
	}
	report_free(&r);
	json_decref(doc);
	return 0;
}
