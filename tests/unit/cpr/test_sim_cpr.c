/*
 * test_sim_cpr.c — stafet-sim-cpr's files against the cpr adapter's parser
 * (two implementations of docs/cpr-format.md checking each other): every
 * file has a good frame; exactly the records the generator spoiled fail,
 * each with the reason the generator announced; --bad-count files fail their
 * frame with COUNT_MISMATCH; every record type appears; numbers are unique.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cprfile.h"
#include "cprgen.h"

#include "stafet.h"

#include <stdlib.h>
#include <string.h>

static void check_file(const cprgen_file_t *f, unsigned *types_seen) {
  cpr_file_t cf;
  cpr_error_t err;
  unsigned long err_line;
  assert_int_equal(cpr_file_open(&cf, f->text, f->len, &err, &err_line), 0);
  assert_string_equal(cf.file_id, f->id);
  assert_int_equal(cf.count, f->records);
  size_t failed = 0;
  for (unsigned long line = 2; line < cf.n_lines; line++) {
    const char *s;
    size_t n;
    cpr_file_line(&cf, line, &s, &n);
    cpr_record_t rec;
    const char *expected = NULL;
    for (size_t i = 0; i < f->n_corrupt; i++)
      if (f->corrupt[i].line == line)
        expected = f->corrupt[i].reason;
    int rc = cpr_record_parse(s, n, &rec, &err);
    if (expected == NULL && rc != 0)
      fail_msg("%s line %lu: %s %s", f->name, line, err.code, err.detail);
    if (expected != NULL) {
      assert_int_equal(rc, STAFET_EINVAL);
      assert_string_equal(err.code, expected);
      failed++;
    } else {
      types_seen[rec.type] = 1;
    }
  }
  assert_int_equal(failed, f->n_corrupt);
  cpr_file_close(&cf);
}

static void test_files_parse_and_spoilt_records_fail(void **state) {
  (void)state;
  unsigned types_seen[8] = {0};
  for (uint64_t seed = 1; seed <= 5; seed++) {
    cprgen_opts_t o = {.kommunekode = "0580",
                       .first_serial = 1,
                       .records = 200,
                       .corrupt_per_file = 7,
                       .seed = seed};
    cprgen_t g;
    cprgen_init(&g, &o);
    for (int i = 0; i < 3; i++) {
      cprgen_file_t f;
      assert_int_equal(cprgen_next(&g, &f), 0);
      assert_int_equal(f.n_corrupt, 7);
      check_file(&f, types_seen);
      cprgen_file_free(&f);
    }
    cprgen_free(&g);
  }
  for (int t = CPR_REC_REGISTERED; t <= CPR_REC_DECEASED; t++)
    if (!types_seen[t])
      fail_msg("record type %03d never made", t);
}

static void test_bad_count(void **state) {
  (void)state;
  cprgen_opts_t o = {.records = 10, .bad_count = 1, .seed = 3};
  cprgen_t g;
  cprgen_init(&g, &o);
  cprgen_file_t f;
  assert_int_equal(cprgen_next(&g, &f), 0);
  cpr_file_t cf;
  cpr_error_t err;
  unsigned long line;
  assert_int_equal(cpr_file_open(&cf, f.text, f.len, &err, &line), STAFET_EINVAL);
  assert_string_equal(err.code, "COUNT_MISMATCH");
  cpr_file_close(&cf);
  cprgen_file_free(&f);
  cprgen_free(&g);
}

static void test_synthetic_numbers_unique(void **state) {
  (void)state;
  enum { N = 20000 };
  char(*seen)[11] = calloc(N, 11);
  char birth[9];
  for (unsigned long n = 0; n < N; n++)
    synth_cpr(n + 1, seen[n], birth);
  qsort(seen, N, 11, (int (*)(const void *, const void *))strcmp);
  for (size_t i = 1; i < N; i++)
    assert_string_not_equal(seen[i - 1], seen[i]);
  free(seen);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_files_parse_and_spoilt_records_fail),
      cmocka_unit_test(test_bad_count),
      cmocka_unit_test(test_synthetic_numbers_unique),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
