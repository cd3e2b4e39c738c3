/*
 * lines.c — splitting file text into lines (see lines.h).
 */
#include "lines.h"

#include "stafet.h"

#include <stdlib.h>
#include <string.h>

int text_lines_split(text_lines_t *l, const char *data, size_t len) {
  memset(l, 0, sizeof *l);
  l->data = data;
  size_t cap = 1;
  for (size_t i = 0; i < len; i++)
    cap += data[i] == '\n';
  l->starts = malloc(cap * sizeof *l->starts);
  l->lens = malloc(cap * sizeof *l->lens);
  if (l->starts == NULL || l->lens == NULL) {
    text_lines_free(l);
    return STAFET_ENOMEM;
  }
  size_t pos = 0;
  while (pos < len) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - data) : len;
    size_t line_len = end - pos;
    if (line_len > 0 && data[end - 1] == '\r')
      line_len--;
    l->starts[l->n] = pos;
    l->lens[l->n] = line_len;
    l->n++;
    pos = end + 1;
  }
  while (l->n > 0 && l->lens[l->n - 1] == 0)
    l->n--;
  return 0;
}

void text_lines_free(text_lines_t *l) {
  free(l->starts);
  free(l->lens);
  l->starts = NULL;
  l->lens = NULL;
  l->n = 0;
}

void text_lines_get(const text_lines_t *l, unsigned long line, const char **s, size_t *n) {
  *s = l->data + l->starts[line - 1];
  *n = l->lens[line - 1];
}
