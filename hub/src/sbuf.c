/*
 * sbuf.c — the growable text buffer of sbuf.h: doubling growth, sticky failure.
 */
#include "sbuf.h"

#include "stafet.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool sbuf_reserve(sbuf_t *b, size_t extra) {
  if (b->failed)
    return false;
  if (b->len + extra + 1 <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1)
    cap *= 2;
  char *data = realloc(b->data, cap);
  if (data == NULL) {
    b->failed = true;
    return false;
  }
  b->data = data;
  b->cap = cap;
  return true;
}

void sbuf_append(sbuf_t *b, const char *text, size_t len) {
  if (!sbuf_reserve(b, len))
    return;
  memcpy(b->data + b->len, text, len);
  b->len += len;
  b->data[b->len] = '\0';
}

void sbuf_puts(sbuf_t *b, const char *text) {
  sbuf_append(b, text, strlen(text));
}

void sbuf_printf(sbuf_t *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->failed = true;
    return;
  }
  if ((size_t)n < sizeof small) {
    sbuf_append(b, small, (size_t)n);
    return;
  }
  if (!sbuf_reserve(b, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

bool sbuf_failed(const sbuf_t *b) {
  return b->failed;
}

char *sbuf_take(sbuf_t *b, size_t *len) {
  if (b->failed) {
    sbuf_free(b);
    return NULL;
  }
  if (!sbuf_reserve(b, 0))
    return NULL;
  b->data[b->len] = '\0';
  char *out = b->data;
  *len = b->len;
  memset(b, 0, sizeof *b);
  return out;
}

void sbuf_free(sbuf_t *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

int array_reserve(void *items_ptr, size_t *capacity, size_t count, size_t elem, size_t first) {
  if (count < *capacity)
    return 0;
  void *items; /* *items_ptr is a T *: copied, not read through a void ** */
  memcpy(&items, items_ptr, sizeof items);
  size_t cap = *capacity ? *capacity * 2 : first;
  void *grown = realloc(items, cap * elem);
  if (grown == NULL)
    return STAFET_ENOMEM;
  memcpy(items_ptr, &grown, sizeof grown);
  *capacity = cap;
  return 0;
}
