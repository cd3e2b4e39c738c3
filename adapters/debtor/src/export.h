/*
 * export.h — the debtor system's CSV exports, one kind per file, told apart
 * by the header line (docs/debtor-csv.md is the reference):
 *
 *   fordringer        claims               -> debt.claim.created
 *   indbetalinger     payments             -> debt.payment.received
 *   betalingsaftaler  payment agreements   -> debt.agreement.created
 *   overdragelser     transfers to state collection (Gældsstyrelsen)
 *                                          -> debt.claim.transferred_to_collection
 *   lukninger         closed claims        -> debt.claim.closed
 *
 * A line is checked field by field into a debt_row_t; a line that fails
 * names a stable reason code (BAD_AMOUNT, BAD_DATE, WRONG_COLUMN_COUNT,
 * UNKNOWN_CLAIM_TYPE ...) and a detail, and the rest of the file goes on.
 */
#ifndef STAFET_DEBT_EXPORT_H
#define STAFET_DEBT_EXPORT_H

#include "csv.h"
#include "textutil.h"

#include <stdint.h>

typedef enum {
  DEBT_CLAIMS = 0,
  DEBT_PAYMENTS,
  DEBT_AGREEMENTS,
  DEBT_TRANSFERS,
  DEBT_CLOSURES,
  DEBT_KINDS
} debt_kind_t;

#define DEBT_ID_MAX          40  /* claim and agreement ids */
#define DEBT_TEXT_MAX        200 /* characters of a claim's text */
#define DEBT_MAX_CLAIM_IDS   16  /* claims in one agreement */
#define DEBT_MAX_INSTALMENTS 120

/* The debtor: a person (CPR number) or a company (CVR number). */
typedef struct debt_party {
  char cpr[12]; /* "DDMMYY-SSSS" or "" */
  char cvr[9];  /* eight digits or "" */
} debt_party_t;

typedef struct debt_row {
  debt_kind_t kind;
  char id[DEBT_ID_MAX + 1]; /* claim id; agreement id for agreements */
  debt_party_t debtor;
  int claim_type;      /* claims: stafet.events.v1.debt.ClaimType value */
  int64_t amount_oere; /* claim amount, payment, remaining (transfers), instalment */
  sdate_t date;        /* due, paid, transferred, closed, first instalment */
  char text[4 * DEBT_TEXT_MAX + 1];
  int channel;                                         /* payments: PaymentReceived.Channel value */
  int close_reason;                                    /* closures: ClaimClosed.Reason value */
  char claim_ids[DEBT_MAX_CLAIM_IDS][DEBT_ID_MAX + 1]; /* agreements */
  size_t n_claim_ids;
  unsigned n_instalments; /* agreements: monthly, from `date` */
} debt_row_t;

typedef struct debt_error {
  const char *code; /* static, stable */
  char detail[160];
} debt_error_t;

/* The kind whose header this is (case and blanks ignored, a UTF-8 BOM
 * allowed): 0 or STAFET_EINVAL. */
int debt_kind_from_header(const csv_row_t *header, debt_kind_t *kind);

/* The header line of a kind ("fordring_id;debitor;..."), and its topic. */
const char *debt_kind_header(debt_kind_t kind);
const char *debt_kind_topic(debt_kind_t kind);
const char *debt_kind_name(debt_kind_t kind); /* "fordringer" ... */

/* Checks one data line of a file of that kind. 0, or STAFET_EINVAL with
 * *err: WRONG_COLUMN_COUNT, MISSING_FIELD, BAD_ID, BAD_DEBTOR, BAD_AMOUNT,
 * BAD_DATE, UNKNOWN_CLAIM_TYPE, BAD_CHANNEL, BAD_REASON, BAD_COUNT,
 * BAD_TEXT. */
int debt_row_parse(debt_kind_t kind, const csv_row_t *row, debt_row_t *out, debt_error_t *err);

/* The longest data line we read, and the buffer debt_line_parse needs. */
#define DEBT_LINE_MAX 8192
#define DEBT_LINE_BUF (DEBT_LINE_MAX + CSV_MAX_FIELDS)

/* Checks one raw data line (no line ending) of a file of that kind: the
 * line itself (EMPTY_LINE, LINE_TOO_LONG, BAD_ENCODING, BAD_QUOTING, more than
 * CSV_MAX_FIELDS fields: WRONG_COLUMN_COUNT), then its fields
 * (debt_row_parse). buf: DEBT_LINE_BUF bytes of scratch. 0 or STAFET_EINVAL. */
int debt_line_parse(debt_kind_t kind, const char *line, size_t len, char *buf, debt_row_t *out,
                    debt_error_t *err);

/* Due date of instalment i (0-based) of an agreement: the same day of the
 * month, i months after the first, or the month's last day if shorter. */
sdate_t debt_instalment_date(sdate_t first, unsigned i);

/* Names of the enum values for attributes and answers: "childcare",
 * "betalingsservice", "paid" ... ("" when unknown). */
const char *debt_claim_type_name(int claim_type);
const char *debt_channel_name(int channel);
const char *debt_close_reason_name(int reason);

#endif
