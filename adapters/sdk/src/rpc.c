/*
 * rpc.c — request/reply in the client: services this client provides (sent
 * again after every reconnect, like subscriptions) and requests waiting for
 * their reply.
 *
 * Every request has a deadline. The hub answers by then (Reply or Error); the
 * client also keeps its own deadline, a little later, so that a request sent
 * to a hub that then vanished still ends in exactly one callback.
 */
#include "internal.h"

#include "codec.h"

#include <stdlib.h>
#include <string.h>

#define LOCAL_GRACE_MS 1000 /* our own deadline: the hub's plus this */

typedef struct sdk_provider {
  struct sdk_provider *next;
  char *service;
  stafet_request_cb cb;
  void *arg;
  uint64_t sent_seq; /* Provide sent, no answer yet */
  int active;        /* the hub acknowledged it in this session */
  int failed;        /* the hub refused it (code in failed_code) */
  int failed_code;
} sdk_provider_t;

typedef struct sdk_call {
  struct sdk_call *next;
  uint64_t seq;
  int64_t local_deadline; /* monotonic */
  stafet_reply_cb cb;
  void *arg;
} sdk_call_t;

static sdk_call_t *call_take(stafet_client_t *c, uint64_t seq) {
  for (sdk_call_t **pp = &c->calls; *pp; pp = &(*pp)->next) {
    if ((*pp)->seq == seq) {
      sdk_call_t *call = *pp;
      *pp = call->next;
      return call;
    }
  }
  return NULL;
}

static void call_finish(stafet_client_t *c, sdk_call_t *call, int status, const char *text,
                        const void *payload, size_t len) {
  call->cb(c, status, text, payload, len, call->arg);
  free(call);
}

void sdk_rpc_on_reply(stafet_client_t *c, uint64_t seq, const Stafet__Wire__V1__Reply *r,
                      zmq_msg_t *payload) {
  sdk_call_t *call = call_take(c, seq);
  if (call == NULL)
    return; /* given up on already */
  if (r->error != 0)
    call_finish(c, call, STAFET_EPROVIDER, r->error_text ? r->error_text : "", NULL, 0);
  else
    call_finish(c, call, 0, "", payload ? zmq_msg_data(payload) : NULL,
                payload ? zmq_msg_size(payload) : 0);
}

static sdk_provider_t *provider_by_seq(stafet_client_t *c, uint64_t seq) {
  for (sdk_provider_t *p = c->providers; p; p = p->next)
    if (p->sent_seq == seq)
      return p;
  return NULL;
}

void sdk_rpc_on_provide_ack(stafet_client_t *c, uint64_t seq) {
  sdk_provider_t *p = provider_by_seq(c, seq);
  if (p != NULL) {
    p->active = 1;
    p->sent_seq = 0;
  }
}

int sdk_rpc_on_error(stafet_client_t *c, uint64_t seq, const Stafet__Wire__V1__Error *err) {
  sdk_call_t *call = call_take(c, seq);
  if (call != NULL) {
    call_finish(c, call, stafet_error_from_hub(err->code), err->text ? err->text : "", NULL, 0);
    return 1;
  }
  sdk_provider_t *p = provider_by_seq(c, seq);
  if (p == NULL)
    return 0;
  p->sent_seq = 0;
  if (!(err->retryable || sdk_hub_code_retryable(err->code))) {
    p->failed = 1;
    p->failed_code = stafet_error_from_hub(err->code);
  }
  return 1;
}

void sdk_rpc_on_request(stafet_client_t *c, const Stafet__Wire__V1__Request *r,
                        zmq_msg_t *payload) {
  for (sdk_provider_t *p = c->providers; p; p = p->next) {
    if (!p->failed && r->service && strcmp(p->service, r->service) == 0) {
      Stafet__Wire__V1__Envelope empty = STAFET__WIRE__V1__ENVELOPE__INIT;
      stafet_attribute_t attrs[SDK_MAX_ATTRIBUTES];
      stafet_envelope_t env;
      const Stafet__Wire__V1__Envelope *w = r->envelope ? r->envelope : &empty;
      if (w->n_attributes > SDK_MAX_ATTRIBUTES)
        w = &empty; /* the hub limits attributes; a longer list is not ours to trust */
      sdk_envelope_view(w, &env, attrs);
      stafet_request_t req = {.service = r->service,
                              .request_id = r->request_id ? r->request_id : "",
                              .deadline_ms = (int64_t)r->deadline_ms,
                              .envelope = &env,
                              .payload = payload ? zmq_msg_data(payload) : NULL,
                              .payload_len = payload ? zmq_msg_size(payload) : 0};
      p->cb(c, &req, p->arg);
      return;
    }
  }
  /* Not (or no longer) provided here: say so rather than let it time out. */
  stafet_client_reply_error(c, r->request_id ? r->request_id : "", "service not provided here");
}

int sdk_rpc_tick(stafet_client_t *c, int64_t now) {
  for (sdk_call_t **pp = &c->calls; *pp;) {
    sdk_call_t *call = *pp;
    if (call->local_deadline > now) {
      pp = &call->next;
      continue;
    }
    *pp = call->next;
    call_finish(c, call, STAFET_ETIMEDOUT, "no answer from the hub before the deadline", NULL, 0);
  }
  for (sdk_provider_t *p = c->providers; p; p = p->next) {
    if (p->active || p->sent_seq || p->failed)
      continue;
    Stafet__Wire__V1__Provide pr = STAFET__WIRE__V1__PROVIDE__INIT;
    pr.n_services = 1;
    pr.services = &p->service;
    Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
    f.body_case = STAFET__WIRE__V1__FRAME__BODY_PROVIDE;
    f.provide = &pr;
    int rc = sdk_send_frame(c, &f, &p->sent_seq);
    if (rc < 0)
      return rc;
  }
  return 0;
}

void sdk_rpc_session_reset(stafet_client_t *c) {
  for (sdk_provider_t *p = c->providers; p; p = p->next)
    p->active = 0, p->sent_seq = 0;
  while (c->calls != NULL) {
    sdk_call_t *call = c->calls;
    c->calls = call->next;
    call_finish(c, call, STAFET_EUNAVAIL, "connection to the hub lost", NULL, 0);
  }
}

int64_t sdk_rpc_next_deadline(const stafet_client_t *c) {
  int64_t at = INT64_MAX;
  for (const sdk_call_t *call = c->calls; call; call = call->next)
    if (call->local_deadline < at)
      at = call->local_deadline;
  for (const sdk_provider_t *p = c->providers; p; p = p->next)
    if (!p->active && !p->sent_seq && !p->failed)
      at = 0; /* a Provide to send */
  return at;
}

void sdk_rpc_free_all(stafet_client_t *c) {
  while (c->providers != NULL) {
    sdk_provider_t *p = c->providers;
    c->providers = p->next;
    free(p->service);
    free(p);
  }
  while (c->calls != NULL) {
    sdk_call_t *call = c->calls;
    c->calls = call->next;
    free(call); /* destroyed: callbacks are not run, as for publishes */
  }
}

static int provide_settled(stafet_client_t *c, void *arg) {
  const sdk_provider_t *p = arg;
  return p->failed ? p->failed_code : p->active ? 1 : 0;
}

int stafet_client_provide(stafet_client_t *c, const char *service, stafet_request_cb cb, void *arg,
                          int timeout_ms) {
  if (!c || !service || !cb)
    return STAFET_EINVAL;
  for (sdk_provider_t *p = c->providers; p; p = p->next)
    if (strcmp(p->service, service) == 0)
      return STAFET_EEXIST;
  sdk_provider_t *p = calloc(1, sizeof *p);
  if (p == NULL || (p->service = strdup(service)) == NULL) {
    free(p);
    return STAFET_ENOMEM;
  }
  p->cb = cb;
  p->arg = arg;
  p->next = c->providers;
  c->providers = p;
  int rc = sdk_wait(c, provide_settled, p, timeout_ms); /* the next tick sends it */
  if (p->failed) {
    for (sdk_provider_t **pp = &c->providers; *pp; pp = &(*pp)->next)
      if (*pp == p) {
        *pp = p->next;
        break;
      }
    free(p->service);
    free(p);
  }
  return rc;
}

static int send_reply(stafet_client_t *c, const char *request_id, const char *error_text,
                      const void *payload, size_t len) {
  if (!c || !request_id)
    return STAFET_EINVAL;
  Stafet__Wire__V1__Reply r = STAFET__WIRE__V1__REPLY__INIT;
  r.request_id = (char *)request_id;
  if (error_text != NULL) {
    r.error = STAFET__WIRE__V1__ERROR_CODE__ERROR_PROVIDER_ERROR;
    r.error_text = (char *)error_text;
  }
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_REPLY;
  f.reply = &r;
  return sdk_send_frame_payload(c, &f, error_text ? NULL : (payload ? payload : ""), len, NULL);
}

int stafet_client_reply(stafet_client_t *c, const char *request_id, const void *payload,
                        size_t len) {
  return send_reply(c, request_id, NULL, payload, len);
}

int stafet_client_reply_error(stafet_client_t *c, const char *request_id, const char *error_text) {
  return send_reply(c, request_id, error_text ? error_text : "error", NULL, 0);
}

int stafet_client_request(stafet_client_t *c, const char *service, const void *payload, size_t len,
                          int timeout_ms, stafet_reply_cb cb, void *arg) {
  if (!c || !service || !cb || timeout_ms <= 0)
    return STAFET_EINVAL;
  if (c->state != SDK_UP)
    return STAFET_EUNAVAIL;
  sdk_call_t *call = calloc(1, sizeof *call);
  if (call == NULL)
    return STAFET_ENOMEM;
  char id[37];
  sdk_idgen_next(&c->idgen, sdk_wall_ms(), id);
  Stafet__Wire__V1__Request r = STAFET__WIRE__V1__REQUEST__INIT;
  r.service = (char *)service;
  r.request_id = id;
  r.deadline_ms = (uint64_t)(sdk_wall_ms() + timeout_ms);
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_REQUEST;
  f.request = &r;
  int rc = sdk_send_frame_payload(c, &f, payload ? payload : "", len, &call->seq);
  if (rc < 0) {
    free(call);
    return rc;
  }
  call->local_deadline = sdk_now_ms() + timeout_ms + LOCAL_GRACE_MS;
  call->cb = cb;
  call->arg = arg;
  call->next = c->calls;
  c->calls = call;
  return 0;
}
