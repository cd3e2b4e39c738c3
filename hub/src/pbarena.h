/*
 * pbarena.h — a protobuf-c allocator that hands out pieces of one reusable
 * buffer, for a message that is unpacked, used and freed within one call
 * (the envelope of each queue entry the hub delivers): the unpack then costs
 * no malloc/free per field (callgrind: protobuf-c's allocations were 12 of
 * the hub's mallocs per durable message).
 *
 *   Envelope *env = stafet__wire__v1__envelope__unpack(&a->allocator, len, data);
 *   ... use env ...
 *   stafet__wire__v1__envelope__free_unpacked(env, &a->allocator);
 *   pbarena_reset(a);
 *
 * What does not fit in the buffer comes from malloc() and goes back with
 * free(), so a message of any size unpacks; one without a reset only loses
 * the speed.
 */
#ifndef STAFET_PBARENA_H
#define STAFET_PBARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct pbarena {
  ProtobufCAllocator allocator; /* for unpack and free_unpacked */
  unsigned char *buf;           /* allocated at the first use */
  size_t used, cap;
} pbarena_t;

/* An empty arena whose buffer will hold cap bytes. */
void pbarena_init(pbarena_t *a, size_t cap);
/* Everything handed out is unused again (after free_unpacked). */
void pbarena_reset(pbarena_t *a);
/* Frees the buffer; the arena may be initialised again. */
void pbarena_free(pbarena_t *a);

#endif
