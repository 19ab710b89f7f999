/* SPDX-License-Identifier: ISC */
/*
 * jsonout.c - compact JSON text from a jansson value.  See jsonout.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jsonout.h"
#include "utf8.h"

/* The characters a JSON string must escape: '"', '\\' and controls. */
static int
plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

/* \b \f \n \r \t as jansson writes them; 0 for the other controls. */
static char
short_escape(unsigned char c)
{
	switch (c) {
	case '\b':	return 'b';
	case '\f':	return 'f';
	case '\n':	return 'n';
	case '\r':	return 'r';
	case '\t':	return 't';
	}
	return 0;
}

/* Room for the worst case (every byte a \u00XX) is made first, then
 * bytes go straight into the buffer. */
int
jsonout_string(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";	/* as jansson */
	char *o;

	if (n > (SIZE_MAX - 2) / 6 || strbuf_space(sb, 6 * n + 2) < 0)
		return -1;
	o = sb->data + sb->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (plain(c)) {
			*o++ = (char)c;
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (short_escape(c)) {
			*o++ = '\\';
			*o++ = short_escape(c);
		} else {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 0xf];
			o += 6;
		}
	}
	*o++ = '"';
	sb->len = (size_t)(o - sb->data);
	sb->data[sb->len] = '\0';
	return 0;
}

/* Without printf's machinery: integers are much of a listing. */
int
jsonout_integer(struct strbuf *sb, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--p = '-';
	return strbuf_append(sb, p, (size_t)(buf + sizeof(buf) - p));
}

static int
object_out(struct strbuf *sb, const json_t *v)
{
	const char *key;
	json_t *m;
	int first = 1;

	if (strbuf_append(sb, "{", 1) < 0)
		return -1;
	json_object_foreach((json_t *)v, key, m) {
		if ((!first && strbuf_append(sb, ",", 1) < 0) ||
		    jsonout_string(sb, key, strlen(key)) < 0 ||
		    strbuf_append(sb, ":", 1) < 0 || jsonout(sb, m) < 0)
			return -1;
		first = 0;
	}
	return strbuf_append(sb, "}", 1);
}

static int
array_out(struct strbuf *sb, const json_t *v)
{
	size_t i;
	json_t *m;

	if (strbuf_append(sb, "[", 1) < 0)
		return -1;
	json_array_foreach(v, i, m)
		if ((i > 0 && strbuf_append(sb, ",", 1) < 0) ||
		    jsonout(sb, m) < 0)
			return -1;
	return strbuf_append(sb, "]", 1);
}

int
jsonout(struct strbuf *sb, const json_t *v)
{
	char num[32];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return object_out(sb, v);
	case JSON_ARRAY:
		return array_out(sb, v);
	case JSON_STRING:
		return jsonout_string(sb, json_string_value(v),
				  json_string_length(v));
	case JSON_INTEGER:
		return jsonout_integer(sb, json_integer_value(v));
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		return strbuf_puts(sb, num);
	case JSON_TRUE:
		return strbuf_puts(sb, "true");
	case JSON_FALSE:
		return strbuf_puts(sb, "false");
	case JSON_NULL:
		break;
	}
	return strbuf_puts(sb, "null");
}

int
jsonout_utf8(struct strbuf *sb, const char *s, size_t n)
{
	return utf8_valid(s, n) ? jsonout_string(sb, s, n) : -2;
}

/*
 * s as valid UTF-8 in out: an error's text may hold a piece of what the
 * client sent, cut anywhere (jansson quotes the bad token, hk_fail cuts
 * at its buffer's end), and jansson refuses a string that is not UTF-8.
 * Each byte that does not begin a whole, shortest-form sequence becomes
 * '?'.
 */
static const char *
utf8_clean(const char *s, char *out, size_t outlen)
{
	size_t o = 0, len = strlen(s);
	uint32_t cp;

	for (size_t i = 0; i < len && o + 5 < outlen; ) {
		size_t n = utf8_seq((const unsigned char *)s + i, len - i, &cp);

		if (n == 0) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}

/* The failure's parameters, {"name":"value",...}, cleaned. */
static json_t *
error_params(const struct hk_err *err)
{
	char value[sizeof(err->params[0].value)];
	json_t *o = json_object();

	for (int i = 0; o && i < err->nparams; i++)
		json_object_set_new(o, err->params[i].name, json_string(
		    utf8_clean(err->params[i].value, value, sizeof(value))));
	return o;
}

json_t *
jsonout_error(const struct hk_err *err)
{
	char message[sizeof(err->message)], field[sizeof(err->field)];
	int internal = hk_err_internal(err->code);
	int why = !internal && err->reason != HK_R_none;

	return json_pack("{s:s, s:s, s:s?, s:s*, s:o*}", "code",
			 hk_errcode_name(err->code), "message",
			 internal ? "internal error" :
			 utf8_clean(err->message, message, sizeof(message)),
			 "field", err->field[0] ? utf8_clean(err->field, field,
			 sizeof(field)) : NULL,
			 "reason", why ? hk_reason_name(err->reason) : NULL,
			 "params", why ? error_params(err) : NULL);
}
