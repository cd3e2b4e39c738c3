/*
 * event.c — protobuf payloads (protoc-c, stafet_proto) of the cpr.person.*
 * events, one small builder per record type.
 */
#include "event.h"

#include "encode.h"

#include "stafet/events/v1/common.pb-c.h"
#include "stafet/events/v1/cpr.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* protoc-c wants char * for strings it only reads while packing. */
#define S(x) ((char *)(x))

typedef Stafet__Events__V1__Date pb_date_t;
typedef Stafet__Events__V1__Address pb_address_t;

static pb_address_t pb_address(const cpr_address_t *a, const char *kommunekode) {
  pb_address_t out = STAFET__EVENTS__V1__ADDRESS__INIT;
  out.street = S(a->street);
  out.house_number = S(a->house_number);
  out.floor = S(a->floor);
  out.door = S(a->door);
  out.postcode = S(a->postcode);
  out.city = S(a->city);
  out.kommunekode = S(kommunekode);
  return out;
}

static int pack(const ProtobufCMessage *m, cpr_event_t *ev) {
  return encode_pack(m, &ev->payload, &ev->len, &ev->type_name);
}

static void add_attr(cpr_event_t *ev, const char *key, const char *value) {
  size_t i = ev->n_attrs++;
  snprintf(ev->attr_values[i], sizeof ev->attr_values[i], "%s", value);
  ev->attrs[i].key = key;
  ev->attrs[i].value = ev->attr_values[i];
}

const char *cpr_civil_status_name(char code) {
  switch (code) {
  case CPR_CIVIL_UGIFT: return "ugift";
  case CPR_CIVIL_GIFT: return "gift";
  case CPR_CIVIL_FRASKILT: return "skilt";
  case CPR_CIVIL_ENKE: return "enke";
  case CPR_CIVIL_PARTNER: return "registreret_partner";
  case CPR_CIVIL_OPHAEVET_PARTNER: return "oploest_partnerskab";
  }
  return "";
}

static int civil_status_enum(char code) {
  static const char codes[] = "UGFEPO"; /* in the order of the proto enum, from 1 */
  const char *p = code ? strchr(codes, code) : NULL;
  return p ? (int)(p - codes) + 1 : 0;
}

static int build_registered(const cpr_record_t *r, const char *cpr, cpr_event_t *ev) {
  Stafet__Events__V1__Cpr__PersonRegistered m = STAFET__EVENTS__V1__CPR__PERSON_REGISTERED__INIT;
  pb_date_t birth = encode_pb_date(r->birth_date);
  pb_address_t address = pb_address(&r->address, r->kommunekode);
  m.cpr = S(cpr);
  m.birth_date = &birth;
  m.first_names = S(r->name.first_names);
  m.last_name = S(r->name.last_name);
  m.address = &address;
  m.kommunekode = S(r->kommunekode);
  m.reason = r->reason == 'F'
                 ? STAFET__EVENTS__V1__CPR__PERSON_REGISTERED__REASON__REASON_BIRTH
                 : STAFET__EVENTS__V1__CPR__PERSON_REGISTERED__REASON__REASON_IMMIGRATION;
  add_attr(ev, "reason", r->reason == 'F' ? "birth" : "immigration");
  return pack(&m.base, ev);
}

static int build_relocated(const cpr_record_t *r, const char *cpr, cpr_event_t *ev) {
  Stafet__Events__V1__Cpr__PersonRelocated m = STAFET__EVENTS__V1__CPR__PERSON_RELOCATED__INIT;
  pb_address_t old_address = pb_address(&r->old_address, r->old_kommunekode);
  pb_address_t new_address = pb_address(&r->address, r->kommunekode);
  pb_date_t move = encode_pb_date(r->date);
  m.cpr = S(cpr);
  m.old_address = &old_address;
  m.new_address = &new_address;
  m.old_kommunekode = S(r->old_kommunekode);
  m.new_kommunekode = S(r->kommunekode);
  m.move_date = &move;
  add_attr(ev, "old_kommunekode", r->old_kommunekode);
  add_attr(ev, "new_kommunekode", r->kommunekode);
  return pack(&m.base, ev);
}

static int build_name_changed(const cpr_record_t *r, const char *cpr, cpr_event_t *ev) {
  Stafet__Events__V1__Cpr__PersonNameChanged m = STAFET__EVENTS__V1__CPR__PERSON_NAME_CHANGED__INIT;
  pb_date_t date = encode_pb_date(r->date);
  m.cpr = S(cpr);
  m.old_first_names = S(r->old_name.first_names);
  m.old_last_name = S(r->old_name.last_name);
  m.new_first_names = S(r->name.first_names);
  m.new_last_name = S(r->name.last_name);
  m.effective_date = &date;
  return pack(&m.base, ev);
}

static int build_civil_status(const cpr_record_t *r, const char *cpr, cpr_event_t *ev) {
  Stafet__Events__V1__Cpr__PersonCivilStatusChanged m =
      STAFET__EVENTS__V1__CPR__PERSON_CIVIL_STATUS_CHANGED__INIT;
  pb_date_t date = encode_pb_date(r->date);
  char spouse[12] = "";
  if (r->spouse_cpr[0] != '\0')
    cpr_normalize(r->spouse_cpr, strlen(r->spouse_cpr), spouse);
  m.cpr = S(cpr);
  m.status =
      (Stafet__Events__V1__Cpr__PersonCivilStatusChanged__Status)civil_status_enum(r->civil_status);
  m.date = &date;
  m.spouse_cpr = spouse;
  add_attr(ev, "civil_status", cpr_civil_status_name(r->civil_status));
  return pack(&m.base, ev);
}

static int build_protection(const cpr_record_t *r, const char *cpr, cpr_event_t *ev) {
  Stafet__Events__V1__Cpr__PersonProtectionChanged m =
      STAFET__EVENTS__V1__CPR__PERSON_PROTECTION_CHANGED__INIT;
  pb_date_t from = encode_pb_date(r->date), to = encode_pb_date(r->protection_to);
  m.cpr = S(cpr);
  m.protected_ = r->protection_on;
  m.from_date = &from;
  m.to_date = r->protection_to.year ? &to : NULL;
  add_attr(ev, "protection", r->protection_on ? "on" : "off");
  return pack(&m.base, ev);
}

static int build_emigrated(const cpr_record_t *r, const char *cpr, cpr_event_t *ev) {
  Stafet__Events__V1__Cpr__PersonEmigrated m = STAFET__EVENTS__V1__CPR__PERSON_EMIGRATED__INIT;
  pb_date_t date = encode_pb_date(r->date);
  m.cpr = S(cpr);
  m.date = &date;
  m.country_code = S(r->country);
  return pack(&m.base, ev);
}

static int build_deceased(const cpr_record_t *r, const char *cpr, cpr_event_t *ev) {
  Stafet__Events__V1__Cpr__PersonDeceased m = STAFET__EVENTS__V1__CPR__PERSON_DECEASED__INIT;
  pb_date_t date = encode_pb_date(r->date);
  m.cpr = S(cpr);
  m.date = &date;
  return pack(&m.base, ev);
}

typedef int (*builder_fn)(const cpr_record_t *r, const char *cpr, cpr_event_t *ev);

int cpr_event_build(const cpr_record_t *rec, cpr_event_t *ev) {
  static const builder_fn builders[] = {
      NULL,
      build_registered,
      build_relocated,
      build_name_changed,
      build_civil_status,
      build_protection,
      build_emigrated,
      build_deceased,
  };
  memset(ev, 0, sizeof *ev);
  const char *topic = cpr_record_topic(rec->type);
  char cpr[12];
  if (topic == NULL || rec->type > CPR_REC_DECEASED || cpr_normalize(rec->cpr, 10, cpr) < 0)
    return STAFET_EINVAL;
  ev->topic = topic;
  snprintf(ev->tenant, sizeof ev->tenant, "%s", rec->kommunekode);
  ev->occurred_at_ms = sdate_unix_ms(rec->date);
  char type[4];
  snprintf(type, sizeof type, "%03d", (int)rec->type);
  add_attr(ev, "record_type", type);
  return builders[rec->type](rec, cpr, ev);
}

void cpr_event_free(cpr_event_t *ev) {
  free(ev->payload);
  ev->payload = NULL;
}

void cpr_event_envelope(const cpr_event_t *ev, stafet_envelope_t *env) {
  memset(env, 0, sizeof *env);
  env->topic = ev->topic;
  env->type_name = ev->type_name;
  env->schema_version = 1;
  env->tenant = ev->tenant;
  env->occurred_at_ms = ev->occurred_at_ms;
  env->attributes = ev->attrs;
  env->n_attributes = ev->n_attrs;
}
