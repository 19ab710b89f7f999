/*
 * jsonout.c - compact JSON text from a jansson value.  See jsonout.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jsonout.h"

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

static int
string_out(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";	/* as jansson */
	size_t i = 0;

	if (strbuf_append(sb, "\"", 1) < 0)
		return -1;
	while (i < n) {
		size_t run = i;
		unsigned char c;
		char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

		while (run < n && plain((unsigned char)s[run]))
			run++;
		if (run > i && strbuf_append(sb, s + i, run - i) < 0)
			return -1;
		if ((i = run) == n)
			break;
		c = (unsigned char)s[i++];
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			if (strbuf_append(sb, esc, 2) < 0)
				return -1;
			continue;
		}
		if ((esc[1] = short_escape(c)) != 0) {
			if (strbuf_append(sb, esc, 2) < 0)
				return -1;
			continue;
		}
		esc[1] = 'u';
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 0xf];
		if (strbuf_append(sb, esc, 6) < 0)
			return -1;
	}
	return strbuf_append(sb, "\"", 1);
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
		    string_out(sb, key, strlen(key)) < 0 ||
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
		return string_out(sb, json_string_value(v),
				  json_string_length(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" PRId64,
			 (int64_t)json_integer_value(v));
		return strbuf_puts(sb, num);
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
