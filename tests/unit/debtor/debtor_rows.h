/*
 * debtor_rows.h — reads export lines into rows for the debtor tests, through
 * the real CSV splitter and row checks. Synthetic data only.
 */
#ifndef STAFET_TEST_DEBTOR_ROWS_H
#define STAFET_TEST_DEBTOR_ROWS_H

#include "export.h"

#include <string.h>

/* The row of a line that must be good. */
static inline debt_row_t row_of(debt_kind_t kind, const char *line) {
  char buf[1024];
  csv_row_t r;
  debt_row_t row;
  debt_error_t err;
  assert_int_equal(csv_split(line, strlen(line), buf, &r), 0);
  if (debt_row_parse(kind, &r, &row, &err) != 0)
    fail_msg("%s: %s %s", line, err.code, err.detail);
  return row;
}

#endif
