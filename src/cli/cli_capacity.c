/* SPDX-License-Identifier: ISC */
/*
 * cli_capacity.c - what the guests report, for the operator:
 *
 *   hakomail capacity [GUEST]    a table of every guest (or one): disk
 *                                used, days to full, queue, mailboxes,
 *                                warnings, the report's time; the guests
 *                                nearest to full first
 *   hakomail warnings [--all]    the warnings open (or every one kept)
 *
 * With --json, the API's objects as they are (GET /guests/{g}/capacity,
 * GET /warnings).  See cli.h.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "store_report.h"
#include "validate.h"

static const char *const capacity_cols[] = { "guest", "disk", "days_to_full",
	"queue", "mailboxes", "warnings", "report_at", NULL };
static const char *const warning_cols[] = { "kind", "object", "guest",
	"project", "value", "threshold", "started_at", "ended_at", NULL };

static json_t *
member(json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

/* "41.5% of 2 GiB", or "-" before any report. */
static json_t *
disk_cell(json_t *cap)
{
	char size[CLI_SIZE_MAX], buf[64];
	json_t *total = member(cap, "disk", "bytes_total");

	if (!json_is_integer(total))
		return json_string("-");
	snprintf(buf, sizeof(buf), "%.1f%% of %s",
		 json_number_value(member(cap, "disk", "percent")),
		 cli_size(size, json_integer_value(total)));
	return json_string(buf);
}

static json_t *
days_cell(json_t *cap)
{
	const char *trend = json_string_value(member(cap, "disk", "trend"));
	char buf[32];

	if (trend == NULL)
		return json_string("-");
	if (strcmp(trend, "ok") != 0)
		return json_string(strcmp(trend, "not_growing") == 0 ?
				   "not growing" : "not enough data");
	snprintf(buf, sizeof(buf), "%.1f",
		 json_number_value(member(cap, "disk", "days_to_full")));
	return json_string(buf);
}

/* "3 deferred, oldest 2h", "0", or "-". */
static json_t *
queue_cell(json_t *cap)
{
	json_t *deferred = member(cap, "queue", "deferred");
	json_t *oldest = member(cap, "queue", "oldest_deferred_s");
	char buf[96];
	int64_t n = json_integer_value(deferred) +
	    json_integer_value(member(cap, "queue", "active")) +
	    json_integer_value(member(cap, "queue", "hold"));

	if (!json_is_integer(deferred))
		return json_string("-");
	if (!json_is_integer(oldest))
		snprintf(buf, sizeof(buf), "%lld", (long long)n);
	else
		snprintf(buf, sizeof(buf), "%lld (%lld deferred, oldest %lld "
			 "min)", (long long)n,
			 (long long)json_integer_value(deferred),
			 (long long)json_integer_value(oldest) / 60);
	return json_string(buf);
}

/* One row of the table from a guest's capacity. */
static json_t *
capacity_row(json_t *cap)
{
	json_t *count = member(cap, "mailboxes", "count");
	json_t *row = json_pack("{s:O,s:o,s:o,s:o,s:O,s:I,s:O}", "guest",
				json_object_get(cap, "guest"), "disk",
				disk_cell(cap), "days_to_full", days_cell(cap),
				"queue", queue_cell(cap), "mailboxes",
				json_is_integer(count) ? count : json_null(),
				"warnings", (json_int_t)json_array_size(
				json_object_get(cap, "warnings")),
				"report_at", json_object_get(cap,
							     "report_at"));

	return row;
}

/* Nearest to full first; a guest whose disk is not filling goes last. */
static double
days_key(json_t *cap)
{
	json_t *d = member(cap, "disk", "days_to_full");

	return json_is_number(d) ? json_number_value(d) : HUGE_VAL;
}

static int
by_days(const void *a, const void *b)
{
	double x = days_key(*(json_t *const *)a);
	double y = days_key(*(json_t *const *)b);

	return x < y ? -1 : x > y ? 1 : 0;
}

static int
collect(struct cli *c, json_t *guests, json_t *caps, struct hk_err *err)
{
	size_t i;
	json_t *g, *cap;
	int64_t now = (int64_t)time(NULL);

	json_array_foreach(guests, i, g) {
		cap = NULL;
		/* since now: the figures, not the series */
		if (store_capacity_get(c->db, &c->actor, json_string_value(
		    json_object_get(g, "name")), now, 0, now, NULL, &cap,
		    err) < 0)
			return -1;
		json_array_append_new(caps, cap);
	}
	return 0;
}

static int
cmd_capacity(struct cli *c)
{
	struct hk_err err;
	json_t *guests = NULL, *caps = json_array(), *rows = json_array();
	json_t **sorted;
	size_t n, i;
	int rc;

	hk_err_clear(&err);
	if (c->argc == 2) {
		rc = validate_slug(c->argv[1], "guest", &err) < 0 ? -1 : 0;
		guests = json_pack("[{s:s}]", "name", c->argv[1]);
	} else {
		rc = store_guest_list(c->db, &c->actor, NULL, &guests, NULL,
				      &err);
	}
	if (rc == 0)
		rc = collect(c, guests, caps, &err);
	json_decref(guests);
	if (rc < 0) {
		json_decref(caps);
		json_decref(rows);
		return cli_fail(&err);
	}
	n = json_array_size(caps);
	if ((sorted = calloc(n ? n : 1, sizeof(*sorted))) == NULL) {
		json_decref(caps);
		json_decref(rows);
		return cli_fail(&(struct hk_err){ .code = HK_ESYS,
				.message = "out of memory" });
	}
	for (i = 0; i < n; i++)
		sorted[i] = json_array_get(caps, i);
	qsort(sorted, n, sizeof(sorted[0]), by_days);
	for (i = 0; i < n; i++)
		json_array_append_new(rows, capacity_row(sorted[i]));
	free(sorted);
	cli_print(c, c->json ? caps : rows, capacity_cols);
	json_decref(caps);
	json_decref(rows);
	return 0;
}

int
cli_capacity(struct cli *c)
{
	if (c->argc > 2)
		return cli_usage();
	return cmd_capacity(c);
}

int
cli_warnings(struct cli *c)
{
	struct cli_opt o[] = { { "--all", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS];
	struct hk_err err;
	json_t *items = NULL;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 1, o, pos, &npos) < 0 || npos != 0)
		return cli_usage();
	if (store_warnings_list(c->db, &c->actor, cli_opt(o, "--all") != NULL,
				&items, &err) < 0)
		return cli_fail(&err);
	cli_print(c, items, warning_cols);
	json_decref(items);
	return 0;
}
