/*
 * cprgen.h — the generator behind stafet-sim-cpr: CPR change files in the
 * fixed-width layout of docs/cpr-format.md, written here from the document
 * (not with the adapter's code), so that the adapter is tested against the
 * format and not against itself.
 *
 * A generator keeps a small synthetic population: people are registered
 * (born or immigrated), then move, change names, marry, get or lose
 * protection, emigrate and die, so a relocation's old address is the one the
 * person had. On request it spoils some records (corrupt_per_file) in ways
 * that each have one documented reason code, and tells which lines, or
 * writes a wrong count into the end record (the file is then rejected whole).
 */
#ifndef STAFET_SIM_CPRGEN_H
#define STAFET_SIM_CPRGEN_H

#include "synth.h"

#include <stddef.h>

typedef struct cprgen_opts {
  const char *kommunekode;    /* the municipality of the file (default 0751) */
  unsigned long first_serial; /* the first synthetic person number */
  unsigned records;           /* data records per file */
  unsigned corrupt_per_file;  /* of those, spoiled */
  int bad_count;              /* write a wrong count in the end record */
  uint64_t seed;
} cprgen_opts_t;

typedef struct cprgen_person {
  char cpr[11], birth[9];
  char first[64], last[64];
  synth_address_t address;
  int protected_;
} cprgen_person_t;

typedef struct cprgen {
  cprgen_opts_t o;
  synth_rng_t rng;
  cprgen_person_t *people;
  size_t n_people, cap;
  unsigned long next_serial;
  unsigned long files;
} cprgen_t;

/* One spoiled record: its line and the reason code the adapter must give. */
typedef struct cprgen_corrupt {
  unsigned long line;
  const char *reason;
} cprgen_corrupt_t;

/* The file made by cprgen_next(). */
typedef struct cprgen_file {
  char id[21];   /* the file id of the start and end records */
  char name[32]; /* <id>.txt */
  char *text;    /* owned: cprgen_file_free() */
  size_t len;
  unsigned records;
  cprgen_corrupt_t *corrupt; /* owned */
  size_t n_corrupt;
} cprgen_file_t;

void cprgen_init(cprgen_t *g, const cprgen_opts_t *o);
void cprgen_free(cprgen_t *g);
/* Makes the next file: 0 or -1 (out of memory). */
int cprgen_next(cprgen_t *g, cprgen_file_t *f);
void cprgen_file_free(cprgen_file_t *f);

#endif
