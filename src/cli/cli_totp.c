/* SPDX-License-Identifier: ISC */
/*
 * cli_totp.c - the hakomail command's two-factor sign-in of panel
 * accounts, for an operator setting it up with a colleague or resetting
 * a lost one.
 *
 *   account totp enrol LOGIN [--qr FILE]
 *   account totp confirm LOGIN CODE
 *   account totp status|reset LOGIN
 *
 * enrol prints the secret and its otpauth:// URI once (and with --qr
 * writes the URI's QR code as SVG to FILE, a new file of mode 0600: it
 * holds the secret); confirm takes the first code of the authenticator
 * app and prints the ten recovery codes, once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fdio.h"
#include "log.h"
#include "qrsvg.h"
#include "store_totp.h"
#include "validate.h"

/* The QR code of uri into fd, a new file's (closed). */
static int
write_qr(int fd, const char *path, const char *uri, struct hk_err *err)
{
	struct strbuf svg;
	int rc;

	strbuf_init(&svg, 1 << 20);
	rc = qrsvg_render(uri, &svg, err);
	if (rc == 0 && fdio_write_all(fd, svg.data, svg.len) < 0)
		rc = hk_fail_errno(err, "--qr: writing %s", path);
	if (close(fd) < 0 && rc == 0)
		rc = hk_fail_errno(err, "--qr: writing %s", path);
	strbuf_free(&svg);
	return rc;
}

/* The file is made first, never over another (it will hold the secret):
 * a refused --qr changes nothing. */
static int
totp_enrol(struct cli *c, const char *login, const char *qr)
{
	struct hk_err err;
	json_t *obj = NULL;
	const char *uri;
	int fd = -1;

	hk_err_clear(&err);
	if (qr != NULL && (fd = open(qr, O_WRONLY | O_CREAT | O_EXCL |
				     O_CLOEXEC, 0600)) < 0) {
		hk_fail_errno(&err, "--qr: %s", qr);
		return cli_fail(&err);
	}
	if (store_totp_enrol(c->db, &c->actor, login, &obj, &err) < 0) {
		if (fd >= 0 && (close(fd) < 0 || unlink(qr) < 0))
			log_warn("--qr: removing %s: %s", qr, strerror(errno));
		return cli_fail(&err);
	}
	uri = json_string_value(json_object_get(obj, "uri"));
	if (fd >= 0 && write_qr(fd, qr, uri, &err) < 0) {
		json_decref(obj);
		return cli_fail(&err);
	}
	if (c->json)
		cli_print(c, obj, NULL);
	else
		printf("secret %s\nuri %s\nconfirm with: hakomail account totp "
		       "confirm %s CODE\n", json_string_value(json_object_get(
		       obj, "secret")), uri, login);
	json_decref(obj);
	return 0;
}

static int
totp_confirm(struct cli *c, const char *login, const char *code)
{
	struct hk_err err;
	json_t *obj = NULL, *v;
	size_t i;

	hk_err_clear(&err);
	if (store_totp_confirm(c->db, &c->actor, login, code,
			       (int64_t)time(NULL), &obj, &err) < 0)
		return cli_fail(&err);
	if (c->json)
		cli_print(c, obj, NULL);
	else {
		printf("two-factor sign-in of %s confirmed; its recovery codes "
		       "(shown this once):\n", login);
		json_array_foreach(json_object_get(obj, "recovery_codes"), i,
				   v)
			printf("  %s\n", json_string_value(v));
	}
	json_decref(obj);
	return 0;
}

static int
totp_status(struct cli *c, const char *login)
{
	static const char *const cols[] = { "enrolled", "confirmed",
		"recovery_codes_left", NULL };
	struct hk_err err;
	json_t *obj = NULL;

	hk_err_clear(&err);
	if (store_totp_status(c->db, &c->actor, login, &obj, &err) < 0)
		return cli_fail(&err);
	obj = json_pack("[o]", obj);
	cli_print(c, obj, cols);
	json_decref(obj);
	return 0;
}

/* account totp VERB LOGIN [CODE] [--qr FILE] */
int
cli_account_totp(struct cli *c)
{
	struct cli_opt o[] = { { "--qr", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS], *verb;
	struct hk_err err;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos < 2)
		return cli_usage();
	verb = pos[0];
	if (validate_slug(pos[1], "login", &err) < 0)
		return cli_fail(&err);
	if (strcmp(verb, "confirm") == 0 && npos == 3 && !cli_opt(o, "--qr"))
		return totp_confirm(c, pos[1], pos[2]);
	if (npos != 2 || (cli_opt(o, "--qr") && strcmp(verb, "enrol") != 0))
		return cli_usage();
	if (strcmp(verb, "enrol") == 0)
		return totp_enrol(c, pos[1], cli_opt(o, "--qr"));
	if (strcmp(verb, "status") == 0)
		return totp_status(c, pos[1]);
	if (strcmp(verb, "reset") != 0)
		return cli_usage();
	if (store_totp_reset(c->db, &c->actor, pos[1], &err) < 0)
		return cli_fail(&err);
	printf("two-factor sign-in of %s reset\n", pos[1]);
	return 0;
}
