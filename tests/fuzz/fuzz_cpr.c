/*
 * fuzz_cpr.c — libFuzzer target for the cpr adapter's input: a CPR change
 * file (start record, data records, end record with its count) and each
 * fixed-width record on its own. Files arrive from outside the municipality's
 * control; no byte sequence may crash the adapter.
 */
#include "cprfile.h"
#include "record.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cpr_file_t f;
  cpr_error_t err;
  unsigned long line = 0;
  memset(&f, 0, sizeof f);
  cpr_file_open(&f, (const char *)data, size, &err, &line);
  cpr_file_close(&f);
  cpr_record_t rec;
  cpr_record_parse((const char *)data, size, &rec, &err);
  return 0;
}
