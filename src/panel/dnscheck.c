/* SPDX-License-Identifier: ISC */
/*
 * dnscheck.c - the expected records asked of a resolver through
 * libunbound, all at once, bounded by [dns] timeout.  See dnscheck.h.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <unbound.h>

#include "clock.h"
#include "dnscheck.h"
#include "strbuf.h"

#define RR_CLASS_IN	1
#define RR_TYPE_MX	15
#define RR_TYPE_TXT	16
#define RCODE_NXDOMAIN	3

/* One record's question and, once answered, its answer. */
struct query {
	int done, err, id;
	struct ub_result *res;
};

static const char *const statuses[] = { "match", "different", "missing",
	"failed", "unchecked" };

const char *
dnscheck_status_name(enum dnscheck_status s)
{
	return statuses[s];
}

void
dnscheck_free(struct dnscheck_result *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(out[i].found);
		out[i].found = NULL;
	}
}

int
dnscheck_all(const struct dns_conf *conf, const struct dnsrec_list *list,
	     struct dnscheck_result **out, struct hk_err *err)
{
	*out = calloc(list->n ? list->n : 1, sizeof(**out));
	if (*out == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	if (dnscheck_run(conf, list, *out, err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

void
dnscheck_release(struct dnscheck_result *out, size_t n)
{
	if (out != NULL)
		dnscheck_free(out, n);
	free(out);
}

static void
answered(void *data, int err, struct ub_result *res)
{
	struct query *q = data;

	q->done = 1;
	q->err = err;
	q->res = res;
}

/* A context that forwards to [dns] resolver, or reads resolv.conf; its
 * work in a thread of this process (a forked helper would be a second
 * process of the panel's to account for). */
static struct ub_ctx *
context(const struct dns_conf *conf, struct hk_err *err)
{
	struct ub_ctx *ctx = ub_ctx_create();
	int rc;

	if (ctx == NULL) {
		hk_fail(err, HK_ESYS, "dns", "libunbound: no context");
		return NULL;
	}
	rc = ub_ctx_async(ctx, 1);
	if (rc == 0)
		rc = conf->resolver[0] ? ub_ctx_set_fwd(ctx, conf->resolver) :
		    ub_ctx_resolvconf(ctx, NULL);
	if (rc != 0) {
		hk_fail(err, HK_ESYS, "resolver", "libunbound: %s%s%s",
			conf->resolver[0] ? conf->resolver : "/etc/resolv.conf",
			": ", ub_strerror(rc));
		ub_ctx_delete(ctx);
		return NULL;
	}
	return ctx;
}

/* Waits for every query or the deadline (ms on clock_mono_ms()). */
static void
wait_all(struct ub_ctx *ctx, struct query *q, size_t n, long long deadline)
{
	struct pollfd pfd = { .fd = ub_fd(ctx), .events = POLLIN };

	for (;;) {
		size_t left = 0;
		long long wait = deadline - clock_mono_ms();

		for (size_t i = 0; i < n; i++)
			left += q[i].id >= 0 && !q[i].done;
		if (left == 0 || wait <= 0)
			return;
		if (poll(&pfd, 1, (int)wait) < 0 && errno != EINTR)
			return;
		if (pfd.revents & (POLLIN | POLLERR | POLLHUP))
			ub_process(ctx);
	}
}

/* The MX rdata's preference and host ("10 mx.example.org") into sb. */
static void
mx_text(const unsigned char *d, size_t len, struct strbuf *sb)
{
	size_t at = 2;

	if (len < 3) {
		strbuf_puts(sb, "(malformed MX)");
		return;
	}
	strbuf_printf(sb, "%u ", (unsigned)(d[0] << 8 | d[1]));
	while (at < len && d[at] != 0) {
		size_t l = d[at++];

		for (size_t i = 0; i < l && at < len; i++, at++)
			strbuf_printf(sb, "%c", d[at] > 32 && d[at] < 127 &&
				      d[at] != '.' ? d[at] : '?');
		if (at < len && d[at] != 0)
			strbuf_puts(sb, ".");
	}
	if (at == 2)
		strbuf_puts(sb, ".");
}

/* The TXT rdata's character-strings joined into sb. */
static void
txt_text(const unsigned char *d, size_t len, struct strbuf *sb)
{
	for (size_t at = 0; at < len;) {
		size_t l = d[at++];

		if (l > len - at)
			l = len - at;
		strbuf_append(sb, d + at, l);
		at += l;
	}
}

/* Whether a TXT value is of the record's kind (dnscheck.h). */
static int
of_kind(const struct dnsrec *r, const char *v)
{
	const char *tag = r->purpose == DNSREC_P_SPF ? "v=spf1" :
	    r->purpose == DNSREC_P_DMARC ? "v=DMARC1" :
	    r->purpose == DNSREC_P_TLSRPT ? "v=TLSRPTv1" : NULL;
	size_t n;

	if (tag == NULL)
		return 1;
	n = strlen(tag);
	return strncasecmp(v, tag, n) == 0 &&
	    (v[n] == '\0' || v[n] == ' ' || v[n] == ';');
}

/* Whether found equals what r expects (dnscheck.h). */
static int
same(const struct dnsrec *r, const char *found)
{
	char want[DNSREC_NAME_MAX + 16];
	size_t n;

	if (r->type == DNSREC_TXT)
		return strcmp(found, r->value) == 0;
	snprintf(want, sizeof(want), "%d %s", r->pref, r->value);
	n = strlen(want);
	while (n > 0 && want[n - 1] == '.')
		want[--n] = '\0';
	return strcasecmp(found, want) == 0;
}

static int
set_found(struct dnscheck_result *out, enum dnscheck_status s,
	  const char *found)
{
	out->status = s;
	if (found != NULL && (out->found = strdup(found)) == NULL)
		return -1;
	return 0;
}

/* Only one SPF, DMARC or TLS-RPT record may be published at a name
 * (RFC 7208 4.5, RFC 7489 6.6.3, RFC 8460 3): two are never a match. */
static int
one_only(const struct dnsrec *r)
{
	return r->purpose == DNSREC_P_SPF || r->purpose == DNSREC_P_DMARC ||
	    r->purpose == DNSREC_P_TLSRPT;
}

/* The answer's records of r's kind against r. */
static int
judge_answer(const struct dnsrec *r, const struct ub_result *res,
	     struct dnscheck_result *out)
{
	struct strbuf all, one;
	int kind = 0, match = 0, rc;

	strbuf_init(&all, 65536);
	strbuf_init(&one, 65536);
	for (int i = 0; res->havedata && res->data[i] != NULL; i++) {
		strbuf_reset(&one);
		if (r->type == DNSREC_MX)
			mx_text((unsigned char *)res->data[i],
				(size_t)res->len[i], &one);
		else
			txt_text((unsigned char *)res->data[i],
				 (size_t)res->len[i], &one);
		if (!of_kind(r, strbuf_str(&one)))
			continue;
		match |= same(r, strbuf_str(&one));
		strbuf_printf(&all, "%s%s", kind++ ? " | " : "",
			      strbuf_str(&one));
	}
	if (kind == 0)
		rc = set_found(out, DNSCHECK_MISSING, NULL);
	else if (match && !(one_only(r) && kind > 1))
		rc = set_found(out, DNSCHECK_MATCH, NULL);
	else
		rc = set_found(out, DNSCHECK_DIFFERENT, strbuf_str(&all));
	rc |= all.overflow || one.overflow ? -1 : 0;
	strbuf_free(&all);
	strbuf_free(&one);
	return rc;
}

static int
judge(const struct dnsrec *r, const struct query *q, int timeout,
      struct dnscheck_result *out)
{
	char why[128];

	if (q->id < 0 || q->err != 0) {
		snprintf(why, sizeof(why), "lookup failed: %s",
			 ub_strerror(q->err));
		return set_found(out, DNSCHECK_FAILED, why);
	}
	if (!q->done) {
		snprintf(why, sizeof(why), "lookup failed: no answer within "
			 "%d s", timeout);
		return set_found(out, DNSCHECK_FAILED, why);
	}
	if (q->res->rcode == RCODE_NXDOMAIN)
		return set_found(out, DNSCHECK_MISSING, NULL);
	if (q->res->rcode != 0) {
		snprintf(why, sizeof(why), "lookup failed: %s (rcode %d)",
			 q->res->rcode == 2 ? "SERVFAIL" : q->res->rcode == 5 ?
			 "REFUSED" : "error", q->res->rcode);
		return set_found(out, DNSCHECK_FAILED, why);
	}
	return judge_answer(r, q->res, out);
}

/* Every record with a value asked at once; q[i].id -1 if not asked. */
static void
ask_all(struct ub_ctx *ctx, const struct dnsrec_list *list, struct query *q)
{
	for (size_t i = 0; i < list->n; i++) {
		const struct dnsrec *r = &list->v[i];

		q[i].id = -1;
		if (r->value == NULL)
			continue;
		q[i].err = ub_resolve_async(ctx, r->name, r->type == DNSREC_MX ?
					    RR_TYPE_MX : RR_TYPE_TXT,
					    RR_CLASS_IN, &q[i], answered,
					    &q[i].id);
		if (q[i].err != 0)
			q[i].id = -1;
	}
}

int
dnscheck_run(const struct dns_conf *conf, const struct dnsrec_list *list,
	     struct dnscheck_result *out, struct hk_err *err)
{
	struct query *q = calloc(list->n ? list->n : 1, sizeof(*q));
	struct ub_ctx *ctx;
	int rc = 0;

	memset(out, 0, list->n * sizeof(*out));
	if (q == NULL)
		return hk_fail(err, HK_ESYS, "dns", "out of memory");
	if ((ctx = context(conf, err)) == NULL) {
		free(q);
		return -1;
	}
	ask_all(ctx, list, q);
	wait_all(ctx, q, list->n, clock_mono_ms() + conf->timeout * 1000LL);
	for (size_t i = 0; i < list->n; i++) {
		if (q[i].id >= 0 && !q[i].done)
			ub_cancel(ctx, q[i].id);
		if (list->v[i].value == NULL)
			out[i].status = DNSCHECK_UNCHECKED;
		else
			rc |= judge(&list->v[i], &q[i], conf->timeout, &out[i]);
		if (q[i].res != NULL)
			ub_resolve_free(q[i].res);
	}
	ub_ctx_delete(ctx);
	free(q);
	if (rc != 0) {
		dnscheck_free(out, list->n);
		return hk_fail(err, HK_ESYS, "dns", "out of memory");
	}
	return 0;
}
