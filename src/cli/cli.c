/* SPDX-License-Identifier: ISC */
/*
 * cli.c - option parsing, errors and output for the hakomail command.
 * See cli.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_words.h"
#include "log.h"
#include "mapsyntax.h"
#include "wake.h"

int
cli_usage(void)
{
	fprintf(stderr,
	    "usage: hakomail [-c CONFIG] [--json] COMMAND ...\n"
	    "  init | migrate\n"
	    "  project add NAME [--max-domains N] [--max-mailboxes N]"
	    " [--max-storage SIZE]\n"
	    "  project limits NAME [same options] | project list"
	    " | project delete NAME\n"
	    "  account add LOGIN (--admin | --owner PROJECT)"
	    " [--password-stdin] [--directory] | account list\n"
	    "  account directory LOGIN on|off\n"
	    "  account passwd LOGIN (--password-stdin | --none)"
	    " [--revoke-keys]\n"
	    "  account disable|enable|delete LOGIN\n"
	    "  account totp enrol LOGIN [--qr FILE.svg]"
	    " | account totp confirm LOGIN CODE\n"
	    "  account totp status|reset LOGIN\n"
	    "  apikey create [--login L] [--read-only] [--expires-days N]\n"
	    "  apikey list | apikey revoke PREFIX\n"
	    "  guest add NAME --project P --host H"
	    " [--host-key-file F] [--fingerprint SHA256:...]"
	    " [--port N] [--user U]\n"
	    "      [--mail-host H] [--mail-addr A]...\n"
	    "  guest set NAME [--host H] [--port N] [--user U]"
	    " [--rekey | --host-key-file F] [--fingerprint SHA256:...]\n"
	    "      [--mail-host H] [--mail-addr A]...  (\"\" clears)\n"
	    "  guest list | guest delete NAME | status\n"
	    "  push [GUEST]\n"
	    "  capacity [GUEST] | warnings [--all]\n"
	    "  domain add NAME --guest G | domain list\n"
	    "  domain limits NAME [--max-mailboxes N] [--default-quota SIZE]\n"
	    "  domain backup NAME (--guest G | --none)\n"
	    "  domain enable|disable NAME | domain delete NAME [--force]\n"
	    "  domain move NAME --to GUEST [--dry-run]   (operators)\n"
	    "  domain dns NAME [--check]   (the records it needs; published?)\n"
	    "  moves [--domain D] [--live] | move show|cancel ID\n"
	    "  dkim new|rotate DOMAIN [--algorithm rsa|ed25519] [--bits N]"
	    " [--selector S]\n"
	    "  dkim list DOMAIN | dkim activate DOMAIN SELECTOR --confirm\n"
	    "  dkim delete DOMAIN SELECTOR\n"
	    "  mailbox add ADDRESS (--password-stdin | --password-hash H)"
	    " [--name N] [--quota Q] [--inactive]\n"
	    "  mailbox set ADDRESS [--password-stdin | --password-hash H]"
	    " [--name N] [--quota Q] [--active | --inactive]\n"
	    "  mailbox show|delete ADDRESS\n"
	    "  mailbox restore ADDRESS [--id N]   (operators)\n"
	    "  mailbox trash DOMAIN\n"
	    "  mailbox vacation ADDRESS --text-file FILE|- [--subject S]\n"
	    "      [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--days N] | --off\n"
	    "  mailbox forward ADDRESS --to A[,B...] [--keep] | --off\n"
	    "  mailbox settings ADDRESS\n"
	    "  mailbox list DOMAIN [--limit N] [--after LOCAL]"
	    " [--search TEXT]\n"
	    "  alias add|set ADDRESS DEST... (ADDRESS @DOMAIN: the catch-all)\n"
	    "  alias enable|disable|delete ADDRESS | alias list DOMAIN "
	    "[--search TEXT]\n"
	    "  aliasdomain add NAME --target DOMAIN | aliasdomain list\n"
	    "  aliasdomain enable|disable|delete NAME\n"
	    "  audit [--limit N]\n"
	    "  import mailboxes|aliases FILE [--dry-run] [--skip-invalid] [--upsert]"
	    " [--encoding auto|utf-8|cp932]\n"
	    "      [--create-domains-on GUEST]\n"
	    "  export mailboxes [--domain D | --project P] [--with-hashes]\n"
	    "  export aliases [--domain D | --project P]\n"
	    "  migrate postfixadmin --from URL --project P --guest G"
	    " [--map-domain D=GUEST]...\n"
	    "      [--only-domain D]... [--backup-guest G] [--dry-run]"
	    " [--skip-invalid] [--cleartext]\n"
	    "      [--quota-multiplier N]   (URL: mysql://, postgresql:// or"
	    " sqlite:PATH)\n"
	    "See hakomail(1).\n");
	return 2;
}

int
cli_fail(const struct hk_err *err)
{
	char words[sizeof(err->message) + sizeof(err->field) + 8];

	log_error("%s", cli_words_error(err, words, sizeof(words)));
	return 1;
}

static struct cli_opt *
find_opt(struct cli_opt *opts, const char *name)
{
	for (struct cli_opt *o = opts; o != NULL && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

int
cli_parse(struct cli *c, int from, struct cli_opt *opts, const char **pos,
	  int *npos)
{
	*npos = 0;
	for (int i = from; i < c->argc; i++) {
		const char *a = c->argv[i];
		struct cli_opt *o;

		if (strncmp(a, "--", 2) != 0) {
			if (*npos == CLI_MAXPOS) {
				log_error("too many arguments");
				return -1;
			}
			pos[(*npos)++] = a;
			continue;
		}
		if ((o = find_opt(opts, a)) == NULL || o->value != NULL) {
			log_error("%s: %s option", a,
				  o ? "repeated" : "unknown");
			return -1;
		}
		if (o->takes_value && i + 1 >= c->argc) {
			log_error("%s: needs a value", a);
			return -1;
		}
		o->value = o->takes_value ? c->argv[++i] : "";
	}
	return 0;
}

const char *
cli_opt(const struct cli_opt *opts, const char *name)
{
	for (const struct cli_opt *o = opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o->value;
	return NULL;
}

const char *
cli_size(char buf[CLI_SIZE_MAX], int64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
		"PiB", "EiB" };
	uint64_t n = (uint64_t)bytes, div = 1, tenths;
	int u = 0;

	if (bytes < 1024) {
		snprintf(buf, CLI_SIZE_MAX, "%lld B", (long long)bytes);
		return buf;
	}
	while (u < 6 && n / div >= 1024) {
		div *= 1024;
		u++;
	}
	/* to the nearest tenth, without overflow: n / div < 1024 */
	tenths = n / div * 10 + (n % div * 10 + div / 2) / div;
	if (tenths >= 10240 && u < 6) {	/* 1023.96 KiB is 1 MiB */
		div *= 1024;
		u++;
		tenths = n / div * 10 + (n % div * 10 + div / 2) / div;
	}
	if (tenths % 10 == 0)
		snprintf(buf, CLI_SIZE_MAX, "%llu %s",
			 (unsigned long long)(tenths / 10), units[u]);
	else
		snprintf(buf, CLI_SIZE_MAX, "%llu.%llu %s",
			 (unsigned long long)(tenths / 10),
			 (unsigned long long)(tenths % 10), units[u]);
	return buf;
}

const char *
cli_time(char buf[CLI_TIME_MAX], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	tzset();	/* localtime_r() need not read TZ itself */
	if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, CLI_TIME_MAX, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, CLI_TIME_MAX, "-");
	return buf;
}

/* What a column holds, by the names the store gives its columns:
 * flags of these. */
#define CELL_SIZE	1	/* *_bytes */
#define CELL_TIME	2	/* at, *_at, *_since: Unix seconds */
#define CELL_LIMIT	4	/* max_*, *quota*: 0 is no limit */

static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	return n >= k && strcmp(s + n - k, tail) == 0;
}

static int
cell_kind(const char *column)
{
	int kind = 0;

	if (strcmp(column, "at") == 0 || ends_with(column, "_at") ||
	    ends_with(column, "_since"))
		return CELL_TIME;
	if (ends_with(column, "_bytes"))
		kind |= CELL_SIZE;
	if (strncmp(column, "max_", 4) == 0 || strstr(column, "quota"))
		kind |= CELL_LIMIT;
	return kind;
}

static void
print_cell(int kind, json_t *v)
{
	char buf[CLI_TIME_MAX > CLI_SIZE_MAX ? CLI_TIME_MAX : CLI_SIZE_MAX];
	int64_t n = json_integer_value(v);

	if (json_is_integer(v) && (kind & CELL_TIME))
		printf("%s", cli_time(buf, n));
	else if (json_is_integer(v) && (kind & CELL_LIMIT) && n == 0)
		printf("no limit");
	else if (json_is_integer(v) && (kind & CELL_SIZE))
		printf("%s", cli_size(buf, n));
	else if (json_is_string(v))
		printf("%s", json_string_value(v));
	else if (json_is_integer(v))
		printf("%lld", (long long)n);
	else if (json_is_boolean(v))
		printf("%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_array(v) && json_array_size(v) > 0)
		for (size_t i = 0; i < json_array_size(v); i++) {
			printf("%s", i ? "," : "");
			print_cell(0, json_array_get(v, i));
		}
	else if (json_is_object(v))
		json_dumpf(v, stdout, JSON_COMPACT);
	else
		printf("-");
}

void
cli_print(const struct cli *c, json_t *items, const char *const *columns)
{
	size_t i;
	json_t *row;

	if (c->json) {
		json_dumpf(items, stdout, JSON_INDENT(2));
		putchar('\n');
		return;
	}
	for (int k = 0; columns[k]; k++)
		printf("%s%s", k ? "\t" : "", columns[k]);
	putchar('\n');
	json_array_foreach(items, i, row) {
		for (int k = 0; columns[k]; k++) {
			if (k)
				putchar('\t');
			print_cell(cell_kind(columns[k]),
				   json_object_get(row, columns[k]));
		}
		putchar('\n');
	}
}

int
cli_count_opt(const struct cli_opt *opts, const char *name, const char *field,
	      int64_t *out, struct hk_err *err)
{
	const char *v = cli_opt(opts, name);
	uint64_t n;

	if (v == NULL)
		return 0;
	if (!mapsyntax_decimal(v, strlen(v), 1000000000, &n))
		return hk_failr(err, HK_EINVAL, field, HK_R_whole_number_limit,
				NULL);
	*out = (int64_t)n;
	return 0;
}

/* Prints a written object and nudges pushd; owns obj. */
int
cli_written(struct cli *c, json_t *obj, const char *const *cols)
{
	json_t *one = json_array();

	json_array_append_new(one, obj);
	cli_print(c, one, cols);
	json_decref(one);
	wake_notify(c->cfg.wake_socket);
	return 0;
}

/* rc is the listing call's result; items what it filled (call it in a
 * statement of its own: an argument here could be read before it). */
int
cli_listed(struct cli *c, int rc, json_t *items, const char *const *cols,
	   struct hk_err *err)
{
	if (rc < 0) {
		json_decref(items);
		return cli_fail(err);
	}
	cli_print(c, items, cols);
	json_decref(items);
	return 0;
}

#define CLI_INPUTS 4

static struct {
	const char *path;	/* an argv string */
	int fd;
} inputs[CLI_INPUTS];
static int ninputs;

/* Whether argv[i] may name a file the command reads. */
static int
is_input(const struct cli *c, int i)
{
	if (strcmp(c->argv[i - 1], "--host-key-file") == 0 ||
	    strcmp(c->argv[i - 1], "--text-file") == 0)
		return 1;
	/* import KIND FILE: any word after KIND, whatever the options */
	return strcmp(c->argv[0], "import") == 0 && i >= 2 &&
	    strncmp(c->argv[i], "--", 2) != 0;
}

void
cli_preopen(const struct cli *c)
{
	struct stat st;
	int fd;

	if (geteuid() != 0)
		return;	/* nobody to become: opened when read */
	for (int i = 1; i < c->argc && ninputs < CLI_INPUTS; i++) {
		/* a file, or a pipe (--host-key-file <(...), /dev/stdin);
		 * never a device or a directory */
		if (!is_input(c, i) || stat(c->argv[i], &st) < 0 ||
		    !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode)))
			continue;
		if ((fd = open(c->argv[i], O_RDONLY | O_CLOEXEC)) < 0)
			continue;	/* opening it later says why */
		inputs[ninputs].path = c->argv[i];
		inputs[ninputs++].fd = fd;
	}
}

int
cli_open_input(const char *path)
{
	for (int i = 0; i < ninputs; i++) {
		int fd;

		if (strcmp(inputs[i].path, path) != 0)
			continue;
		/* a pipe cannot seek: it is read once */
		if ((fd = fcntl(inputs[i].fd, F_DUPFD_CLOEXEC, 0)) >= 0 &&
		    lseek(fd, 0, SEEK_SET) < 0 && errno != ESPIPE) {
			close(fd);
			return -1;
		}
		return fd;
	}
	return open(path, O_RDONLY | O_CLOEXEC);
}

void
cli_close_inputs(void)
{
	while (ninputs > 0)
		close(inputs[--ninputs].fd);
}

int
cli_read_line(char *buf, size_t size, const char *field, struct hk_err *err)
{
	if (fgets(buf, (int)size, stdin) == NULL)
		return hk_failr(err, HK_EINVAL, field, HK_R_stdin_empty, NULL);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int
cli_collect(struct cli *c, store_lister list, const char *domain,
	    const char *search, json_t **items, struct hk_err *err)
{
	char after[PAGE_CURSOR_MAX + 1] = "", next[PAGE_CURSOR_MAX + 1];
	struct page_in page = { domain, NULL, PAGE_LIMIT_MAX, search, -1, 0 };
	json_t *part = NULL;

	*items = json_array();
	do {
		page.after = after[0] ? after : NULL;
		if (list(c->db, &c->actor, &page, &part, next, err) < 0 ||
		    json_array_extend(*items, part) < 0) {
			json_decref(part);
			json_decref(*items);
			*items = NULL;
			return -1;
		}
		json_decref(part);
		part = NULL;
		snprintf(after, sizeof(after), "%s", next);
	} while (after[0]);
	return 0;
}

void
cli_progress_bar(void *ctx, const char *phase, size_t done, size_t total)
{
	int width = 30, full = total ? (int)(done * width / total) : width;

	(void)ctx;
	fprintf(stderr, "\r%-6s [%.*s%*s] %3zu%% %zu/%zu", phase, full,
		"##############################", width - full, "",
		total ? done * 100 / total : 100, done, total);
	if (done >= total)
		fputc('\n', stderr);
}
