/*
 * test_webhook_body.c — what a webhook receiver gets: the JSON body (envelope
 * fields, payload rendered as JSON or base64), the HMAC-SHA256 signature over
 * timestamp "." body, and the retry back-off schedule.
 */
#include "sh_backoff.h"
#include "sh_hmac.h"
#include "stafet/events/v1/case.pb-c.h"
#include "webhook_body.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void test_signature_known_answer(void **state) {
  /* The signed bytes are timestamp "." body; the expected value was computed
   * apart from this code: printf 'what do ya want for nothing.?' |
   * openssl dgst -sha256 -hmac Jefe */
  char hex[SH_HMAC_HEX_LEN + 1];
  assert_int_equal(sh_hmac_sign("Jefe", "what do ya want for nothing", "?", 1, hex), 0);
  assert_string_equal(hex, "155919e0daf8bec124e0c77ab84649a9c91a9649077c7265f11c47b37dee5783");
}

static void test_sign_and_verify(void **state) {
  const char body[] = "{\"topic\":\"case.case.opened\"}";
  char ts[128], sig[128];
  assert_int_equal(wh_sign_headers("s3cret", 1714557600000LL, body, strlen(body), ts, sig), 0);
  assert_string_equal(ts, "Stafet-Timestamp: 1714557600000");
  assert_int_equal(strncmp(sig, "Stafet-Signature: sha256=", 25), 0);
  const char *hex = sig + 25;
  assert_int_equal(strlen(hex), 64);
  assert_true(sh_hmac_verify("s3cret", "1714557600000", body, strlen(body), hex));
  assert_false(sh_hmac_verify("other", "1714557600000", body, strlen(body), hex));
  assert_false(sh_hmac_verify("s3cret", "1714557600001", body, strlen(body), hex));
  assert_false(sh_hmac_verify("s3cret", "1714557600000", body, strlen(body) - 1, hex));
}

static uint8_t *opened_payload(size_t *len) {
  Stafet__Events__V1__PartyRef party = STAFET__EVENTS__V1__PARTY_REF__INIT;
  party.id_case = STAFET__EVENTS__V1__PARTY_REF__ID_CPR;
  party.cpr = "010190-1234";
  Stafet__Events__V1__PartyRef *parties[] = {&party};
  Stafet__Events__V1__Casemgmt__CaseRef ref = STAFET__EVENTS__V1__CASEMGMT__CASE_REF__INIT;
  ref.case_id = "S1";
  ref.kle = "27.24.00";
  ref.n_parties = 1;
  ref.parties = parties;
  Stafet__Events__V1__Casemgmt__CaseOpened m = STAFET__EVENTS__V1__CASEMGMT__CASE_OPENED__INIT;
  m.case_ref = &ref;
  m.status = STAFET__EVENTS__V1__CASEMGMT__CASE_STATUS__CASE_STATUS_OPEN;
  m.opened_at_ms = 1714557600000LL;
  *len = stafet__events__v1__casemgmt__case_opened__get_packed_size(&m);
  uint8_t *buf = malloc(*len);
  stafet__events__v1__casemgmt__case_opened__pack(&m, buf);
  return buf;
}

static json_t *render(const char *type_name, const void *payload, size_t len, wh_format_t f) {
  stafet_attribute_t attrs[] = {{"kle", "27.24.00"}, {"department", "ydelse"}};
  stafet_envelope_t env = {.message_id = "m-1",
                           .topic = "case.case.opened",
                           .type_name = type_name,
                           .schema_version = 1,
                           .source = "case",
                           .occurred_at_ms = 5,
                           .published_at_ms = 6,
                           .correlation_id = "",
                           .causation_id = "",
                           .tenant = "0751",
                           .sensitivity = STAFET_SENSITIVITY_PERSONAL,
                           .attributes = attrs,
                           .n_attributes = 2};
  stafet_delivery_t d = {.subscription = "kontrol",
                         .delivery_id = "1-0",
                         .delivery_count = 2,
                         .envelope = &env,
                         .payload = payload,
                         .payload_len = len};
  size_t n;
  char *text = wh_body_render(&d, f, &n);
  assert_non_null(text);
  assert_int_equal(n, strlen(text));
  json_t *doc = json_loads(text, 0, NULL);
  free(text);
  assert_non_null(doc);
  return doc;
}

static void test_body_with_json_payload(void **state) {
  size_t len;
  uint8_t *buf = opened_payload(&len);
  json_t *doc = render("stafet.events.v1.casemgmt.CaseOpened", buf, len, WH_FORMAT_JSON);
  assert_string_equal(json_string_value(json_object_get(doc, "message_id")), "m-1");
  assert_string_equal(json_string_value(json_object_get(doc, "subscription")), "kontrol");
  assert_int_equal(json_integer_value(json_object_get(doc, "delivery_count")), 2);
  assert_string_equal(json_string_value(json_object_get(doc, "tenant")), "0751");
  assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "attributes"), "kle")),
                      "27.24.00");
  assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "sensitivity"), 0)),
                      "personal");
  json_t *payload = json_object_get(doc, "payload");
  assert_non_null(payload);
  assert_null(json_object_get(doc, "payload_base64"));
  json_t *ref = json_object_get(payload, "case_ref");
  assert_string_equal(json_string_value(json_object_get(ref, "case_id")), "S1");
  assert_string_equal(json_string_value(json_object_get(payload, "status")), "CASE_STATUS_OPEN");
  assert_int_equal(json_integer_value(json_object_get(payload, "opened_at_ms")), 1714557600000LL);
  json_t *party = json_array_get(json_object_get(ref, "parties"), 0);
  assert_string_equal(json_string_value(json_object_get(party, "cpr")), "010190-1234");
  assert_null(json_object_get(party, "cvr")); /* the oneof member not chosen */
  json_decref(doc);
  free(buf);
}

static void test_body_base64_and_unknown_types(void **state) {
  const uint8_t raw[] = {'a', 'b', 'c', 0x00};
  json_t *doc = render("stafet.events.v1.casemgmt.CaseOpened", raw, 3, WH_FORMAT_BASE64);
  assert_string_equal(json_string_value(json_object_get(doc, "payload_base64")), "YWJj");
  json_decref(doc);
  doc = render("com.example.Unknown", raw, 4, WH_FORMAT_JSON); /* cannot render: base64 */
  assert_string_equal(json_string_value(json_object_get(doc, "payload_base64")), "YWJjAA==");
  assert_null(json_object_get(doc, "payload"));
  json_decref(doc);
}

static void test_backoff_schedule(void **state) {
  sh_backoff_t b = {.base_ms = 500, .max_ms = 8000, .jitter = 0};
  const unsigned want[] = {500, 1000, 2000, 4000, 8000, 8000, 8000};
  for (unsigned i = 0; i < 7; i++)
    assert_int_equal(sh_backoff_delay_ms(&b, i + 1, 0), want[i]);
  b.jitter = 1; /* within [delay/2, delay] */
  assert_int_equal(sh_backoff_delay_ms(&b, 3, 0), 1000);
  assert_int_equal(sh_backoff_delay_ms(&b, 3, 1000), 2000);
  for (uint32_t r = 0; r < 5000; r += 97) {
    unsigned d = sh_backoff_delay_ms(&b, 4, r * 7919u);
    assert_true(d >= 2000 && d <= 4000);
  }
  sh_backoff_t defaults = {0};
  assert_int_equal(sh_backoff_delay_ms(&defaults, 1, 0), 500);
  assert_int_equal(sh_backoff_delay_ms(&defaults, 40, 0), 60000); /* no overflow */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_signature_known_answer),
      cmocka_unit_test(test_sign_and_verify),
      cmocka_unit_test(test_body_with_json_payload),
      cmocka_unit_test(test_body_base64_and_unknown_types),
      cmocka_unit_test(test_backoff_schedule),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
