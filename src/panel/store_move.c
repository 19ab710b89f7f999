/* SPDX-License-Identifier: ISC */
/*
 * store_move.c - moving a domain, with its mail, to another guest of its
 * project: the operator's side (start, with its dry run; show; list;
 * cancel).  pushd does the work (store_movejob.c, src/pushd/move.c); see
 * sql/sqlite/013_domain_move.sql for the steps.  See store.h.
 *
 * The plan is what a dry run answers and what a move checks first: how
 * much the domain's mailboxes hold (the usage their guest last reported)
 * and whether the target has room for it below its [warn] disk_percent
 * line (its last report's filesystem figures, which the agent takes with
 * statvfs).  A target that never reported has room "unknown": the move
 * may start, and pushd asks the target for a report before it copies.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_move.h"

#define MOVE_COLS "SELECT mv.id, mv.project_id, mv.domain, gf.name AS from_guest, " \
	"gt.name AS to_guest, mv.phase, mv.step, mv.live, mv.cancel AS " \
	"cancel_requested, mv.actor, mv.created_at, mv.updated_at, " \
	"mv.phase_at, mv.cutover_at, mv.finish_at, mv.ended_at, " \
	"mv.mailboxes_total, mv.mailboxes_done, mv.bytes_total, " \
	"mv.bytes_done, mv.messages_total, mv.messages_done, mv.error, " \
	"mv.error_at, mv.failures, mv.next_at FROM domain_move mv JOIN " \
	"guest gf ON gf.id = mv.from_guest_id JOIN guest gt ON gt.id = " \
	"mv.to_guest_id "

/* The target of a move: its id, and its project's. */
struct target {
	int64_t id, project_id;
};

/* Rate (bytes a second in this phase) and the time left, from the
 * figures of one move. */
static void
add_rate(json_t *mv, int64_t now)
{
	int64_t at = json_integer_value(json_object_get(mv, "phase_at"));
	int64_t done = json_integer_value(json_object_get(mv, "bytes_done"));
	int64_t total = json_integer_value(json_object_get(mv, "bytes_total"));
	double rate = now > at ? (double)done / (double)(now - at) : 0;

	json_object_set_new(mv, "rate_bytes_s", json_integer((json_int_t)
							     (rate + 0.5)));
	if (rate > 0 && total >= done && json_is_true(json_object_get(mv,
								"live")))
		json_object_set_new(mv, "eta_s", json_integer((json_int_t)
				    ((double)(total - done) / rate + 0.5)));
	else
		json_object_set_new(mv, "eta_s", json_null());
}

static void
shape(json_t *rows, int64_t now)
{
	size_t i;
	json_t *mv;

	db_json_bool(rows, "live");
	db_json_bool(rows, "cancel_requested");
	if (json_is_object(rows)) {
		add_rate(rows, now);
		return;
	}
	json_array_foreach(rows, i, mv)
		add_rate(mv, now);
}

int
store_move_get(struct db *db, const struct hk_actor *actor, int64_t id,
	       int64_t now, json_t **out, struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(id), DB_INTV(actor->is_admin ? -1 :
				 actor->project_id) };

	*out = NULL;
	if (db_query_object(db, MOVE_COLS "WHERE mv.id = $1 AND ($2 < 0 OR "
			    "mv.project_id = $2)", p, 2, out, err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"move", HK_R_no_such_move, NULL) : -1;
	shape(*out, now);
	return 0;
}

int
store_move_list(struct db *db, const struct hk_actor *actor,
		const char *domain, int live_only, int64_t now, json_t **out,
		struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(actor->is_admin ? -1 :
				 actor->project_id), DB_TXT(domain),
				 DB_INTV(live_only ? 1 : 0) };

	*out = NULL;
	if (db_query_json(db, MOVE_COLS "WHERE ($1 < 0 OR mv.project_id = $1)"
			  " AND (CAST($2 AS TEXT) IS NULL OR mv.domain = $2) "
			  "AND ($3 = 0 OR mv.live = 1) ORDER BY mv.id DESC "
			  "LIMIT 200", p, 3, out, err) < 0)
		return -1;
	shape(*out, now);
	return 0;
}

/* The guest `name` as a target for the domain: in its project, not its
 * guest, not its backup MX. */
static int
pick_target(struct db *db, const struct domain_ref *ref, const char *name,
	    struct target *t, struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(name) };
	int64_t v[2];

	if (db_query_ints(db, "SELECT id, project_id FROM guest WHERE name = "
			  "$1", p, 1, v, 2, err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"to", HK_R_no_guest, "guest", name, NULL) : -1;
	t->id = v[0];
	t->project_id = v[1];
	if (t->project_id != ref->project_id)
		return hk_failr(err, HK_EINVAL, "to", HK_R_move_other_project,
				"guest", name, NULL);
	if (t->id == ref->guest_id)
		return hk_failr(err, HK_EINVAL, "to", HK_R_move_same_guest,
				"guest", name, NULL);
	if (t->id == ref->backup_guest_id)
		return hk_failr(err, HK_EINVAL, "to", HK_R_move_to_backup,
				"guest", name, NULL);
	return 0;
}

/* The domain can move: active, and not moving already. */
static int
movable(struct db *db, const struct domain_ref *ref, const char *name,
	struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(ref->id) };
	int64_t v[2];

	if (db_query_ints(db, "SELECT d.active, COALESCE((SELECT mv.id FROM "
			  "domain_move mv WHERE mv.domain_id = d.id AND mv.live "
			  "= 1), 0) FROM domain d WHERE d.id = $1", p, 1, v, 2,
			  err) < 0)
		return -1;
	if (v[1] != 0)
		return hk_failr(err, HK_EEXIST, "domain", HK_R_domain_moving,
				"domain", name, "move", HK_NUM(v[1]), NULL);
	if (v[0] != 1)
		return hk_failr(err, HK_EINVAL, "domain", HK_R_move_inactive,
				"domain", name, NULL);
	return 0;
}

/* What the domain holds, as its guest last reported it. */
static int
plan_totals(struct db *db, int64_t domain_id, json_t *plan,
	    struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(domain_id) };
	int64_t v[4];

	if (db_query_ints(db, "SELECT COUNT(*), SUM(u.used_bytes), "
			  "SUM(u.messages), SUM(CASE WHEN u.mailbox_id IS NULL "
			  "THEN 1 ELSE 0 END) FROM mailbox m LEFT JOIN "
			  "mailbox_usage u ON u.mailbox_id = m.id WHERE "
			  "m.domain_id = $1", p, 1, v, 4, err) < 0)
		return -1;
	json_object_set_new(plan, "mailboxes", json_integer(v[0]));
	json_object_set_new(plan, "bytes", json_integer(v[1]));
	json_object_set_new(plan, "messages", json_integer(v[2]));
	json_object_set_new(plan, "unmeasured", json_integer(v[3]));
	return 0;
}

/* Whether the target has room: below its disk_percent line, and an inode
 * a message (maildir) plus a few a mailbox for its folders and indexes. */
static int
plan_room(struct db *db, int64_t to_id, double disk_percent, json_t *plan,
	  struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(to_id) };
	int64_t v[5], need, room, inodes;

	if (db_query_ints(db, "SELECT fs_bytes_total, fs_bytes_used, "
			  "fs_bytes_free, fs_inodes_free, at FROM guest_report "
			  "WHERE guest_id = $1", p, 1, v, 5, err) < 0) {
		if (err->code != HK_ENOTFOUND)
			return -1;
		json_object_set_new(plan, "target", json_null());
		json_object_set_new(plan, "room", json_null());
		return 0;
	}
	room = (int64_t)((double)v[0] * disk_percent / 100.0) - v[1];
	if (room > v[2])
		room = v[2];
	if (room < 0)
		room = 0;
	need = json_integer_value(json_object_get(plan, "bytes"));
	inodes = json_integer_value(json_object_get(plan, "messages")) +
	    16 * json_integer_value(json_object_get(plan, "mailboxes"));
	json_object_set_new(plan, "target", json_pack("{s:I,s:I,s:I,s:I,s:I,"
			    "s:f}", "bytes_total", (json_int_t)v[0],
			    "bytes_used", (json_int_t)v[1], "bytes_free",
			    (json_int_t)v[2], "inodes_free", (json_int_t)v[3],
			    "at", (json_int_t)v[4], "disk_percent",
			    disk_percent));
	json_object_set_new(plan, "room_bytes", json_integer(room));
	json_object_set_new(plan, "short_bytes", json_integer(need > room ?
							       need - room : 0));
	json_object_set_new(plan, "short_inodes", json_integer(inodes > v[3] ?
							       inodes - v[3] : 0));
	json_object_set_new(plan, "room", json_boolean(need <= room &&
						       inodes <= v[3]));
	return 0;
}

int
store_move_plan(struct db *db, int64_t domain_id, int64_t to_id,
		double disk_percent, json_t **plan, struct hk_err *err)
{
	if ((*plan = json_object()) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	if (plan_totals(db, domain_id, *plan, err) < 0 ||
	    plan_room(db, to_id, disk_percent, *plan, err) < 0) {
		json_decref(*plan);
		*plan = NULL;
		return -1;
	}
	return 0;
}

int
store_move_no_room(const json_t *plan, const char *guest, struct hk_err *err)
{
	json_int_t sb = json_integer_value(json_object_get(plan,
							   "short_bytes"));
	json_int_t si = json_integer_value(json_object_get(plan,
							   "short_inodes"));

	if (!json_is_false(json_object_get(plan, "room")))
		return 0;
	return hk_failr(err, HK_ELIMIT, "to", HK_R_move_no_room, "guest",
			guest, "need", HK_NUM(json_integer_value(
			json_object_get(plan, "bytes"))), "room",
			HK_NUM(json_integer_value(json_object_get(plan,
			"room_bytes"))), "short", sb > 0 ? HK_NUM(sb) :
			HK_NUM(si), NULL);
}

/* The move's row, the target owed the mailboxes it is to hold (wait_gen:
 * the generation that has them), and the audit entry. */
static int
insert_move(struct db *db, const struct hk_actor *actor,
	    const struct domain_ref *ref, const struct move_in *in,
	    const struct target *t, json_t *plan, int64_t *id,
	    struct hk_err *err)
{
	struct db_param p[10] = { DB_INTV(ref->id), DB_INTV(ref->project_id),
				  DB_TXT(in->domain), DB_INTV(ref->guest_id),
				  DB_INTV(t->id), DB_TXT(actor->login),
				  DB_INTV(in->now), DB_INTV(json_integer_value(
				  json_object_get(plan, "mailboxes"))),
				  DB_INTV(json_integer_value(json_object_get(
				  plan, "bytes"))), DB_INTV(json_integer_value(
				  json_object_get(plan, "messages"))) };

	if (store_guest_bump_ids(db, &t->id, 1, err) < 0 ||
	    db_query_int(db, "INSERT INTO domain_move (domain_id, project_id, "
			 "domain, from_guest_id, to_guest_id, actor, created_at,"
			 " updated_at, phase_at, mailboxes_total, bytes_total, "
			 "messages_total, wait_gen) SELECT $1, $2, $3, $4, $5, "
			 "$6, $7, $7, $7, $8, $9, $10, desired_gen FROM guest "
			 "WHERE id = $5 RETURNING id", p, 10, id, err) < 0)
		return -1;
	json_object_set_new(plan, "move", json_integer(*id));
	return store_audit(db, actor, "domain.move", in->domain,
			   ref->project_id, json_incref(plan), err);
}

/* In the caller's transaction: the plan of moving in->domain to in->to,
 * or the refusal. */
static int
check_move(struct db *db, const struct hk_actor *actor,
	   const struct move_in *in, struct domain_ref *ref, struct target *t,
	   json_t **plan, struct hk_err *err)
{
	if (store_domain_ref(db, actor, in->domain, ref, err) < 0 ||
	    movable(db, ref, in->domain, err) < 0 ||
	    pick_target(db, ref, in->to, t, err) < 0 ||
	    store_move_plan(db, ref->id, t->id, in->disk_percent, plan,
			    err) < 0)
		return -1;
	json_object_set_new(*plan, "domain", json_string(in->domain));
	json_object_set_new(*plan, "to", json_string(in->to));
	if (store_move_no_room(*plan, in->to, err) < 0) {
		json_decref(*plan);
		*plan = NULL;
		return -1;
	}
	return 0;
}

int
store_move_start(struct db *db, const struct hk_actor *actor,
		 const struct move_in *in, json_t **out, struct hk_err *err)
{
	struct domain_ref ref;
	struct target t;
	json_t *plan = NULL;
	int64_t id = 0;

	*out = NULL;
	if (store_operator(actor, err) < 0 ||
	    db_begin(db, !in->dry_run, err) < 0)
		return -1;
	if (check_move(db, actor, in, &ref, &t, &plan, err) < 0)
		goto fail;
	if (in->dry_run) {
		db_rollback(db);
		json_object_set_new(plan, "dry_run", json_true());
		*out = plan;
		return 0;
	}
	if (insert_move(db, actor, &ref, in, &t, plan, &id, err) < 0 ||
	    db_commit(db, err) < 0)
		goto fail;
	json_decref(plan);
	return store_move_get(db, actor, id, in->now, out, err);
fail:
	json_decref(plan);
	db_rollback(db);
	return -1;
}

int
store_move_cancel(struct db *db, const struct hk_actor *actor, int64_t id,
		  int64_t now, json_t **out, struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(id), DB_INTV(now) };
	json_t *mv = NULL;
	int64_t n = 0;

	*out = NULL;
	if (store_operator(actor, err) < 0 || db_begin(db, 1, err) < 0)
		return -1;
	if (store_move_get(db, actor, id, now, &mv, err) < 0)
		goto fail;
	if (!json_is_true(json_object_get(mv, "live")) ||
	    json_integer_value(json_object_get(mv, "step")) > 0) {
		hk_failr(err, HK_EEXIST, "move", HK_R_move_past_cutover, "move",
			 HK_NUM(id), "phase", json_string_value(
			 json_object_get(mv, "phase")), NULL);
		goto fail;
	}
	/* pushd cancels between two mailboxes (store_movejob.c): a copy in
	 * flight is never cut off under the target's feet. */
	if (db_exec(db, "UPDATE domain_move SET cancel = 1, next_at = 0, "
		    "updated_at = $2 WHERE id = $1 AND live = 1 AND step = 0",
		    p, 2, &n, err) < 0 ||
	    store_audit(db, actor, "domain.move.cancel", json_string_value(
			json_object_get(mv, "domain")), json_integer_value(
			json_object_get(mv, "project_id")), json_pack("{s:I}",
			"move", (json_int_t)id), err) < 0 ||
	    db_commit(db, err) < 0)
		goto fail;
	json_decref(mv);
	return store_move_get(db, actor, id, now, out, err);
fail:
	json_decref(mv);
	db_rollback(db);
	return -1;
}
