/*
 * test_cpr_file.c — the frame of a CPR change file: start and end records,
 * file id, record count (a mismatch rejects the file whole), control records
 * in the middle, line endings, empty files and trailing blank lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpr_lines.h"
#include "cprfile.h"

#include "stafet.h"

static char text[8192];

/* A file: start, n deceased records, end with `count`, line ending eol. */
static void build(const char *start_id, unsigned n, const char *end_id, unsigned long count,
                  const char *eol) {
  text[0] = '\0';
  line_t l = rec_start(start_id, "20240315");
  file_add(text, sizeof text, &l, eol);
  for (unsigned i = 0; i < n; i++) {
    char cpr[11];
    snprintf(cpr, sizeof cpr, "01019%05u", i % 100000);
    l = rec_deceased(cpr, "0751", "20240301");
    file_add(text, sizeof text, &l, eol);
  }
  l = rec_end(end_id, count);
  file_add(text, sizeof text, &l, eol);
}

static int open_text(cpr_file_t *f, cpr_error_t *err, unsigned long *line) {
  memset(err, 0, sizeof *err);
  *line = 999;
  return cpr_file_open(f, text, strlen(text), err, line);
}

static void expect_frame_error(const char *code, unsigned long want_line) {
  cpr_file_t f;
  cpr_error_t err;
  unsigned long line;
  assert_int_equal(open_text(&f, &err, &line), STAFET_EINVAL);
  assert_string_equal(err.code, code);
  assert_int_equal(line, want_line);
  cpr_file_close(&f);
}

static void test_good_file(void **state) {
  (void)state;
  const char *eols[] = {"\n", "\r\n"};
  for (int e = 0; e < 2; e++) {
    build("CPR-0751-1", 3, "CPR-0751-1", 3, eols[e]);
    cpr_file_t f;
    cpr_error_t err;
    unsigned long line;
    assert_int_equal(open_text(&f, &err, &line), 0);
    assert_int_equal(f.n_lines, 5);
    assert_int_equal(f.count, 3);
    assert_string_equal(f.file_id, "CPR-0751-1");
    assert_int_equal(f.produced.year, 2024);
    const char *s;
    size_t n;
    cpr_file_line(&f, 2, &s, &n);
    assert_int_equal(n, 25); /* without "\r\n" */
    assert_memory_equal(s, "00701019000000751", 17);
    cpr_file_close(&f);
  }
}

static void test_no_final_newline_and_trailing_blank_lines(void **state) {
  (void)state;
  build("F", 1, "F", 1, "\n");
  text[strlen(text) - 1] = '\0';
  cpr_file_t f;
  cpr_error_t err;
  unsigned long line;
  assert_int_equal(open_text(&f, &err, &line), 0);
  assert_int_equal(f.n_lines, 3);
  cpr_file_close(&f);
  build("F", 1, "F", 1, "\n");
  strcat(text, "\n\r\n\n");
  assert_int_equal(open_text(&f, &err, &line), 0);
  assert_int_equal(f.n_lines, 3);
  cpr_file_close(&f);
}

static void test_no_data_records(void **state) {
  (void)state;
  build("F", 0, "F", 0, "\n");
  cpr_file_t f;
  cpr_error_t err;
  unsigned long line;
  assert_int_equal(open_text(&f, &err, &line), 0);
  assert_int_equal(f.count, 0);
  cpr_file_close(&f);
}

static void test_count_mismatch(void **state) {
  (void)state;
  build("F", 3, "F", 4, "\n");
  expect_frame_error("COUNT_MISMATCH", 5);
  build("F", 3, "F", 2, "\n");
  expect_frame_error("COUNT_MISMATCH", 5);
}

static void test_missing_or_bad_control_records(void **state) {
  (void)state;
  build("F", 2, "F", 2, "\n");
  char *second = strchr(text, '\n') + 1;
  memmove(text, second, strlen(second) + 1); /* no start record */
  expect_frame_error("NO_START_RECORD", 1);

  build("F", 2, "F", 2, "\n");
  text[strlen(text) - 32] = '\0'; /* no end record */
  expect_frame_error("NO_END_RECORD", 3);

  build("F", 2, "G", 2, "\n");
  expect_frame_error("FILE_ID_MISMATCH", 4);

  build("F", 1, "F", 1, "\n");
  memcpy(text + 23, "20241340", 8); /* start record production date */
  expect_frame_error("BAD_START_RECORD", 1);

  build("F", 1, "F", 1, "\n");
  memcpy(text + strlen(text) - 9, "0000000x", 8);
  expect_frame_error("BAD_END_RECORD", 3);

  text[0] = '\0';
  line_t l = rec_start("F", "20240315");
  file_add(text, sizeof text, &l, "\n");
  expect_frame_error("NO_END_RECORD", 1);
}

static void test_two_files_glued(void **state) {
  (void)state;
  static char first[sizeof text];
  build("F", 1, "F", 1, "\n");
  memcpy(first, text, sizeof text);
  build("G", 1, "G", 1, "\n");
  memmove(text + strlen(first), text, strlen(text) + 1);
  memcpy(text, first, strlen(first));
  /* Start F ... end G: the ids differ, and the middle holds control records. */
  expect_frame_error("FILE_ID_MISMATCH", 6);
  build("F", 2, "F", 2, "\n");
  char *third = strchr(strchr(text, '\n') + 1, '\n') + 1;
  memcpy(third, "999", 3);
  expect_frame_error("MISPLACED_CONTROL_RECORD", 3);
}

static void test_empty(void **state) {
  (void)state;
  text[0] = '\0';
  expect_frame_error("EMPTY_FILE", 0);
  strcpy(text, "\n\n\r\n");
  expect_frame_error("EMPTY_FILE", 0);
}

static void test_bad_data_record_does_not_fail_the_frame(void **state) {
  (void)state;
  build("F", 3, "F", 3, "\n");
  char *second = strchr(text, '\n') + 1;
  memcpy(second, "0xx", 3); /* a data record that will fail on its own */
  cpr_file_t f;
  cpr_error_t err;
  unsigned long line;
  assert_int_equal(open_text(&f, &err, &line), 0);
  cpr_file_close(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_file),
      cmocka_unit_test(test_no_final_newline_and_trailing_blank_lines),
      cmocka_unit_test(test_no_data_records),
      cmocka_unit_test(test_count_mismatch),
      cmocka_unit_test(test_missing_or_bad_control_records),
      cmocka_unit_test(test_two_files_glued),
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_bad_data_record_does_not_fail_the_frame),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
