/*
 * case_party.c — CPR events as ESDH party updates (see case_party.h).
 */
#include "case_party.h"

#include "stafet.h"
#include "stafet/events/v1/cpr.pb-c.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *date_json(const Stafet__Events__V1__Date *d) {
  if (d == NULL || d->year == 0)
    return json_null();
  char text[16];
  snprintf(text, sizeof text, "%04u-%02u-%02u", d->year % 10000, d->month % 100, d->day % 100);
  return json_string(text);
}

static json_t *address_json(const Stafet__Events__V1__Address *a) {
  if (a == NULL)
    return json_null();
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "street", a->street, "house_number",
                   a->house_number, "floor", a->floor, "door", a->door, "postcode", a->postcode,
                   "city", a->city, "kommunekode", a->kommunekode);
}

static json_t *relocated_json(const void *payload, size_t len, char *cpr_in) {
  Stafet__Events__V1__Cpr__PersonRelocated *m =
      stafet__events__v1__cpr__person_relocated__unpack(NULL, len, payload);
  if (m == NULL)
    return NULL;
  snprintf(cpr_in, 32, "%s", m->cpr);
  json_t *o = json_pack("{s:s, s:o, s:s, s:o}", "change", "relocated", "address",
                        address_json(m->new_address), "kommunekode", m->new_kommunekode,
                        "move_date", date_json(m->move_date));
  stafet__events__v1__cpr__person_relocated__free_unpacked(m, NULL);
  return o;
}

static json_t *name_changed_json(const void *payload, size_t len, char *cpr_in) {
  Stafet__Events__V1__Cpr__PersonNameChanged *m =
      stafet__events__v1__cpr__person_name_changed__unpack(NULL, len, payload);
  if (m == NULL)
    return NULL;
  snprintf(cpr_in, 32, "%s", m->cpr);
  json_t *o =
      json_pack("{s:s, s:s, s:s, s:o}", "change", "name_changed", "first_names", m->new_first_names,
                "last_name", m->new_last_name, "effective_date", date_json(m->effective_date));
  stafet__events__v1__cpr__person_name_changed__free_unpacked(m, NULL);
  return o;
}

int case_party_update_build(const char *topic, const void *payload, size_t len,
                            const char *message_id, case_party_update_t *out, sh_verr_t *e) {
  memset(out, 0, sizeof *out);
  char cpr_in[32] = "";
  json_t *o;
  if (strcmp(topic, "cpr.person.relocated") == 0)
    o = relocated_json(payload, len, cpr_in);
  else if (strcmp(topic, "cpr.person.name_changed") == 0)
    o = name_changed_json(payload, len, cpr_in);
  else
    return sh_verr_set(e, "UNKNOWN_EVENT", "the case adapter does not handle %s", topic);
  if (o == NULL)
    return sh_verr_set(e, "INVALID_PAYLOAD", "%s payload does not decode", topic);
  if (sh_cpr_normalise(cpr_in, out->cpr) != 0) {
    json_decref(o);
    return sh_verr_set(e, "INVALID_CPR", "%s payload has no valid CPR number", topic);
  }
  json_object_set_new(o, "cpr", json_string(out->cpr));
  json_object_set_new(o, "message_id", json_string(message_id ? message_id : ""));
  out->body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  return out->body != NULL ? 0 : sh_verr_set(e, "INTERNAL", "out of memory");
}

void case_party_update_free(case_party_update_t *u) {
  free(u->body);
  u->body = NULL;
}

int case_party_url(const char *base, const char *cpr, char *out, size_t size) {
  size_t n = strlen(base);
  while (n > 0 && base[n - 1] == '/')
    n--;
  int w = snprintf(out, size, "%.*s/api/parties/%s", (int)n, base, cpr);
  return w > 0 && (size_t)w < size ? 0 : STAFET_EINVAL;
}
