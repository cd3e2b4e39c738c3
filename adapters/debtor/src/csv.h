/*
 * csv.h — one line of a Danish CSV export: fields separated by ';', a field
 * may be quoted with '"' (then it may hold ';', and '""' stands for one
 * quote). Blanks around an unquoted field are dropped; a quoted field is kept
 * as it is. A quoted field must end on the same line (exports put one record
 * on one line; rejects name lines).
 */
#ifndef STAFET_DEBT_CSV_H
#define STAFET_DEBT_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 16

typedef struct csv_row {
  size_t n;
  const char *field[CSV_MAX_FIELDS]; /* NUL-terminated, in the caller's buffer */
} csv_row_t;

/*
 * Splits line[0..len) (no line ending) into row. The unquoted field text is
 * written to buf, which must hold len + CSV_MAX_FIELDS bytes; row points into
 * it. Returns 0, STAFET_EINVAL (bad quoting: a quote inside an unquoted field,
 * text after a closing quote, a quote not closed) or STAFET_ETOOBIG (more
 * than CSV_MAX_FIELDS fields).
 */
int csv_split(const char *line, size_t len, char *buf, csv_row_t *row);

/* Appends a field to out (cap bytes, NUL-terminated), quoted if it holds
 * ';', '"' or a blank at either end. Returns 0, or STAFET_ETOOBIG. */
int csv_append_field(char *out, size_t cap, const char *field);

#endif
