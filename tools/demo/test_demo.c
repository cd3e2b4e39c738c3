/*
 * test_demo.c — stafet-demo without a hub: the CPR mask rule, the synthetic
 * CPR numbers (never a real date range), the four synthetic events (topics,
 * attributes, payloads that decode back to the same CPR number), and the
 * command-line parsing of both commands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"
#include "events.h"
#include "mask.h"

static void assert_masked(const char *in, const char *want) {
  char out[128];
  demo_mask_cpr(in, out, sizeof out);
  assert_string_equal(out, want);
}

static void test_mask(void **state) {
  (void)state;
  assert_masked("cpr=010190-1234", "cpr=010190-****");
  assert_masked("0101901234", "010190****");
  assert_masked("a 010190-1234 and 311299-9999.", "a 010190-**** and 311299-****.");
  assert_masked("12010190-1234", "12010190-1234"); /* digits before: not a CPR */
  assert_masked("010190-12345", "010190-12345");   /* a fifth digit after */
  assert_masked("01019012345", "01019012345");
  assert_masked("010190-123", "010190-123");
  assert_masked("010190--1234", "010190--1234");
  assert_masked("no digits", "no digits");
  assert_masked("", "");
  char small[8];
  assert_int_equal(demo_mask_cpr("010190-1234", small, sizeof small), 7);
  assert_string_equal(small, "010190-"); /* truncated, still masked and terminated */
}

static void test_synthetic_cpr(void **state) {
  (void)state;
  for (unsigned n = 0; n < 20000; n += 7) {
    char cpr[12];
    demo_synthetic_cpr(n, cpr);
    assert_int_equal(strlen(cpr), 11);
    assert_int_equal(cpr[6], '-');
    int day = (cpr[0] - '0') * 10 + cpr[1] - '0';
    int month = (cpr[2] - '0') * 10 + cpr[3] - '0';
    assert_true(day >= 1 && day <= 28);
    assert_true(month >= 1 && month <= 12);
  }
}

static void test_events(void **state) {
  (void)state;
  static const char *const topics[] = {"cpr.person.relocated", "debt.claim.created",
                                       "case.case.status_changed", "contact.call.ended"};
  for (unsigned n = 0; n < 8; n++) {
    demo_event_t ev;
    assert_int_equal(demo_event_make(n, 1732412345678, &ev), 0);
    assert_string_equal(ev.env.topic, topics[n % 4]);
    assert_string_equal(ev.env.tenant, "0751");
    assert_int_equal(ev.env.sensitivity, STAFET_SENSITIVITY_PERSONAL);
    assert_int_equal(ev.env.n_attributes, 2);
    assert_string_equal(ev.env.attributes[0].key, "kle");
    assert_int_equal(strlen(ev.env.attributes[0].value), 8);
    assert_string_equal(ev.env.attributes[1].key, "department");
    assert_non_null(ev.payload);
    char cpr[32];
    assert_int_equal(
        demo_payload_cpr(ev.env.type_name, ev.payload, ev.payload_len, cpr, sizeof cpr), 0);
    assert_string_equal(cpr, ev.cpr);
    demo_event_free(&ev);
  }
  char cpr[32];
  assert_int_equal(demo_payload_cpr("other.Type", "x", 1, cpr, sizeof cpr), STAFET_ENOTFOUND);
}

static int parse_pub(const char *line, demo_pub_opts_t *o) {
  char buf[256], *argv[16];
  int argc = 0;
  snprintf(buf, sizeof buf, "%s", line);
  for (char *t = strtok(buf, " "); t && argc < 16; t = strtok(NULL, " "))
    argv[argc++] = t;
  FILE *null = fopen("/dev/null", "w");
  int rc = demo_pub_parse(argc, argv, o, null, null);
  fclose(null);
  return rc;
}

static void test_pub_args(void **state) {
  (void)state;
  demo_pub_opts_t o;
  assert_int_equal(parse_pub("pub --endpoint tcp://127.0.0.1:7400 --rate 50 --count=10", &o),
                   DEMO_RUN);
  assert_string_equal(o.endpoint, "tcp://127.0.0.1:7400");
  assert_int_equal(o.rate, 50);
  assert_int_equal(o.count, 10);
  assert_int_equal(parse_pub("pub --help", &o), DEMO_HELP);
  assert_int_equal(parse_pub("pub --rate 5", &o), DEMO_USAGE);            /* no endpoint */
  assert_int_equal(parse_pub("pub --endpoint x --rate", &o), DEMO_USAGE); /* no value */
  assert_int_equal(parse_pub("pub --endpoint x --rate -3", &o), DEMO_USAGE);
  assert_int_equal(parse_pub("pub --endpoint x --bogus", &o), DEMO_USAGE);
}

static void test_sub_args(void **state) {
  (void)state;
  char *argv[] = {"sub",       "--endpoint", "ipc:///tmp/h.sock", "--name",   "borgerservice",
                  "--pattern", "cpr.#",      "--pattern",         "debt.*.*", "--filter",
                  "kle^=27."};
  demo_sub_opts_t o;
  FILE *null = fopen("/dev/null", "w");
  assert_int_equal(demo_sub_parse(11, argv, &o, null, null), DEMO_RUN);
  assert_string_equal(o.name, "borgerservice");
  assert_int_equal(o.n_patterns, 2);
  assert_string_equal(o.patterns[1], "debt.*.*");
  assert_int_equal(o.n_filters, 1);
  assert_string_equal(o.filters[0], "kle^=27.");
  assert_int_equal(demo_sub_parse(5, argv, &o, null, null), DEMO_USAGE); /* no pattern */
  fclose(null);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mask),     cmocka_unit_test(test_synthetic_cpr),
      cmocka_unit_test(test_events),   cmocka_unit_test(test_pub_args),
      cmocka_unit_test(test_sub_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
