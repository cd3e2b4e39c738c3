/*
 * sbuf.h — a growable text buffer, for responses the admin HTTP server builds
 * piece by piece (the Prometheus text, file contents); and array_reserve(),
 * the hub's one way of growing an array by doubling.
 *
 * The buffer owns its memory. After an allocation failure every append is a
 * no-op and sbuf_failed() is true, so builders append freely and check once.
 *
 *   sbuf_t b = {0};
 *   sbuf_printf(&b, "%s %llu\n", name, value);
 *   if (sbuf_failed(&b)) ...; else serve(b.data, b.len);
 *   sbuf_free(&b);
 */
#ifndef STAFET_SBUF_H
#define STAFET_SBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sbuf {
  char *data; /* NUL-terminated when len > 0 */
  size_t len, cap;
  bool failed;
} sbuf_t;

void sbuf_append(sbuf_t *b, const char *text, size_t len);
void sbuf_puts(sbuf_t *b, const char *text);
void sbuf_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool sbuf_failed(const sbuf_t *b);
/* Hands the text to the caller (free()) and empties b; NULL after a failure. */
char *sbuf_take(sbuf_t *b, size_t *len);
void sbuf_free(sbuf_t *b);

/* Makes room for one more element in an array of *capacity elements of size
 * elem holding count: doubles it (first to `first`) when full. 0, or
 * STAFET_ENOMEM with the array unchanged. */
int array_reserve(void *items_ptr, size_t *capacity, size_t count, size_t elem, size_t first);

#endif
