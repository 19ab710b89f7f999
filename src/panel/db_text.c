/* SPDX-License-Identifier: ISC */
/*
 * db_text.c - rows straight to JSON text, for a listing too large to
 * build as jansson values first: a page of 100 mailboxes spent more time
 * making, walking and freeing 900 jansson values than in SQLite.  The
 * text is what db_query_json() and jsonout() together would write, byte
 * for byte.  See db.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jsonout.h"

/* Each column's member name, written once with its quotes and colon
 * ("name":), and whether it is one of the page's booleans: the same for
 * every row, so worked out at the first (a page of 100 mailboxes did it
 * 1,100 times). */
#define TEXT_MAX_COLS	32
#define TEXT_KEYS_MAX	1024

struct text_ctx {
	const struct db_text_page *pg;
	struct strbuf *out;
	int rows;
	int ncols;			/* 0 until the first row */
	unsigned char is_bool[TEXT_MAX_COLS];
	unsigned short key_at[TEXT_MAX_COLS + 1];	/* into keys */
	char keys[TEXT_KEYS_MAX];
};

static int
is_bool(const struct db_text_page *pg, const char *name)
{
	for (const char *const *b = pg->bools; b && *b; b++)
		if (strcmp(*b, name) == 0)
			return 1;
	return 0;
}

/* The first row's column names as members' names, into c; -1 when they
 * do not fit (more columns or longer names than any listing has). */
static int
keys_make(struct text_ctx *c, const struct db_row *row)
{
	struct strbuf sb;
	int rc = 0;

	if (row->ncols > TEXT_MAX_COLS)
		return -1;
	strbuf_init(&sb, TEXT_KEYS_MAX);
	for (int i = 0; rc == 0 && i < row->ncols; i++) {
		c->key_at[i] = (unsigned short)sb.len;
		c->is_bool[i] = is_bool(c->pg, row->names[i]);
		rc = (i > 0 ? strbuf_append(&sb, ",", 1) : 0) < 0 ||
		    jsonout_string(&sb, row->names[i],
				   strlen(row->names[i])) < 0 ||
		    strbuf_append(&sb, ":", 1) < 0 ? -1 : 0;
	}
	c->key_at[row->ncols] = (unsigned short)sb.len;
	if (rc == 0 && sb.len <= sizeof(c->keys)) {
		memcpy(c->keys, sb.data, sb.len);
		c->ncols = row->ncols;
	} else
		rc = -1;
	strbuf_free(&sb);
	return rc;
}

/* One value: NULL, a boolean column, an integer, or checked UTF-8. */
static int
value_out(const struct text_ctx *c, const struct db_row *row, int i)
{
	const char *v = row->vals[i];

	if (v == NULL)
		return strbuf_append(c->out, "null", 4);
	if (row->types[i] == DB_INT && c->is_bool[i])
		return strcmp(v, "0") != 0 ? strbuf_append(c->out, "true", 4) :
		    strbuf_append(c->out, "false", 5);
	if (row->types[i] == DB_INT)
		return jsonout_integer(c->out, strtoll(v, NULL, 10));
	return jsonout_utf8(c->out, v, strlen(v));
}

/* "name": value, with the comma before it from the second on */
static int
member_out(const struct text_ctx *c, const struct db_row *row, int i)
{
	if (strbuf_append(c->out, c->keys + c->key_at[i],
			  (size_t)(c->key_at[i + 1] - c->key_at[i])) < 0)
		return -1;
	return value_out(c, row, i);
}

static const char *
column(const struct db_row *row, const char *name, const char *null_as)
{
	for (int i = 0; name != NULL && i < row->ncols; i++)
		if (strcmp(row->names[i], name) == 0)
			return row->vals[i] ? row->vals[i] : null_as;
	return "";
}

/* The last row's sort key, where the next page starts after. */
static void
next_key(const struct db_text_page *pg, const struct db_row *row)
{
	if (pg->key == NULL)
		return;
	if (pg->key2 != NULL)
		snprintf(pg->next, pg->nextlen, "%s:%s",
			 column(row, pg->key2, "-1"), column(row, pg->key, ""));
	else
		snprintf(pg->next, pg->nextlen, "%s", column(row, pg->key, ""));
}

static int
row_to_text(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct text_ctx *c = ctx;
	int rc = 0;

	if (++c->rows > c->pg->limit)
		return 0;	/* the one beyond: only says there is more */
	if (c->ncols != row->ncols && keys_make(c, row) < 0)
		return hk_fail(err, HK_EINTERNAL, NULL, "a listing of more "
			       "columns than db_text takes");
	if ((c->rows > 1 && strbuf_append(c->out, ",", 1) < 0) ||
	    strbuf_append(c->out, "{", 1) < 0)
		rc = -1;
	for (int i = 0; rc == 0 && i < row->ncols; i++)
		rc = member_out(c, row, i);
	if (c->rows == c->pg->limit)
		next_key(c->pg, row);
	if (rc == -2)
		return hk_fail(err, HK_EDB, NULL, "a stored value is not UTF-8");
	if (rc < 0 || strbuf_append(c->out, "}", 1) < 0)
		return hk_failr(err, HK_ETOOBIG, NULL, HK_R_answer_too_large,
				NULL);
	return 0;
}

int
db_query_text(struct db *db, const char *sql, const struct db_param *params,
	      int n, const struct db_text_page *pg, struct strbuf *out,
	      struct hk_err *err)
{
	struct text_ctx c = { .pg = pg, .out = out };

	pg->next[0] = '\0';
	if (strbuf_append(out, "[", 1) < 0)
		return hk_failr(err, HK_ETOOBIG, NULL, HK_R_answer_too_large,
				NULL);
	if (db_query(db, sql, params, n, row_to_text, &c, NULL, err) < 0)
		return -1;
	if (c.rows <= pg->limit)
		pg->next[0] = '\0';	/* nothing beyond: the last page */
	if (pg->rows != NULL)
		*pg->rows = c.rows;
	if (strbuf_append(out, "]", 1) < 0)
		return hk_failr(err, HK_ETOOBIG, NULL, HK_R_answer_too_large,
				NULL);
	return 0;
}

/* The length of the JSON number s begins with (RFC 8259's grammar), 0 when
 * it begins with none; *real: it has a fraction or an exponent. */
static size_t
number_len(const char *s, int *real)
{
	const char *p = s + (*s == '-');

	*real = 0;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return 0;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
		*real = 1;
	}
	if (*p == 'e' || *p == 'E') {
		p += p[1] == '+' || p[1] == '-' ? 2 : 1;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		*real = 1;
	}
	return (size_t)(p - s);
}

/* One value as a number: an integer column as it is, a real one with its
 * '.' kept (PostgreSQL writes 1.0 as "1"), else null. */
static int
number_out(struct strbuf *out, const char *v, enum db_type type)
{
	int real;
	size_t n = v ? number_len(v, &real) : 0;

	if (n == 0 || v[n] != '\0')
		return strbuf_append(out, "null", 4);
	if (strbuf_append(out, v, n) < 0)
		return -1;
	return type == DB_INT || real ? 0 : strbuf_append(out, ".0", 2);
}

int
db_row_numbers(const struct db_row *row, struct strbuf *out)
{
	if (strbuf_append(out, "[", 1) < 0)
		return -1;
	for (int i = 0; i < row->ncols; i++)
		if ((i > 0 && strbuf_append(out, ",", 1) < 0) ||
		    number_out(out, row->vals[i], row->types[i]) < 0)
			return -1;
	return strbuf_append(out, "]", 1);
}
