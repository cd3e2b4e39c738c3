/*
 * test_auth.c — pattern subsumption: an ACL pattern covers a subscription
 * pattern only if every topic the subscription can match is allowed.
 */
#include "auth.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_pattern_covers_table(void **state) {
  struct {
    const char *allowed, *pattern;
    bool covers;
  } cases[] = {
      {"#", "#", true},
      {"#", "cpr.person.relocated", true},
      {"cpr.#", "cpr.person.*", true},
      {"cpr.#", "cpr.#", true},
      {"cpr.#", "#", false},
      {"cpr.#", "*.person.relocated", false},
      {"cpr.person.*", "cpr.person.relocated", true},
      {"cpr.person.*", "cpr.person.*", true},
      {"cpr.person.*", "cpr.#", false},
      {"cpr.person.*", "cpr.person.name.changed", false},
      {"cpr.person.*", "cpr.*.relocated", false},
      {"*.person.*", "cpr.person.relocated", true},
      {"cpr.*", "cpr", false},
      {"cpr.#", "cpr", true},
      {"#.deceased", "cpr.person.deceased", true},
      {"#.deceased", "cpr.#", false},
      {"#.deceased", "#.person.deceased", true},
      {"a.#.c", "a.b.*.c", true},
      {"a.#.c", "a.#", false},
      {"a.*.#", "a.b", true},
      {"a.*.#", "a", false},
      {"debt.claim.created", "debt.claim.created", true},
      {"debt.claim.created", "debt.claim.closed", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (pattern_covers(cases[i].allowed, cases[i].pattern) != cases[i].covers)
      fail_msg("pattern_covers(\"%s\", \"%s\") should be %d", cases[i].allowed, cases[i].pattern,
               cases[i].covers);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_pattern_covers_table)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
