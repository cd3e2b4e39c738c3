/*
 * danish.h — amounts and dates as Danish exports write them.
 *
 * Amounts: kroner with ',' before the øre and, optionally, '.' between
 * groups of three digits: "1.234,50", "1234,50", "-12,5", "0,05", "1.000".
 * We keep amounts as integers in øre (1 krone = 100 øre): "1.234,50" is
 * 123450. Never a float: 0,1 + 0,2 must be 0,3.
 *
 * Dates: "DD-MM-YYYY" (the debtor system's exports) or "YYYY-MM-DD" (ISO);
 * "DD.MM.YYYY" too, as Danish spreadsheets write it.
 */
#ifndef STAFET_DEBT_DANISH_H
#define STAFET_DEBT_DANISH_H

#include "textutil.h"

#include <stdint.h>

/* The largest amount we accept, in øre (ten billion kroner). */
#define DK_AMOUNT_MAX_OERE 1000000000000LL

/*
 * Parses an amount (blanks around it allowed): an optional sign, whole
 * kroner either as plain digits or in '.'-separated groups of three (the
 * first group 1-3 digits), then optionally ',' and one or two øre digits.
 * Returns 0 with *oere set, or STAFET_EINVAL ("", "1,234.50", "12,345",
 * "1.23", "1.2345,00", "abc", more than DK_AMOUNT_MAX_OERE).
 */
int dk_amount_parse(const char *s, int64_t *oere);

/* Writes an amount in øre the Danish way ("-1.234,50") to out (32 bytes). */
void dk_amount_format(int64_t oere, char out[32]);

/* Parses "DD-MM-YYYY", "DD.MM.YYYY" or "YYYY-MM-DD" into a calendar date:
 * 0 or STAFET_EINVAL. */
int dk_date_parse(const char *s, sdate_t *out);

/* "DD-MM-YYYY" (11 bytes), "" for an unset date. */
void dk_date_format(sdate_t d, char out[11]);

#endif
