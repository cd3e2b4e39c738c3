/*
 * contact_http.c — the contact adapter's HTTP API (docs/contact-adapter.md):
 *
 *   POST /contact/events           one telephony/booking/queue event as JSON
 *                                  -> contact.* ; 202 once in the host's outbox
 *   GET  /citizens/{cpr}/overview  the agent desktop's citizen overview
 *                                  (contact_desk.c); ?timeout_ms= shortens
 *                                  the deadline
 *   GET  /healthz                  200 {"status":"ok"}
 *
 * Refused requests are answered {"code","message"} and kept in
 * <data_dir>/rejected/ with the reason.
 */
#include "contact_adapter.h"

#include "contact_event.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void contact_reject(contact_adapter_t *a, sh_request_t *req, unsigned status, const char *code,
                    const char *message) {
  sh_rejection_t why = {.status = status, .code = code, .message = message};
  sh_reject(&a->ref, &a->rejected, req, &why, "contact_requests_rejected");
}

static int publish(contact_adapter_t *a, const contact_event_t *ev, const char *id) {
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = contact_event_pack(ev, &buf, &len);
  if (rc != 0)
    return rc;
  stafet_attribute_t attrs[CONTACT_MAX_ATTRS];
  stafet_envelope_t env = {.message_id = id,
                           .topic = ev->topic,
                           .type_name = ev->type_name,
                           .schema_version = 1,
                           .occurred_at_ms = ev->occurred_at_ms ? ev->occurred_at_ms : sh_wall_ms(),
                           .tenant = ev->tenant,
                           .sensitivity = ev->cpr[0] ? STAFET_SENSITIVITY_PERSONAL : 0,
                           .attributes = attrs,
                           .n_attributes = contact_event_attributes(ev, attrs)};
  rc = a->ref.api->publish(a->ref.host, &env, buf, len);
  free(buf);
  return rc;
}

static void post_event(contact_adapter_t *a, sh_request_t *req) {
  const char *ct = sh_request_header(req, "Content-Type");
  if (sh_request_too_large(req)) {
    contact_reject(a, req, 413, "BODY_TOO_LARGE", "the body is larger than max_body");
    return;
  }
  if (ct != NULL && strncasecmp(ct, "application/json", 16) != 0) {
    contact_reject(a, req, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");
    return;
  }
  size_t len;
  const char *body = sh_request_body(req, &len);
  contact_event_t ev;
  sh_verr_t err;
  if (contact_event_parse(body, len, &ev, &err) != 0) {
    contact_reject(a, req, 400, err.code, err.message);
    return;
  }
  char id[65];
  if (ev.message_id[0] != '\0')
    memcpy(id, ev.message_id, sizeof id);
  else
    sh_random_id("contact", id);
  int rc = publish(a, &ev, id);
  if (rc != 0) {
    contact_reject(a, req, 503, "PUBLISH_FAILED", sh_errname(rc));
  } else {
    a->ref.api->counter_add(a->ref.host, "contact_events_published", 1);
    sh_request_reply_json(
        req, 202,
        json_pack("{s:s, s:s, s:s}", "status", "accepted", "message_id", id, "topic", ev.topic));
  }
  contact_event_free(&ev);
}

/* "/citizens/{cpr}/overview" -> cpr text in out (64 bytes); 1 if it matches. */
static int overview_path(const char *path, char out[64]) {
  static const char prefix[] = "/citizens/", suffix[] = "/overview";
  size_t n = strlen(path), p = sizeof prefix - 1, s = sizeof suffix - 1;
  if (n <= p + s || strncmp(path, prefix, p) != 0 || strcmp(path + n - s, suffix) != 0 ||
      n - p - s >= 64)
    return 0;
  memcpy(out, path + p, n - p - s);
  out[n - p - s] = '\0';
  return 1;
}

static void get_overview(contact_adapter_t *a, sh_request_t *req, const char *cpr_text) {
  char cpr[SH_CPR_LEN + 1];
  if (sh_cpr_normalise(cpr_text, cpr) != 0) {
    contact_reject(a, req, 400, "INVALID_CPR", "the path must hold a CPR number DDMMYY-SSSS");
    return;
  }
  contact_overview_start(a, req, cpr);
}

void contact_http_handle(void *arg, sh_request_t *req) {
  contact_adapter_t *a = arg;
  const char *path = sh_request_path(req);
  int is_get = strcmp(sh_request_method(req), "GET") == 0;
  int is_post = strcmp(sh_request_method(req), "POST") == 0;
  char cpr_text[64];
  if (strcmp(path, "/healthz") == 0)
    sh_request_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
  else if (strcmp(path, "/contact/events") == 0 && is_post)
    post_event(a, req);
  else if (overview_path(path, cpr_text) && is_get)
    get_overview(a, req, cpr_text);
  else if (strcmp(path, "/contact/events") == 0 || overview_path(path, cpr_text))
    contact_reject(a, req, 405, "METHOD_NOT_ALLOWED",
                   "POST /contact/events, GET /citizens/{cpr}/overview");
  else
    contact_reject(a, req, 404, "NOT_FOUND", "no such endpoint");
}
