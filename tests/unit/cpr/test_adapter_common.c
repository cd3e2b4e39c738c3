/*
 * test_adapter_common.c — what the cpr and debtor adapters share: claiming
 * spool files by rename (ignoring files still being written, resuming work/
 * first), finishing without overwriting, durable atomic writes, the rejects
 * list, deterministic message ids, CPR number shape and masking, dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rejects.h"
#include "spool.h"
#include "textutil.h"

#include "stafet.h"
#include "testkit.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

static int setup(void **state) {
  (void)state;
  testkit_tempdir(root, "spool");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  return testkit_rmrf(root);
}

static void write_file(const char *dir, const char *name, const char *text) {
  char path[SPOOL_PATH_MAX];
  assert_int_equal(spool_join(path, dir, name), 0);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static char *slurp(const char *dir, const char *name) {
  char path[SPOOL_PATH_MAX], *buf = NULL;
  size_t len;
  assert_int_equal(spool_join(path, dir, name), 0);
  assert_int_equal(spool_read_file(path, 1 << 20, &buf, &len), 0);
  return buf;
}

static void test_claim_order_and_ignored_names(void **state) {
  (void)state;
  spool_t s;
  assert_int_equal(spool_open(&s, root), 0);
  assert_true(testkit_exists(root, "work") && testkit_exists(root, "done") &&
              testkit_exists(root, "rejected"));
  char name[SPOOL_NAME_MAX];
  assert_int_equal(spool_claim_next(&s, name), STAFET_ENOTFOUND);
  write_file(root, "b.txt", "b");
  write_file(root, "a.txt", "a");
  write_file(root, "0.tmp", "still being written");
  write_file(root, "0.part", "still being written");
  write_file(root, ".0", "hidden");
  char sub[SPOOL_PATH_MAX];
  spool_join(sub, root, "0dir");
  mkdir(sub, 0750);
  assert_int_equal(spool_claim_next(&s, name), 0);
  assert_string_equal(name, "a.txt");
  assert_false(testkit_exists(root, "a.txt"));
  assert_true(testkit_exists(s.work, "a.txt"));
  /* Left in work/ (as after a crash): offered again before anything new. */
  assert_int_equal(spool_claim_next(&s, name), 0);
  assert_string_equal(name, "a.txt");
  assert_int_equal(spool_finish(&s, "a.txt", SPOOL_DONE, NULL), 0);
  assert_int_equal(spool_claim_next(&s, name), 0);
  assert_string_equal(name, "b.txt");
  assert_int_equal(spool_finish(&s, "b.txt", SPOOL_REJECTED, NULL), 0);
  assert_int_equal(spool_claim_next(&s, name), STAFET_ENOTFOUND);
  assert_true(testkit_exists(root, "0.tmp") && testkit_exists(root, "0.part") &&
              testkit_exists(root, ".0"));
  assert_true(testkit_exists(s.done, "a.txt") && testkit_exists(s.rejected, "b.txt"));
}

static void test_finish_never_replaces(void **state) {
  (void)state;
  spool_t s;
  assert_int_equal(spool_open(&s, root), 0);
  char name[SPOOL_NAME_MAX], final[SPOOL_NAME_MAX];
  const char *texts[] = {"first", "second", "third"};
  for (int i = 0; i < 3; i++) {
    write_file(root, "same.txt", texts[i]);
    assert_int_equal(spool_claim_next(&s, name), 0);
    assert_int_equal(spool_finish(&s, name, SPOOL_DONE, final), 0);
  }
  assert_string_equal(final, "same.txt.2");
  char *a = slurp(s.done, "same.txt"), *b = slurp(s.done, "same.txt.1"),
       *c = slurp(s.done, "same.txt.2");
  assert_string_equal(a, "first");
  assert_string_equal(b, "second");
  assert_string_equal(c, "third");
  free(a), free(b), free(c);
  assert_int_equal(spool_finish(&s, "gone.txt", SPOOL_DONE, NULL), STAFET_ENOTFOUND);
}

static void test_read_limit_and_atomic_write(void **state) {
  (void)state;
  write_file(root, "big", "0123456789");
  char path[SPOOL_PATH_MAX], *buf = NULL;
  size_t len;
  spool_join(path, root, "big");
  assert_int_equal(spool_read_file(path, 9, &buf, &len), STAFET_ETOOBIG);
  assert_int_equal(spool_read_file(path, 10, &buf, &len), 0);
  assert_int_equal(len, 10);
  free(buf);
  spool_join(path, root, "missing");
  assert_int_equal(spool_read_file(path, 10, &buf, &len), STAFET_ENOTFOUND);

  assert_int_equal(spool_write_atomic(root, "out.csv", "v1", 2), 0);
  assert_int_equal(spool_write_atomic(root, "out.csv", "v2;x", 4), 0);
  buf = slurp(root, "out.csv");
  assert_string_equal(buf, "v2;x");
  free(buf);
  assert_false(testkit_exists(root, ".out.csv.tmp"));
  assert_int_equal(spool_write_atomic(root, "../x", "x", 1), STAFET_EINVAL);
  assert_int_equal(spool_write_atomic(root, ".hidden", "x", 1), STAFET_EINVAL);
}

static void test_rejects_list(void **state) {
  (void)state;
  spool_t s;
  assert_int_equal(spool_open(&s, root), 0);
  rejects_t r;
  char list[SPOOL_NAME_MAX];
  /* Nothing rejected: no list at all. */
  assert_int_equal(rejects_open(&r, s.rejected, "f.txt"), 0);
  assert_int_equal(rejects_close(&r, list), 0);
  assert_string_equal(list, "");
  assert_false(testkit_exists(s.rejected, "f.txt.rejects"));
  /* A stale temp list of an interrupted run is removed. */
  write_file(s.rejected, ".f.txt.rejects.tmp", "stale\n");
  assert_int_equal(rejects_open(&r, s.rejected, "f.txt"), 0);
  assert_false(testkit_exists(s.rejected, ".f.txt.rejects.tmp"));
  assert_int_equal(rejects_add(&r, 7, "BAD_DATE", "event date; wrong\n", "raw;record", 10), 0);
  assert_int_equal(rejects_add(&r, 9, "BAD_LENGTH", "short", "x", 1), 0);
  assert_int_equal(rejects_close(&r, list), 0);
  assert_string_equal(list, "f.txt.rejects");
  char *text = slurp(s.rejected, "f.txt.rejects");
  assert_string_equal(text, "# line;reason;detail;record\n"
                            "7;BAD_DATE;event date, wrong ;raw;record\n"
                            "9;BAD_LENGTH;short;x\n");
  free(text);
  /* A second list for a file of the same name does not replace the first. */
  assert_int_equal(rejects_open(&r, s.rejected, "f.txt"), 0);
  assert_int_equal(rejects_add(&r, 1, "BAD_X", "d", "y", 1), 0);
  assert_int_equal(rejects_close(&r, list), 0);
  assert_string_equal(list, "f.txt.rejects.1");
  assert_int_equal(rejects_write_reason(s.rejected, "g.txt", 5, "COUNT_MISMATCH", "5 != 4"), 0);
  text = slurp(s.rejected, "g.txt.reason");
  assert_string_equal(text, "5;COUNT_MISMATCH;5 != 4\n");
  free(text);
}

static void test_message_ids(void **state) {
  (void)state;
  char a[65], b[65];
  uint64_t d1 = spool_digest("f.txt", "abc", 3), d2 = spool_digest("f.txt", "abd", 3);
  uint64_t d3 = spool_digest("g.txt", "abc", 3);
  assert_true(d1 != d2 && d1 != d3);
  assert_true(spool_digest("f.txt", "abc", 3) == d1);
  spool_message_id(a, "cpr", d1, 17);
  spool_message_id(b, "cpr", d1, 17);
  assert_string_equal(a, b);
  assert_int_equal(strlen(a), 3 + 1 + 16 + 1 + 2);
  assert_int_equal(strncmp(a, "cpr-", 4), 0);
  assert_string_equal(a + strlen(a) - 3, "-17");
  spool_message_id(b, "cpr", d1, 18);
  assert_string_not_equal(a, b);
}

static void test_cpr_numbers(void **state) {
  (void)state;
  char out[12];
  assert_int_equal(cpr_normalize(" 0101901234\n", 12, out), 0);
  assert_string_equal(out, "010190-1234");
  assert_int_equal(cpr_normalize("010190-1234", 11, out), 0);
  assert_string_equal(out, "010190-1234");
  assert_int_equal(cpr_normalize("0101901234", 10, out), 0); /* fails modulus 11: fine */
  assert_int_equal(cpr_normalize("010190_1234", 11, out), STAFET_EINVAL);
  assert_int_equal(cpr_normalize("3201901234", 10, out), STAFET_EINVAL);
  assert_int_equal(cpr_normalize("010190123", 9, out), STAFET_EINVAL);
  cpr_masked("0101901234", out);
  assert_string_equal(out, "010190-****");
  cpr_masked("010190-1234", out);
  assert_string_equal(out, "010190-****");
  cpr_masked("hello", out);
  assert_string_equal(out, "******-****");
}

static void test_dates(void **state) {
  (void)state;
  sdate_t d;
  assert_int_equal(sdate_parse_compact("20240229", &d), 0);
  assert_int_equal(sdate_parse_compact("21000229", &d), STAFET_EINVAL);
  assert_int_equal(sdate_parse_compact("20000229", &d), 0);
  char iso[11];
  sdate_iso(d, iso);
  assert_string_equal(iso, "2000-02-29");
  sdate_t epoch = {1970, 1, 1}, day2 = {1970, 1, 2}, y2024 = {2024, 3, 1};
  assert_int_equal(sdate_unix_ms(epoch), 0);
  assert_int_equal(sdate_unix_ms(day2), 86400000LL);
  assert_int_equal(sdate_unix_ms(y2024), 1709251200000LL);
  sdate_t unset = {0, 0, 0};
  sdate_iso(unset, iso);
  assert_string_equal(iso, "");
}

static void test_utf8(void **state) {
  (void)state;
  size_t offs[8];
  assert_int_equal(utf8_offsets("Æbø", 5, offs, 7), 3);
  assert_int_equal(offs[1], 2);
  assert_int_equal(offs[3], 5);
  assert_int_equal(utf8_offsets("abc", 3, offs, 2), -1);          /* too many */
  assert_int_equal(utf8_offsets("\xed\xa0\x80", 3, offs, 7), -1); /* a surrogate */
  assert_true(utf8_clean("tab\tok", 6));
  assert_false(utf8_clean("nl\n", 3));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_claim_order_and_ignored_names, setup, teardown),
      cmocka_unit_test_setup_teardown(test_finish_never_replaces, setup, teardown),
      cmocka_unit_test_setup_teardown(test_read_limit_and_atomic_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rejects_list, setup, teardown),
      cmocka_unit_test(test_message_ids),
      cmocka_unit_test(test_cpr_numbers),
      cmocka_unit_test(test_dates),
      cmocka_unit_test(test_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
