/*
 * lines.h — a file's text split into lines, for the line-based formats the
 * file-reading adapters share (CPR fixed-width records, debtor CSV).
 *
 * Lines end with LF or CRLF (the CR is not part of the line); the last line
 * may lack its ending; empty lines at the end of the file are dropped (they
 * hold nothing). Lines are numbered from 1, as in rejects lists.
 */
#ifndef STAFET_LINES_H
#define STAFET_LINES_H

#include <stddef.h>

typedef struct text_lines {
  const char *data; /* borrowed: must outlive the text_lines_t */
  size_t *starts;   /* owned */
  size_t *lens;     /* owned */
  unsigned long n;
} text_lines_t;

/* Splits data[0..len): 0 or STAFET_ENOMEM. Free with text_lines_free(). */
int text_lines_split(text_lines_t *l, const char *data, size_t len);
void text_lines_free(text_lines_t *l);

/* Line `line` (1..n): *s points into the data, *n its length. */
void text_lines_get(const text_lines_t *l, unsigned long line, const char **s, size_t *n);

#endif
