/*
 * case_http.c — the ESDH webhook endpoint of the case adapter:
 *
 *   POST /esdh/events   one case event as JSON (docs/case-adapter.md)
 *                       202 {"status":"accepted","message_id","topic"} once
 *                       the event is in the host's outbox; 4xx/5xx
 *                       {"code","message"} otherwise, and the body is kept
 *                       in <data_dir>/rejected/ with the reason
 *   GET  /healthz       200 {"status":"ok"}
 */
#include "case_adapter.h"

#include "case_event.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void reject(case_adapter_t *a, sh_request_t *req, unsigned status, const char *code,
                   const char *message) {
  sh_rejection_t why = {.status = status, .code = code, .message = message};
  sh_reject(&a->ref, &a->rejected, req, &why, "case_requests_rejected");
}

/* Documents carry only the case id: take KLE, department, case type and
 * whether a person is party from the cases seen before. */
static void enrich_document(case_adapter_t *a, case_event_t *ev, case_info_t *info) {
  if (ev->kind != CASE_EV_DOCUMENT ||
      case_store_lookup(a->store, ev->system, ev->case_id, info) != 0)
    return;
  if (ev->kle == NULL)
    ev->kle = info->kle;
  if (ev->department == NULL)
    ev->department = info->department;
  if (ev->case_type == NULL)
    ev->case_type = info->case_type;
}

static int publish(case_adapter_t *a, const case_event_t *ev, int personal, const char *id) {
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = case_event_pack(ev, &buf, &len);
  if (rc != 0)
    return rc;
  stafet_attribute_t attrs[3];
  stafet_envelope_t env = {.message_id = id,
                           .topic = ev->topic,
                           .type_name = ev->type_name,
                           .schema_version = 1,
                           .occurred_at_ms = ev->occurred_at_ms ? ev->occurred_at_ms : sh_wall_ms(),
                           .tenant = ev->tenant,
                           .sensitivity = personal ? STAFET_SENSITIVITY_PERSONAL : 0,
                           .attributes = attrs,
                           .n_attributes = case_event_attributes(ev, attrs)};
  rc = a->ref.api->publish(a->ref.host, &env, buf, len);
  free(buf);
  return rc;
}

static void accept_event(case_adapter_t *a, sh_request_t *req, case_event_t *ev) {
  case_info_t info = {0};
  enrich_document(a, ev, &info);
  char id[65];
  if (ev->message_id[0] != '\0')
    memcpy(id, ev->message_id, sizeof id);
  else
    sh_random_id("esdh", id);
  int rc = publish(a, ev, case_event_personal(ev) || info.personal, id);
  if (rc != 0) {
    reject(a, req, 503, "PUBLISH_FAILED", sh_errname(rc));
    return;
  }
  if (case_store_apply(a->store, ev, sh_wall_ms()) != 0)
    a->ref.api->log(a->ref.host, STAFET_LOG_ERROR, "case store update failed",
                    "case_id=%s message_id=%s", ev->case_id, id);
  a->ref.api->counter_add(a->ref.host, "case_events_published", 1);
  a->ref.api->log(a->ref.host, STAFET_LOG_INFO, "case event published",
                  "topic=%s message_id=%s case_id=%s kle=%s", ev->topic, id, ev->case_id,
                  ev->kle ? ev->kle : "");
  sh_request_reply_json(
      req, 202,
      json_pack("{s:s, s:s, s:s}", "status", "accepted", "message_id", id, "topic", ev->topic));
}

static int json_content_type(const char *ct) {
  return ct == NULL || strncasecmp(ct, "application/json", 16) == 0;
}

static void post_event(case_adapter_t *a, sh_request_t *req) {
  if (sh_request_too_large(req)) {
    reject(a, req, 413, "BODY_TOO_LARGE", "the body is larger than max_body");
    return;
  }
  if (!json_content_type(sh_request_header(req, "Content-Type"))) {
    reject(a, req, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");
    return;
  }
  size_t len;
  const char *body = sh_request_body(req, &len);
  case_event_t ev;
  sh_verr_t err;
  if (case_event_parse(body, len, &ev, &err) != 0) {
    reject(a, req, 400, err.code, err.message);
    return;
  }
  accept_event(a, req, &ev);
  case_event_free(&ev);
}

void case_http_handle(void *arg, sh_request_t *req) {
  case_adapter_t *a = arg;
  const char *path = sh_request_path(req);
  const char *method = sh_request_method(req);
  if (strcmp(path, "/healthz") == 0) {
    sh_request_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
  } else if (strcmp(path, "/esdh/events") != 0) {
    reject(a, req, 404, "NOT_FOUND", "no such endpoint; post events to /esdh/events");
  } else if (strcmp(method, "POST") != 0) {
    reject(a, req, 405, "METHOD_NOT_ALLOWED", "use POST for /esdh/events");
  } else {
    post_event(a, req);
  }
}
