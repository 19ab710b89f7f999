/* SPDX-License-Identifier: ISC */
/*
 * api_guest.c - /api/v1/guests: each guest's push state (owners read
 * their project's), and for operators registration, changes (a guest
 * that moved or was reinstalled, where its mail records point), removal
 * and "push now".  The API takes
 * the host key as a line the operator read off the guest; it never scans
 * one (the CLI's guest add does, with confirmation).  See api.h.
 */
#include "config.h"

#include <string.h>

#include "api.h"
#include "validate.h"

static const struct api_field guest_fields[] = {
	{ "name", F_STR, 1 },
	{ "project", F_STR, 1 },
	{ "ssh_host", F_STR, 1 },
	{ "ssh_port", F_INT, 0 },
	{ "ssh_user", F_STR, 0 },
	{ "host_key", F_STR, 1 },
	{ "mail_host", F_NSTR, 0 },
	{ "mail_addrs", F_STRLIST, 0 },
	{ NULL, F_STR, 0 }
};

static const struct api_field patch_fields[] = {
	{ "ssh_host", F_STR, 0 },
	{ "ssh_port", F_INT, 0 },
	{ "ssh_user", F_STR, 0 },
	{ "host_key", F_STR, 0 },
	{ "mail_host", F_NSTR, 0 },
	{ "mail_addrs", F_STRLIST, 0 },
	{ NULL, F_STR, 0 }
};

/* What a guest's mail fields become, validated: absent keeps, null (the
 * host) or [] (the addresses) clears. */
struct guest_mail {
	char host[MAPSYNTAX_DOMAIN_MAX + 1];
	struct strbuf addrs;
};

/* The path's guest name: a malformed one is a missing one. */
static int
path_guest(struct api_call *call, struct hk_err *err)
{
	if (validate_slug(call->seg[1], "guest", err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "guest", HK_R_no_such_guest,
				NULL);
	return 0;
}

/* The SSH fields of body that are present, validated, into in. */
static int
guest_ssh(json_t *b, struct guest_in *in, char *key, size_t keylen,
	  struct hk_err *err)
{
	int64_t port = 0;

	in->host = api_str(b, "ssh_host");
	in->user = api_str(b, "ssh_user");
	if ((in->host && validate_host(in->host, "ssh_host", err) < 0) ||
	    (in->user && validate_slug(in->user, "ssh_user", err) < 0) ||
	    api_int(b, "ssh_port", 65535, &port, err) < 0)
		return -1;
	if (json_object_get(b, "ssh_port") && (port < 1 || port > 65535))
		return hk_failr(err, HK_EINVAL, "ssh_port", HK_R_port_range,
				NULL);
	in->port = (int)port;
	if (api_str(b, "host_key") == NULL)
		return 0;
	if (validate_host_key(api_str(b, "host_key"), "host_key", key, keylen,
			      err) < 0)
		return -1;
	in->host_key = key;
	return 0;
}

/* mail_host and mail_addrs of body that are present, into in (pointing
 * into m, whose addrs the caller has initialized and frees). */
static int
guest_mail(json_t *b, struct guest_in *in, struct guest_mail *m,
	   struct hk_err *err)
{
	json_t *host = json_object_get(b, "mail_host"),
	       *arr = json_object_get(b, "mail_addrs");
	const char *list[VALIDATE_MAIL_ADDRS_MAX];
	size_t n = json_array_size(arr);

	if (json_is_string(host)) {
		if (validate_domain(json_string_value(host), "mail_host",
				    m->host, err) < 0)
			return -1;
		in->mail_host = m->host;
	} else if (host != NULL) {
		in->mail_host = "";
	}
	if (arr == NULL)
		return 0;
	if (n > VALIDATE_MAIL_ADDRS_MAX)
		return validate_mail_addrs(NULL, n, "mail_addrs", &m->addrs,
					   err);
	for (size_t i = 0; i < n; i++)
		list[i] = json_string_value(json_array_get(arr, i));
	if (validate_mail_addrs(list, n, "mail_addrs", &m->addrs, err) < 0)
		return -1;
	in->mail_addrs = strbuf_str(&m->addrs);
	return 0;
}

static const struct api_listing guests = {
	store_guest_list, NULL, api_cursor_slug, 0
};

int
api_guests_list(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	return api_list(call, resp, &guests, err);
}

int
api_guests_add(struct api_call *call, struct http_resp *resp,
	       struct hk_err *err)
{
	struct guest_mail mail;
	struct guest_in in;
	char key[8192];
	json_t *obj = NULL;
	int rc;

	memset(&in, 0, sizeof(in));
	strbuf_init(&mail.addrs, 1024);
	if (api_check_body(call->body, guest_fields, err) < 0 ||
	    guest_ssh(call->body, &in, key, sizeof(key), err) < 0)
		return -1;
	in.name = api_str(call->body, "name");
	in.project = api_str(call->body, "project");
	if (in.user == NULL)
		in.user = "root";
	if (in.port == 0)
		in.port = 22;
	rc = validate_slug(in.name, "name", err) < 0 ||
	    validate_slug(in.project, "project", err) < 0 ||
	    guest_mail(call->body, &in, &mail, err) < 0 ||
	    store_guest_add(call->ctx->db, &call->actor, &in, &obj, err) < 0;
	strbuf_free(&mail.addrs);
	return rc ? -1 : api_created(call, resp, obj);
}

int
api_guest_get(struct api_call *call, struct http_resp *resp,
	      struct hk_err *err)
{
	json_t *obj = NULL;

	if (api_no_query(call, err) < 0 || path_guest(call, err) < 0 ||
	    store_guest_get(call->ctx->db, &call->actor, call->seg[1], &obj,
			    err) < 0)
		return -1;
	return api_object(resp, obj);
}

int
api_guest_patch(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	struct guest_mail mail;
	struct guest_in in;
	char key[8192];
	json_t *obj = NULL;
	int rc;

	memset(&in, 0, sizeof(in));
	strbuf_init(&mail.addrs, 1024);
	if (path_guest(call, err) < 0 ||
	    api_check_body(call->body, patch_fields, err) < 0 ||
	    guest_ssh(call->body, &in, key, sizeof(key), err) < 0)
		return -1;
	in.name = call->seg[1];
	rc = guest_mail(call->body, &in, &mail, err) < 0 ||
	    store_guest_update(call->ctx->db, &call->actor, &in, &obj,
			       err) < 0;
	strbuf_free(&mail.addrs);
	return rc ? -1 : api_changed(call, resp, obj);
}

int
api_guest_delete(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	if (api_no_query(call, err) < 0 || path_guest(call, err) < 0 ||
	    store_guest_delete(call->ctx->db, &call->actor, call->seg[1],
			       err) < 0)
		return -1;
	return api_deleted(call, resp);
}

/* POST /guests/G/push: owe the guest a push now (202: pushd does it). */
int
api_guest_push(struct api_call *call, struct http_resp *resp,
	       struct hk_err *err)
{
	json_t *obj = NULL;

	if (api_no_query(call, err) < 0 || path_guest(call, err) < 0 ||
	    store_guest_push(call->ctx->db, &call->actor, call->seg[1], &obj,
			     err) < 0)
		return -1;
	call->wrote = 1;
	resp->status = 202;
	resp->body = obj;
	return 0;
}
