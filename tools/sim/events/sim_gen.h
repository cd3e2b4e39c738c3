/*
 * sim_gen.h — synthetic events for the HTTP adapters: ESDH case webhooks
 * (for the case adapter) and telephony/booking/inquiry events (for the
 * contact adapter), as the JSON those adapters accept. Synthetic data only:
 * CPR numbers come from sh_cpr_synthetic (day 01-28, month 01-12, serial
 * from a counter), names and ids are made up. Deterministic for a seed.
 */
#ifndef STAFET_SIM_GEN_H
#define STAFET_SIM_GEN_H

#include <stdint.h>

typedef struct sim_gen {
  uint64_t rng;         /* xorshift state (never 0) */
  unsigned long serial; /* counter for ids and CPR numbers */
  const char *tenant;   /* kommunekode, e.g. "0751" */
  long long now_ms;     /* time stamps of the events; the caller moves it on */
} sim_gen_t;

typedef enum { SIM_CALLS, SIM_BOOKINGS, SIM_INQUIRIES, SIM_CONTACT_MIXED, SIM_ESDH } sim_kind_t;

void sim_gen_init(sim_gen_t *g, uint64_t seed, const char *tenant);
/* A random number in [0, n). */
unsigned sim_gen_pick(sim_gen_t *g, unsigned n);
/* The next event of the kind as JSON (malloc'ed, the caller's), or NULL. */
char *sim_gen_next(sim_gen_t *g, sim_kind_t kind);
/* Parses "calls", "bookings", "inquiries", "mixed", "esdh". 0 or -1. */
int sim_kind_parse(const char *name, sim_kind_t *out);

#endif
