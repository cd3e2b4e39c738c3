/*
 * sh_backoff.c — exponential back-off with cap and jitter (see sh_backoff.h).
 */
#include "sh_backoff.h"

#include <sys/random.h>
#include <time.h>

unsigned sh_backoff_delay_ms(const sh_backoff_t *b, unsigned attempt, uint32_t random) {
  uint64_t base = b->base_ms ? b->base_ms : 500;
  uint64_t max = b->max_ms ? b->max_ms : 60000;
  uint64_t delay = base;
  for (unsigned i = 1; i < attempt && delay < max; i++)
    delay *= 2;
  if (delay > max)
    delay = max;
  if (!b->jitter)
    return (unsigned)delay;
  uint64_t half = delay / 2;
  return (unsigned)(half + (uint64_t)random % (delay - half + 1));
}

uint32_t sh_backoff_random(void) {
  uint32_t r;
  if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r)
    return r;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)ts.tv_nsec;
}
