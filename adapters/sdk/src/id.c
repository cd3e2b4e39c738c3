/*
 * id.c — UUIDv7 message ids (RFC 9562).
 *
 * Message ids are the hub's idempotency key, so they must be unique; making
 * them time-ordered as well keeps Redis streams and logs readable. Two ways:
 * stafet_id_new() needs no state and puts sub-millisecond time in the 12
 * "rand_a" bits (RFC 9562 method 3); sdk_idgen_next() keeps a per-client
 * counter there instead (method 1), so the ids one client makes are strictly
 * increasing even within one millisecond. The generator also keeps a pool of
 * random bytes, filled SDK_IDGEN_POOL bytes at a time: one getrandom() system
 * call per 50-odd ids, not one per id (that system call was 7% of the
 * benchmark client's CPU time). A client is used from one thread and not
 * across fork() (ZeroMQ forbids that), so no two ids can share pool bytes.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* Fills buf with n random bytes. 0 or STAFET_EIO. */
static int random_bytes(void *buf, size_t n) {
  unsigned char *p = buf;
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      return STAFET_EIO;
    }
    p += got;
    n -= (size_t)got;
  }
  return 0;
}

static void format_uuid(const unsigned char b[16], char out[37]) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out[o++] = '-';
    out[o++] = hex[b[i] >> 4];
    out[o++] = hex[b[i] & 0xf];
  }
  out[o] = '\0';
}

/* Takes n random bytes from g's pool (refilling it when it runs short), or
 * straight from getrandom() when g is NULL. 0 or STAFET_EIO. */
static int take_random(sdk_idgen_t *g, void *buf, size_t n) {
  if (g == NULL)
    return random_bytes(buf, n);
  if (g->pool_left < n) {
    if (random_bytes(g->pool, sizeof g->pool) < 0)
      return STAFET_EIO;
    g->pool_left = sizeof g->pool;
  }
  unsigned char *src = g->pool + sizeof g->pool - g->pool_left;
  memcpy(buf, src, n);
  memset(src, 0, n); /* a used byte is never handed out twice, not even by a bug */
  g->pool_left -= n;
  return 0;
}

/* Lays out ms (48 bits), version 7, rand_a (12 bits), variant, 62 random bits
 * (from g's pool, or from getrandom() if g is NULL). */
static int build_uuid(sdk_idgen_t *g, uint64_t ms, unsigned rand_a, char out[37]) {
  unsigned char b[16];
  if (take_random(g, b + 8, 8) < 0)
    return STAFET_EIO;
  for (int i = 0; i < 6; i++)
    b[i] = (unsigned char)(ms >> (8 * (5 - i)));
  b[6] = (unsigned char)(0x70 | ((rand_a >> 8) & 0x0f));
  b[7] = (unsigned char)(rand_a & 0xff);
  b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
  format_uuid(b, out);
  return 0;
}

int stafet_id_new(char out[37]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  /* The fraction of the current millisecond, in 1/4096ths. */
  unsigned frac = (unsigned)(((uint64_t)(ts.tv_nsec % 1000000) * 4096u) / 1000000u);
  return build_uuid(NULL, ms, frac, out);
}

int sdk_idgen_next(sdk_idgen_t *g, int64_t now_ms, char out[37]) {
  if (now_ms > g->last_ms) {
    uint16_t seed;
    if (take_random(g, &seed, sizeof seed) < 0)
      return STAFET_EIO;
    g->last_ms = now_ms;
    g->counter = seed & 0x7ff; /* top bit clear: room for 2048+ ids in this ms */
  } else if (++g->counter > 0xfff) {
    g->last_ms++; /* counter spent: borrow the next millisecond */
    g->counter = 0;
  }
  return build_uuid(g, (uint64_t)g->last_ms, g->counter, out);
}

int sdk_random_u64(uint64_t *out) {
  return random_bytes(out, sizeof *out);
}
