/* SPDX-License-Identifier: ISC */
/*
 * cli_sieve.c - the hakomail command's vacation replies and forwarding
 * of a mailbox (store_sieve.h).
 *
 *   mailbox vacation ADDRESS --text-file FILE|- [--subject S]
 *     [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--days N]	(N: 7)
 *   mailbox vacation ADDRESS --off
 *   mailbox forward ADDRESS --to A[,B...] [--keep]
 *   mailbox forward ADDRESS --off
 *   mailbox settings ADDRESS
 *
 * The text is read from a file or standard input ("-") as it is, line
 * breaks and all; the checks are the store's (the script must mean
 * exactly what was typed), their fields said as these options.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fdio.h"
#include "store_sieve.h"
#include "validate.h"
#include "wake.h"

#define DAYS_DEFAULT	7

static const char *const cols[] = { "address", "vacation", "subject",
	"start", "end", "days", "forward", "keep", NULL };

/* The settings as one row of cols (the text after it, in the table). */
static json_t *
flat(json_t *s)
{
	json_t *v = json_object_get(s, "vacation");
	json_t *f = json_object_get(s, "forward"), *row;
	char list[(MAPSYNTAX_ADDRESS_MAX + 1) * SIEVE_FORWARD_MAX + 1] = "";
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(f, "addresses"), i, a) {
		size_t n = strlen(list);

		snprintf(list + n, sizeof(list) - n, "%s%s", i ? "," : "",
			 json_string_value(a));
	}
	row = json_pack("{s:O, s:s, s:O?, s:O?, s:O?, s:O?, s:s?, s:O?}",
			"address", json_object_get(s, "address"), "vacation",
			json_is_object(v) ? "on" : "off", "subject",
			json_object_get(v, "subject"), "start",
			json_object_get(v, "start"), "end",
			json_object_get(v, "end"), "days",
			json_object_get(v, "days"), "forward",
			json_is_object(f) ? list : NULL, "keep",
			json_object_get(f, "keep"));
	return row;
}

/* Prints the settings of address (after a write, the pushd nudge). */
static int
show(struct cli *c, const char *address, int written)
{
	struct hk_err err;
	json_t *s = NULL, *v;

	hk_err_clear(&err);
	if (store_sieve_get(c->db, &c->actor, address, &s, &err) < 0)
		return cli_fail(&err);
	if (written)
		wake_notify(c->cfg.wake_socket);
	if (c->json) {
		json_dumpf(s, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		json_t *one = json_pack("[o]", flat(s));

		cli_print(c, one, cols);
		json_decref(one);
		if ((v = json_object_get(s, "vacation")) != NULL &&
		    json_is_object(v))
			printf("text:\n%s\n", json_string_value(
			       json_object_get(v, "text")));
	}
	json_decref(s);
	return 0;
}

/* --days N (DAYS_DEFAULT without); what is no number, or too large for
 * one, is 0, which the store refuses, naming vacation.days (--days) with
 * the range. */
static int
days_opt(const struct cli_opt *o)
{
	const char *v = cli_opt(o, "--days");
	uint64_t n;

	if (v == NULL)
		return DAYS_DEFAULT;
	if (!mapsyntax_decimal(v, strlen(v), INT_MAX, &n))
		return 0;
	return (int)n;
}

/* The whole of FILE (or standard input for "-") into text, at most one
 * octet more than a text may have (the store refuses that, naming the
 * option).  A NUL cannot stand in a text. */
static int
read_text(const char *path, struct strbuf *text, struct hk_err *err)
{
	int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) :
		 cli_open_input(path);
	int rc;

	if (fd < 0)
		return hk_fail_errno(err, "--text-file %s", path);
	rc = fdio_read_all(fd, text, SIEVE_TEXT_MAX);
	(void)close(fd);
	if (rc < 0 && errno == EFBIG)
		return hk_failr(err, HK_EINVAL, "vacation.text",
				HK_R_longer_than_bytes, "max",
				HK_NUM(SIEVE_TEXT_MAX), NULL);
	if (rc < 0)
		return hk_fail_errno(err, "reading --text-file %s", path);
	if (memchr(strbuf_str(text), '\0', text->len) != NULL)
		return hk_failr(err, HK_EINVAL, "vacation.text",
				HK_R_control_characters, NULL);
	return 0;
}

static int
vacation(struct cli *c, const char *address, const struct cli_opt *o)
{
	struct sieve_vacation v = { cli_opt(o, "--subject"), NULL,
				    cli_opt(o, "--start"), cli_opt(o, "--end"),
				    DAYS_DEFAULT };
	const char *path = cli_opt(o, "--text-file");
	struct strbuf text;
	struct hk_err err;
	int rc;

	hk_err_clear(&err);
	if (cli_opt(o, "--off"))
		return store_sieve_vacation_clear(c->db, &c->actor, address,
						  &err) < 0 ? cli_fail(&err) :
		       show(c, address, 1);
	if (path == NULL)
		return cli_usage();
	strbuf_init(&text, SIEVE_TEXT_MAX);
	v.days = days_opt(o);
	rc = read_text(path, &text, &err);
	if (rc == 0) {
		v.text = strbuf_str(&text);
		rc = store_sieve_vacation_set(c->db, &c->actor, address, &v,
					      &err);
	}
	strbuf_free(&text);
	return rc < 0 ? cli_fail(&err) : show(c, address, 1);
}

static int
forward(struct cli *c, const char *address, const struct cli_opt *o)
{
	const char *list[SIEVE_FORWARD_MAX + 1], *to = cli_opt(o, "--to");
	char buf[(MAPSYNTAX_ADDRESS_MAX + 1) * (SIEVE_FORWARD_MAX + 1)];
	struct sieve_forward f = { list, 0, cli_opt(o, "--keep") != NULL };
	struct hk_err err;
	char *p = buf, *comma;

	hk_err_clear(&err);
	if (cli_opt(o, "--off"))
		return store_sieve_forward_clear(c->db, &c->actor, address,
						 &err) < 0 ? cli_fail(&err) :
		       show(c, address, 1);
	if (to == NULL)
		return cli_usage();
	/* one more than allowed: a list too long is the store's to refuse */
	snprintf(buf, sizeof(buf), "%s", to);
	while (f.n <= SIEVE_FORWARD_MAX) {
		list[f.n++] = p;
		if ((comma = strchr(p, ',')) == NULL)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	if (store_sieve_forward_set(c->db, &c->actor, address, &f, &err) < 0)
		return cli_fail(&err);
	return show(c, address, 1);
}

int
cli_mailbox_sieve(struct cli *c)
{
	struct cli_opt o[] = { { "--subject", 1, NULL },
			       { "--text-file", 1, NULL },
			       { "--start", 1, NULL }, { "--end", 1, NULL },
			       { "--days", 1, NULL }, { "--to", 1, NULL },
			       { "--keep", 0, NULL }, { "--off", 0, NULL },
			       { NULL, 0, NULL } };
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	char address[MAPSYNTAX_ADDRESS_MAX + 1];
	const char *pos[CLI_MAXPOS], *verb = c->argv[1];
	struct hk_err err;
	int npos, vac = strcmp(verb, "vacation") == 0;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1)
		return cli_usage();
	if (validate_address(pos[0], "address", local, domain, &err) < 0)
		return cli_fail(&err);
	snprintf(address, sizeof(address), "%s@%s", local, domain);
	if (strcmp(verb, "settings") == 0)
		return o[0].value || o[1].value || o[2].value || o[3].value ||
		       o[4].value || o[5].value || o[6].value || o[7].value ?
		       cli_usage() : show(c, address, 0);
	/* each verb's own options, and --off alone */
	if ((vac && (cli_opt(o, "--to") || cli_opt(o, "--keep"))) ||
	    (!vac && (cli_opt(o, "--subject") || cli_opt(o, "--text-file") ||
		      cli_opt(o, "--start") || cli_opt(o, "--end") ||
		      cli_opt(o, "--days"))) ||
	    (cli_opt(o, "--off") && (o[0].value || o[1].value || o[2].value ||
				     o[3].value || o[4].value || o[5].value ||
				     o[6].value)))
		return cli_usage();
	return vac ? vacation(c, address, o) : forward(c, address, o);
}
