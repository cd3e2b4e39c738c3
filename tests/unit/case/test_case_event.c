/*
 * test_case_event.c — the ESDH webhook JSON of the case adapter: what a good
 * event becomes (topic, attributes, tenant, sensitivity, protobuf payload)
 * and the stable error code of every way a body can be wrong.
 */
#include "case_event.h"
#include "stafet/events/v1/case.pb-c.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

static const char OPENED[] =
    "{\"event\":\"case.opened\",\"event_id\":\"e-1\",\"tenant\":\"0751\","
    "\"occurred_at\":\"2024-05-01T10:00:00.250Z\",\"case\":{\"id\":\"S2024-1\",\"system\":"
    "\"sbsys\","
    "\"kle\":\"27.24.00\",\"department\":\"ydelse\",\"title\":\"Boligst\\u00f8tte\","
    "\"case_type\":\"ansoegning\",\"parties\":[{\"cpr\":\"0101901234\"},{\"cvr\":\"12345678\"}]}}";

static void test_opened_becomes_event(void **state) {
  case_event_t ev;
  sh_verr_t err;
  assert_int_equal(case_event_parse(OPENED, strlen(OPENED), &ev, &err), 0);
  assert_string_equal(ev.topic, "case.case.opened");
  assert_string_equal(ev.type_name, "stafet.events.v1.casemgmt.CaseOpened");
  assert_string_equal(ev.tenant, "0751");
  assert_int_equal(ev.occurred_at_ms, 1714557600250LL);
  assert_int_equal(ev.n_parties, 2);
  assert_string_equal(ev.parties[0].cpr, "010190-1234"); /* normalised */
  assert_string_equal(ev.parties[1].cvr, "12345678");
  assert_true(case_event_personal(&ev));
  stafet_attribute_t attrs[3];
  assert_int_equal(case_event_attributes(&ev, attrs), 3);
  assert_string_equal(attrs[0].key, "kle");
  assert_string_equal(attrs[0].value, "27.24.00");
  assert_string_equal(attrs[1].value, "ydelse");
  assert_string_equal(attrs[2].value, "ansoegning");
  assert_int_equal(strncmp(ev.message_id, "esdh-", 5), 0);
  assert_int_equal(strlen(ev.message_id), 37);

  uint8_t *buf;
  size_t len;
  assert_int_equal(case_event_pack(&ev, &buf, &len), 0);
  Stafet__Events__V1__Casemgmt__CaseOpened *m =
      stafet__events__v1__casemgmt__case_opened__unpack(NULL, len, buf);
  assert_non_null(m);
  assert_string_equal(m->case_ref->case_id, "S2024-1");
  assert_string_equal(m->case_ref->kle, "27.24.00");
  assert_string_equal(m->case_ref->title, "Boligst\xc3\xb8tte");
  assert_int_equal(m->case_ref->n_parties, 2);
  assert_string_equal(m->case_ref->parties[0]->cpr, "010190-1234");
  assert_int_equal(m->status, STAFET__EVENTS__V1__CASEMGMT__CASE_STATUS__CASE_STATUS_OPEN);
  assert_int_equal(m->opened_at_ms, 1714557600250LL);
  stafet__events__v1__casemgmt__case_opened__free_unpacked(m, NULL);
  free(buf);
  case_event_free(&ev);
}

static void test_event_id_gives_stable_message_id(void **state) {
  case_event_t a, b;
  sh_verr_t err;
  assert_int_equal(case_event_parse(OPENED, strlen(OPENED), &a, &err), 0);
  assert_int_equal(case_event_parse(OPENED, strlen(OPENED), &b, &err), 0);
  assert_string_equal(a.message_id, b.message_id); /* a re-post is the same message */
  case_event_free(&b);
  const char other[] = "{\"event\":\"case.opened\",\"event_id\":\"e-1\",\"tenant\":\"0751\","
                       "\"case\":{\"id\":\"S1\",\"system\":\"other\",\"kle\":\"27.24.00\","
                       "\"department\":\"ydelse\"}}";
  assert_int_equal(case_event_parse(other, strlen(other), &b, &err), 0);
  assert_string_not_equal(a.message_id, b.message_id); /* scoped by system */
  assert_false(case_event_personal(&b));
  case_event_free(&a);
  case_event_free(&b);
}

static void test_status_changed_and_document(void **state) {
  const char changed[] =
      "{\"event\":\"case.status_changed\",\"tenant\":\"0101\",\"case\":{"
      "\"id\":\"S1\",\"system\":\"x\",\"kle\":\"32.18.00\",\"department\":\"d\"},"
      "\"old_status\":\"open\",\"new_status\":\"decided\"}";
  case_event_t ev;
  sh_verr_t err;
  assert_int_equal(case_event_parse(changed, strlen(changed), &ev, &err), 0);
  assert_int_equal(ev.old_status, 1);
  assert_int_equal(ev.new_status, 4);
  assert_string_equal(ev.message_id, ""); /* no event_id: the adapter makes one */
  case_event_free(&ev);
  const char doc[] =
      "{\"event\":\"document.journalised\",\"tenant\":\"0751\",\"case\":{"
      "\"id\":\"S1\",\"system\":\"x\"},\"document\":{\"id\":\"D9\",\"title\":\"Brev\","
      "\"direction\":\"out\"}}";
  assert_int_equal(case_event_parse(doc, strlen(doc), &ev, &err), 0);
  assert_string_equal(ev.topic, "case.document.journalised");
  assert_null(ev.kle); /* optional here: the store fills it in */
  assert_int_equal(ev.direction, 2);
  stafet_attribute_t attrs[3];
  assert_int_equal(case_event_attributes(&ev, attrs), 0);
  case_event_free(&ev);
}

typedef struct bad_case {
  const char *body;
  const char *code;
  const char *mentions; /* a part of the message */
} bad_case_t;

static const bad_case_t BAD[] = {
    {"{\"event\":", "INVALID_JSON", "line 1"},
    {"[1,2]", "NOT_AN_OBJECT", "object"},
    {"{\"tenant\":\"0751\"}", "MISSING_FIELD", "event"},
    {"{\"event\":\"case.reopened\",\"tenant\":\"0751\"}", "UNKNOWN_EVENT", "case.opened"},
    {"{\"event\":\"case.opened\",\"tenant\":\"751\"}", "INVALID_TENANT", "kommunekode"},
    {"{\"event\":\"case.opened\",\"tenant\":\"0751\"}", "MISSING_FIELD", "case"},
    {"{\"event\":\"case.opened\",\"tenant\":\"0751\",\"case\":{\"id\":\"S\",\"system\":\"x\","
     "\"kle\":\"27.2\",\"department\":\"d\"}}",
     "INVALID_KLE", "case.kle"},
    {"{\"event\":\"case.opened\",\"tenant\":\"0751\",\"case\":{\"id\":\"S\",\"system\":\"x\","
     "\"kle\":\"27.24.00\"}}",
     "MISSING_FIELD", "case.department"},
    {"{\"event\":\"case.opened\",\"tenant\":\"0751\",\"case\":{\"id\":7,\"system\":\"x\"}}",
     "INVALID_FIELD", "case.id"},
    {"{\"event\":\"case.opened\",\"tenant\":\"0751\",\"case\":{\"id\":\"S\",\"system\":\"x\","
     "\"kle\":\"27.24.00\",\"department\":\"d\",\"parties\":[{\"cpr\":\"321390-1234\"}]}}",
     "INVALID_CPR", "case.parties[0].cpr"},
    {"{\"event\":\"case.opened\",\"tenant\":\"0751\",\"case\":{\"id\":\"S\",\"system\":\"x\","
     "\"kle\":\"27.24.00\",\"department\":\"d\",\"parties\":[{\"cpr\":\"0101901234\","
     "\"cvr\":\"12345678\"}]}}",
     "INVALID_FIELD", "exactly one"},
    {"{\"event\":\"case.opened\",\"tenant\":\"0751\",\"occurred_at\":\"yesterday\",\"case\":{"
     "\"id\":\"S\",\"system\":\"x\",\"kle\":\"27.24.00\",\"department\":\"d\"}}",
     "INVALID_TIME", "occurred_at"},
    {"{\"event\":\"case.status_changed\",\"tenant\":\"0751\",\"case\":{\"id\":\"S\","
     "\"system\":\"x\",\"kle\":\"27.24.00\",\"department\":\"d\"}}",
     "MISSING_FIELD", "new_status"},
    {"{\"event\":\"case.status_changed\",\"tenant\":\"0751\",\"case\":{\"id\":\"S\","
     "\"system\":\"x\",\"kle\":\"27.24.00\",\"department\":\"d\"},\"new_status\":\"done\"}",
     "INVALID_FIELD", "open, in_progress"},
    {"{\"event\":\"document.journalised\",\"tenant\":\"0751\",\"case\":{\"id\":\"S\","
     "\"system\":\"x\"}}",
     "MISSING_FIELD", "document"},
};

static void test_bad_bodies_have_stable_codes(void **state) {
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    case_event_t ev;
    sh_verr_t err = {0};
    int rc = case_event_parse(BAD[i].body, strlen(BAD[i].body), &ev, &err);
    if (rc == 0 || strcmp(err.code, BAD[i].code) != 0 || !strstr(err.message, BAD[i].mentions))
      fail_msg("case %zu: rc=%d code=%s message=%s (want %s, \"%s\")", i, rc,
               err.code ? err.code : "-", err.message, BAD[i].code, BAD[i].mentions);
  }
}

static void test_kle_shape(void **state) {
  assert_true(case_kle_valid("27.24.00"));
  assert_false(case_kle_valid("27.24"));
  assert_false(case_kle_valid("27.24.000"));
  assert_false(case_kle_valid("2a.24.00"));
  assert_false(case_kle_valid("27-24-00"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_opened_becomes_event),
      cmocka_unit_test(test_event_id_gives_stable_message_id),
      cmocka_unit_test(test_status_changed_and_document),
      cmocka_unit_test(test_bad_bodies_have_stable_codes),
      cmocka_unit_test(test_kle_shape),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
