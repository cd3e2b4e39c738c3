/*
 * pbarena.c — see pbarena.h.
 */
#include "pbarena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#define ALIGN alignof(max_align_t)

static void *arena_alloc(void *data, size_t size) {
  pbarena_t *a = data;
  if (a->buf == NULL && a->cap > 0)
    a->buf = malloc(a->cap); /* NULL: everything comes from malloc() */
  size_t at = (a->used + ALIGN - 1) & ~(size_t)(ALIGN - 1);
  if (a->buf != NULL && size <= a->cap && at <= a->cap - size) {
    a->used = at + size;
    return a->buf + at;
  }
  return malloc(size ? size : 1);
}

static void arena_free(void *data, void *pointer) {
  pbarena_t *a = data;
  const unsigned char *p = pointer;
  if (a->buf != NULL && p >= a->buf && p < a->buf + a->cap)
    return; /* given back by pbarena_reset() */
  free(pointer);
}

void pbarena_init(pbarena_t *a, size_t cap) {
  *a = (pbarena_t){.allocator = {arena_alloc, arena_free, a}, .cap = cap};
}

void pbarena_reset(pbarena_t *a) {
  a->used = 0;
}

void pbarena_free(pbarena_t *a) {
  free(a->buf);
  pbarena_init(a, a->cap);
}
