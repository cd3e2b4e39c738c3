/*
 * instruction.h — the files the debtor adapter writes for the debtor system
 * to import (docs/debtor-csv.md): one instruction per file, ';'-separated
 * with a header line, like the system's own exports.
 *
 *   DOEDSBO_STOP_RYKKER  the debtor died: stop dunning (rykkere), the claims
 *                        now concern the estate (dødsbo)
 *   NY_ADRESSE           the debtor moved: the new address for letters
 *
 * The file name comes from the CPR event's message id
 * ("stafet-doedsbo-<id>.csv"), and so does the instruction id in the file:
 * an event delivered twice gives the same file, and the importer treats
 * instruktion_id as its idempotency key.
 */
#ifndef STAFET_DEBT_INSTRUCTION_H
#define STAFET_DEBT_INSTRUCTION_H

#include "spool.h"
#include "textutil.h"

#include <stddef.h>

typedef enum { DEBT_STOP_DUNNING = 0, DEBT_NEW_ADDRESS = 1 } debt_instruction_kind_t;

/* Strings are borrowed; NULL counts as "". */
typedef struct debt_instruction {
  debt_instruction_kind_t kind;
  const char *id;  /* the CPR event's message id */
  const char *cpr; /* "DDMMYY-SSSS" */
  sdate_t date;    /* date of death / move date */
  const char *street, *house_number, *floor, *door, *postcode, *city, *kommunekode;
  int protected_; /* name and address protection */
} debt_instruction_t;

#define DEBT_INSTRUCTION_HEADER                                                                    \
  "instruktion_id;instruktion;debitor;dato;vejnavn;husnr;etage;doer;postnr;postdistrikt;"          \
  "kommunekode;beskyttet"

/* "DOEDSBO_STOP_RYKKER" or "NY_ADRESSE". */
const char *debt_instruction_code(debt_instruction_kind_t kind);

/* Writes the file's text (header and one line, each ending in "\n") to out
 * (cap bytes): 0, or STAFET_ETOOBIG. *len gets its length. */
int debt_instruction_render(const debt_instruction_t *in, char *out, size_t cap, size_t *len);

/* The file name: "stafet-doedsbo-<id>.csv" / "stafet-adresse-<id>.csv", the
 * id with anything but [A-Za-z0-9._-] as '_'. out: SPOOL_NAME_MAX bytes. */
void debt_instruction_file_name(const debt_instruction_t *in, char *out);

#endif
