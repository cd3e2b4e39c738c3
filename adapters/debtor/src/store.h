/*
 * store.h — the debtor adapter's store, in SQLite: claims with their status,
 * payments, payment agreements, the estates (dødsboer) the debtor system was
 * told about, and the instruction files written. It answers
 * debt.summary.get and tells, when a CPR event comes, whether an
 * instruction for it was written already.
 *
 * SQLite for the same reasons as the cpr adapter's register (one file,
 * transactions, crash safety with WAL and synchronous=FULL, a well-kept
 * Debian library). Applying an export line again (a file read again after a
 * crash) changes nothing: claims, agreements and transfers are upserts by
 * their ids, and payments are keyed by the message id of their event.
 *
 * CPR numbers are kept as "DDMMYY-SSSS", CVR numbers as eight digits.
 */
#ifndef STAFET_DEBT_STORE_H
#define STAFET_DEBT_STORE_H

#include "export.h"

#include <stdint.h>

typedef struct debt_store debt_store_t;

typedef struct debt_claim_view {
  char claim_id[DEBT_ID_MAX + 1];
  int claim_type;
  int64_t amount_oere, paid_oere, owed_oere;
  sdate_t due_date;
  int transferred; /* handed to state collection: owed is the remaining amount */
} debt_claim_view_t;

typedef struct debt_agreement_view {
  char agreement_id[DEBT_ID_MAX + 1];
  char claim_ids[DEBT_MAX_CLAIM_IDS * (DEBT_ID_MAX + 1)]; /* "F-1,F-2" */
  sdate_t first_due;
  unsigned n_instalments;
  int64_t instalment_oere;
} debt_agreement_view_t;

/* What debt.summary.get answers. Arrays owned: debt_summary_free(). */
typedef struct debt_summary {
  debt_claim_view_t *claims; /* claims not closed, by due date */
  size_t n_claims;
  int64_t total_owed_oere;
  debt_agreement_view_t *agreements;
  size_t n_agreements;
  sdate_t estate_date; /* set when the debtor died and dunning was stopped */
} debt_summary_t;

int debt_store_open(debt_store_t **out, const char *path);
void debt_store_close(debt_store_t *s);
int debt_store_begin(debt_store_t *s);
int debt_store_commit(debt_store_t *s);
void debt_store_rollback(debt_store_t *s);

/* Applies an export line; `source` is the message id of its event. */
int debt_store_apply(debt_store_t *s, const debt_row_t *row, const char *source);

/* Fills *out for a debtor (zero claims for one we do not know). */
int debt_store_summary(debt_store_t *s, const debt_party_t *debtor, debt_summary_t *out);
void debt_summary_free(debt_summary_t *sum);

/* *known = 1 if any claim names the person (cpr "DDMMYY-SSSS"). */
int debt_store_is_debtor(debt_store_t *s, const char *cpr, int *known);

/* *done = 1 if the instruction for this event's message id was written. */
int debt_store_instruction_written(debt_store_t *s, const char *message_id, int *done);
/* Records a written instruction file (kind "DOEDSBO_STOP_RYKKER" ...). */
int debt_store_instruction_record(debt_store_t *s, const char *message_id, const char *kind,
                                  const char *cpr, const char *file);
/* Records that the person died (dunning stopped for the estate). */
int debt_store_estate_record(debt_store_t *s, const char *cpr, sdate_t date);

#endif
