/*
 * contact_overview.c — merging the three answers of a citizen overview
 * (see contact_overview.h).
 */
#include "contact_overview.h"

#include "stafet.h"

#include <stdio.h>
#include <string.h>

void ov_parts_init(ov_part_t parts[OV_PARTS]) {
  static const char *const names[] = {"person", "debt", "cases"};
  static const char *const services[] = {"cpr.person.get", "debt.summary.get", "case.list.get"};
  for (int i = 0; i < OV_PARTS; i++)
    parts[i] = (ov_part_t){.name = names[i], .service = services[i], .state = OV_PENDING};
}

void ov_parts_free(ov_part_t parts[OV_PARTS]) {
  for (int i = 0; i < OV_PARTS; i++) {
    json_decref(parts[i].data);
    parts[i].data = NULL;
  }
}

static void failed(ov_part_t *p, const char *code, const char *text) {
  p->state = OV_FAILED;
  p->error = code;
  snprintf(p->message, sizeof p->message, "%s", text != NULL ? text : "");
}

void ov_part_answer(ov_part_t *p, const void *payload, size_t len) {
  if (p->state != OV_PENDING)
    return;
  json_t *doc = json_loadb(payload, len, 0, NULL);
  if (doc == NULL) {
    failed(p, "INVALID_REPLY", "the provider's answer is not JSON");
    return;
  }
  p->state = OV_OK;
  p->data = doc;
}

const char *ov_error_code(int status) {
  switch (status) {
  case STAFET_ENOPROVIDER: return "NO_PROVIDER";
  case STAFET_ETIMEDOUT: return "DEADLINE_EXCEEDED";
  case STAFET_EPROVIDER: return "PROVIDER_ERROR";
  case STAFET_EUNAVAIL:
  case STAFET_ECLOSED: return "HUB_UNAVAILABLE";
  default: return "REQUEST_FAILED";
  }
}

void ov_part_fail(ov_part_t *p, int status, const char *text) {
  if (p->state == OV_PENDING)
    failed(p, ov_error_code(status), text);
}

static json_t *part_json(const ov_part_t *p) {
  if (p->state == OV_OK)
    return json_pack("{s:s, s:O}", "status", "ok", "data", p->data);
  const char *code = p->state == OV_PENDING ? "DEADLINE_EXCEEDED" : p->error;
  const char *message =
      p->state == OV_PENDING ? "no answer before the overview's deadline" : p->message;
  json_t *o =
      json_pack("{s:s, s:s, s:s}", "status", "unavailable", "error", code, "message", message);
  /* A provider's text need not be UTF-8: never lose the part over it. */
  return o != NULL ? o : json_pack("{s:s, s:s}", "status", "unavailable", "error", code);
}

json_t *ov_render(const char *cpr, const ov_part_t parts[OV_PARTS], long long elapsed_ms) {
  int complete = 1;
  json_t *doc = json_pack("{s:s, s:I}", "cpr", cpr, "elapsed_ms", (json_int_t)elapsed_ms);
  for (int i = 0; doc != NULL && i < OV_PARTS; i++) {
    complete = complete && parts[i].state == OV_OK;
    json_object_set_new(doc, parts[i].name, part_json(&parts[i]));
  }
  if (doc != NULL)
    json_object_set_new(doc, "complete", json_boolean(complete));
  return doc;
}
