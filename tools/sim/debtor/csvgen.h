/*
 * csvgen.h — the generator behind `stafet-sim-debtor export`: the debtor
 * system's CSV exports (docs/debtor-csv.md: ';'-separated, a header line,
 * Danish amounts "1.234,50", dates DD-MM-YYYY), written here from the
 * document rather than with the adapter's code.
 *
 * Claims are made for synthetic people (synth.h: the same person numbers as
 * stafet-sim-cpr) and some companies; payments, agreements, transfers to
 * state collection and closures refer to claims made before. On request
 * some lines are spoiled, each with one documented reason, and the
 * generator says which.
 */
#ifndef STAFET_SIM_CSVGEN_H
#define STAFET_SIM_CSVGEN_H

#include "synth.h"

#include <stddef.h>

typedef enum {
  CSVGEN_CLAIMS = 0,
  CSVGEN_PAYMENTS,
  CSVGEN_AGREEMENTS,
  CSVGEN_TRANSFERS,
  CSVGEN_CLOSURES,
  CSVGEN_KINDS,
  CSVGEN_MIX = CSVGEN_KINDS /* one kind after the other, claims first */
} csvgen_kind_t;

typedef struct csvgen_opts {
  csvgen_kind_t kind;
  unsigned lines; /* data lines per file */
  unsigned bad_per_file;
  unsigned long first_person, people; /* debtors: these synthetic people */
  uint64_t seed;
} csvgen_opts_t;

typedef struct csvgen_claim {
  char id[16];
  char debtor[12]; /* "DDMMYY-SSSS" or eight CVR digits */
  long long amount_oere;
} csvgen_claim_t;

typedef struct csvgen {
  csvgen_opts_t o;
  synth_rng_t rng;
  csvgen_claim_t *claims;
  size_t n_claims, cap;
  unsigned long files, agreements;
} csvgen_t;

typedef struct csvgen_bad {
  unsigned long line;
  const char *reason;
} csvgen_bad_t;

typedef struct csvgen_file {
  char name[64];
  char *text; /* owned: csvgen_file_free() */
  size_t len;
  unsigned lines;
  csvgen_bad_t *bad; /* owned */
  size_t n_bad;
} csvgen_file_t;

/* "claims" ... "closures", "mix" -> kind; -1 if unknown. */
int csvgen_kind_by_name(const char *name);

void csvgen_init(csvgen_t *g, const csvgen_opts_t *o);
void csvgen_free(csvgen_t *g);
/* The next export file: 0 or -1 (out of memory). */
int csvgen_next(csvgen_t *g, csvgen_file_t *f);
void csvgen_file_free(csvgen_file_t *f);

#endif
