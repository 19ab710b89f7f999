/* SPDX-License-Identifier: ISC */
/*
 * move_dsync.c - dsync between two guests, carried by pushd.  See
 * move_dsync.h.
 *
 * One poll() loop serves every pair at once.  Each direction of a pair
 * has one buffer: its source is read only when the buffer is empty, so a
 * slow reader holds back the writer (the pipes' own back-pressure), and
 * memory stays at two buffers a pair.  When one side's output ends, the
 * other side's input is closed, so the end of a session travels to the
 * far guest as it would over one ssh connection; when a side stops
 * reading, its writer is cut off and sees the end too.  Killing pushd
 * closes every pipe, which ends both sessions the same way: nothing is
 * left copying behind a dead pushd.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "fdio.h"
#include "move_dsync.h"
#include "push_ssh.h"
#include "subproc.h"

#define FLOW_BUF	(64 * 1024)
#define STATE_MAX	65536	/* the agent's AGENT_DSYNC_STATE_MAX */
#define STDERR_MAX	(STATE_MAX + 16 * 1024)	/* the answer holds it */
#define PAIRS_MAX	16

/* One direction: from's output into to's input. */
struct flow {
	int from, to;		/* -1 once closed */
	size_t len, off;
	char buf[FLOW_BUF];
};

struct pair {
	struct dsync_task *t;
	struct subproc_child src, dst;	/* their in/out belong to the flows */
	struct flow up, down;		/* up: source to target */
	struct strbuf src_err, dst_err;
	long long last_ms;		/* when a byte last moved */
	int running;
};

static void
close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* A state as dsync writes it: base64, STATE_MAX at most.  One the
 * source's agent gave is sent back to it as it was, nothing else. */
static int
state_ok(const char *s)
{
	size_t n = s != NULL ? strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "abcdefghijklmnopqrstuvwxyz0123456789+/=") : 0;

	return n > 0 && n <= STATE_MAX && s[n] == '\0';
}

/* Starts the two sessions of p->t. */
static int
pair_start(const struct push_cfg *cfg, const struct push_job *src,
	   const struct push_job *dst, struct pair *p, struct hk_err *err)
{
	const char *sw[] = { p->t->catchup ? "dsync-catchup" : "dsync-backup",
			     p->t->address, NULL, NULL };
	const char *dw[] = { "dsync-server", p->t->address, NULL };

	if (p->t->catchup && state_ok(p->t->from_state))
		sw[2] = p->t->from_state;
	strbuf_init(&p->src_err, STDERR_MAX);
	strbuf_init(&p->dst_err, STDERR_MAX);
	if (push_ssh_spawn(cfg, src, sw, &p->src, err) < 0)
		return -1;
	if (push_ssh_spawn(cfg, dst, dw, &p->dst, err) < 0) {
		struct subproc_result r;

		(void)subproc_wait(&p->src, 1, &r, err);
		subproc_result_free(&r);
		return -1;
	}
	p->up.from = p->src.out;
	p->up.to = p->dst.in;
	p->down.from = p->dst.out;
	p->down.to = p->src.in;
	p->src.out = p->src.in = p->dst.out = p->dst.in = -1;
	p->up.len = p->up.off = p->down.len = p->down.off = 0;
	p->last_ms = clock_mono_ms();
	p->running = 1;
	return 0;
}

/* The buffer drained and its source ended: the end goes on. */
static void
flow_settle(struct flow *f)
{
	if (f->off == f->len)
		f->len = f->off = 0;
	if (f->from < 0 && f->len == 0)
		close_fd(&f->to);
}

/* Returns the bytes moved. */
static ssize_t
flow_read(struct flow *f)
{
	ssize_t n = fdio_read(f->from, f->buf, sizeof(f->buf));

	if (n > 0)
		f->len = (size_t)n;
	else if (n == 0 || errno != EAGAIN)
		close_fd(&f->from);
	flow_settle(f);
	return n > 0 ? n : 0;
}

static ssize_t
flow_write(struct flow *f)
{
	ssize_t n = fdio_write(f->to, f->buf + f->off, f->len - f->off);

	if (n > 0) {
		f->off += (size_t)n;
	} else if (n < 0 && errno != EAGAIN) {
		/* the reader is gone: what it would have read is moot */
		close_fd(&f->to);
		close_fd(&f->from);
		f->len = f->off = 0;
	}
	flow_settle(f);
	return n > 0 ? n : 0;
}

static void
drain_err(int *fd, struct strbuf *sb)
{
	char buf[4096];
	ssize_t n = fdio_read(*fd, buf, sizeof(buf));

	if (n > 0 && sb->len < STDERR_MAX)
		strbuf_append(sb, buf, (size_t)n > STDERR_MAX - sb->len ?
			      STDERR_MAX - sb->len : (size_t)n);
	else if (n == 0 || (n < 0 && errno != EAGAIN))
		close_fd(fd);
}

static int
pair_open(const struct pair *p)
{
	return p->up.from >= 0 || p->up.to >= 0 || p->down.from >= 0 ||
	    p->down.to >= 0 || p->src.err >= 0 || p->dst.err >= 0;
}

/* The descriptors a pair waits on; kinds[k] says which each is. */
enum { K_UP_FROM, K_UP_TO, K_DOWN_FROM, K_DOWN_TO, K_SRC_ERR, K_DST_ERR };

static size_t
pair_poll(struct pair *p, size_t i, struct pollfd *pf, size_t *who,
	  int *kinds, size_t k)
{
	struct { int fd; short ev; int kind; } w[6] = {
		{ p->up.len == 0 ? p->up.from : -1, POLLIN, K_UP_FROM },
		{ p->up.len > 0 ? p->up.to : -1, POLLOUT, K_UP_TO },
		{ p->down.len == 0 ? p->down.from : -1, POLLIN, K_DOWN_FROM },
		{ p->down.len > 0 ? p->down.to : -1, POLLOUT, K_DOWN_TO },
		{ p->src.err, POLLIN, K_SRC_ERR },
		{ p->dst.err, POLLIN, K_DST_ERR } };

	for (int j = 0; j < 6; j++) {
		if (w[j].fd < 0)
			continue;
		pf[k] = (struct pollfd){ w[j].fd, w[j].ev, 0 };
		who[k] = i;
		kinds[k++] = w[j].kind;
	}
	return k;
}

static void
pair_event(struct pair *p, int kind, long long now)
{
	ssize_t n = 0;

	switch (kind) {
	case K_UP_FROM:		n = flow_read(&p->up); break;
	case K_UP_TO:		n = flow_write(&p->up); break;
	case K_DOWN_FROM:	n = flow_read(&p->down); break;
	case K_DOWN_TO:		n = flow_write(&p->down); break;
	case K_SRC_ERR:		drain_err(&p->src.err, &p->src_err); break;
	case K_DST_ERR:		drain_err(&p->dst.err, &p->dst_err); break;
	}
	if (n > 0) {
		p->last_ms = now;
		if (kind == K_UP_TO || kind == K_DOWN_TO)
			p->t->carried += n;
	}
}

/* The agent's answer: the last line of its stderr that is a JSON object
 * (ssh's own words come before it).  NULL if there is none. */
static json_t *
agent_answer(const char *text)
{
	const char *line = NULL;

	for (const char *s = text; *s != '\0'; s = strchr(s, '\n') ?
	     strchr(s, '\n') + 1 : s + strlen(s))
		if (*s == '{')
			line = s;
	if (line == NULL)
		return NULL;
	return json_loadb(line, strcspn(line, "\n"), 0, NULL);
}

/* One side's ending: 0 if its agent answered ok (*ans: the answer), else
 * -1 with its state and "SIDE GUEST: why" in v. */
struct verdict {
	char state[16];
	char why[250];
};

static int
judge_side(const char *side, const struct push_job *job,
	   const struct subproc_result *r, const struct strbuf *errtext,
	   int timeout_s, struct verdict *v, json_t **ans)
{
	const char *e = strbuf_str(errtext), *msg;
	char why[230];

	*ans = NULL;
	snprintf(v->state, sizeof(v->state), "failed");
	if (r->timed_out) {
		snprintf(v->state, sizeof(v->state), "unreachable");
		snprintf(why, sizeof(why), "nothing moved for %d s", timeout_s);
	} else if (r->exited && r->status == 255) {
		push_ssh_judge_failure(e, v->state, sizeof(v->state), why,
				       sizeof(why));
	} else if ((*ans = agent_answer(e)) == NULL) {
		snprintf(why, sizeof(why), "agent answered nothing (exit %d): "
			 "%.150s", r->status, e);
	} else if (json_is_true(json_object_get(*ans, "ok"))) {
		return 0;
	} else {
		msg = json_string_value(json_object_get(*ans, "error"));
		snprintf(why, sizeof(why), "%s", msg ? msg : "refused");
	}
	snprintf(v->why, sizeof(v->why), "%s %s: %s", side, job->name, why);
	return -1;
}

/* What the two sessions of p came to.  Both sides are judged: a dsync
 * that failed on the far side often ends the near one without a word
 * (doveadm exits 75 and says nothing), so the reason is the far side's. */
static void
judge(const struct push_cfg *cfg, const struct push_job *src,
      const struct push_job *dst, struct pair *p,
      const struct subproc_result *rs, const struct subproc_result *rd)
{
	struct dsync_task *t = p->t;
	struct verdict vs, vd;
	json_t *as = NULL, *ad = NULL, *d;
	int bad_s, bad_d;

	bad_s = judge_side("source", src, rs, &p->src_err, cfg->timeout_s,
			   &vs, &as) < 0;
	bad_d = judge_side("target", dst, rd, &p->dst_err, cfg->timeout_s,
			   &vd, &ad) < 0;
	d = json_object_get(as, "dsync");
	t->ok = !bad_s && !bad_d;
	if (t->ok) {
		t->bytes = json_integer_value(json_object_get(d, "bytes"));
		t->messages = json_integer_value(json_object_get(d,
							       "messages"));
		if (state_ok(json_string_value(json_object_get(d, "state"))))
			t->new_state = strdup(json_string_value(
					      json_object_get(d, "state")));
	} else {
		/* a guest out of reach explains the other side's failure */
		if (bad_d && strcmp(vd.state, "unreachable") == 0)
			bad_s = 0;
		else if (bad_s && strcmp(vs.state, "unreachable") == 0)
			bad_d = 0;
		snprintf(t->state, sizeof(t->state), "%s",
			 bad_s ? vs.state : vd.state);
		snprintf(t->error, sizeof(t->error), "%s%s%s",
			 bad_s ? vs.why : "", bad_s && bad_d ? "; " : "",
			 bad_d ? vd.why : "");
	}
	t->again = json_integer_value(json_object_get(d, "status")) == 2;
	json_decref(as);
	json_decref(ad);
}

static void
pair_end(const struct push_cfg *cfg, const struct push_job *src,
	 const struct push_job *dst, struct pair *p, int kill)
{
	struct subproc_result rs, rd;
	struct hk_err err;
	int fds[4] = { p->up.from, p->up.to, p->down.from, p->down.to };

	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	p->up.from = p->up.to = p->down.from = p->down.to = -1;
	if (subproc_wait(&p->src, kill, &rs, &err) < 0 ||
	    subproc_wait(&p->dst, kill, &rd, &err) < 0) {
		snprintf(p->t->state, sizeof(p->t->state), "failed");
		snprintf(p->t->error, sizeof(p->t->error), "%s", err.message);
	} else {
		judge(cfg, src, dst, p, &rs, &rd);
	}
	subproc_result_free(&rs);
	subproc_result_free(&rd);
	strbuf_free(&p->src_err);
	strbuf_free(&p->dst_err);
	p->running = 0;
}

/* One poll round over the running pairs; ends the pairs that are done or
 * silent too long. */
struct runner {
	const struct push_cfg *cfg;
	const struct push_job *src, *dst;
	const struct dsync_hooks *hooks;
	long long ticked;	/* ms, the last tick */
};

static void
finish(const struct runner *rn, struct pair *p, int kill)
{
	pair_end(rn->cfg, rn->src, rn->dst, p, kill);
	if (rn->hooks->done != NULL)
		rn->hooks->done(rn->hooks->ctx, p->t);
}

/* The caller's tick when one is due: -1 when it says stop. */
static int
tick(struct runner *rn)
{
	long long now = clock_mono_ms();

	if (rn->hooks->tick == NULL || now - rn->ticked < DSYNC_TICK_S * 1000)
		return 0;
	rn->ticked = now;
	return rn->hooks->tick(rn->hooks->ctx);
}

static int
round_trip(const struct runner *rn, struct pair *pairs, size_t np,
	   struct hk_err *err)
{
	struct pollfd pf[PAIRS_MAX * 6];
	size_t who[PAIRS_MAX * 6], k = 0;
	int kinds[PAIRS_MAX * 6];
	long long now;

	for (size_t i = 0; i < np; i++)
		if (pairs[i].running)
			k = pair_poll(&pairs[i], i, pf, who, kinds, k);
	if (k > 0 && poll(pf, (nfds_t)k, 1000) < 0 && errno != EINTR)
		return hk_fail_errno(err, "poll");
	now = clock_mono_ms();
	for (size_t j = 0; j < k; j++)
		if (pf[j].revents & (POLLIN | POLLOUT | POLLERR | POLLHUP |
				     POLLNVAL))
			pair_event(&pairs[who[j]], kinds[j], now);
	for (size_t i = 0; i < np; i++) {
		struct pair *p = &pairs[i];

		if (p->running && !pair_open(p))
			finish(rn, p, 0);
		else if (p->running && now - p->last_ms >
			 (long long)rn->cfg->timeout_s * 1000)
			finish(rn, p, 1);
	}
	return 0;
}

int
move_dsync_run(const struct push_cfg *cfg, const struct push_job *src,
	       const struct push_job *dst, struct dsync_task *tasks,
	       size_t n, int parallel, const struct dsync_hooks *hooks,
	       struct hk_err *err)
{
	struct runner rn = { cfg, src, dst, hooks, clock_mono_ms() };
	struct pair *pairs;
	size_t next = 0, np = parallel < 1 ? 1 : parallel > PAIRS_MAX ?
	    PAIRS_MAX : (size_t)parallel;
	int rc = 0, busy, stopped = 0;

	for (size_t i = 0; i < n; i++) {
		tasks[i].ok = tasks[i].again = 0;
		tasks[i].state[0] = tasks[i].error[0] = '\0';
		tasks[i].bytes = tasks[i].messages = tasks[i].carried = 0;
		tasks[i].new_state = NULL;
	}
	if ((pairs = calloc(np, sizeof(*pairs))) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	do {
		busy = 0;
		for (size_t i = 0; i < np; i++) {
			if (!pairs[i].running && next < n && rc == 0 &&
			    !stopped) {
				pairs[i].t = &tasks[next++];
				rc = pair_start(cfg, src, dst, &pairs[i], err);
			}
			busy |= pairs[i].running;
		}
		if (busy && round_trip(&rn, pairs, np, err) < 0)
			rc = -1;	/* poll itself failed: end them all */
		else if (busy && tick(&rn) < 0)
			stopped = 1;	/* the caller's word: end them all */
		if (rc < 0 || stopped) {
			for (size_t i = 0; i < np; i++)
				if (pairs[i].running)
					finish(&rn, &pairs[i], 1);
			busy = 0;
		}
	} while (busy);
	free(pairs);
	return rc;
}
