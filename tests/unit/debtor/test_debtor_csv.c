/*
 * test_debtor_csv.c — the Danish CSV basics: splitting on ';' with quoting,
 * amounts ('1.234,50' -> 123450 øre, negatives, grouping rules, what is not
 * an amount), amounts written back, and dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "csv.h"
#include "danish.h"

#include "stafet.h"

#include <string.h>

static char buf[512];

static int split(const char *line, csv_row_t *row) {
  return csv_split(line, strlen(line), buf, row);
}

static void test_split_plain(void **state) {
  (void)state;
  csv_row_t row;
  assert_int_equal(split("F-1;010190-1234;FAKTURA; 1.234,50 ;01-02-2024;", &row), 0);
  assert_int_equal(row.n, 6);
  assert_string_equal(row.field[0], "F-1");
  assert_string_equal(row.field[3], "1.234,50"); /* blanks around dropped */
  assert_string_equal(row.field[5], "");
  assert_int_equal(split("", &row), 0);
  assert_int_equal(row.n, 1);
  assert_string_equal(row.field[0], "");
  assert_int_equal(split(";;", &row), 0);
  assert_int_equal(row.n, 3);
}

static void test_split_quoting(void **state) {
  (void)state;
  csv_row_t row;
  assert_int_equal(split("a;\"Børnehave; juni\";\"sagt \"\"nej\"\"\";\" kept \"", &row), 0);
  assert_int_equal(row.n, 4);
  assert_string_equal(row.field[1], "Børnehave; juni");
  assert_string_equal(row.field[2], "sagt \"nej\"");
  assert_string_equal(row.field[3], " kept ");
  assert_int_equal(split("\"\";x", &row), 0);
  assert_string_equal(row.field[0], "");
  assert_int_equal(split("a;\"not closed", &row), STAFET_EINVAL);
  assert_int_equal(split("a;\"closed\"junk;b", &row), STAFET_EINVAL);
  assert_int_equal(split("a;in\"side;b", &row), STAFET_EINVAL);
  assert_int_equal(split("1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16", &row), 0);
  assert_int_equal(split("1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17", &row), STAFET_ETOOBIG);
}

static void test_append_field(void **state) {
  (void)state;
  char out[64] = "";
  assert_int_equal(csv_append_field(out, sizeof out, "plain"), 0);
  strcat(out, ";");
  assert_int_equal(csv_append_field(out, sizeof out, "a;b \"c\""), 0);
  assert_string_equal(out, "plain;\"a;b \"\"c\"\"\"");
  csv_row_t row;
  assert_int_equal(split(out, &row), 0);
  assert_string_equal(row.field[1], "a;b \"c\"");
  char small[8] = "";
  assert_int_equal(csv_append_field(small, sizeof small, "too long"), STAFET_ETOOBIG);
}

static int64_t amount(const char *s) {
  int64_t v = -999999;
  assert_int_equal(dk_amount_parse(s, &v), 0);
  return v;
}

static void test_amounts(void **state) {
  (void)state;
  assert_int_equal(amount("1.234,50"), 123450);
  assert_int_equal(amount("1234,50"), 123450);
  assert_int_equal(amount("-1.234,50"), -123450);
  assert_int_equal(amount("+12,5"), 1250);
  assert_int_equal(amount("0,05"), 5);
  assert_int_equal(amount("0"), 0);
  assert_int_equal(amount("1.000"), 100000);
  assert_int_equal(amount("12.345.678,90"), 1234567890);
  assert_int_equal(amount(" 7 "), 700);
  assert_int_equal(amount("10.000.000.000,00"), 1000000000000LL); /* the largest */
  const char *bad[] = {"",
                       "-",
                       ",50",
                       "1,234.50",
                       "12,345",
                       "1.23",
                       "1.2345",
                       "1234.567",
                       "1.234.5",
                       "12a",
                       "1,",
                       "--5",
                       "1 234",
                       "1e3",
                       "10.000.000.000,01",
                       "99999999999999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t v;
    if (dk_amount_parse(bad[i], &v) != STAFET_EINVAL)
      fail_msg("'%s' was read as an amount", bad[i]);
  }
}

static void test_amount_format(void **state) {
  (void)state;
  char out[32];
  const int64_t values[] = {123450, -123450, 5, 0, 100000, 1234567890, -1};
  const char *want[] = {"1.234,50", "-1.234,50",     "0,05", "0,00",
                        "1.000,00", "12.345.678,90", "-0,01"};
  for (size_t i = 0; i < 7; i++) {
    dk_amount_format(values[i], out);
    assert_string_equal(out, want[i]);
    assert_int_equal(amount(out), values[i]);
  }
}

static void test_dates(void **state) {
  (void)state;
  sdate_t d;
  assert_int_equal(dk_date_parse("29-02-2024", &d), 0);
  assert_int_equal(d.day, 29);
  assert_int_equal(d.month, 2);
  assert_int_equal(dk_date_parse("2024-02-29", &d), 0);
  assert_int_equal(dk_date_parse("01.12.2023", &d), 0);
  assert_int_equal(d.month, 12);
  const char *bad[] = {"29-02-2023", "31-04-2024", "2024/01/01", "1-2-2024",   "01-13-2024",
                       "",           "01-01-24",   "2024-1-01",  "aa-bb-cccc", "01-02.2024"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (dk_date_parse(bad[i], &d) != STAFET_EINVAL)
      fail_msg("'%s' was read as a date", bad[i]);
  char out[11];
  sdate_t x = {2024, 3, 5};
  dk_date_format(x, out);
  assert_string_equal(out, "05-03-2024");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split_plain),   cmocka_unit_test(test_split_quoting),
      cmocka_unit_test(test_append_field),  cmocka_unit_test(test_amounts),
      cmocka_unit_test(test_amount_format), cmocka_unit_test(test_dates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
