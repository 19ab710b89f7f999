/* SPDX-License-Identifier: ISC */
/*
 * validate.c - canonicalize and check untrusted values.  See validate.h.
 *
 * Control characters are refused before any library sees the value; the
 * canonical result is then checked against mapsyntax, the same grammar the
 * agent enforces on the guest, so the two ends can never disagree.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <idn2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include "utf8.h"
#include "validate.h"

#define INPUT_MAX 1024

int
validate_utf8_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if ((len = utf8_seq(p + i, n - i, &cp)) == 0 ||
		    cp < 0x20 || (cp >= 0x7f && cp < 0xa0))  /* C0, DEL, C1 */
			return 0;
		i += len;
	}
	return 1;
}

static int
check_text(const char *in, const char *field, size_t max, struct hk_err *err)
{
	size_t n;

	if (in == NULL || *in == '\0')
		return hk_failr(err, HK_EINVAL, field, HK_R_empty, NULL);
	n = strlen(in);
	if (n > max)
		return hk_failr(err, HK_EINVAL, field, HK_R_longer_than_octets,
				"max", HK_NUM(max), NULL);
	if (!validate_utf8_text(in, n))
		return hk_failr(err, HK_EINVAL, field, HK_R_control_or_utf8,
				NULL);
	return 0;
}

/*
 * The look-alike policy of validate.h, on the U-label of each IDN label.
 * A checker per call: once ICU has loaded its data (the first IDN of a
 * process: 0.4 ms warm, 7 ms from a cold disk), uspoof_open() and _close()
 * take under a microsecond, so nothing is shared between threads and
 * nothing lives for the process.
 */
static USpoofChecker *
spoof_open(const char *field, struct hk_err *err)
{
	UErrorCode st = U_ZERO_ERROR;
	USpoofChecker *sc = uspoof_open(&st);

	if (U_SUCCESS(st)) {
		uspoof_setRestrictionLevel(sc, USPOOF_HIGHLY_RESTRICTIVE);
		uspoof_setChecks(sc, USPOOF_RESTRICTION_LEVEL |
				 USPOOF_INVISIBLE | USPOOF_MIXED_NUMBERS, &st);
	}
	if (U_FAILURE(st)) {
		if (sc != NULL)
			uspoof_close(sc);
		hk_fail(err, HK_EINTERNAL, field, "ICU spoof checker: %s",
			u_errorName(st));
		return NULL;
	}
	return sc;
}

/* UTS#39 "highly restrictive" scripts, no invisibles, one digit set. */
static int
spoof_scripts(USpoofChecker *sc, const char *u, const char *a,
	      const char *field, struct hk_err *err)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t r = uspoof_check2UTF8(sc, u, -1, NULL, &st);

	if (U_FAILURE(st))
		return hk_fail(err, HK_EINTERNAL, field, "ICU spoof check: %s",
			       u_errorName(st));
	if (r & USPOOF_RESTRICTION_LEVEL)
		return hk_failr(err, HK_EINVAL, field, HK_R_label_mixed_scripts,
				"label", u, "ascii", a, NULL);
	if (r & USPOOF_INVISIBLE)
		return hk_failr(err, HK_EINVAL, field, HK_R_label_marks,
				"label", u, "ascii", a, NULL);
	if (r & USPOOF_MIXED_NUMBERS)
		return hk_failr(err, HK_EINVAL, field, HK_R_label_digits,
				"label", u, "ascii", a, NULL);
	return 0;
}

/*
 * Whether every non-ASCII character of u is a Latin letter of a living
 * language (UTS#39 Identifier_Status=Allowed: ı, æ, œ, but not the IPA
 * ɡ, ɑ, ɩ).  Those read as plainly as é or ü; registries sell them.
 */
static int
latin_letters_only(const char *u)
{
	UErrorCode st = U_ZERO_ERROR;
	const USet *allowed = uspoof_getRecommendedSet(&st);
	const uint8_t *s = (const uint8_t *)u;
	int32_t i = 0, n = (int32_t)strlen(u);

	if (U_FAILURE(st))
		return 0;
	while (i < n) {
		UChar32 c;

		U8_NEXT(s, i, n, c);
		if (c < 0x80)
			continue;
		if (c < 0 || !uset_contains(allowed, c) ||
		    uscript_getScript(c, &st) != USCRIPT_LATIN || U_FAILURE(st))
			return 0;
	}
	return 1;
}

/*
 * A label whose confusable skeleton is an ASCII host label (letters,
 * digits, '-') reads as that ASCII name: Cyrillic "рау" is "pay".  Only
 * Latin letters of living languages are spared (see latin_letters_only):
 * their skeletons fold ı to i and æ to ae, so Turkish "kırmızı" or
 * Danish "læge" would otherwise go too.
 */
static int
spoof_skeleton(USpoofChecker *sc, const char *u, const char *a,
	       const char *field, struct hk_err *err)
{
	/* A 63-octet A-label holds <= 59 code points, and no IDNA-valid one
	 * has a skeleton over 21 octets (Hangul syllables: U+AF66). */
	char sk[59 * 21 + 1];
	UErrorCode st = U_ZERO_ERROR;
	int32_t n = uspoof_getSkeletonUTF8(sc, 0, u, -1, sk, sizeof(sk), &st);

	if (U_FAILURE(st) || n < 0 || (size_t)n >= sizeof(sk))
		return hk_fail(err, HK_EINTERNAL, field, "ICU skeleton: %s",
			       u_errorName(st));
	if (strspn(sk, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789-") != (size_t)n || latin_letters_only(u))
		return 0;
	return hk_failr(err, HK_EINVAL, field, HK_R_label_confusable, "label",
			u, "ascii", a, "skeleton", sk, NULL);
}

/* The policy on one A-label a ("xn--..."), as its U-label. */
static int
check_label(USpoofChecker *sc, const char *a, const char *field,
	    struct hk_err *err)
{
	char *u = NULL;
	int rc;

	if (idn2_to_unicode_8z8z(a, &u, 0) != IDN2_OK || u == NULL) {
		idn2_free(u);
		return hk_failr(err, HK_EINVAL, field, HK_R_label_undecodable,
				"ascii", a, NULL);
	}
	rc = spoof_scripts(sc, u, a, field, err);
	if (rc == 0)
		rc = spoof_skeleton(sc, u, a, field, err);
	idn2_free(u);
	return rc;
}

/* The policy on each "xn--" label of an A-label name; ASCII labels never
 * reach ICU, and an all-ASCII name never opens a checker. */
static int
check_lookalikes(const char *alabel, const char *field, struct hk_err *err)
{
	USpoofChecker *sc = NULL;
	char a[MAPSYNTAX_DOMAIN_MAX + 1];
	int rc = 0;

	for (const char *p = alabel; rc == 0 && *p; ) {
		size_t len = strcspn(p, ".");

		if (strncmp(p, "xn--", 4) == 0) {
			snprintf(a, sizeof(a), "%.*s", (int)len, p);
			if (sc == NULL && (sc = spoof_open(field, err)) == NULL)
				return -1;
			rc = check_label(sc, a, field, err);
		}
		p += len + (p[len] == '.');
	}
	if (sc != NULL)
		uspoof_close(sc);
	return rc;
}

int
validate_domain(const char *in, const char *field,
		char out[MAPSYNTAX_DOMAIN_MAX + 1], struct hk_err *err)
{
	/* The last name taken, and what it became: a list of destinations
	 * or a file's rows name few domains, over and over, and each costs
	 * an IDNA mapping (most of an alias import's time). */
	static _Thread_local char last_in[MAPSYNTAX_DOMAIN_MAX + 1],
	    last_out[MAPSYNTAX_DOMAIN_MAX + 1];
	char *alabel = NULL;
	int rc;

	if (last_in[0] != '\0' && strcmp(in, last_in) == 0) {
		memcpy(out, last_out, sizeof(last_out));
		return 0;
	}
	if (check_text(in, field, INPUT_MAX, err) < 0)
		return -1;
	rc = idn2_lookup_u8((const uint8_t *)in, (uint8_t **)&alabel,
			    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		return hk_failr(err, HK_EINVAL, field, HK_R_domain_invalid_idn,
				"detail", idn2_strerror(rc), NULL);
	for (char *p = alabel; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!mapsyntax_domain(alabel, strlen(alabel))) {
		idn2_free(alabel);
		return hk_failr(err, HK_EINVAL, field, HK_R_domain_invalid,
				NULL);
	}
	if (check_lookalikes(alabel, field, err) < 0) {
		idn2_free(alabel);
		return -1;
	}
	snprintf(out, MAPSYNTAX_DOMAIN_MAX + 1, "%s", alabel);
	idn2_free(alabel);
	if (strlen(in) < sizeof(last_in)) {
		memcpy(last_in, in, strlen(in) + 1);
		memcpy(last_out, out, sizeof(last_out));
	}
	return 0;
}

void
validate_domain_display(const char *alabel, char *out, size_t outlen)
{
	char *ulabel = NULL;

	if (idn2_to_unicode_8z8z(alabel, &ulabel, 0) == IDN2_OK &&
	    ulabel != NULL) {
		snprintf(out, outlen, "%s", ulabel);
		idn2_free(ulabel);
		return;
	}
	snprintf(out, outlen, "%s", alabel);
}

int
validate_localpart(const char *in, const char *field,
		   char out[MAPSYNTAX_LOCAL_MAX + 1], struct hk_err *err)
{
	size_t n;

	if (check_text(in, field, INPUT_MAX, err) < 0)
		return -1;
	n = strlen(in);
	if (n > MAPSYNTAX_LOCAL_MAX)
		return hk_failr(err, HK_EINVAL, field, HK_R_longer_than_octets,
				"max", HK_NUM(MAPSYNTAX_LOCAL_MAX), NULL);
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
	if (!mapsyntax_localpart(out, n))
		return hk_failr(err, HK_EINVAL, field, HK_R_local_part_chars,
				NULL);
	return 0;
}

int
validate_address(const char *in, const char *field,
		 char local[MAPSYNTAX_LOCAL_MAX + 1],
		 char domain[MAPSYNTAX_DOMAIN_MAX + 1], struct hk_err *err)
{
	char buf[INPUT_MAX + 1];
	const char *at;

	if (check_text(in, field, INPUT_MAX, err) < 0)
		return -1;
	if ((at = strrchr(in, '@')) == NULL || at == in || at[1] == '\0')
		return hk_failr(err, HK_EINVAL, field, HK_R_address_form, NULL);
	snprintf(buf, sizeof(buf), "%.*s", (int)(at - in), in);
	if (validate_localpart(buf, field, local, err) < 0)
		return -1;
	return validate_domain(at + 1, field, domain, err);
}

int
validate_password(const char *in, const char *field, int min, int max,
		  struct hk_err *err)
{
	size_t n;

	if (in == NULL)
		return hk_failr(err, HK_EINVAL, field, HK_R_required, NULL);
	n = strlen(in);
	if (n < (size_t)min)
		return hk_failr(err, HK_EINVAL, field, HK_R_at_least_characters,
				"min", HK_NUM(min), NULL);
	if (n > (size_t)max)
		return hk_failr(err, HK_EINVAL, field, HK_R_at_most_octets,
				"max", HK_NUM(max), NULL);
	if (!validate_utf8_text(in, n))
		return hk_failr(err, HK_EINVAL, field, HK_R_control_or_utf8,
				NULL);
	return 0;
}

/*
 * The first character of general category Cf in s, or -1.  Bidi controls
 * reorder the text around them and zero widths, the soft hyphen or tags
 * hide; in a name the panel shows, both make it read as what it is not.
 * ICU's category, not a table of ours, so every Cf is covered.
 */
static UChar32
format_char(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	int32_t i = 0, n = (int32_t)strlen(s);

	while (i < n) {
		UChar32 c;

		U8_NEXT(p, i, n, c);
		if (c >= 0 && u_charType(c) == U_FORMAT_CHAR)
			return c;
	}
	return -1;
}

int
validate_display_name(const char *in, const char *field, struct hk_err *err)
{
	UChar32 c;
	char code[16];

	if (in == NULL || *in == '\0')
		return 0;
	if (check_text(in, field, 256, err) < 0)
		return -1;
	if ((c = format_char(in)) < 0)
		return 0;
	snprintf(code, sizeof(code), "%04X", (unsigned)c);
	return hk_failr(err, HK_EINVAL, field, HK_R_format_character, "code",
			code, NULL);
}

/*
 * A unit as people write it, case aside: "" or "B" (bytes), then K, M,
 * G or T alone or with "B" or "iB".  All are powers of 1024, as Dovecot
 * reads them.  Returns the shift, or -1.
 */
static int
size_unit(const char *u)
{
	static const char units[] = "BKMGT";
	const char *p;
	int shift;

	if (*u == '\0')
		return 0;
	if ((p = strchr(units, toupper((unsigned char)*u))) == NULL)
		return -1;
	shift = 10 * (int)(p - units);
	u++;
	if (shift > 0 && tolower((unsigned char)u[0]) == 'i' &&
	    toupper((unsigned char)u[1]) == 'B')
		u += 2;
	else if (shift > 0 && toupper((unsigned char)u[0]) == 'B')
		u++;
	return *u == '\0' ? shift : -1;
}

/*
 * floor(0.<digits> * 2^shift), exactly: the decimal fraction is doubled
 * shift times, each carry out of the point the next bit.
 */
static int64_t
fraction_bytes(const char *digits, size_t n, int shift)
{
	char d[VALIDATE_SIZE_MAX];
	int64_t r = 0;

	for (size_t i = 0; i < n; i++)
		d[i] = (char)(digits[i] - '0');
	for (int b = 0; b < shift; b++) {
		int carry = 0;

		for (size_t i = n; i-- > 0; ) {
			int t = d[i] * 2 + carry;

			d[i] = (char)(t % 10);
			carry = t / 10;
		}
		r = r * 2 + carry;
	}
	return r;
}

int
validate_quota(const char *in, const char *field, int64_t *bytes,
	       struct hk_err *err)
{
	static const char digits[] = "0123456789";
	const char *p, *frac = NULL, *u;
	size_t nfrac = 0;
	unsigned long long v;
	int64_t fb = 0;
	int shift;

	if (in == NULL || !isdigit((unsigned char)in[0]))
		return hk_failr(err, HK_EINVAL, field, HK_R_size_form, NULL);
	if (strlen(in) > VALIDATE_SIZE_MAX)
		return hk_failr(err, HK_EINVAL, field, HK_R_longer_than_octets,
				"max", HK_NUM(VALIDATE_SIZE_MAX), NULL);
	p = in + strspn(in, digits);
	if (*p == '.') {
		frac = p + 1;
		if ((nfrac = strspn(frac, digits)) == 0)
			return hk_failr(err, HK_EINVAL, field,
					HK_R_size_decimal, NULL);
		p = frac + nfrac;
	}
	u = p + strspn(p, " ");
	if ((shift = size_unit(u)) < 0 || (u != p && *u == '\0'))
		return hk_failr(err, HK_EINVAL, field, HK_R_size_unit, "unit",
				p, NULL);
	errno = 0;
	v = strtoull(in, NULL, 10);
	if (errno != 0 || v > (unsigned long long)INT64_MAX >> shift)
		return hk_failr(err, HK_EINVAL, field, HK_R_too_large_value,
				NULL);
	if (frac != NULL)
		fb = fraction_bytes(frac, nfrac, shift);
	/* rounded down; but a size above 0 never becomes 0, "no limit" */
	if (v == 0 && fb == 0 && frac != NULL && strspn(frac, "0") < nfrac)
		return hk_failr(err, HK_EINVAL, field, HK_R_size_under_byte,
				NULL);
	*bytes = (int64_t)(v << shift) + fb;
	return 0;
}

int
validate_slug(const char *in, const char *field, struct hk_err *err)
{
	size_t n = in ? strlen(in) : 0;

	if (n == 0 || n > 63 || !(islower((unsigned char)in[0]) ||
	    isdigit((unsigned char)in[0])) ||
	    strspn(in, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return hk_failr(err, HK_EINVAL, field, HK_R_slug_form, NULL);
	return 0;
}

/* A DNS host name: 1-63-octet LDH labels, none starting or ending with '-';
 * one label ("g1") is enough for a name from /etc/hosts. */
static int
host_name_ok(const char *s, size_t n)
{
	size_t label = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)s[i]) ||
			   (s[i] == '-' && label > 0)) {
			label++;
		} else {
			return 0;
		}
	}
	return 1;
}

int
validate_host(const char *in, const char *field, struct hk_err *err)
{
	unsigned char addr[sizeof(struct in6_addr)];
	size_t n = in ? strlen(in) : 0;

	if (n == 0 || n > 253 || !(host_name_ok(in, n) ||
	    inet_pton(AF_INET6, in, addr) == 1))
		return hk_failr(err, HK_EINVAL, field, HK_R_host_form, NULL);
	return 0;
}

static const char *const key_types[] = {
	"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521", "ssh-rsa", NULL
};

int
validate_host_key(const char *in, const char *field, char *out,
		  size_t outlen, struct hk_err *err)
{
	const char *sp = in ? strchr(in, ' ') : NULL, *b64;
	size_t tlen, blen;
	int known = 0;

	if (sp == NULL)
		goto bad;
	tlen = (size_t)(sp - in);
	for (int i = 0; key_types[i]; i++)
		known |= strlen(key_types[i]) == tlen &&
		    strncmp(in, key_types[i], tlen) == 0;
	b64 = sp + 1;
	blen = strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789+/=");
	/* OpenSSH writes the key blob as padded base64: whole quads. */
	if (!known || blen < 16 || blen % 4 != 0 || (b64[blen] != '\0' &&
	    b64[blen] != ' ' && b64[blen] != '\n') ||
	    tlen + 1 + blen + 1 > outlen)
		goto bad;
	snprintf(out, outlen, "%.*s %.*s", (int)tlen, in, (int)blen, b64);
	return 0;
bad:
	return hk_failr(err, HK_EINVAL, field, HK_R_host_key_form, NULL);
}

/* Whether the canonical address a is already in the list, whose items
 * are separated by sep (a one-character string). */
static int
listed(const struct strbuf *sb, const char *a, const char *sep)
{
	const char *p = strbuf_str(sb);
	size_t n = strlen(a);

	while (*p) {
		size_t len = strcspn(p, sep);

		if (len == n && strncmp(p, a, n) == 0)
			return 1;
		p += len + (p[len] == *sep);
	}
	return 0;
}

int
validate_destinations(const char *const *list, size_t n, const char *field,
		      struct strbuf *out, struct hk_err *err)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	char addr[MAPSYNTAX_ADDRESS_MAX + 1];

	if (n == 0 || n > VALIDATE_DEST_MAX)
		return hk_failr(err, HK_EINVAL, field, HK_R_destinations_count,
				"max", HK_NUM(VALIDATE_DEST_MAX), NULL);
	strbuf_reset(out);
	for (size_t i = 0; i < n; i++) {
		if (validate_address(list[i], field, local, domain, err) < 0)
			return -1;
		snprintf(addr, sizeof(addr), "%s@%s", local, domain);
		if (listed(out, addr, ","))
			continue;
		if ((out->len > 0 && strbuf_puts(out, ",") < 0) ||
		    strbuf_puts(out, addr) < 0)
			return hk_failr(err, HK_EINVAL, field, HK_R_too_long,
					NULL);
	}
	return 0;
}

/* One address as inet_ntop writes it ("2001:db8::1"), or -1. */
static int
canonical_ip(const char *in, char out[INET6_ADDRSTRLEN])
{
	unsigned char bin[sizeof(struct in6_addr)];
	int af = strchr(in, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, in, bin) != 1 ||
	    inet_ntop(af, bin, out, INET6_ADDRSTRLEN) == NULL)
		return -1;
	return 0;
}

int
validate_mail_addrs(const char *const *list, size_t n, const char *field,
		    struct strbuf *out, struct hk_err *err)
{
	char ip[INET6_ADDRSTRLEN];

	if (n > VALIDATE_MAIL_ADDRS_MAX)
		return hk_failr(err, HK_EINVAL, field, HK_R_mail_addrs_count,
				"max", HK_NUM(VALIDATE_MAIL_ADDRS_MAX), NULL);
	strbuf_reset(out);
	for (size_t i = 0; i < n; i++) {
		if (canonical_ip(list[i], ip) < 0)
			return hk_failr(err, HK_EINVAL, field,
					HK_R_mail_addr_invalid, "value",
					list[i], NULL);
		if (listed(out, ip, " "))
			return hk_failr(err, HK_EINVAL, field,
					HK_R_mail_addr_twice, "value", ip,
					NULL);
		if ((out->len > 0 && strbuf_puts(out, " ") < 0) ||
		    strbuf_puts(out, ip) < 0)
			return hk_failr(err, HK_EINVAL, field, HK_R_too_long,
					NULL);
	}
	return 0;
}
