/*
 * synth.h — synthetic people for the simulators (stafet-sim-cpr and
 * stafet-sim-debtor): CPR numbers from a counter, Danish-looking names and
 * addresses in a few real municipalities. All of it is made up; nothing
 * here is or looks up a real person.
 *
 * CPR numbers: person n gets day 01-28, month 01-12, a year 1960-1999 and a
 * serial 1000-3999 (7th digit 1-3: born in the 1900s), all from n, so the
 * same n always gives the same number and numbers never repeat below 40
 * million people. The modulus-11 check is not made to hold (numbers issued
 * since 2007 need not pass it, and the adapters must not require it).
 *
 * Randomness is a seeded xorshift64*: the same seed gives the same files.
 */
#ifndef STAFET_SIM_SYNTH_H
#define STAFET_SIM_SYNTH_H

#include <stdint.h>

typedef struct synth_rng {
  uint64_t state;
} synth_rng_t;

/* Seeds the generator (any seed, 0 too). */
void synth_seed(synth_rng_t *r, uint64_t seed);
/* A number in [0, n) (n > 0). */
uint32_t synth_below(synth_rng_t *r, uint32_t n);

/* Person n's CPR number as ten digits (11 bytes) and birth date YYYYMMDD (9). */
void synth_cpr(unsigned long n, char cpr[11], char birth[9]);
/* The CPR number of person n born on `birth` (YYYYMMDD, 2000-2036): the date's
 * digits and a serial 4000-9999 (7th digit 4: born in the 2000s). */
void synth_cpr_born(unsigned long n, const char *birth, char cpr[11]);

typedef struct synth_address {
  const char *street;
  char house_number[8];
  const char *floor, *door;
  const char *postcode, *city, *kommunekode;
} synth_address_t;

/* A random address in municipality kommunekode (one of synth_kommuner(); an
 * unknown code gets Aarhus's streets with that code). */
void synth_address(synth_rng_t *r, const char *kommunekode, synth_address_t *out);
/* A random municipality code other than `not` (NULL: any). */
const char *synth_other_kommune(synth_rng_t *r, const char * not );
/* Random first names (one or two) and a last name; out buffers 64 bytes. */
void synth_name(synth_rng_t *r, char *first_names, char *last_name);

#endif
