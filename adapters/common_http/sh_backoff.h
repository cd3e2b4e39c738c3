/*
 * sh_backoff.h — the retry schedule the case adapter (ESDH party updates)
 * and the webhook adapter (deliveries) share: exponential back-off with a
 * cap and jitter, so that many failing calls do not retry in lock-step.
 *
 *   delay(attempt) = min(max_ms, base_ms * 2^(attempt-1)), then with jitter a
 *   value in [delay/2, delay] chosen by `random` (0..UINT32_MAX).
 */
#ifndef STAFET_SH_BACKOFF_H
#define STAFET_SH_BACKOFF_H

#include <stdint.h>

typedef struct sh_backoff {
  unsigned base_ms; /* delay after the first failure; 0: 500 */
  unsigned max_ms;  /* cap; 0: 60000 */
  int jitter;       /* 0: exact schedule, 1: [delay/2, delay] */
} sh_backoff_t;

/* Milliseconds to wait after `attempt` failed attempts (attempt >= 1). */
unsigned sh_backoff_delay_ms(const sh_backoff_t *b, unsigned attempt, uint32_t random);

/* A random value for the jitter (getrandom, falling back to the clock). */
uint32_t sh_backoff_random(void);

#endif
