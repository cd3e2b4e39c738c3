/*
 * case_event.c — validation of ESDH case events and their protobuf form
 * (see case_event.h and docs/case-adapter.md).
 */
#include "case_event.h"

#include "stafet/events/v1/case.pb-c.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const EVENT_NAMES[] = {"case.opened", "case.status_changed", "case.closed",
                                          "document.journalised", NULL};
static const char *const TOPICS[] = {"case.case.opened", "case.case.status_changed",
                                     "case.case.closed", "case.document.journalised"};
static const char *const TYPE_NAMES[] = {
    "stafet.events.v1.casemgmt.CaseOpened", "stafet.events.v1.casemgmt.CaseStatusChanged",
    "stafet.events.v1.casemgmt.CaseClosed", "stafet.events.v1.casemgmt.DocumentJournalised"};
static const char *const STATUS_NAMES[] = {"open",    "in_progress", "awaiting_citizen",
                                           "decided", "closed",      NULL};
static const char *const DIRECTION_NAMES[] = {"in", "out", "internal", NULL};

const char *case_status_name(int v) {
  return v >= 1 && v <= 5 ? STATUS_NAMES[v - 1] : "unspecified";
}

static int all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return 0;
  return s[n] == '\0' || !isdigit((unsigned char)s[n]);
}

int case_kle_valid(const char *kle) {
  return strlen(kle) == 8 && all_digits(kle, 2) && kle[2] == '.' && all_digits(kle + 3, 2) &&
         kle[5] == '.' && all_digits(kle + 6, 2);
}

static int parse_kind(const json_t *doc, case_event_t *ev, sh_verr_t *e) {
  int i;
  int rc = sh_json_event_kind(doc, EVENT_NAMES, &i, e);
  if (rc != 0)
    return rc;
  ev->kind = (case_event_kind_t)i;
  ev->topic = TOPICS[i];
  ev->type_name = TYPE_NAMES[i];
  return 0;
}

static int parse_party(const json_t *p, size_t i, case_party_t *out, sh_verr_t *e) {
  char path[64];
  snprintf(path, sizeof path, "case.parties[%zu]", i);
  if (!json_is_object(p))
    return sh_verr_set(e, "INVALID_FIELD", "%s must be an object {\"cpr\": ...} or {\"cvr\": ...}",
                       path);
  const char *cvr;
  char cpr_path[80], cvr_path[80];
  snprintf(cpr_path, sizeof cpr_path, "%s.cpr", path);
  snprintf(cvr_path, sizeof cvr_path, "%s.cvr", path);
  int rc = sh_json_cpr(p, "cpr", cpr_path, 0, out->cpr, e);
  if (rc == 0)
    rc = sh_json_string(p, "cvr", cvr_path, 0, 8, &cvr, e);
  if (rc != 0)
    return rc;
  if ((out->cpr[0] != '\0') == (cvr != NULL))
    return sh_verr_set(e, "INVALID_FIELD", "%s must have exactly one of cpr and cvr", path);
  if (cvr != NULL && (strlen(cvr) != 8 || !all_digits(cvr, 8)))
    return sh_verr_set(e, "INVALID_FIELD", "%s must be eight digits", cvr_path);
  snprintf(out->cvr, sizeof out->cvr, "%s", cvr ? cvr : "");
  return 0;
}

static int parse_parties(const json_t *c, case_event_t *ev, sh_verr_t *e) {
  json_t *parties = json_object_get(c, "parties");
  if (parties == NULL || json_is_null(parties))
    return 0;
  if (!json_is_array(parties))
    return sh_verr_set(e, "INVALID_FIELD", "case.parties must be an array");
  if (json_array_size(parties) > CASE_MAX_PARTIES)
    return sh_verr_set(e, "INVALID_FIELD", "case.parties has more than %d parties",
                       CASE_MAX_PARTIES);
  for (size_t i = 0; i < json_array_size(parties); i++) {
    int rc = parse_party(json_array_get(parties, i), i, &ev->parties[i], e);
    if (rc != 0)
      return rc;
    ev->n_parties++;
  }
  return 0;
}

/* case.kle and case.department: required for case.case.*, optional for documents. */
static int parse_classification(const json_t *c, case_event_t *ev, sh_verr_t *e) {
  int required = ev->kind != CASE_EV_DOCUMENT;
  int rc = sh_json_string(c, "kle", "case.kle", required, 16, &ev->kle, e);
  if (rc == 0 && ev->kle != NULL && !case_kle_valid(ev->kle))
    return sh_verr_set(e, "INVALID_KLE", "case.kle must be a KLE number NN.NN.NN, e.g. 27.24.00");
  if (rc == 0)
    rc = sh_json_string(c, "department", "case.department", required, 64, &ev->department, e);
  return rc;
}

static int parse_case(const json_t *doc, case_event_t *ev, sh_verr_t *e) {
  json_t *c = json_object_get(doc, "case");
  if (c == NULL || json_is_null(c))
    return sh_verr_set(e, "MISSING_FIELD", "case is required");
  if (!json_is_object(c))
    return sh_verr_set(e, "INVALID_FIELD", "case must be an object");
  int rc = sh_json_string(c, "id", "case.id", 1, 64, &ev->case_id, e);
  if (rc == 0)
    rc = sh_json_string(c, "system", "case.system", 1, 64, &ev->system, e);
  if (rc == 0)
    rc = parse_classification(c, ev, e);
  if (rc == 0)
    rc = sh_json_string(c, "title", "case.title", 0, 512, &ev->title, e);
  if (rc == 0)
    rc = sh_json_string(c, "case_type", "case.case_type", 0, 64, &ev->case_type, e);
  if (rc == 0)
    rc = parse_parties(c, ev, e);
  return rc;
}

static int parse_document(const json_t *doc, case_event_t *ev, sh_verr_t *e) {
  json_t *d = json_object_get(doc, "document");
  if (d == NULL || json_is_null(d))
    return sh_verr_set(e, "MISSING_FIELD", "document is required for document.journalised");
  if (!json_is_object(d))
    return sh_verr_set(e, "INVALID_FIELD", "document must be an object");
  int rc = sh_json_string(d, "id", "document.id", 1, 64, &ev->document_id, e);
  if (rc == 0)
    rc = sh_json_string(d, "title", "document.title", 0, 512, &ev->document_title, e);
  if (rc == 0)
    rc = sh_json_enum(d, "direction", "document.direction", 0, DIRECTION_NAMES, 1, &ev->direction,
                      e);
  return rc;
}

static int parse_kind_fields(const json_t *doc, case_event_t *ev, sh_verr_t *e) {
  switch (ev->kind) {
  case CASE_EV_OPENED:
    ev->status = 1;
    return sh_json_enum(doc, "status", "status", 0, STATUS_NAMES, 1, &ev->status, e);
  case CASE_EV_STATUS_CHANGED: {
    int rc = sh_json_enum(doc, "old_status", "old_status", 0, STATUS_NAMES, 1, &ev->old_status, e);
    return rc ? rc
              : sh_json_enum(doc, "new_status", "new_status", 1, STATUS_NAMES, 1, &ev->new_status,
                             e);
  }
  case CASE_EV_CLOSED:
    ev->status = 5;
    return sh_json_string(doc, "outcome", "outcome", 0, 256, &ev->outcome, e);
  case CASE_EV_DOCUMENT: return parse_document(doc, ev, e);
  }
  return 0;
}

int case_event_parse(const char *body, size_t len, case_event_t *ev, sh_verr_t *e) {
  memset(ev, 0, sizeof *ev);
  json_t *doc;
  int rc = sh_json_parse_object(body, len, &doc, e);
  if (rc != 0)
    return rc;
  ev->doc = doc;
  rc = parse_kind(doc, ev, e);
  if (rc == 0)
    rc = sh_json_tenant(doc, ev->tenant, e);
  if (rc == 0)
    rc = parse_case(doc, ev, e);
  /* The same webhook posted again is the same message (stored once). */
  if (rc == 0)
    rc = sh_json_event_id(doc, "esdh", ev->system, ev->message_id, e);
  if (rc == 0)
    rc = sh_json_time_ms(doc, "occurred_at", "occurred_at", 0, &ev->occurred_at_ms, e);
  if (rc == 0)
    rc = parse_kind_fields(doc, ev, e);
  if (rc != 0)
    case_event_free(ev);
  return rc;
}

void case_event_free(case_event_t *ev) {
  json_decref(ev->doc);
  ev->doc = NULL;
}

int case_event_personal(const case_event_t *ev) {
  for (size_t i = 0; i < ev->n_parties; i++)
    if (ev->parties[i].cpr[0] != '\0')
      return 1;
  return 0;
}

size_t case_event_attributes(const case_event_t *ev, stafet_attribute_t attrs[3]) {
  size_t n = 0;
  if (ev->kle != NULL && ev->kle[0] != '\0')
    attrs[n++] = (stafet_attribute_t){"kle", ev->kle};
  if (ev->department != NULL && ev->department[0] != '\0')
    attrs[n++] = (stafet_attribute_t){"department", ev->department};
  if (ev->case_type != NULL && ev->case_type[0] != '\0')
    attrs[n++] = (stafet_attribute_t){"case_type", ev->case_type};
  return n;
}
