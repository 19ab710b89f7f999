/* SPDX-License-Identifier: ISC */
/*
 * mapsyntax.c - the strict grammar of map values and map lines.  See
 * mapsyntax.h.
 *
 * Every check walks the bytes once against an explicit ASCII class; there
 * is no locale, no <ctype.h> and no allocation, so a byte >= 0x80, a
 * control character or a separator can never slip through by accident.
 * Lines are split on their separators first and each piece is then judged
 * by the value checks, so a map line is well formed exactly when its
 * pieces are.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "mapsyntax.h"


static int
is_lower_digit(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
is_alnum(unsigned char c)
{
	return is_lower_digit(c) || (c >= 'A' && c <= 'Z');
}

/* One LDH label: [a-z0-9-]{1,63}, no '-' at either end. */
static int
label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_digit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int
mapsyntax_label(const char *s, size_t n)
{
	return s != NULL && label_ok(s, n);
}

int
mapsyntax_domain(const char *s, size_t n)
{
	size_t start = 0, labels = 0;

	if (s == NULL || n == 0 || n > MAPSYNTAX_DOMAIN_MAX)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!label_ok(s + start, i - start))
			return 0;
		labels++;
		start = i + 1;
	}
	return labels >= 2;
}

int
mapsyntax_localpart(const char *s, size_t n)
{
	if (s == NULL || n == 0 || n > MAPSYNTAX_LOCAL_MAX)
		return 0;
	if (s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' && s[i + 1] == '.')	/* i + 1 < n: s[n-1] != '.' */
			return 0;
		if (!is_lower_digit(c) && c != '.' && c != '_' && c != '+' &&
		    c != '-')
			return 0;
	}
	return 1;
}

int
mapsyntax_address(const char *s, size_t n)
{
	const char *at;

	if (s == NULL || n == 0 || n > MAPSYNTAX_ADDRESS_MAX)
		return 0;
	if ((at = memchr(s, '@', n)) == NULL)
		return 0;
	return mapsyntax_localpart(s, (size_t)(at - s)) &&
	    mapsyntax_domain(at + 1, n - (size_t)(at - s) - 1);
}

/* crypt(3)'s and base64's alphabets, and ',' of Argon2's
 * "$argon2id$v=19$m=65536,t=3,p=1$..." (never ':', a passwd-file's
 * separator) */
static int
is_hash_char(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '/' || c == '$' || c == '=' ||
	    c == '+' || c == '_' || c == '-' || c == ',';
}

int
mapsyntax_hash(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || n < 4 || n > MAPSYNTAX_HASH_MAX || s[0] != '{')
		return 0;
	for (i = 1; i < n && s[i] != '}'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    c != '-')
			return 0;
	}
	if (i == 1 || i >= n - 1)	/* empty scheme, no '}' or no body */
		return 0;
	for (i++; i < n; i++)
		if (!is_hash_char((unsigned char)s[i]))
			return 0;
	return 1;
}

int
mapsyntax_path(const char *s, size_t n)
{
	size_t start = 1;

	if (s == NULL || n == 0 || n > MAPSYNTAX_PATH_MAX || s[0] != '/')
		return 0;
	for (size_t i = 1; i <= n; i++) {
		size_t len;

		if (i < n && s[i] != '/') {
			unsigned char c = (unsigned char)s[i];

			if (!is_alnum(c) && c != '.' && c != '_' && c != '+' &&
			    c != '-')
				return 0;
			continue;
		}
		len = i - start;
		if (len == 0 && i < n)		/* "//" */
			return 0;
		if ((len == 1 && s[start] == '.') ||
		    (len == 2 && s[start] == '.' && s[start + 1] == '.'))
			return 0;
		start = i + 1;
	}
	return 1;
}

/*
 * Map lines.  Each checker returns NULL when the line is well formed, else
 * a short reason; mapsyntax_line() puts the file name in err->field.
 */

/* Splits s[0..n) at the first `sep`: *head is its length, *rest and *rn
 * what follows it.  Returns 0 when there is no `sep`. */
static int
split(const char *s, size_t n, char sep, size_t *head, const char **rest,
      size_t *rn)
{
	const char *p = memchr(s, sep, n);

	if (p == NULL)
		return 0;
	*head = (size_t)(p - s);
	*rest = p + 1;
	*rn = n - *head - 1;
	return 1;
}

/* "@DOMAIN" */
static int
catchall_ok(const char *s, size_t n)
{
	return n > 1 && s[0] == '@' && mapsyntax_domain(s + 1, n - 1);
}

/* "DOMAIN OK" (virtual_mailbox_domains, relay_domains) */
static const char *
domain_ok_line(const char *s, size_t n)
{
	if (n < 3 || memcmp(s + n - 3, " OK", 3) != 0)
		return "expected \"DOMAIN OK\"";
	if (!mapsyntax_domain(s, n - 3))
		return "not a valid domain (lowercase A-label, two labels or more)";
	return NULL;
}

/* "ADDRESS DOMAIN/LOCAL/" */
static const char *
mailbox_line(const char *s, size_t n)
{
	const char *v, *local;
	size_t kn, vn, dn, ln;

	if (!split(s, n, ' ', &kn, &v, &vn))
		return "expected \"ADDRESS DOMAIN/LOCAL/\"";
	if (!mapsyntax_address(s, kn))
		return "key is not a valid address (local@domain)";
	if (vn < 2 || v[vn - 1] != '/' || !split(v, vn - 1, '/', &dn, &local, &ln))
		return "mailbox is not \"DOMAIN/LOCAL/\"";
	if (!mapsyntax_domain(v, dn))
		return "mailbox directory: not a valid domain";
	if (!mapsyntax_localpart(local, ln))
		return "mailbox directory: not a valid local part";
	return NULL;
}

/* "KEY DEST[,DEST...]" */
static const char *
alias_line(const char *s, size_t n)
{
	const char *v, *d;
	size_t kn, vn, dn;

	if (!split(s, n, ' ', &kn, &v, &vn))
		return "expected \"KEY DEST[,DEST...]\"";
	if (!mapsyntax_address(s, kn) && !catchall_ok(s, kn))
		return "key is not an address or \"@DOMAIN\"";
	/* "@ALIAS @TARGET": Postfix keeps the user part (an alias domain). */
	if (catchall_ok(s, kn) && catchall_ok(v, vn))
		return NULL;
	while (split(v, vn, ',', &dn, &d, &vn)) {
		if (!mapsyntax_address(v, dn))
			return "a destination is not a valid address";
		v = d;
	}
	if (!mapsyntax_address(v, vn))
		return "a destination is not a valid address";
	return NULL;
}

/* "ADDRESS OK" or "@DOMAIN OK" */
static const char *
recipient_line(const char *s, size_t n)
{
	if (n < 3 || memcmp(s + n - 3, " OK", 3) != 0)
		return "expected \"ADDRESS OK\" or \"@DOMAIN OK\"";
	if (!mapsyntax_address(s, n - 3) && !catchall_ok(s, n - 3))
		return "key is not an address or \"@DOMAIN\"";
	return NULL;
}

/* A nexthop host: LDH labels (an IPv4 literal is one), or an IPv6 literal
 * of hex digits, ':' and '.' (its IPv4 tail). */
static int
nexthop_host_ok(const char *s, size_t n)
{
	size_t start = 0, colons = 0;

	if (n == 0 || n > MAPSYNTAX_DOMAIN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		colons += s[i] == ':';
	if (colons > 0) {
		for (size_t i = 0; i < n; i++)
			if (!((s[i] >= '0' && s[i] <= '9') ||
			      (s[i] >= 'a' && s[i] <= 'f') || s[i] == ':' ||
			      s[i] == '.'))
				return 0;
		return colons >= 2 && n <= 45;
	}
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!label_ok(s + start, i - start))
			return 0;
		start = i + 1;
	}
	return 1;
}

/* "DOMAIN relay:[HOST]:PORT" */
static const char *
transport_line(const char *s, size_t n)
{
	const char *v, *host, *port;
	size_t kn, vn, hn, pn;
	uint64_t p;

	if (!split(s, n, ' ', &kn, &v, &vn))
		return "expected \"DOMAIN relay:[HOST]:PORT\"";
	if (!mapsyntax_domain(s, kn))
		return "key is not a valid domain";
	if (vn < 10 || memcmp(v, "relay:[", 7) != 0)
		return "the nexthop is not \"relay:[HOST]:PORT\"";
	host = v + 7;
	port = memchr(host, ']', vn - 7);
	if (port == NULL || port + 2 > v + vn || port[1] != ':')
		return "the nexthop is not \"relay:[HOST]:PORT\"";
	hn = (size_t)(port - host);
	port += 2;
	pn = (size_t)(v + vn - port);
	if (!nexthop_host_ok(host, hn))
		return "the nexthop host is not a host name or an IP address";
	if (!mapsyntax_decimal(port, pn, 65535, &p) || p == 0)
		return "the nexthop port is not a number from 1 to 65535";
	return NULL;
}

int
mapsyntax_decimal(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20 || (s[0] == '0' && n > 1))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || v > (max - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

/* A uid or gid: 1 .. 2^32 - 2 (never 0). */
static int
id_ok(const char *s, size_t n)
{
	uint64_t v;

	return mapsyntax_decimal(s, n, UINT32_MAX - 1, &v) && v > 0;
}

/* Space-separated key=value tokens of [A-Za-z0-9_=*:.+-]; may be empty. */
static int
extra_ok(const char *s, size_t n)
{
	size_t tok = 0;

	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : ' ';

		if (c == ' ') {
			if (n > 0 && (tok == 0 || s[i - tok] == '=' ||
			    memchr(s + i - tok, '=', tok) == NULL))
				return 0;
			tok = 0;
			continue;
		}
		if (!is_alnum(c) && c != '_' && c != '=' && c != '*' &&
		    c != ':' && c != '.' && c != '+' && c != '-')
			return 0;
		tok++;
	}
	return 1;
}

/* Dovecot passwd-file: "ADDRESS:HASH:UID:GID::HOME::EXTRA" */
static const char *
passwd_line(const char *s, size_t n)
{
	const char *f[8];
	size_t fn[8];

	f[0] = s;
	for (int i = 0; i < 7; i++)
		if (!split(f[i], i == 0 ? n : fn[i], ':', &fn[i], &f[i + 1],
			   &fn[i + 1]))
			return "expected \"ADDRESS:HASH:UID:GID::HOME::EXTRA\"";
	if (!mapsyntax_address(f[0], fn[0]))
		return "user is not a valid address (local@domain)";
	if (!mapsyntax_hash(f[1], fn[1]))
		return "password is not a valid \"{SCHEME}hash\"";
	if (!id_ok(f[2], fn[2]) || !id_ok(f[3], fn[3]))
		return "uid or gid is not a decimal number from 1 to 4294967294";
	if (fn[4] != 0 || fn[6] != 0)
		return "gecos and shell fields must be empty";
	if (!mapsyntax_path(f[5], fn[5]))
		return "home is not a valid absolute path";
	if (!extra_ok(f[7], fn[7]))
		return "extra fields are not space-separated key=value";
	return NULL;
}

/* "trash ID ADDRESS" or "restore ID ADDRESS", ID 1..2^63-1 */
static const char *
trash_line(const char *s, size_t n)
{
	const char *id, *addr;
	size_t vn, idn, an;
	uint64_t v;

	if (!split(s, n, ' ', &vn, &id, &idn) ||
	    !split(id, idn, ' ', &idn, &addr, &an))
		return "expected \"trash ID ADDRESS\" or \"restore ID ADDRESS\"";
	if (!(vn == 5 && memcmp(s, "trash", 5) == 0) &&
	    !(vn == 7 && memcmp(s, "restore", 7) == 0))
		return "the verb is not \"trash\" or \"restore\"";
	if (!mapsyntax_decimal(id, idn, INT64_MAX, &v) || v == 0)
		return "id is not a decimal number from 1 to 2^63-1";
	if (!mapsyntax_address(addr, an))
		return "not a valid address (local@domain)";
	return NULL;
}

/* "ADDRESS BASE64": the script, canonical base64, 1..MAPSYNTAX_SIEVE_MAX
 * octets decoded */
static const char *
sieve_line(const char *s, size_t n)
{
	const char *b64;
	size_t an, bn, len;

	if (!split(s, n, ' ', &an, &b64, &bn))
		return "expected \"ADDRESS BASE64\"";
	if (!mapsyntax_address(s, an))
		return "not a valid address (local@domain)";
	if (!base64_valid(b64, bn, &len) || len == 0)
		return "the script is not canonical base64 (RFC 4648, padded, "
		       "one line)";
	if (len > MAPSYNTAX_SIEVE_MAX)
		return "the script is over 65536 octets";
	return NULL;
}

int
mapsyntax_line(const char *file, const char *line, size_t n,
	       struct hk_err *err)
{
	const char *why;

	if (file == NULL || line == NULL)
		return hk_fail(err, HK_EINVAL, "", "no file or no line");
	if (n == 0)
		why = "empty line";
	else if (strcmp(file, "virtual_mailbox_domains") == 0 ||
		 strcmp(file, "relay_domains") == 0)
		why = domain_ok_line(line, n);
	else if (strcmp(file, "virtual_mailbox_maps") == 0)
		why = mailbox_line(line, n);
	else if (strcmp(file, "virtual_alias_maps") == 0)
		why = alias_line(line, n);
	else if (strcmp(file, "relay_recipient_maps") == 0)
		why = recipient_line(line, n);
	else if (strcmp(file, "transport") == 0)
		why = transport_line(line, n);
	else if (strcmp(file, "passwd") == 0)
		why = passwd_line(line, n);
	else if (strcmp(file, "trash") == 0)
		why = trash_line(line, n);
	else if (strcmp(file, "sieve") == 0)
		why = sieve_line(line, n);
	else
		return hk_fail(err, HK_EINVAL, "", "unknown map file");
	if (why != NULL)
		return hk_fail(err, HK_EINVAL, file, "%s", why);
	return 0;
}
