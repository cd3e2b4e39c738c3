/*
 * test_contact_event.c — the contact adapter's event JSON: each kind to its
 * contact.* event and attributes, and the stable error codes.
 */
#include "contact_event.h"
#include "stafet/events/v1/contact.pb-c.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

static void parse_ok(const char *json, contact_event_t *ev) {
  sh_verr_t err;
  if (contact_event_parse(json, strlen(json), ev, &err) != 0)
    fail_msg("%s: %s", err.code, err.message);
}

static void test_call_ended(void **state) {
  contact_event_t ev;
  parse_ok("{\"event\":\"call.ended\",\"tenant\":\"0751\",\"event_id\":\"c1\",\"call_id\":\"C-7\","
           "\"wait_seconds\":120,\"talk_seconds\":300,\"resolved_first_contact\":false,"
           "\"transferred_to\":\"opkraevningen\",\"cpr\":\"0101901234\"}",
           &ev);
  assert_string_equal(ev.topic, "contact.call.ended");
  assert_string_equal(ev.cpr, "010190-1234");
  assert_int_equal(strncmp(ev.message_id, "contact-", 8), 0);
  stafet_attribute_t attrs[CONTACT_MAX_ATTRS];
  assert_int_equal(contact_event_attributes(&ev, attrs), 2);
  assert_string_equal(attrs[0].key, "resolved_first_contact");
  assert_string_equal(attrs[0].value, "false");
  assert_string_equal(attrs[1].value, "opkraevningen");
  uint8_t *buf;
  size_t len;
  assert_int_equal(contact_event_pack(&ev, &buf, &len), 0);
  Stafet__Events__V1__Contact__CallEnded *m =
      stafet__events__v1__contact__call_ended__unpack(NULL, len, buf);
  assert_non_null(m);
  assert_string_equal(m->call_id, "C-7");
  assert_int_equal(m->wait_seconds, 120);
  assert_int_equal(m->talk_seconds, 300);
  assert_false(m->resolved_first_contact);
  assert_string_equal(m->cpr, "010190-1234");
  stafet__events__v1__contact__call_ended__free_unpacked(m, NULL);
  free(buf);
  contact_event_free(&ev);
}

static void test_booking_and_inquiry(void **state) {
  contact_event_t ev;
  parse_ok("{\"event\":\"booking.created\",\"tenant\":\"0751\",\"booking_id\":\"B1\","
           "\"service\":\"other\",\"slot_start\":\"2024-06-01T09:00:00Z\",\"slot_end\":"
           "\"2024-06-01T09:15:00Z\",\"location\":\"Rådhuset\"}",
           &ev);
  assert_int_equal(ev.service, 99);
  assert_int_equal(ev.slot_end_ms - ev.slot_start_ms, 15 * 60000);
  stafet_attribute_t attrs[CONTACT_MAX_ATTRS];
  assert_int_equal(contact_event_attributes(&ev, attrs), 2);
  assert_string_equal(attrs[0].value, "other");
  contact_event_free(&ev);
  parse_ok("{\"event\":\"inquiry.received\",\"tenant\":\"0751\",\"inquiry_id\":\"I1\","
           "\"channel\":\"chat\",\"queue\":\"gaeld\"}",
           &ev);
  assert_int_equal(ev.channel, 4);
  assert_string_equal(ev.cpr, "");
  assert_int_equal(contact_event_attributes(&ev, attrs), 2);
  assert_string_equal(attrs[0].value, "chat");
  contact_event_free(&ev);
  parse_ok("{\"event\":\"booking.cancelled\",\"tenant\":\"0751\",\"booking_id\":\"B1\"}", &ev);
  assert_string_equal(ev.topic, "contact.booking.cancelled");
  contact_event_free(&ev);
}

static const char *const BAD[][2] = {
    {"not json", "INVALID_JSON"},
    {"\"x\"", "NOT_AN_OBJECT"},
    {"{\"event\":\"call.started\",\"tenant\":\"0751\"}", "UNKNOWN_EVENT"},
    {"{\"event\":\"call.ended\",\"tenant\":\"07510\"}", "INVALID_TENANT"},
    {"{\"event\":\"call.ended\",\"tenant\":\"0751\",\"call_id\":\"C\",\"wait_seconds\":-1,"
     "\"talk_seconds\":1,\"resolved_first_contact\":true}",
     "INVALID_FIELD"},
    {"{\"event\":\"call.ended\",\"tenant\":\"0751\",\"call_id\":\"C\",\"wait_seconds\":1,"
     "\"talk_seconds\":1}",
     "MISSING_FIELD"},
    {"{\"event\":\"call.ended\",\"tenant\":\"0751\",\"cpr\":\"01019-1234\"}", "INVALID_CPR"},
    {"{\"event\":\"inquiry.received\",\"tenant\":\"0751\",\"inquiry_id\":\"I\",\"channel\":"
     "\"fax\"}",
     "INVALID_FIELD"},
    {"{\"event\":\"booking.created\",\"tenant\":\"0751\",\"booking_id\":\"B\",\"service\":\"pas\","
     "\"slot_start\":2000,\"slot_end\":1000}",
     "INVALID_FIELD"},
    {"{\"event\":\"booking.created\",\"tenant\":\"0751\",\"booking_id\":\"B\",\"service\":\"pas\","
     "\"slot_start\":\"tomorrow\",\"slot_end\":1000}",
     "INVALID_TIME"},
};

static void test_bad_bodies_have_stable_codes(void **state) {
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    contact_event_t ev;
    sh_verr_t err = {0};
    int rc = contact_event_parse(BAD[i][0], strlen(BAD[i][0]), &ev, &err);
    if (rc == 0 || strcmp(err.code, BAD[i][1]) != 0)
      fail_msg("case %zu: rc=%d code=%s (want %s)", i, rc, err.code ? err.code : "-", BAD[i][1]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_call_ended),
      cmocka_unit_test(test_booking_and_inquiry),
      cmocka_unit_test(test_bad_bodies_have_stable_codes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
