/*
 * test_sim_events.c — the simulators' generated events are what the
 * adapters accept: every contact event and ESDH webhook from
 * tools/sim/events validates with the adapters' own parsers, and every CPR
 * number is synthetic (day 01-28, month 01-12).
 */
#include "case_event.h"
#include "contact_event.h"
#include "sh_cpr.h"
#include "sim_gen.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

static void expect_synthetic(const char *cpr) {
  if (cpr[0] == '\0')
    return;
  int day = (cpr[0] - '0') * 10 + (cpr[1] - '0');
  int month = (cpr[2] - '0') * 10 + (cpr[3] - '0');
  assert_true(day >= 1 && day <= 28);
  assert_true(month >= 1 && month <= 12);
}

static void test_contact_events_validate(void **state) {
  sim_gen_t g;
  sim_gen_init(&g, 42, "0751");
  g.now_ms = 1714557600000LL;
  size_t kinds[4] = {0};
  for (int i = 0; i < 500; i++) {
    char *json = sim_gen_next(&g, SIM_CONTACT_MIXED);
    contact_event_t ev;
    sh_verr_t err;
    if (contact_event_parse(json, strlen(json), &ev, &err) != 0)
      fail_msg("%s: %s in %s", err.code, err.message, json);
    kinds[ev.kind]++;
    expect_synthetic(ev.cpr);
    contact_event_free(&ev);
    free(json);
  }
  for (int k = 0; k < 4; k++)
    assert_true(kinds[k] > 0); /* every kind, cancellations included */
}

static void test_esdh_webhooks_validate(void **state) {
  sim_gen_t g;
  sim_gen_init(&g, 7, "0101");
  g.now_ms = 1714557600000LL;
  for (int i = 0; i < 300; i++) {
    char *json = sim_gen_next(&g, SIM_ESDH);
    case_event_t ev;
    sh_verr_t err;
    if (case_event_parse(json, strlen(json), &ev, &err) != 0)
      fail_msg("%s: %s in %s", err.code, err.message, json);
    assert_string_equal(ev.tenant, "0101");
    for (size_t p = 0; p < ev.n_parties; p++)
      expect_synthetic(ev.parties[p].cpr);
    case_event_free(&ev);
    free(json);
  }
}

static void test_synthetic_cpr_numbers(void **state) {
  char cpr[SH_CPR_LEN + 1], norm[SH_CPR_LEN + 1];
  for (unsigned long n = 0; n < 20000; n += 7) {
    sh_cpr_synthetic(n, cpr);
    assert_int_equal(sh_cpr_normalise(cpr, norm), 0);
    expect_synthetic(cpr);
  }
  char masked[SH_CPR_LEN + 1];
  sh_cpr_mask("0101901234", masked);
  assert_string_equal(masked, "010190-****");
  sh_cpr_mask("garbage", masked);
  assert_string_equal(masked, "?");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_contact_events_validate),
      cmocka_unit_test(test_esdh_webhooks_validate),
      cmocka_unit_test(test_synthetic_cpr_numbers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
