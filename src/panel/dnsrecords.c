/* SPDX-License-Identifier: ISC */
/*
 * dnsrecords.c - the records a domain needs, and their zone text.  See
 * dnsrecords.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsrecords.h"

#define TXT_CHUNK 255	/* bytes of one character-string (RFC 1035) */

static const char *const purposes[] = { "mx", "spf", "dkim", "dmarc",
	"tlsrpt" };
static const char *const actions[] = { "publish", "keep", "remove" };

const char *
dnsrec_purpose_name(enum dnsrec_purpose p)
{
	return purposes[p];
}

const char *
dnsrec_action_name(enum dnsrec_action a)
{
	return actions[a];
}

void
dnsrec_list_free(struct dnsrec_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->v[i].value);
	free(list->v);
	memset(list, 0, sizeof(*list));
}

/* A new record named PREFIX.DOMAIN (prefix NULL: DOMAIN), value copied
 * (NULL stays NULL); NULL when out of memory or the name is too long. */
static struct dnsrec *
add(struct dnsrec_list *l, const char *prefix, const char *domain,
    enum dnsrec_purpose purpose, const char *value)
{
	struct dnsrec *r;
	int len;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct dnsrec *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	r = &l->v[l->n];
	memset(r, 0, sizeof(*r));
	len = snprintf(r->name, sizeof(r->name), "%s%s%s", prefix ? prefix : "",
		       prefix ? "." : "", domain);
	if (len < 0 || (size_t)len >= sizeof(r->name))
		return NULL;
	snprintf(r->domain, sizeof(r->domain), "%s", domain);
	r->type = purpose == DNSREC_P_MX ? DNSREC_MX : DNSREC_TXT;
	r->purpose = purpose;
	if (value != NULL && (r->value = strdup(value)) == NULL)
		return NULL;
	l->n++;
	return r;
}

static int
add_mx(struct dnsrec_list *l, const char *domain,
       const struct dnsrec_guest *g, int pref)
{
	struct dnsrec *r = add(l, NULL, domain, DNSREC_P_MX, g->mail_host);

	if (r == NULL)
		return -1;
	r->pref = pref;
	if (g->mail_host == NULL)
		snprintf(r->note, sizeof(r->note),
			 "not configured: guest %s has no mail host", g->name);
	return 0;
}

/* "v=spf1 ip4:A ip6:B -all" from a space-separated list of canonical
 * addresses (an IPv6 one has a ':'); NULL when out of memory. */
static char *
spf_value(const char *addrs)
{
	struct strbuf sb;
	const char *p = addrs;

	strbuf_init(&sb, 0);
	strbuf_puts(&sb, "v=spf1");
	while (*p != '\0') {
		size_t n = strcspn(p, " ");

		if (n > 0)
			strbuf_printf(&sb, " %s:%.*s", memchr(p, ':', n) ?
				      "ip6" : "ip4", (int)n, p);
		p += n + (p[n] == ' ');
	}
	strbuf_puts(&sb, " -all");
	if (sb.overflow) {
		strbuf_free(&sb);
		return NULL;
	}
	return sb.data;
}

static int
add_spf(struct dnsrec_list *l, const char *domain,
	const struct dnsrec_guest *g)
{
	char *v = NULL;
	struct dnsrec *r;

	if (g->mail_addrs != NULL && g->mail_addrs[0] != '\0' &&
	    (v = spf_value(g->mail_addrs)) == NULL)
		return -1;
	r = add(l, NULL, domain, DNSREC_P_SPF, v);
	free(v);
	if (r == NULL)
		return -1;
	if (r->value == NULL)
		snprintf(r->note, sizeof(r->note), "not configured: guest %s "
			 "has no mail addresses", g->name);
	return 0;
}

static int
add_dkim(struct dnsrec_list *l, const char *domain,
	 const struct dnsrec_dkim *k, int64_t now)
{
	char prefix[128];
	struct dnsrec *r;

	if ((size_t)snprintf(prefix, sizeof(prefix), "%s._domainkey",
			     k->selector) >= sizeof(prefix) ||
	    (r = add(l, prefix, domain, DNSREC_P_DKIM, k->txt)) == NULL)
		return -1;
	if (k->state == DNSREC_DKIM_RETIRING) {
		r->action = k->remove_after > now ? DNSREC_KEEP : DNSREC_REMOVE;
		r->until = r->action == DNSREC_KEEP ? k->remove_after : 0;
	}
	return 0;
}

static int
add_policies(struct dnsrec_list *l, const char *domain,
	     const struct dns_conf *c)
{
	char v[CONF_STR + 64];

	if (c->dmarc_rua[0] != '\0')
		snprintf(v, sizeof(v), "v=DMARC1; p=none; rua=mailto:%s",
			 c->dmarc_rua);
	else
		snprintf(v, sizeof(v), "v=DMARC1; p=none");
	if (add(l, "_dmarc", domain, DNSREC_P_DMARC, v) == NULL)
		return -1;
	if (c->tlsrpt_rua[0] == '\0')
		return 0;
	snprintf(v, sizeof(v), "v=TLSRPTv1; rua=mailto:%s", c->tlsrpt_rua);
	return add(l, "_smtp._tls", domain, DNSREC_P_TLSRPT, v) ? 0 : -1;
}

/* Every record of one name: the domain itself or one of its aliases. */
static int
add_domain(struct dnsrec_list *l, const struct dnsrec_in *in,
	   const char *domain)
{
	if (add_mx(l, domain, &in->primary, 10) < 0 ||
	    (in->backup && add_mx(l, domain, in->backup, 20) < 0) ||
	    add_spf(l, domain, &in->primary) < 0)
		return -1;
	for (size_t i = 0; i < in->ndkim; i++)
		if (add_dkim(l, domain, &in->dkim[i], in->now) < 0)
			return -1;
	return add_policies(l, domain, in->conf);
}

int
dnsrec_build(const struct dnsrec_in *in, struct dnsrec_list *out,
	     struct hk_err *err)
{
	memset(out, 0, sizeof(*out));
	if (add_domain(out, in, in->domain) < 0)
		goto fail;
	for (size_t i = 0; i < in->naliases; i++)
		if (add_domain(out, in, in->aliases[i]) < 0)
			goto fail;
	return 0;
fail:
	dnsrec_list_free(out);
	return hk_fail(err, HK_EINTERNAL, "dns", "the records of %s: out of "
		       "memory or a name too long", in->domain);
}

int
dnsrec_txt_strings(const char *value, struct strbuf *out)
{
	size_t len = strlen(value);

	for (size_t at = 0; at < len || at == 0; at += TXT_CHUNK) {
		size_t end = at + TXT_CHUNK < len ? at + TXT_CHUNK : len;

		strbuf_puts(out, at ? " \"" : "\"");
		for (size_t i = at; i < end; i++) {
			if (value[i] == '"' || value[i] == '\\')
				strbuf_puts(out, "\\");
			strbuf_append(out, &value[i], 1);
		}
		strbuf_puts(out, "\"");
		if (len == 0)
			break;
	}
	return out->overflow ? -1 : 0;
}

static void
zone_line(const struct dnsrec *r, struct strbuf *out)
{
	if (r->type == DNSREC_MX) {
		strbuf_printf(out, "%s.\tIN\tMX\t%d %s.", r->name, r->pref,
			      r->value);
		return;
	}
	strbuf_printf(out, "%s.\tIN\tTXT\t", r->name);
	dnsrec_txt_strings(r->value, out);
}

static void
zone_record(const struct dnsrec *r, struct strbuf *out)
{
	char day[16];
	time_t t = (time_t)r->until;
	struct tm tm;

	if (r->value == NULL) {
		strbuf_printf(out, "; %s %s: %s\n", r->name,
			      r->type == DNSREC_MX ? "MX" : "TXT", r->note);
		return;
	}
	if (r->action == DNSREC_REMOVE)
		strbuf_puts(out, "; remove: ");
	zone_line(r, out);
	if (r->action == DNSREC_KEEP && gmtime_r(&t, &tm) != NULL &&
	    strftime(day, sizeof(day), "%Y-%m-%d", &tm) > 0)
		strbuf_printf(out, "\t; keep until %s, then remove", day);
	strbuf_puts(out, "\n");
}

int
dnsrec_zone_text(const struct dnsrec_list *list, struct strbuf *out,
		 struct hk_err *err)
{
	for (size_t i = 0; i < list->n; i++) {
		const struct dnsrec *r = &list->v[i];

		if (i == 0 || strcmp(r->domain, list->v[i - 1].domain) != 0)
			strbuf_printf(out, "%s; the mail records of %s\n",
				      i ? "\n" : "", r->domain);
		zone_record(r, out);
	}
	if (out->overflow)
		return hk_fail(err, HK_EINTERNAL, "dns", "the zone text: out "
			       "of memory");
	return 0;
}
