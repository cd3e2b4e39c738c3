/*
 * fuzz_debt_line.c — libFuzzer target for the debtor adapter's CSV lines
 * (';'-separated, quoting, Danish amounts "1.234,50" and dates): the first
 * byte picks the kind of export, the rest is the line.
 */
#include "danish.h"
#include "export.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  static char buf[DEBT_LINE_BUF];
  debt_row_t row;
  debt_error_t err;
  debt_kind_t kind = (debt_kind_t)(data[0] % DEBT_KINDS);
  debt_line_parse(kind, (const char *)data + 1, size - 1, buf, &row, &err);
  int64_t oere;
  char amount[64];
  size_t n = size - 1 < sizeof amount - 1 ? size - 1 : sizeof amount - 1;
  for (size_t i = 0; i < n; i++)
    amount[i] = (char)data[1 + i];
  amount[n] = '\0';
  dk_amount_parse(amount, &oere);
  return 0;
}
