/*
 * csv.c — splitting and writing ';'-separated lines (see csv.h).
 */
#include "csv.h"

#include "stafet.h"

#include <string.h>

/* Reads a quoted field starting after its opening quote at line[*i]; copies
 * its text to *w. On return *i is just past the closing quote. */
static int quoted(const char *line, size_t len, size_t *i, char **w) {
  for (; *i < len; (*i)++) {
    if (line[*i] != '"') {
      *(*w)++ = line[*i];
      continue;
    }
    if (*i + 1 < len && line[*i + 1] == '"') {
      *(*w)++ = '"';
      (*i)++;
      continue;
    }
    (*i)++;
    return 0;
  }
  return STAFET_EINVAL; /* not closed */
}

/* Reads one field from line[*i]; stops at ';' or the end. */
static int one_field(const char *line, size_t len, size_t *i, char **w) {
  while (*i < len && (line[*i] == ' ' || line[*i] == '\t'))
    (*i)++;
  if (*i < len && line[*i] == '"') {
    (*i)++;
    if (quoted(line, len, i, w) < 0)
      return STAFET_EINVAL;
    while (*i < len && (line[*i] == ' ' || line[*i] == '\t'))
      (*i)++;
    return *i == len || line[*i] == ';' ? 0 : STAFET_EINVAL;
  }
  char *start = *w;
  for (; *i < len && line[*i] != ';'; (*i)++) {
    if (line[*i] == '"')
      return STAFET_EINVAL;
    *(*w)++ = line[*i];
  }
  while (*w > start && ((*w)[-1] == ' ' || (*w)[-1] == '\t'))
    (*w)--;
  return 0;
}

int csv_split(const char *line, size_t len, char *buf, csv_row_t *row) {
  size_t i = 0;
  char *w = buf;
  row->n = 0;
  for (;;) {
    if (row->n == CSV_MAX_FIELDS)
      return STAFET_ETOOBIG;
    row->field[row->n++] = w;
    if (one_field(line, len, &i, &w) < 0)
      return STAFET_EINVAL;
    *w++ = '\0';
    if (i >= len)
      return 0;
    i++; /* the ';' */
  }
}

int csv_append_field(char *out, size_t cap, const char *field) {
  size_t n = strlen(out), flen = strlen(field);
  int quote =
      strpbrk(field, ";\"") != NULL || (flen > 0 && (field[0] == ' ' || field[flen - 1] == ' '));
  if (n + flen * 2 + 3 >= cap)
    return STAFET_ETOOBIG;
  char *w = out + n;
  if (quote)
    *w++ = '"';
  for (const char *p = field; *p; p++) {
    if (*p == '"')
      *w++ = '"';
    *w++ = *p;
  }
  if (quote)
    *w++ = '"';
  *w = '\0';
  return 0;
}
