/* SPDX-License-Identifier: ISC */
/*
 * conf.c - load hakomail.conf with inih.  See conf.h; every setting is
 * documented in deploy/hakomail.conf.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ini.h>
#include <openssl/crypto.h>

#include "addrlist.h"
#include "conf.h"
#include "fdio.h"
#include "log.h"
#include "validate.h"

/* K_REAL: a double; K_MAIL: an address or nothing ("" allowed);
 * K_PATH: an absolute path (a program run by its path alone); K_ADDRS:
 * numeric addresses and networks (addrlist.h), or nothing; K_URI: one
 * ldap:// or ldaps:// URI, or nothing; K_FILTER: an LDAP filter with one
 * %s; K_SECRET: the absolute path of a file whose one line is read now
 * into ldap.bind_password; K_KEYFILE: the absolute path of [dkim]'s key
 * file, read now into dkim.key; K_RESOLVER: a numeric IPv4 or IPv6
 * address with an optional @PORT, or nothing. */
enum kind { K_STR, K_INT, K_OCTAL, K_WORD, K_REAL, K_MAIL, K_PATH, K_ADDRS,
	    K_URI, K_FILTER, K_SECRET, K_KEYFILE, K_RESOLVER };

struct setting {
	const char *section, *name;
	enum kind kind;
	size_t offset;
	long min, max;
	const char *const *words;	/* K_WORD: the value is its index */
};

/* enum conf_totp's order */
static const char *const totp_modes[] = { "none", "operators", "all",
	NULL };
static const char *const log_formats[] = { "text", "json", NULL };
static const char *const no_yes[] = { "no", "yes", NULL };
/* enum log_level's order */
static const char *const log_levels[] = { "error", "warning", "info",
	"debug", NULL };

#define S(sec, key, field) \
	{ sec, key, K_STR, offsetof(struct hk_config, field), 0, 0, NULL }
#define I(sec, key, field, lo, hi) \
	{ sec, key, K_INT, offsetof(struct hk_config, field), lo, hi, NULL }
#define W(sec, key, field, list) \
	{ sec, key, K_WORD, offsetof(struct hk_config, field), 0, 0, list }
#define F(sec, key, field, lo, hi) \
	{ sec, key, K_REAL, offsetof(struct hk_config, field), lo, hi, NULL }
#define X(sec, key, kind, field) \
	{ sec, key, kind, offsetof(struct hk_config, field), 0, 0, NULL }

static const struct setting settings[] = {
	S("database", "url", db_url),
	S("fcgi", "socket", fcgi_socket),
	I("fcgi", "workers", fcgi_workers, 1, 256),
	I("fcgi", "threads", fcgi_threads, 1, 64),
	{ "fcgi", "socket_mode", K_OCTAL,
	  offsetof(struct hk_config, fcgi_socket_mode), 0, 0777, NULL },
	S("fcgi", "socket_group", fcgi_socket_group),
	S("fcgi", "user", fcgi_user),
	I("fcgi", "shutdown_timeout", fcgi_shutdown_timeout, 0, 86400),
	S("pushd", "wake_socket", wake_socket),
	S("pushd", "ssh_key", ssh_key),
	S("pushd", "state_dir", pushd_state),
	I("pushd", "timeout", push_timeout, 1, 3600),
	I("pushd", "retry_max", retry_max, 1, 86400),
	I("pushd", "parallel", push_parallel, 1, 64),
	I("pushd", "stagger_ms", push_stagger_ms, 0, 60000),
	I("pushd", "check_interval", check_interval, 0, 604800),
	W("pushd", "deltas", push_deltas, no_yes),
	I("pushd", "served_cache_mb", push_served_mb, 0, 1048576),
	S("pushd", "node", pushd_node),
	S("pushd", "user", pushd_user),
	I("report", "interval", report_interval, 0, 86400),
	{ "metrics", "allow", K_ADDRS, offsetof(struct hk_config,
	  metrics_allow), 0, 0, NULL },
	I("mail", "vmail_uid", vmail_uid, 1, 2147483647),
	I("mail", "vmail_gid", vmail_gid, 1, 2147483647),
	S("mail", "mail_root", mail_root),
	I("guest", "purge_after", purge_after, 1, 3650),
	I("move", "relay_days", move_relay_days, 0, 3650),
	I("move", "parallel", move_parallel, 1, 16),
	I("password", "min_length", pw_min, 1, 1024),
	/* libxcrypt hashes at most CRYPT_MAX_PASSPHRASE_SIZE (512) - 1 */
	I("password", "max_length", pw_max, 8, 511),
	I("session", "idle_timeout", session_idle, 60, 86400),
	I("session", "lifetime", session_lifetime, 300, 2592000),
	I("session", "login_failures", login_free, 1, 1000),
	I("session", "address_failures", login_free_addr, 1, 100000),
	I("session", "max_delay", login_max_delay, 1, 86400),
	W("auth", "require_totp", require_totp, totp_modes),
	W("log", "format", log_json, log_formats),
	W("log", "level", log_level, log_levels),
	F("warn", "disk_percent", warn_disk_percent, 1, 100),
	F("warn", "disk_days", warn_disk_days, 0, 36500),
	I("warn", "queue_deferred", warn_queue_deferred, 0, 1000000000),
	I("warn", "queue_age", warn_queue_age, 1, 31536000),
	F("warn", "mailbox_percent", warn_mailbox_percent, 1, 100),
	X("warn", "mail_to", K_MAIL, warn_mail_to),
	X("warn", "sendmail", K_PATH, warn_sendmail),
	X("ldap", "uri", K_URI, ldap.uri),
	W("ldap", "starttls", ldap.starttls, no_yes),
	X("ldap", "ca_file", K_PATH, ldap.ca_file),
	S("ldap", "base", ldap.base),
	X("ldap", "filter", K_FILTER, ldap.filter),
	S("ldap", "bind_dn", ldap.bind_dn),
	X("ldap", "bind_password_file", K_SECRET, ldap.bind_password_file),
	I("ldap", "timeout", ldap.timeout, 1, 60),
	X("dkim", "key_file", K_KEYFILE, dkim.key_file),
	I("dkim", "rsa_bits", dkim.rsa_bits, DKIM_RSA_MIN, DKIM_RSA_MAX),
	I("dkim", "retire_days", dkim.retire_days, 0, 3650),
	X("dns", "resolver", K_RESOLVER, dns.resolver),
	I("dns", "timeout", dns.timeout, 1, 60),
	I("dns", "check_interval", dns.check_interval, 0, 2592000),
	X("dns", "dmarc_rua", K_MAIL, dns.dmarc_rua),
	X("dns", "tlsrpt_rua", K_MAIL, dns.tlsrpt_rua),
	{ NULL, NULL, K_STR, 0, 0, 0, NULL }
};

void
conf_defaults(struct hk_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->db_url, sizeof(c->db_url), "sqlite:%s/lib/hakomail/hakomail.db",
		 LOCALSTATEDIR);
	snprintf(c->fcgi_socket, sizeof(c->fcgi_socket),
		 "%s/hakomail/fcgi.sock", RUNSTATEDIR);
	c->fcgi_workers = 4;
	c->fcgi_threads = 2;
	c->fcgi_socket_mode = 0660;
	snprintf(c->fcgi_socket_group, sizeof(c->fcgi_socket_group),
		 "www-data");
	snprintf(c->fcgi_user, sizeof(c->fcgi_user), "hakomail");
	c->fcgi_shutdown_timeout = 30;
	snprintf(c->wake_socket, sizeof(c->wake_socket),
		 "%s/hakomail-push/pushd.sock", RUNSTATEDIR);
	snprintf(c->ssh_key, sizeof(c->ssh_key),
		 "%s/lib/hakomail/ssh/id_ed25519", LOCALSTATEDIR);
	snprintf(c->pushd_state, sizeof(c->pushd_state),
		 "%s/lib/hakomail/pushd", LOCALSTATEDIR);
	c->push_timeout = 60;
	c->retry_max = 300;
	c->push_parallel = 4;
	c->push_stagger_ms = 100;
	c->push_deltas = 1;
	c->push_served_mb = 1024;
	c->check_interval = 600;
	c->report_interval = 300;
	snprintf(c->pushd_user, sizeof(c->pushd_user), "hakomail-push");
	c->vmail_uid = 5000;
	c->vmail_gid = 5000;
	snprintf(c->mail_root, sizeof(c->mail_root), "/var/mail/vhosts");
	c->purge_after = 30;
	c->move_relay_days = 7;
	c->move_parallel = 2;
	c->pw_min = 10;
	c->pw_max = 256;
	c->session_idle = 1800;
	c->session_lifetime = 43200;
	c->login_free = 5;
	c->login_free_addr = 50;
	c->login_max_delay = 900;
	c->log_level = LOG_LEVEL_INFO;
	c->warn_disk_percent = 85;
	c->warn_disk_days = 30;
	c->warn_queue_deferred = 100;
	c->warn_queue_age = 3600;
	c->warn_mailbox_percent = 90;
	snprintf(c->warn_sendmail, sizeof(c->warn_sendmail),
		 "/usr/sbin/sendmail");
	snprintf(c->ldap.filter, sizeof(c->ldap.filter), "(uid=%%s)");
	c->ldap.timeout = 5;
	c->dkim.rsa_bits = DKIM_RSA_DEFAULT;
	c->dkim.retire_days = 7;
	c->dns.timeout = 5;
}

void
conf_warn_limits(const struct hk_config *cfg, struct warn_limits *l)
{
	l->disk_percent = cfg->warn_disk_percent;
	l->disk_days = cfg->warn_disk_days;
	l->queue_deferred = cfg->warn_queue_deferred;
	l->queue_age_s = cfg->warn_queue_age;
	l->mailbox_percent = cfg->warn_mailbox_percent;
}

struct load_ctx {
	struct hk_config *cfg;
	struct hk_err *err;
	int failed;
};

static int
set_word(struct load_ctx *lc, const struct setting *s, const char *value,
	 int *out)
{
	char list[128] = "";
	size_t len = 0;

	for (int i = 0; s->words[i] != NULL; i++) {
		if (strcmp(value, s->words[i]) == 0) {
			*out = i;
			return 0;
		}
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? ", " : "", s->words[i]);
		if (len >= sizeof(list))
			len = sizeof(list) - 1;
	}
	return hk_failr(lc->err, HK_EINVAL, s->name, HK_R_conf_not_one_of,
			"section", s->section, "name", s->name, "value", value,
			"list", list, NULL);
}

/* A list of addresses and networks (addrlist.h); may be empty. */
static int
set_addrs(struct load_ctx *lc, const struct setting *s, const char *value,
	  char *out)
{
	struct addrlist list;

	if (strlen(value) >= CONF_STR)
		return hk_failr(lc->err, HK_EINVAL, s->name, HK_R_conf_empty,
				"section", s->section, "name", s->name, NULL);
	if (addrlist_parse(value, s->name, &list, lc->err) < 0)
		return -1;
	snprintf(out, CONF_STR, "%s", value);
	return 0;
}

static int
set_real(struct load_ctx *lc, const struct setting *s, const char *value,
	 double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(value, &end);
	/* written so that NaN fails too */
	if (errno != 0 || *value == '\0' || *end != '\0' ||
	    !(v >= (double)s->min && v <= (double)s->max))
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_not_number, "section", s->section,
				"name", s->name, "value", value, "min",
				HK_NUM(s->min), "max", HK_NUM(s->max), NULL);
	*out = v;
	return 0;
}

/* An address in canonical form, or "" (none). */
static int
set_mail(struct load_ctx *lc, const struct setting *s, const char *value,
	 char *out)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];

	if (value[0] == '\0') {
		out[0] = '\0';
		return 0;
	}
	if (strlen(value) >= CONF_STR ||
	    validate_address(value, s->name, local, domain, lc->err) < 0)
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_not_address, "section", s->section,
				"name", s->name, "value", value, NULL);
	snprintf(out, CONF_STR, "%s@%s", local, domain);
	return 0;
}

/* One ldaps:// or ldap:// URI (which of them goes with starttls is
 * checked once the whole file is read), or "": no directory.  One URI,
 * not libldap's space-separated list, so that what is checked here is
 * what is dialled. */
static int
set_uri(struct load_ctx *lc, const struct setting *s, const char *value,
	char *out)
{
	size_t len = strlen(value);

	if (len > 0 && (len >= CONF_STR || strpbrk(value, " \t") != NULL ||
	    (strncasecmp(value, "ldaps://", 8) != 0 &&
	     strncasecmp(value, "ldap://", 7) != 0)))
		return hk_failr(lc->err, HK_EINVAL, s->name, HK_R_conf_ldap_uri,
				"value", value, NULL);
	snprintf(out, CONF_STR, "%s", value);
	return 0;
}

/* "(...)" whose parentheses balance and close only at the end, with one
 * %s (the login, escaped by ldapauth.c) and no other %.  The rest of the
 * syntax is the directory's to judge: a bad filter fails every search. */
static int
filter_ok(const char *f)
{
	int depth = 0, subst = 0;

	if (f[0] != '(')
		return 0;
	for (const char *p = f; *p != '\0'; p++) {
		if (*p == '%') {
			if (p[1] != 's' || subst++)
				return 0;
		}
		depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
		if (depth < 0 || (depth == 0 && p[1] != '\0'))
			return 0;
	}
	return depth == 0 && subst == 1;
}

static int
set_filter(struct load_ctx *lc, const struct setting *s, const char *value,
	   char *out)
{
	if (strlen(value) >= CONF_STR || !filter_ok(value))
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_ldap_filter, "value", value, NULL);
	snprintf(out, CONF_STR, "%s", value);
	return 0;
}

/* A secret's file: one line of 1..CONF_SECRET_MAX bytes (a final newline
 * dropped), not readable or writable by others. */
static int
read_secret(struct load_ctx *lc, const struct setting *s, const char *path,
	    char *secret)
{
	char buf[CONF_SECRET_MAX + 3], mode[8];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_secret_unreadable, "section",
				s->section, "name", s->name, "path", path,
				"detail", strerror(errno), NULL);
	n = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 0007) == 0)
		n = fdio_read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0 && S_ISREG(st.st_mode) && (st.st_mode & 0007) != 0) {
		snprintf(mode, sizeof(mode), "%04o",
			 (unsigned)(st.st_mode & 07777));
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_secret_exposed, "section",
				s->section, "name", s->name, "path", path,
				"mode", mode, NULL);
	}
	if (n > 0 && buf[n - 1] == '\n')
		n -= n > 1 && buf[n - 2] == '\r' ? 2 : 1;
	if (n <= 0 || n > CONF_SECRET_MAX || memchr(buf, '\n', (size_t)n) ||
	    memchr(buf, '\r', (size_t)n) || memchr(buf, '\0', (size_t)n)) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_secret_bad, "section", s->section,
				"name", s->name, "path", path, "max",
				HK_NUM(CONF_SECRET_MAX), NULL);
	}
	memcpy(secret, buf, (size_t)n);
	secret[n] = '\0';
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

static int
set_secret(struct load_ctx *lc, const struct setting *s, const char *value,
	   char *out)
{
	if (value[0] != '/')
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_not_absolute, "section", s->section,
				"name", s->name, "value", value, NULL);
	if (strlen(value) >= CONF_STR)
		return hk_failr(lc->err, HK_EINVAL, s->name, HK_R_conf_empty,
				"section", s->section, "name", s->name, NULL);
	if (read_secret(lc, s, value, lc->cfg->ldap.bind_password) < 0)
		return -1;
	snprintf(out, CONF_STR, "%s", value);
	return 0;
}

/* What is wrong with the key file's metadata (lstat's st, then the open
 * file's), or 0. */
static int
key_file_mode(struct load_ctx *lc, const struct setting *s, const char *path,
	      const struct stat *st)
{
	char mode[8];

	snprintf(mode, sizeof(mode), "%04o", (unsigned)(st->st_mode & 07777));
	if (S_ISLNK(st->st_mode))
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_key_symlink, "section", s->section,
				"name", s->name, "path", path, NULL);
	if (!S_ISREG(st->st_mode))
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_key_not_file, "section", s->section,
				"name", s->name, "path", path, NULL);
	if ((st->st_mode & 0007) != 0)
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_secret_exposed, "section",
				s->section, "name", s->name, "path", path,
				"mode", mode, NULL);
	if ((st->st_mode & 0020) != 0)
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_key_group_write, "section",
				s->section, "name", s->name, "path", path,
				"mode", mode, NULL);
	return 0;
}

/* buf[0..n): 64 hex digits and an optional line end, into key. */
static int
key_hex(const char *buf, ssize_t n, unsigned char *key)
{
	if (n > 0 && buf[n - 1] == '\n')
		n -= n > 1 && buf[n - 2] == '\r' ? 2 : 1;
	if (n != 2 * DKIM_KEY_LEN)
		return -1;
	for (int i = 0; i < DKIM_KEY_LEN; i++) {
		int v = 0;

		for (int k = 0; k < 2; k++) {
			char c = buf[2 * i + k];
			int d = c >= '0' && c <= '9' ? c - '0' :
				c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		key[i] = (unsigned char)v;
	}
	return 0;
}

/* [dkim] key_file: checked (not a symbolic link, a regular file, nothing
 * for others, no group write) and read into dkim.key. */
static int
set_key_file(struct load_ctx *lc, const struct setting *s, const char *value,
	     char *out)
{
	char buf[2 * DKIM_KEY_LEN + 3];
	struct stat st;
	ssize_t n = -1;
	int fd, rc;

	if (value[0] != '/' || strlen(value) >= CONF_STR)
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_not_absolute, "section", s->section,
				"name", s->name, "value", value, NULL);
	/* lstat names a link or a mode; the open file's own fstat is what
	 * counts (the path may have changed between the two) */
	if (lstat(value, &st) == 0 && key_file_mode(lc, s, value, &st) < 0)
		return -1;
	if ((fd = open(value, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
		       O_NONBLOCK)) < 0)
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_secret_unreadable, "section",
				s->section, "name", s->name, "path", value,
				"detail", strerror(errno), NULL);
	rc = fstat(fd, &st) < 0 ? hk_fail_errno(lc->err, "fstat %s", value) :
	     key_file_mode(lc, s, value, &st);
	if (rc == 0)
		n = fdio_read_full(fd, buf, sizeof(buf));
	close(fd);
	if (rc == 0 && key_hex(buf, n, lc->cfg->dkim.key) < 0)
		rc = hk_failr(lc->err, HK_EINVAL, s->name, HK_R_conf_key_hex,
			      "section", s->section, "name", s->name, "path",
			      value, NULL);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc < 0)
		OPENSSL_cleanse(lc->cfg->dkim.key, DKIM_KEY_LEN);
	else
		snprintf(out, CONF_STR, "%s", value);
	return rc;
}

/* "IP" or "IP@PORT" (libunbound's own form for a forwarder), IPv4 or
 * IPv6, numeric only: a name would need a resolver to find the resolver. */
static int
set_resolver(struct load_ctx *lc, const struct setting *s, const char *value,
	     char *out)
{
	char ip[INET6_ADDRSTRLEN + 1], *end;
	unsigned char bin[sizeof(struct in6_addr)];
	const char *at = strchr(value, '@');
	size_t iplen = at ? (size_t)(at - value) : strlen(value);
	long port = 53;

	if (value[0] == '\0') {
		out[0] = '\0';
		return 0;
	}
	if (at != NULL) {
		errno = 0;
		port = strtol(at + 1, &end, 10);
		if (errno != 0 || at[1] == '\0' || *end != '\0')
			port = 0;
	}
	if (iplen == 0 || iplen >= sizeof(ip) || port < 1 || port > 65535)
		goto bad;
	memcpy(ip, value, iplen);
	ip[iplen] = '\0';
	if (inet_pton(AF_INET, ip, bin) == 1 ||
	    inet_pton(AF_INET6, ip, bin) == 1) {
		snprintf(out, CONF_STR, "%s", value);
		return 0;
	}
bad:
	return hk_failr(lc->err, HK_EINVAL, s->name, HK_R_conf_dns_resolver,
			"value", value, NULL);
}

static int
set_value(struct load_ctx *lc, const struct setting *s, const char *value)
{
	char *base = (char *)lc->cfg + s->offset, *end;
	long v;

	if (s->kind == K_REAL)
		return set_real(lc, s, value, (double *)(void *)base);
	if (s->kind == K_MAIL)
		return set_mail(lc, s, value, base);
	if (s->kind == K_URI)
		return set_uri(lc, s, value, base);
	if (s->kind == K_FILTER)
		return set_filter(lc, s, value, base);
	if (s->kind == K_SECRET)
		return set_secret(lc, s, value, base);
	if (s->kind == K_KEYFILE)
		return set_key_file(lc, s, value, base);
	if (s->kind == K_RESOLVER)
		return set_resolver(lc, s, value, base);
	if (s->kind == K_PATH && value[0] != '/')
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_not_absolute, "section", s->section,
				"name", s->name, "value", value, NULL);
	if (s->kind == K_STR || s->kind == K_PATH) {
		if (strlen(value) >= CONF_STR || value[0] == '\0')
			return hk_failr(lc->err, HK_EINVAL, s->name,
					HK_R_conf_empty, "section", s->section,
					"name", s->name, NULL);
		snprintf(base, CONF_STR, "%s", value);
		return 0;
	}
	if (s->kind == K_WORD)
		return set_word(lc, s, value, (int *)(void *)base);
	if (s->kind == K_ADDRS)
		return set_addrs(lc, s, value, base);
	errno = 0;
	v = strtol(value, &end, s->kind == K_OCTAL ? 8 : 10);
	if (errno != 0 || *value == '\0' || *end != '\0' || v < s->min ||
	    v > s->max)
		return hk_failr(lc->err, HK_EINVAL, s->name,
				HK_R_conf_not_number, "section", s->section,
				"name", s->name, "value", value, "min",
				HK_NUM(s->min), "max", HK_NUM(s->max), NULL);
	*(int *)(void *)base = (int)v;
	return 0;
}

static int
on_entry(void *user, const char *section, const char *name,
	 const char *value)
{
	struct load_ctx *lc = user;

	if (lc->failed)
		return 0;
	for (const struct setting *s = settings; s->section; s++) {
		if (strcmp(s->section, section) != 0 ||
		    strcmp(s->name, name) != 0)
			continue;
		if (set_value(lc, s, value) < 0) {
			lc->failed = 1;
			return 0;
		}
		return 1;
	}
	hk_failr(lc->err, HK_EINVAL, name, HK_R_conf_unknown, "section",
		 section, "name", name, NULL);
	lc->failed = 1;
	return 0;
}

static int
ldap_needs(struct hk_err *err, const char *name, const char *with)
{
	return hk_failr(err, HK_EINVAL, name, HK_R_conf_ldap_needs, "name",
			name, "with", with, NULL);
}

/* What the [ldap] keys mean together, once all are read: a password
 * never crosses the network in the clear, and a directory has what a
 * search needs.  Names the key at fault (inih gives no line here). */
static int
check_ldap(const struct ldap_conf *l, struct hk_err *err)
{
	int ldaps = strncasecmp(l->uri, "ldaps://", 8) == 0;

	if (l->uri[0] == '\0')
		return 0;
	if (!ldaps && !l->starttls)
		return hk_failr(err, HK_EINVAL, "uri", HK_R_conf_ldap_cleartext,
				"value", l->uri, NULL);
	if (ldaps && l->starttls)
		return hk_failr(err, HK_EINVAL, "starttls",
				HK_R_conf_ldap_starttls, "value", l->uri, NULL);
	if (l->base[0] == '\0')
		return ldap_needs(err, "base", "uri");
	if (l->ca_file[0] == '\0')
		return ldap_needs(err, "ca_file", "uri");
	if (l->bind_dn[0] != '\0' && l->bind_password_file[0] == '\0')
		return ldap_needs(err, "bind_password_file", "bind_dn");
	if (l->bind_dn[0] == '\0' && l->bind_password_file[0] != '\0')
		return ldap_needs(err, "bind_dn", "bind_password_file");
	return 0;
}

/* [dkim] rsa_bits: a size dkim_key makes. */
static int
check_dkim(const struct dkim_conf *d, struct hk_err *err)
{
	if (d->rsa_bits % DKIM_RSA_STEP == 0)
		return 0;
	return hk_failr(err, HK_EINVAL, "rsa_bits", HK_R_conf_not_one_of,
			"section", "dkim", "name", "rsa_bits", "value",
			HK_NUM(d->rsa_bits), "list", "1024, 2048, 3072, 4096",
			NULL);
}

int
conf_load(struct hk_config *cfg, const char *path, struct hk_err *err)
{
	struct load_ctx lc = { cfg, err, 0 };
	char dflt[CONF_STR];
	int explicit = path != NULL, rc;

	conf_defaults(cfg);
	if (path == NULL)
		path = getenv("HAKOMAIL_CONF");
	explicit = explicit || path != NULL;
	if (path == NULL) {
		snprintf(dflt, sizeof(dflt), "%s/hakomail/hakomail.conf",
			 SYSCONFDIR);
		path = dflt;
	}
	if (!explicit && access(path, F_OK) != 0 && errno == ENOENT)
		return hk_failr(err, HK_ENOTFOUND, "config", HK_R_conf_none,
				"path", path, NULL);
	rc = ini_parse(path, on_entry, &lc);
	if (rc < 0)
		return hk_failr(err, HK_EINVAL, "config", HK_R_conf_unreadable,
				"path", path, NULL);
	if (lc.failed) {
		size_t len = strlen(err->message);
		snprintf(err->message + len, sizeof(err->message) - len,
			 " (%s line %d)", path, rc);
		return -1;
	}
	if (rc > 0)
		return hk_failr(err, HK_EINVAL, "config", HK_R_conf_syntax,
				"path", path, "line", HK_NUM(rc), NULL);
	if (check_ldap(&cfg->ldap, err) < 0 || check_dkim(&cfg->dkim, err) < 0) {
		size_t len = strlen(err->message);
		snprintf(err->message + len, sizeof(err->message) - len,
			 " (%s)", path);
		return -1;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	return 0;
}

void
conf_log_init(const struct hk_config *cfg, const char *prog, unsigned flags)
{
	log_init(prog, flags | (cfg->log_json ? LOG_F_JSON : 0));
	log_set_level((enum log_level)cfg->log_level);
}
