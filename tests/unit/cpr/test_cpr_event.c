/*
 * test_cpr_event.c — records as cpr.person.* events: topic, type name,
 * tenant, attributes, occurred_at, and every payload field decoded again
 * with the generated protobuf code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpr_lines.h"
#include "event.h"

#include "stafet/events/v1/cpr.pb-c.h"

static cpr_event_t ev;

static void build(const line_t *l) {
  cpr_record_t rec;
  cpr_error_t err;
  assert_int_equal(cpr_record_parse(l->s, l->len, &rec, &err), 0);
  assert_int_equal(cpr_event_build(&rec, &ev), 0);
}

static const char *attr(const char *key) {
  for (size_t i = 0; i < ev.n_attrs; i++)
    if (strcmp(ev.attrs[i].key, key) == 0)
      return ev.attrs[i].value;
  return NULL;
}

static void test_relocated(void **state) {
  (void)state;
  line_t l = rec_relocated("0101901234", "0751", "20240401", "0580", &ADDR_AABENRAA, &ADDR_AARHUS);
  build(&l);
  assert_string_equal(ev.topic, "cpr.person.relocated");
  assert_string_equal(ev.type_name, "stafet.events.v1.cpr.PersonRelocated");
  assert_string_equal(ev.tenant, "0751");
  assert_string_equal(attr("record_type"), "002");
  assert_string_equal(attr("old_kommunekode"), "0580");
  assert_string_equal(attr("new_kommunekode"), "0751");
  assert_int_equal(ev.occurred_at_ms, 1711929600000LL); /* 2024-04-01T00:00Z */
  stafet_envelope_t env;
  cpr_event_envelope(&ev, &env);
  assert_string_equal(env.topic, "cpr.person.relocated");
  assert_int_equal(env.schema_version, 1);
  assert_int_equal(env.n_attributes, 3);
  assert_null(env.message_id);
  Stafet__Events__V1__Cpr__PersonRelocated *m =
      stafet__events__v1__cpr__person_relocated__unpack(NULL, ev.len, ev.payload);
  assert_non_null(m);
  assert_string_equal(m->cpr, "010190-1234");
  assert_string_equal(m->old_kommunekode, "0580");
  assert_string_equal(m->new_kommunekode, "0751");
  assert_string_equal(m->old_address->street, "Ærøvej");
  assert_string_equal(m->old_address->kommunekode, "0580");
  assert_string_equal(m->new_address->street, "Vestergade");
  assert_string_equal(m->new_address->house_number, "12B");
  assert_string_equal(m->new_address->floor, "2");
  assert_string_equal(m->new_address->door, "tv");
  assert_string_equal(m->new_address->postcode, "8000");
  assert_string_equal(m->new_address->city, "Aarhus C");
  assert_string_equal(m->new_address->kommunekode, "0751");
  assert_int_equal(m->move_date->year, 2024);
  assert_int_equal(m->move_date->month, 4);
  assert_int_equal(m->move_date->day, 1);
  stafet__events__v1__cpr__person_relocated__free_unpacked(m, NULL);
  cpr_event_free(&ev);
}

static void test_registered(void **state) {
  (void)state;
  line_t l = rec_registered("0101901234", "0580", "20240101", "I", "19900101", "Åse", "Bæk",
                            &ADDR_AABENRAA);
  build(&l);
  assert_string_equal(ev.topic, "cpr.person.registered");
  assert_string_equal(attr("reason"), "immigration");
  Stafet__Events__V1__Cpr__PersonRegistered *m =
      stafet__events__v1__cpr__person_registered__unpack(NULL, ev.len, ev.payload);
  assert_non_null(m);
  assert_string_equal(m->first_names, "Åse");
  assert_string_equal(m->last_name, "Bæk");
  assert_int_equal(m->birth_date->year, 1990);
  assert_string_equal(m->address->city, "Aabenraa");
  assert_string_equal(m->kommunekode, "0580");
  assert_int_equal(m->reason,
                   STAFET__EVENTS__V1__CPR__PERSON_REGISTERED__REASON__REASON_IMMIGRATION);
  stafet__events__v1__cpr__person_registered__free_unpacked(m, NULL);
  cpr_event_free(&ev);
}

static void test_name_and_civil_status(void **state) {
  (void)state;
  line_t l = rec_name("0101901234", "0751", "20240501", "Anna", "Hansen", "Anna", "Bæk");
  build(&l);
  Stafet__Events__V1__Cpr__PersonNameChanged *n =
      stafet__events__v1__cpr__person_name_changed__unpack(NULL, ev.len, ev.payload);
  assert_non_null(n);
  assert_string_equal(n->old_last_name, "Hansen");
  assert_string_equal(n->new_last_name, "Bæk");
  assert_int_equal(n->effective_date->month, 5);
  stafet__events__v1__cpr__person_name_changed__free_unpacked(n, NULL);
  cpr_event_free(&ev);

  const char *codes = "UGFEPO";
  for (int i = 0; codes[i]; i++) {
    char code[2] = {codes[i], 0};
    l = rec_civil("0101901234", "0751", "20240601", code, i == 1 ? "0202921234" : "");
    build(&l);
    Stafet__Events__V1__Cpr__PersonCivilStatusChanged *c =
        stafet__events__v1__cpr__person_civil_status_changed__unpack(NULL, ev.len, ev.payload);
    assert_non_null(c);
    assert_int_equal(c->status, i + 1); /* the proto enum's order */
    assert_string_equal(c->spouse_cpr, i == 1 ? "020292-1234" : "");
    assert_string_equal(attr("civil_status"), cpr_civil_status_name(codes[i]));
    stafet__events__v1__cpr__person_civil_status_changed__free_unpacked(c, NULL);
    cpr_event_free(&ev);
  }
}

static void test_protection_emigration_death(void **state) {
  (void)state;
  line_t l = rec_protection("0101901234", "0751", "20240101", "1", "20241231");
  build(&l);
  assert_string_equal(attr("protection"), "on");
  Stafet__Events__V1__Cpr__PersonProtectionChanged *p =
      stafet__events__v1__cpr__person_protection_changed__unpack(NULL, ev.len, ev.payload);
  assert_true(p->protected_);
  assert_int_equal(p->from_date->year, 2024);
  assert_non_null(p->to_date);
  assert_int_equal(p->to_date->month, 12);
  stafet__events__v1__cpr__person_protection_changed__free_unpacked(p, NULL);
  cpr_event_free(&ev);
  l = rec_protection("0101901234", "0751", "20240101", "0", "");
  build(&l);
  p = stafet__events__v1__cpr__person_protection_changed__unpack(NULL, ev.len, ev.payload);
  assert_false(p->protected_);
  assert_null(p->to_date); /* open-ended: unset */
  stafet__events__v1__cpr__person_protection_changed__free_unpacked(p, NULL);
  cpr_event_free(&ev);

  l = rec_emigrated("0101901234", "0751", "20240701", "SE");
  build(&l);
  Stafet__Events__V1__Cpr__PersonEmigrated *e =
      stafet__events__v1__cpr__person_emigrated__unpack(NULL, ev.len, ev.payload);
  assert_string_equal(e->country_code, "SE");
  assert_int_equal(e->date->day, 1);
  stafet__events__v1__cpr__person_emigrated__free_unpacked(e, NULL);
  cpr_event_free(&ev);

  l = rec_deceased("0101901234", "0751", "20240815");
  build(&l);
  assert_string_equal(ev.topic, "cpr.person.deceased");
  assert_string_equal(ev.type_name, "stafet.events.v1.cpr.PersonDeceased");
  Stafet__Events__V1__Cpr__PersonDeceased *d =
      stafet__events__v1__cpr__person_deceased__unpack(NULL, ev.len, ev.payload);
  assert_string_equal(d->cpr, "010190-1234");
  assert_int_equal(d->date->day, 15);
  stafet__events__v1__cpr__person_deceased__free_unpacked(d, NULL);
  cpr_event_free(&ev);
}

static void test_control_records_are_not_events(void **state) {
  (void)state;
  line_t l = rec_start("F1", "20240101");
  cpr_record_t rec;
  cpr_error_t err;
  assert_int_equal(cpr_record_parse(l.s, l.len, &rec, &err), 0);
  assert_int_equal(cpr_event_build(&rec, &ev), STAFET_EINVAL);
  cpr_event_free(&ev);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_relocated),
      cmocka_unit_test(test_registered),
      cmocka_unit_test(test_name_and_civil_status),
      cmocka_unit_test(test_protection_emigration_death),
      cmocka_unit_test(test_control_records_are_not_events),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
