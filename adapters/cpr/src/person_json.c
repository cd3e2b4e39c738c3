/*
 * person_json.c — the cpr.person.get answer, built with jansson.
 */
#include "person_json.h"

#include "encode.h"
#include "event.h"

#include "stafet.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *address_json(const cpr_address_t *a, const char *kommunekode) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "street", a->street, "house_number",
                   a->house_number, "floor", a->floor, "door", a->door, "postcode", a->postcode,
                   "city", a->city, "kommunekode", kommunekode);
}

static void add_identity(json_t *root, const cpr_person_t *p, int withheld) {
  if (withheld) {
    json_object_set_new(root, "withheld", json_pack("[s, s]", "name", "address"));
    return;
  }
  json_object_set_new(root, "first_names", json_string(p->name.first_names));
  json_object_set_new(root, "last_name", json_string(p->name.last_name));
  json_object_set_new(root, "address", address_json(&p->address, p->kommunekode));
}

static void add_civil_status(json_t *root, const cpr_person_t *p) {
  const char *name = cpr_civil_status_name(p->civil_status);
  char spouse[12] = "";
  if (p->spouse_cpr[0] != '\0')
    cpr_normalize(p->spouse_cpr, strlen(p->spouse_cpr), spouse);
  json_object_set_new(root, "civil_status", name[0] ? json_string(name) : json_null());
  json_object_set_new(root, "civil_status_date", encode_json_date(p->civil_status_date));
  json_object_set_new(root, "spouse_cpr", spouse[0] ? json_string(spouse) : json_null());
}

int cpr_person_json(const cpr_person_t *p, int withhold, char **out, size_t *len) {
  char cpr[12];
  if (cpr_normalize(p->cpr, strlen(p->cpr), cpr) < 0)
    return STAFET_EINVAL;
  json_t *root = json_pack("{s:s, s:b, s:s, s:o, s:o, s:s}", "cpr", cpr, "found", 1, "status",
                           p->status, "status_date", encode_json_date(p->status_date), "birth_date",
                           encode_json_date(p->birth_date), "kommunekode", p->kommunekode);
  if (root == NULL)
    return STAFET_ENOMEM;
  add_identity(root, p, withhold && p->protected_);
  add_civil_status(root, p);
  json_object_set_new(root, "protected", json_boolean(p->protected_));
  json_object_set_new(root, "protected_from", encode_json_date(p->protected_from));
  json_object_set_new(root, "protected_to", encode_json_date(p->protected_to));
  if (strcmp(p->status, "emigrated") == 0)
    json_object_set_new(root, "emigrated_to", json_string(p->country));
  json_object_set_new(
      root, "source",
      json_pack("{s:s, s:I}", "file", p->source_file, "line", (json_int_t)p->source_line));
  return encode_json_dump(root, out, len);
}

int cpr_person_json_not_found(const char *cpr, char **out, size_t *len) {
  return encode_json_dump(json_pack("{s:s, s:b}", "cpr", cpr, "found", 0), out, len);
}
