/*
 * test_sdk_codec.c — the envelope codec without sockets: the publish-side
 * checks (topic, message id, attributes) and a round trip
 * stafet_envelope_t -> wire Frame bytes -> decoded view with every field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../adapters/sdk/src/codec.h"

static void test_topics(void **state) {
  (void)state;
  assert_true(sdk_topic_valid("cpr.person.relocated"));
  assert_true(sdk_topic_valid("debt.claim.transferred_to_collection"));
  assert_true(sdk_topic_valid("cpr"));
  assert_false(sdk_topic_valid(""));
  assert_false(sdk_topic_valid(NULL));
  assert_false(sdk_topic_valid("cpr..relocated"));
  assert_false(sdk_topic_valid(".cpr"));
  assert_false(sdk_topic_valid("cpr."));
  assert_false(sdk_topic_valid("cpr.person.*"));
  assert_false(sdk_topic_valid("cpr.#"));
  assert_false(sdk_topic_valid("CPR.person"));
  assert_false(sdk_topic_valid("cpr.per son"));
  char seg[70];
  memset(seg, 'a', 65);
  seg[65] = '\0';
  assert_false(sdk_topic_valid(seg)); /* segment of 65 bytes */
  seg[64] = '\0';
  assert_true(sdk_topic_valid(seg));
  char many[100] = "a";
  for (int i = 1; i < 33; i++)
    strcat(many, ".a"); /* 33 segments */
  assert_false(sdk_topic_valid(many));
}

static void test_message_ids_and_attributes(void **state) {
  (void)state;
  assert_true(sdk_message_id_valid("0190a5c8-0000-7000-8000-000000000000"));
  assert_false(sdk_message_id_valid(""));
  assert_false(sdk_message_id_valid("has space"));
  char long_id[70];
  memset(long_id, 'x', 65);
  long_id[65] = '\0';
  assert_false(sdk_message_id_valid(long_id));
  long_id[64] = '\0';
  assert_true(sdk_message_id_valid(long_id));

  stafet_attribute_t bad_key[] = {{"Dept", "x"}};
  stafet_envelope_t env = {.topic = "cpr.person.relocated"};
  assert_int_equal(sdk_envelope_check(&env), 0);
  env.attributes = bad_key;
  env.n_attributes = 1;
  assert_int_equal(sdk_envelope_check(&env), STAFET_EINVAL);
  env.n_attributes = 33;
  assert_int_equal(sdk_envelope_check(&env), STAFET_EINVAL);
  env.topic = "not a topic";
  env.n_attributes = 0;
  assert_int_equal(sdk_envelope_check(&env), STAFET_ETOPIC);
}

static void test_round_trip(void **state) {
  (void)state;
  stafet_attribute_t attrs[] = {{"kle", "27.24.00"}, {"department", "opkraevning"}};
  stafet_envelope_t env = {.topic = "debt.claim.created",
                           .type_name = "stafet.events.v1.debt.ClaimCreated",
                           .schema_version = 1,
                           .source = "debtor",
                           .occurred_at_ms = 1732412345678,
                           .published_at_ms = 1732412345999,
                           .correlation_id = "file-17",
                           .tenant = "0751",
                           .sensitivity = STAFET_SENSITIVITY_PERSONAL,
                           .attributes = attrs,
                           .n_attributes = 2};
  Stafet__Wire__V1__Envelope w;
  sdk_wire_attrs_t store;
  sdk_envelope_to_wire(&env, "id-1", &w, &store);
  Stafet__Wire__V1__Publish p = STAFET__WIRE__V1__PUBLISH__INIT;
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  p.envelope = &w;
  f.seq = 42;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_PUBLISH;
  f.publish = &p;
  unsigned char *buf;
  size_t len;
  assert_int_equal(sdk_frame_pack(&f, &buf, &len), 0);
  Stafet__Wire__V1__Frame *back = stafet__wire__v1__frame__unpack(NULL, len, buf);
  assert_non_null(back);
  assert_int_equal(back->seq, 42);
  stafet_attribute_t view_attrs[2];
  stafet_envelope_t v;
  sdk_envelope_view(back->publish->envelope, &v, view_attrs);
  assert_string_equal(v.message_id, "id-1");
  assert_string_equal(v.topic, "debt.claim.created");
  assert_string_equal(v.type_name, "stafet.events.v1.debt.ClaimCreated");
  assert_int_equal(v.schema_version, 1);
  assert_string_equal(v.source, "debtor");
  assert_int_equal(v.occurred_at_ms, 1732412345678);
  assert_int_equal(v.published_at_ms, 1732412345999);
  assert_string_equal(v.correlation_id, "file-17");
  assert_string_equal(v.causation_id, ""); /* unset: "" on the way in */
  assert_string_equal(v.tenant, "0751");
  assert_int_equal(v.sensitivity, STAFET_SENSITIVITY_PERSONAL);
  assert_int_equal(v.n_attributes, 2);
  assert_string_equal(v.attributes[1].key, "department");
  assert_string_equal(v.attributes[1].value, "opkraevning");
  stafet__wire__v1__frame__free_unpacked(back, NULL);
  free(buf);
}

static void test_hub_codes(void **state) {
  (void)state;
  assert_int_equal(stafet_error_from_hub(STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_TOPIC),
                   STAFET_ETOPIC);
  assert_int_equal(stafet_error_from_hub(STAFET__WIRE__V1__ERROR_CODE__ERROR_SUBSCRIPTION_CONFLICT),
                   STAFET_EEXIST);
  assert_int_equal(stafet_error_from_hub(STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_PATTERN),
                   STAFET_EPATTERN);
  assert_int_equal(stafet_error_from_hub(STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_FILTER),
                   STAFET_EFILTER);
  assert_int_equal(stafet_error_from_hub(STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_ENVELOPE),
                   STAFET_EHUB);
  assert_string_equal(stafet_strerror(STAFET_ETOPIC), "invalid topic");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_topics),
      cmocka_unit_test(test_message_ids_and_attributes),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_hub_codes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
