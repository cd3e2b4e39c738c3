/*
 * esdh_sim.c — the fake ESDH's REST API (see esdh_sim.h).
 */
#include "esdh_sim.h"

#include "sh_cpr.h"
#include "stafet.h"

#include <stdio.h>
#include <string.h>

int esdh_sim_init(esdh_sim_t *s) {
  memset(s, 0, sizeof *s);
  s->parties = json_object();
  s->updates = json_array();
  s->fail_status = 503;
  return s->parties && s->updates ? 0 : STAFET_ENOMEM;
}

void esdh_sim_free(esdh_sim_t *s) {
  json_decref(s->parties);
  json_decref(s->updates);
}

static json_t *party(esdh_sim_t *s, const char *cpr) {
  json_t *p = json_object_get(s->parties, cpr);
  if (p == NULL) {
    p = json_pack("{s:s, s:i, s:i, s:n}", "cpr", cpr, "updates", 0, "attempts", 0, "last");
    json_object_set_new(s->parties, cpr, p);
  }
  return p;
}

static void bump(json_t *o, const char *key) {
  json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + 1));
}

static void put_party(esdh_sim_t *s, sh_request_t *req, const char *cpr) {
  size_t len;
  const char *body = sh_request_body(req, &len);
  json_t *doc = json_loadb(body, len, 0, NULL);
  if (doc == NULL || !json_is_object(doc)) {
    json_decref(doc);
    sh_request_reply_error(req, 400, "INVALID_JSON", "the body must be a JSON object");
    return;
  }
  json_t *p = party(s, cpr);
  s->attempts++;
  bump(p, "attempts");
  if (s->fail_remaining > 0) {
    s->fail_remaining--;
    s->failed++;
    json_decref(doc);
    sh_request_reply_error(req, s->fail_status, "SIMULATED_FAILURE", "told to fail");
    return;
  }
  bump(p, "updates");
  json_object_set(p, "last", doc);
  json_array_append_new(s->updates, json_pack("{s:s, s:O, s:O, s:o}", "cpr", cpr, "change",
                                              json_object_get(doc, "change"), "message_id",
                                              json_object_get(doc, "message_id"), "body", doc));
  if (s->verbose)
    fprintf(stderr, "esdh-sim: party updated cpr=%.7s**** change=%s\n", cpr,
            json_string_value(json_object_get(doc, "change")));
  sh_request_reply_json(req, 200,
                        json_pack("{s:s, s:s, s:O}", "status", "updated", "cpr", cpr, "updates",
                                  json_object_get(p, "updates")));
}

static void get_party(esdh_sim_t *s, sh_request_t *req, const char *cpr) {
  json_t *p = json_object_get(s->parties, cpr);
  if (p == NULL || json_integer_value(json_object_get(p, "updates")) == 0)
    sh_request_reply_error(req, 404, "NOT_FOUND", "no update of this party yet");
  else
    sh_request_reply_json(req, 200, json_incref(p));
}

static void control_fail(esdh_sim_t *s, sh_request_t *req) {
  size_t len;
  const char *body = sh_request_body(req, &len);
  json_t *doc = json_loadb(body, len, 0, NULL);
  json_int_t count = json_integer_value(json_object_get(doc, "count"));
  json_int_t status = json_integer_value(json_object_get(doc, "status"));
  json_decref(doc);
  s->fail_remaining = count > 0 ? (unsigned)count : 0;
  s->fail_status = status >= 400 && status <= 599 ? (unsigned)status : 503;
  sh_request_reply_json(req, 200,
                        json_pack("{s:i, s:i}", "fail_remaining", (int)s->fail_remaining,
                                  "fail_status", (int)s->fail_status));
}

static void parties_route(esdh_sim_t *s, sh_request_t *req, const char *rest) {
  char cpr[SH_CPR_LEN + 1];
  if (sh_cpr_normalise(rest, cpr) != 0) {
    sh_request_reply_error(req, 400, "INVALID_CPR", "the path must end in a CPR number");
    return;
  }
  if (strcmp(sh_request_method(req), "PUT") == 0)
    put_party(s, req, cpr);
  else if (strcmp(sh_request_method(req), "GET") == 0)
    get_party(s, req, cpr);
  else
    sh_request_reply_error(req, 405, "METHOD_NOT_ALLOWED", "PUT or GET");
}

void esdh_sim_handle(void *arg, sh_request_t *req) {
  esdh_sim_t *s = arg;
  const char *path = sh_request_path(req);
  static const char parties[] = "/api/parties/";
  if (strncmp(path, parties, sizeof parties - 1) == 0)
    parties_route(s, req, path + sizeof parties - 1);
  else if (strcmp(path, "/api/updates") == 0)
    sh_request_reply_json(req, 200,
                          json_pack("{s:i, s:i, s:O}", "attempts", (int)s->attempts, "failed",
                                    (int)s->failed, "updates", s->updates));
  else if (strcmp(path, "/control/fail") == 0 && strcmp(sh_request_method(req), "POST") == 0)
    control_fail(s, req);
  else if (strcmp(path, "/healthz") == 0)
    sh_request_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
  else
    sh_request_reply_error(req, 404, "NOT_FOUND", "no such endpoint");
}
