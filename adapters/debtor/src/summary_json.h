/*
 * summary_json.h — the answer of debt.summary.get: JSON (UTF-8), documented
 * in docs/debtor-csv.md. Amounts in øre as integers, plus the total written
 * the Danish way for people ("1.234,50").
 */
#ifndef STAFET_DEBT_SUMMARY_JSON_H
#define STAFET_DEBT_SUMMARY_JSON_H

#include "store.h"

#include <stddef.h>

/* Renders the summary of `debtor` (its CPR or CVR number as given in
 * debtor_text). *out (NUL-terminated, *len bytes) is the caller's to free(). */
int debt_summary_json(const char *debtor_text, const debt_summary_t *sum, char **out, size_t *len);

#endif
