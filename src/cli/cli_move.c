/* SPDX-License-Identifier: ISC */
/*
 * cli_move.c - the hakomail command's domain moves (store_move.c; pushd
 * does the work):
 *
 *   domain move DOMAIN --to GUEST [--dry-run]   the plan, or the move
 *   moves [--domain D] [--live]                 a table, newest first
 *   move show ID | move cancel ID
 *
 * With --json, the API's objects as they are (the plan, the move, the
 * items of GET /moves).  Progress is bytes in the copy and mailboxes in
 * the phases after it, as the web panel shows it.  See cli.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mapsyntax.h"
#include "store_move.h"
#include "validate.h"
#include "wake.h"

static const char *const move_cols[] = { "id", "domain", "from", "to",
	"phase", "progress", "rate", "eta", "error", NULL };

static json_int_t
num(json_t *o, const char *name)
{
	return json_integer_value(json_object_get(o, name));
}

static const char *
str(json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s ? s : "-";
}

/* "42%": bytes in the copy, mailboxes after it; "-" with nothing to do. */
static void
progress(json_t *mv, char *buf, size_t len)
{
	int copy = strcmp(str(mv, "phase"), "copy") == 0;
	json_int_t done = num(mv, copy ? "bytes_done" : "mailboxes_done");
	json_int_t total = num(mv, copy ? "bytes_total" : "mailboxes_total");

	if (strcmp(str(mv, "phase"), "done") == 0)
		snprintf(buf, len, "100%%");
	else if (total <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld%%", (long long)(done >= total ? 100 :
			 done * 100 / total));
}

/* "3 h 20 min", "12 min", "40 s". */
static void
duration(json_int_t s, char *buf, size_t len)
{
	if (s >= 3600)
		snprintf(buf, len, "%lld h %lld min", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, len, "%lld min", (long long)(s / 60));
	else
		snprintf(buf, len, "%lld s", (long long)s);
}

/* The figures a person reads: progress, rate, time left, the phase with
 * a cancel asked for. */
static void
figures(json_t *mv, char pct[16], char rate[CLI_SIZE_MAX + 4],
	char eta[48], char phase[40])
{
	char size[CLI_SIZE_MAX];

	progress(mv, pct, 16);
	if (num(mv, "rate_bytes_s") > 0 && json_is_true(json_object_get(mv,
								"live")))
		snprintf(rate, CLI_SIZE_MAX + 4, "%s/s",
			 cli_size(size, num(mv, "rate_bytes_s")));
	else
		snprintf(rate, CLI_SIZE_MAX + 4, "-");
	if (json_is_integer(json_object_get(mv, "eta_s")))
		duration(num(mv, "eta_s"), eta, 48);
	else
		snprintf(eta, 48, "-");
	snprintf(phase, 40, "%s%s", str(mv, "phase"),
		 json_is_true(json_object_get(mv, "cancel_requested")) &&
		 json_is_true(json_object_get(mv, "live")) ?
		 " (cancelling)" : "");
}

static json_t *
move_row(json_t *mv)
{
	char pct[16], rate[CLI_SIZE_MAX + 4], eta[48], phase[40];

	figures(mv, pct, rate, eta, phase);
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "id",
			 num(mv, "id"), "domain", str(mv, "domain"), "from",
			 str(mv, "from_guest"), "to", str(mv, "to_guest"),
			 "phase", phase, "progress", pct, "rate", rate, "eta",
			 eta, "error", json_object_get(mv, "error"));
}

/* The target's room in words, from the plan. */
static void
print_room(json_t *plan)
{
	json_t *t = json_object_get(plan, "target"), *room;
	char a[CLI_SIZE_MAX], b[CLI_SIZE_MAX], c[CLI_SIZE_MAX];

	room = json_object_get(plan, "room");
	if (!json_is_object(t)) {
		printf("room:         unknown: %s never reported (the move may "
		       "start; pushd asks it for a report before it copies)\n",
		       str(plan, "to"));
		return;
	}
	printf("target:       %s, %s free of %s; %s free below its %g%% "
	       "line\n", str(plan, "to"), cli_size(a, num(t, "bytes_free")),
	       cli_size(b, num(t, "bytes_total")),
	       cli_size(c, num(plan, "room_bytes")),
	       json_number_value(json_object_get(t, "disk_percent")));
	if (json_is_true(room))
		printf("room:         yes\n");
	else
		printf("room:         no: %s short, %lld inodes short\n",
		       cli_size(a, num(plan, "short_bytes")),
		       (long long)num(plan, "short_inodes"));
}

static void
print_plan(json_t *plan)
{
	char size[CLI_SIZE_MAX];

	printf("dry run:      %s to %s (nothing written)\n", str(plan, "domain"),
	       str(plan, "to"));
	printf("mailboxes:    %lld", (long long)num(plan, "mailboxes"));
	if (num(plan, "unmeasured") > 0)
		printf(" (%lld never measured)",
		       (long long)num(plan, "unmeasured"));
	printf("\nmail:         %s in %lld messages\n",
	       cli_size(size, num(plan, "bytes")),
	       (long long)num(plan, "messages"));
	print_room(plan);
}

/* domain move DOMAIN --to GUEST [--dry-run] (from cli_domain) */
int
cli_domain_move(struct cli *c)
{
	struct cli_opt o[] = { { "--to", 1, NULL }, { "--dry-run", 0, NULL },
			       { NULL, 0, NULL } };
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	struct move_in in = { name, NULL, 0, 0, 0 };
	const char *pos[CLI_MAXPOS];
	struct hk_err err;
	json_t *obj = NULL;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1 ||
	    (in.to = cli_opt(o, "--to")) == NULL)
		return cli_usage();
	in.dry_run = cli_opt(o, "--dry-run") != NULL;
	in.disk_percent = c->cfg.warn_disk_percent;
	in.now = (int64_t)time(NULL);
	if (validate_domain(pos[0], "name", name, &err) < 0 ||
	    validate_slug(in.to, "to", &err) < 0 ||
	    store_move_start(c->db, &c->actor, &in, &obj, &err) < 0)
		return cli_fail(&err);
	if (c->json) {
		json_dumpf(obj, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (in.dry_run) {
		print_plan(obj);
	} else {
		printf("move %lld started: %s from %s to %s (phase %s)\n"
		       "follow it: hakomail move show %lld\n",
		       (long long)num(obj, "id"), str(obj, "domain"),
		       str(obj, "from_guest"), str(obj, "to_guest"),
		       str(obj, "phase"), (long long)num(obj, "id"));
	}
	json_decref(obj);
	if (!in.dry_run)
		wake_notify(c->cfg.wake_socket);
	return 0;
}

/* moves [--domain D] [--live] */
int
cli_moves(struct cli *c)
{
	struct cli_opt o[] = { { "--domain", 1, NULL }, { "--live", 0, NULL },
			       { NULL, 0, NULL } };
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *pos[CLI_MAXPOS], *d;
	struct hk_err err;
	json_t *items = NULL, *rows, *mv;
	size_t i;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 1, o, pos, &npos) < 0 || npos != 0)
		return cli_usage();
	if (((d = cli_opt(o, "--domain")) != NULL &&
	     validate_domain(d, "domain", name, &err) < 0) ||
	    store_move_list(c->db, &c->actor, d ? name : NULL,
			    cli_opt(o, "--live") != NULL, (int64_t)time(NULL),
			    &items, &err) < 0)
		return cli_fail(&err);
	if (c->json) {
		cli_print(c, items, move_cols);
		json_decref(items);
		return 0;
	}
	rows = json_array();
	json_array_foreach(items, i, mv)
		json_array_append_new(rows, move_row(mv));
	cli_print(c, rows, move_cols);
	json_decref(rows);
	json_decref(items);
	return 0;
}

/* One "label: value" line of move show, a time as cli_time() says it. */
static void
line_time(const char *label, json_t *mv, const char *name)
{
	char when[CLI_TIME_MAX];

	printf("%-13s %s\n", label, cli_time(when, num(mv, name)));
}

static void
line_count(const char *label, json_t *mv, const char *done,
	   const char *total, int sizes)
{
	char a[CLI_SIZE_MAX], b[CLI_SIZE_MAX];

	if (sizes)
		printf("%-13s %s of %s\n", label, cli_size(a, num(mv, done)),
		       cli_size(b, num(mv, total)));
	else
		printf("%-13s %lld of %lld\n", label, (long long)num(mv, done),
		       (long long)num(mv, total));
}

/* Everything of a move, for a person. */
static void
print_move(json_t *mv)
{
	char pct[16], rate[CLI_SIZE_MAX + 4], eta[48], phase[40];
	char when[CLI_TIME_MAX], title[32];

	figures(mv, pct, rate, eta, phase);
	snprintf(title, sizeof(title), "move %lld:", (long long)num(mv, "id"));
	printf("%-13s %s from %s to %s\n", title, str(mv, "domain"),
	       str(mv, "from_guest"), str(mv, "to_guest"));
	printf("%-13s %s (step %lld), %s\n", "phase:", phase,
	       (long long)num(mv, "step"),
	       json_is_true(json_object_get(mv, "live")) ? "live" : "ended");
	printf("%-13s %s\n", "progress:", pct);
	line_count("mailboxes:", mv, "mailboxes_done", "mailboxes_total", 0);
	line_count("mail:", mv, "bytes_done", "bytes_total", 1);
	line_count("messages:", mv, "messages_done", "messages_total", 0);
	printf("%-13s %s\n%-13s %s\n", "rate:", rate, "time left:", eta);
	printf("%-13s %s by %s\n", "started:", cli_time(when,
	       num(mv, "created_at")), str(mv, "actor"));
	line_time("phase since:", mv, "phase_at");
	line_time("cut over:", mv, "cutover_at");
	line_time("relay until:", mv, "finish_at");
	line_time("ended:", mv, "ended_at");
	if (json_is_string(json_object_get(mv, "error"))) {
		printf("%-13s %s\n", "error:", str(mv, "error"));
		printf("%-13s %s (%lld failures)\n", "since:", cli_time(when,
		       num(mv, "error_at")), (long long)num(mv, "failures"));
		line_time("next try:", mv, "next_at");
	}
}

/* move show ID | move cancel ID */
int
cli_move(struct cli *c)
{
	struct hk_err err;
	json_t *mv = NULL;
	uint64_t id;
	int rc;

	hk_err_clear(&err);
	if (c->argc != 3 || (strcmp(c->argv[1], "show") != 0 &&
			     strcmp(c->argv[1], "cancel") != 0))
		return cli_usage();
	if (!mapsyntax_decimal(c->argv[2], strlen(c->argv[2]), INT32_MAX,
			       &id) || id == 0) {
		hk_failr(&err, HK_ENOTFOUND, "move", HK_R_no_such_move, NULL);
		return cli_fail(&err);
	}
	if (strcmp(c->argv[1], "show") == 0)
		rc = store_move_get(c->db, &c->actor, (int64_t)id,
				    (int64_t)time(NULL), &mv, &err);
	else
		rc = store_move_cancel(c->db, &c->actor, (int64_t)id,
				       (int64_t)time(NULL), &mv, &err);
	if (rc < 0)
		return cli_fail(&err);
	if (c->json) {
		json_dumpf(mv, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		print_move(mv);
	}
	json_decref(mv);
	if (strcmp(c->argv[1], "cancel") == 0)
		wake_notify(c->cfg.wake_socket);
	return 0;
}
