/* SPDX-License-Identifier: ISC */
/*
 * cli_words.h - a refusal in the hakomail command's own words.  The
 * panel's failures name API fields ("password", "quota") and reasons
 * (reasons.def); an operator at the shell gave options: "--password-stdin
 * or --password-hash", "--quota".  Each reason the CLI says differently
 * (advice that names an option: "give --upsert", "give --force") has its
 * template here, with the same {placeholders} and {option}.
 */
#ifndef HK_CLI_WORDS_H
#define HK_CLI_WORDS_H

#include <stddef.h>

#include "err.h"
#include "import.h"

/* The option the CLI takes a bad input's field with ("quota" is
 * "--quota"), or NULL when it has none or the field is not about the
 * caller's input. */
const char *cli_words_option(const struct hk_err *err);

/* err as the CLI says it, into out[size]: its own wording of the reason
 * alone when it has one, else "OPTION: message" (or "field: message",
 * or the message).  Returns out. */
const char *cli_words_error(const struct hk_err *err, char *out,
			    size_t size);

/* An import problem's reason as the CLI says it (its options, not the
 * API's), into out[size]; the English reason when not reworded.
 * Returns out. */
const char *cli_words_problem(const struct import_problem *p, char *out,
			      size_t size);

#endif
