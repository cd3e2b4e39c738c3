/*
 * importer.h — the fake debtor system of `stafet-sim-debtor import`: it
 * watches the import directory the debtor adapter writes instruction files
 * into (docs/debtor-csv.md), checks each file the way the real import would,
 * and moves it to imported/ (or failed/, with <file>.reason), reporting one
 * line per file. Instruction ids already imported are reported as
 * duplicates and not applied twice (the ledger is imported/.ledger), which
 * is how an importer must treat an event delivered twice.
 */
#ifndef STAFET_SIM_IMPORTER_H
#define STAFET_SIM_IMPORTER_H

#include <stdio.h>

typedef struct importer_line {
  char id[65], code[32], debtor[12], date[11];
  char street[161], postcode[8], city[81], kommunekode[8];
  int protected_;
} importer_line_t;

/* Checks one instruction file's text. 0 with *out (its first instruction)
 * filled, or -1 with why (cap bytes) saying what is wrong. */
int importer_check(const char *text, size_t len, importer_line_t *out, char *why, size_t cap);

typedef struct importer_counts {
  unsigned imported, duplicates, failed;
} importer_counts_t;

/* One pass over dir: every ready file (*.csv, not starting with '.') is
 * checked, moved and reported on `report`. 0, or -1 if dir cannot be read. */
int importer_pass(const char *dir, FILE *report, importer_counts_t *counts);

#endif
