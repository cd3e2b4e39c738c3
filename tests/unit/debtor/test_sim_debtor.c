/*
 * test_sim_debtor.c — stafet-sim-debtor against the debtor adapter (two
 * implementations of docs/debtor-csv.md checking each other): every export
 * kind's header is recognised, exactly the spoiled lines fail with the
 * reasons the generator announced; and the fake debtor system accepts the
 * instruction files the adapter renders, refuses broken ones, moves files to
 * imported/ or failed/ and reports an instruction seen twice as a duplicate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "csvgen.h"
#include "export.h"
#include "importer.h"
#include "instruction.h"
#include "lines.h"
#include "testkit.h"

#include "stafet.h"

#include <stdlib.h>
#include <string.h>

static void check_export(const csvgen_file_t *f) {
  text_lines_t lines;
  assert_int_equal(text_lines_split(&lines, f->text, f->len), 0);
  assert_int_equal(lines.n, f->lines + 1);
  const char *s;
  size_t n;
  static char buf[DEBT_LINE_BUF];
  csv_row_t header;
  debt_kind_t kind;
  text_lines_get(&lines, 1, &s, &n);
  assert_int_equal(csv_split(s, n, buf, &header), 0);
  assert_int_equal(debt_kind_from_header(&header, &kind), 0);
  size_t failed = 0;
  for (unsigned long line = 2; line <= lines.n; line++) {
    const char *expected = NULL;
    for (size_t i = 0; i < f->n_bad; i++)
      if (f->bad[i].line == line)
        expected = f->bad[i].reason;
    debt_row_t row;
    debt_error_t err;
    text_lines_get(&lines, line, &s, &n);
    int rc = debt_line_parse(kind, s, n, buf, &row, &err);
    if (expected == NULL && rc != 0)
      fail_msg("%s line %lu: %s %s: %.*s", f->name, line, err.code, err.detail, (int)n, s);
    if (expected != NULL) {
      assert_int_equal(rc, STAFET_EINVAL);
      assert_string_equal(err.code, expected);
      failed++;
    }
  }
  assert_int_equal(failed, f->n_bad);
  text_lines_free(&lines);
}

static void test_exports_parse_and_spoilt_lines_fail(void **state) {
  (void)state;
  const char *reasons[] = {"BAD_AMOUNT", "BAD_DATE", "WRONG_COLUMN_COUNT", "UNKNOWN_CLAIM_TYPE",
                           "BAD_QUOTING"};
  int seen[5] = {0};
  for (uint64_t seed = 1; seed <= 4; seed++) {
    csvgen_opts_t o = {.kind = CSVGEN_MIX,
                       .lines = 150,
                       .bad_per_file = 9,
                       .first_person = 1,
                       .people = 50,
                       .seed = seed};
    csvgen_t g;
    csvgen_init(&g, &o);
    for (int i = 0; i < CSVGEN_KINDS; i++) {
      csvgen_file_t f;
      assert_int_equal(csvgen_next(&g, &f), 0);
      check_export(&f);
      for (size_t b = 0; b < f.n_bad; b++)
        for (int r = 0; r < 5; r++)
          seen[r] |= strcmp(f.bad[b].reason, reasons[r]) == 0;
      csvgen_file_free(&f);
    }
    csvgen_free(&g);
  }
  for (int r = 0; r < 5; r++)
    if (!seen[r])
      fail_msg("%s never made", reasons[r]);
}

static int check_text(const char *text, char *why) {
  importer_line_t line;
  return importer_check(text, strlen(text), &line, why, 200);
}

static void test_importer_checks(void **state) {
  (void)state;
  char text[2048], why[200];
  size_t len;
  debt_instruction_t move = {.kind = DEBT_NEW_ADDRESS,
                             .id = "cpr-1-3",
                             .cpr = "010190-1234",
                             .date = {2024, 4, 1},
                             .street = "Vestergade; bag",
                             .house_number = "1",
                             .floor = "",
                             .door = "",
                             .postcode = "8000",
                             .city = "Aarhus C",
                             .kommunekode = "0751"};
  assert_int_equal(debt_instruction_render(&move, text, sizeof text, &len), 0);
  importer_line_t line;
  assert_int_equal(importer_check(text, len, &line, why, sizeof why), 0);
  assert_string_equal(line.code, "NY_ADRESSE");
  assert_string_equal(line.street, "Vestergade; bag");
  debt_instruction_t hidden = move;
  hidden.street = hidden.house_number = hidden.postcode = hidden.city = "";
  hidden.protected_ = 1; /* the hub withheld the address */
  assert_int_equal(debt_instruction_render(&hidden, text, sizeof text, &len), 0);
  assert_int_equal(check_text(text, why), 0);
  hidden.protected_ = 0; /* ... but without the flag it is a broken instruction */
  assert_int_equal(debt_instruction_render(&hidden, text, sizeof text, &len), 0);
  assert_int_equal(check_text(text, why), -1);
  assert_non_null(strstr(why, "postnr"));

  const char *h = "instruktion_id;instruktion;debitor;dato;vejnavn;husnr;etage;doer;postnr;"
                  "postdistrikt;kommunekode;beskyttet\n";
  const char *bad[] = {
      "x;DOEDSBO_STOP_RYKKER;0101901234;15-03-2024;;;;;;;;0\n", /* no hyphen */
      "x;DOEDSBO_STOP_RYKKER;010190-1234;2024-03-15;;;;;;;;0\n",
      "x;STOP;010190-1234;15-03-2024;;;;;;;;0\n",
      "x;DOEDSBO_STOP_RYKKER;010190-1234;15-03-2024;;;;;;;;\n",
      "x;DOEDSBO_STOP_RYKKER;010190-1234;15-03-2024;Vej;;;;;;;0\n",
      "x;DOEDSBO_STOP_RYKKER;010190-1234;15-03-2024;;;;;;;0\n",
      "x;DOEDSBO_STOP_RYKKER;010190-1234;15-03-2024;;;;;;;;0",
      "",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(text, sizeof text, "%s%s", h, bad[i]);
    if (check_text(text, why) != -1)
      fail_msg("accepted: %s", bad[i]);
  }
  assert_int_equal(check_text("id;x\n", why), -1);
}

static void test_importer_pass(void **state) {
  (void)state;
  char dir[256], sub[300], text[2048];
  size_t len;
  testkit_tempdir(dir, "importer");
  debt_instruction_t stop = {
      .kind = DEBT_STOP_DUNNING, .id = "cpr-9-5", .cpr = "010190-1234", .date = {2024, 3, 15}};
  assert_int_equal(debt_instruction_render(&stop, text, sizeof text, &len), 0);
  testkit_drop(dir, "a.csv", text);
  testkit_drop(dir, "b.csv", text); /* the same instruction again */
  testkit_drop(dir, "c.csv", "not an instruction\n");
  testkit_drop(dir, "d.txt", "left alone\n");
  char *out = NULL;
  size_t out_len = 0;
  FILE *report = open_memstream(&out, &out_len);
  importer_counts_t counts = {0, 0, 0};
  assert_int_equal(importer_pass(dir, report, &counts), 0);
  fclose(report);
  assert_int_equal(counts.imported, 1);
  assert_int_equal(counts.duplicates, 1);
  assert_int_equal(counts.failed, 1);
  assert_non_null(strstr(out, "imported a.csv instruktion=DOEDSBO_STOP_RYKKER "
                              "debitor=010190-**** dato=15-03-2024\n"));
  assert_non_null(strstr(out, "duplicate b.csv instruktion_id=cpr-9-5\n"));
  assert_non_null(strstr(out, "failed c.csv reason="));
  assert_null(strstr(out, "010190-1234"));
  free(out);
  snprintf(sub, sizeof sub, "%s/imported", dir);
  assert_true(testkit_exists(sub, "a.csv") && testkit_exists(sub, "b.csv"));
  snprintf(sub, sizeof sub, "%s/failed", dir);
  assert_true(testkit_exists(sub, "c.csv") && testkit_exists(sub, "c.csv.reason"));
  assert_true(testkit_exists(dir, "d.txt"));
  assert_int_equal(testkit_rmrf(dir), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exports_parse_and_spoilt_lines_fail),
      cmocka_unit_test(test_importer_checks),
      cmocka_unit_test(test_importer_pass),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
