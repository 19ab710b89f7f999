/* SPDX-License-Identifier: ISC */
/*
 * csvin.h - an import file read into rows: the bytes decoded (UTF-8 with
 * or without a BOM, or CP932/Shift_JIS as Excel writes it on a Japanese
 * system, through iconv), split by libcsv (RFC 4180: quoted fields may
 * hold commas, doubled quotes and line breaks), each row with the line of
 * the file it starts on, and the header row mapped to known column names.
 *
 * Nothing here knows what a mailbox is: the import module validates the
 * cells.  What is refused here is refused with the line (and, where there
 * is one, the column) in err->field and err->message: a file over the size
 * limit, bytes that are neither UTF-8 nor CP932, a NUL byte, an unclosed
 * quote at the end (a truncated file), a row with more fields than the
 * header, a field over the length limit, a missing or duplicated header,
 * an unknown column.
 */
#ifndef HK_CSVIN_H
#define HK_CSVIN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum csvin_encoding {
	CSVIN_AUTO,	/* UTF-8 (BOM or not) when the bytes are valid UTF-8,
			 * else CP932 when they decode as CP932, else refused */
	CSVIN_UTF8,
	CSVIN_CP932
};

struct csvin_limits {
	size_t max_bytes;	/* the whole file, before decoding */
	size_t max_rows;	/* data rows, not counting the header */
	size_t max_field;	/* bytes of one field, after decoding */
};

#define CSVIN_DEFAULT_LIMITS { (size_t)256 << 20, 1000000, 4096 }

/* No import knows this many columns (unknown ones are refused), so a row
 * with more is refused as it is read, before it costs memory: a header
 * of 60 MB of commas is one line of too many columns, not a worker
 * grown to hundreds of megabytes. */
#define CSVIN_MAX_COLUMNS	32

/* A row: its cells one after the other, each NUL-terminated, in the
 * doc's one copy of the text (a file's rows cost 16 bytes each beyond the
 * file: a worker holds a 60 MB upload, not twice or three times that). */
struct csvin_row {
	const char *cells;	/* the first cell, the others follow; owned by
				 * the doc; read them with csvin_cell() */
	uint32_t line;		/* 1-based line of the file where it starts */
	uint16_t nfields;	/* the header's: cells past ncells are "" */
	uint16_t ncells;	/* those stored */
};

struct csvin_doc {
	enum csvin_encoding encoding;	/* what the file turned out to be */
	struct csvin_row header;
	struct csvin_row *rows;		/* data rows, in file order */
	size_t nrows;
	char *text;			/* owns every cell; private */
};

/*
 * Decodes and parses data[0..len) into a copy.  Blank lines are skipped;
 * a row with fewer fields than the header is padded with "" (a short row
 * is the importer's to judge, by the columns it needs); one with more is
 * refused, as is any row (the header too) of more than CSVIN_MAX_COLUMNS
 * fields.  On failure doc is empty and err says what and where, field
 * "line N" or "line N, column NAME".
 */
int csvin_parse(const char *data, size_t len, enum csvin_encoding enc,
		const struct csvin_limits *lim, struct csvin_doc *doc,
		struct hk_err *err);

/* The same, with no copy: data (malloc'd, len bytes and room for one
 * more) is the doc's from then on, its cells written over it, freed with
 * the doc, or at once on failure. */
int csvin_parse_own(char *data, size_t len, enum csvin_encoding enc,
		    const struct csvin_limits *lim, struct csvin_doc *doc,
		    struct hk_err *err);

/*
 * Maps the header to known[] (NULL-terminated, lower case): col[k] gets
 * the index in the rows of known[k], or -1 when the file has no such
 * column.  Header cells are compared trimmed of spaces and case-blind.
 * An unknown or repeated column is refused (field "line N, column X",
 * N the header's line: blank lines may come first).
 */
int csvin_columns(const struct csvin_doc *doc, const char *const *known,
		  int *col, struct hk_err *err);

/* The cell of row in column index c (-1: none) or "" when absent.  Cells
 * are found by walking the row: cheap, a row has few and short ones. */
const char *csvin_cell(const struct csvin_row *row, int c);

/* Whether a spreadsheet would run the cell as a formula: it starts with
 * '=', '+', '-', '@', a tab or a carriage return. */
int csvin_formula(const char *cell);

void csvin_doc_free(struct csvin_doc *doc);

/* An encoding by name: NULL or "auto", "utf-8" ("utf8"), "cp932"
 * ("shift_jis", "sjis"), case-blind; else HK_EINVAL naming "encoding". */
int csvin_encoding_parse(const char *name, enum csvin_encoding *enc,
			 struct hk_err *err);
/* "auto", "utf-8" or "cp932". */
const char *csvin_encoding_name(enum csvin_encoding enc);

#endif
