/*
 * request.c — request/reply ("straksafklaring": the agent needs the
 * citizen's CPR data, debts and cases while the citizen is on the phone).
 *
 * Adapters Provide services; a Request goes to one live provider, round robin
 * among this hub's providers, or — when this hub has none — to another hub
 * that announced one in Redis (`<p>svc:<service>`, a sorted set of hub ids
 * scored by expiry), over that hub's pub/sub channel `<p>rpc:<hub_id>`.
 * Every request is a pending entry with a deadline timer, so the requester
 * always gets a Reply or an Error: NO_PROVIDER, DEADLINE_EXCEEDED,
 * PROVIDER_ERROR (the provider answered with an error, or vanished).
 */
#include "request.h"

#include "auth.h"
#include "keys.h"
#include "metrics.h"
#include "queue_redis.h"
#include "stafet.h"
#include "stafet/wire/v1/hub.pb-c.h"
#include "topic.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_DEADLINE_MS 5000

struct provider {
  session_t *session;
  service_t *svc;
  provider_t *next_in_svc;
  provider_t *next_in_session;
};

struct service {
  char name[TOPIC_MAX_LEN + 1];
  provider_t *providers;
  provider_t *rr; /* next to serve */
};

typedef struct pending_req {
  hub_t *hub;
  char key[KEY_MAX]; /* unique: what providers see as request_id */
  char service[TOPIC_MAX_LEN + 1];
  bool remote_origin;
  char origin_hub[NAME_MAX_LEN + 1]; /* remote origin */
  char origin_key[KEY_MAX];
  uint8_t rid[ROUTING_ID_MAX]; /* local origin */
  size_t rid_len;
  char session_id[SESSION_ID_MAX];
  uint64_t seq;
  char *client_request_id;
  char provider_session[SESSION_ID_MAX]; /* "" while routed to another hub */
  uint64_t deadline_ms;
  uint64_t started_ms;
  Stafet__Wire__V1__Request *request; /* owned, to forward */
  zmq_msg_t payload;
  uv_timer_t timer;
} pending_req_t;

static void pending_free_cb(uv_handle_t *h) {
  pending_req_t *p = h->data;
  free(p->client_request_id);
  if (p->request != NULL)
    stafet__wire__v1__request__free_unpacked(p->request, NULL);
  zmq_msg_close(&p->payload);
  free(p);
}

static void pending_drop(hub_t *hub, pending_req_t *p) {
  dict_dels(hub->pending_requests, p->key);
  uv_timer_stop(&p->timer);
  uv_close((uv_handle_t *)&p->timer, pending_free_cb);
}

static void publish_channel(hub_t *hub, const char *hub_id, const uint8_t *data, size_t len) {
  char channel[KEY_MAX];
  snprintf(channel, sizeof channel, "%srpc:%s", hub->cfg.prefix, hub_id);
  const char *argv[] = {"PUBLISH", channel, (const char *)data};
  size_t lens[] = {7, strlen(channel), len};
  (void)store_command(hub, NULL, NULL, 3, argv, lens);
}

/* Answers the requester (error 0 = Reply with payload) and forgets the request. */
static void complete(hub_t *hub, pending_req_t *p, Stafet__Wire__V1__ErrorCode error,
                     const char *text, Stafet__Wire__V1__Envelope *env, zmq_msg_t *payload) {
  uint64_t took = hub_now_ms() - p->started_ms;
  hub->stats.requests_by_result[error == 0 ? 0 : 1]++;
  if (!p->remote_origin) /* measured where the requester waits */
    metrics_observe_request(hub, p->service, (double)took);
  log_debug(&hub->log, "request completed", "service=%s key=%s error=%s took_ms=%llu", p->service,
            p->key, error_code_name(error), (unsigned long long)took);
  if (p->remote_origin) {
    Stafet__Wire__V1__HubReply r = STAFET__WIRE__V1__HUB_REPLY__INIT;
    r.origin_key = p->origin_key;
    r.error = error;
    r.error_text = (char *)(text ? text : "");
    r.envelope = env;
    if (payload != NULL) {
      r.payload.data = zmq_msg_data(payload);
      r.payload.len = zmq_msg_size(payload);
    }
    size_t len = stafet__wire__v1__hub_reply__get_packed_size(&r);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf != NULL) {
      stafet__wire__v1__hub_reply__pack(&r, buf);
      publish_channel(hub, p->origin_hub, buf, len);
      free(buf);
    }
  } else if (error != 0) {
    net_send_error(hub, p->rid, p->rid_len, p->seq, error, "%s: %s", p->service, text ? text : "");
  } else {
    session_t *s = session_lookup(hub, p->rid, p->rid_len, p->session_id);
    if (s != NULL) {
      Stafet__Wire__V1__Reply reply = STAFET__WIRE__V1__REPLY__INIT;
      reply.request_id = p->client_request_id ? p->client_request_id : (char *)"";
      reply.envelope = env;
      Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
      f.seq = p->seq;
      f.body_case = STAFET__WIRE__V1__FRAME__BODY_REPLY;
      f.reply = &reply;
      zmq_msg_t copy;
      zmq_msg_init(&copy);
      if (payload != NULL)
        zmq_msg_copy(&copy, payload);
      net_send(hub, s, &f, &copy);
    }
  }
  pending_drop(hub, p);
}

static void on_deadline(uv_timer_t *t) {
  pending_req_t *p = t->data;
  complete(p->hub, p, STAFET__WIRE__V1__ERROR_CODE__ERROR_DEADLINE_EXCEEDED,
           "no reply before the deadline", NULL, NULL);
}

static provider_t *pick_provider(hub_t *hub, const char *service) {
  service_t *svc = dict_gets(hub->services, service);
  if (svc == NULL || svc->providers == NULL)
    return NULL;
  provider_t *start = svc->rr ? svc->rr : svc->providers, *p = start;
  do {
    provider_t *next = p->next_in_svc ? p->next_in_svc : svc->providers;
    if (!p->session->dead) {
      svc->rr = next;
      return p;
    }
    p = next;
  } while (p != start);
  return NULL;
}

/* Sends the request to a local provider; false if there is none. A provider
 * whose peer turns out to be gone (the send fails and marks it dead) is passed
 * over for the next one. */
static bool forward_local(hub_t *hub, pending_req_t *p) {
  Stafet__Wire__V1__Request req = *p->request;
  req.request_id = p->key;
  req.deadline_ms = p->deadline_ms;
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_REQUEST;
  f.request = &req;
  for (provider_t *prov; (prov = pick_provider(hub, p->service)) != NULL;) {
    zmq_msg_t copy;
    zmq_msg_init(&copy);
    zmq_msg_copy(&copy, &p->payload);
    if (net_send(hub, prov->session, &f, &copy) == 0) {
      memcpy(p->provider_session, prov->session->id, sizeof p->provider_session);
      return true;
    }
    if (!prov->session->dead)
      return false; /* its queue is full, not gone: do not spin */
  }
  return false;
}

typedef struct remote_pick {
  char key[KEY_MAX];
} remote_pick_t;

static void forward_remote_to(hub_t *hub, pending_req_t *p, const char *hub_id) {
  Stafet__Wire__V1__HubRequest hr = STAFET__WIRE__V1__HUB_REQUEST__INIT;
  hr.origin_hub = hub->cfg.hub_id;
  hr.origin_key = p->key;
  hr.request = p->request;
  hr.payload.data = zmq_msg_data(&p->payload);
  hr.payload.len = zmq_msg_size(&p->payload);
  size_t len = stafet__wire__v1__hub_request__get_packed_size(&hr);
  uint8_t *buf = malloc(len ? len : 1);
  if (buf == NULL)
    return;
  stafet__wire__v1__hub_request__pack(&hr, buf);
  publish_channel(hub, hub_id, buf, len);
  free(buf);
  log_debug(&hub->log, "request sent to another hub", "service=%s key=%s hub=%s", p->service,
            p->key, hub_id);
}

static void on_remote_hubs(hub_t *hub, redisReply *reply, void *arg) {
  remote_pick_t *pick = arg;
  pending_req_t *p = dict_gets(hub->pending_requests, pick->key);
  free(pick);
  if (p == NULL)
    return; /* deadline passed meanwhile */
  size_t n = 0;
  const char *candidates[64];
  for (size_t i = 0; reply && reply->type == REDIS_REPLY_ARRAY && i < reply->elements && n < 64;
       i++)
    if (strcmp(reply->element[i]->str, hub->cfg.hub_id) != 0)
      candidates[n++] = reply->element[i]->str;
  if (n == 0) {
    complete(hub, p, STAFET__WIRE__V1__ERROR_CODE__ERROR_NO_PROVIDER, "no live provider", NULL,
             NULL);
    return;
  }
  forward_remote_to(hub, p, candidates[hub->request_counter++ % n]);
}

/* No local provider: ask Redis which hubs have one. */
static void route_remote(hub_t *hub, pending_req_t *p) {
  remote_pick_t *pick = calloc(1, sizeof *pick);
  char key[KEY_MAX], now[24];
  store_key(hub, key, sizeof key, KEY_SERVICE_FMT, p->service);
  snprintf(now, sizeof now, "%llu", (unsigned long long)hub_now_ms());
  const char *argv[] = {"ZRANGEBYSCORE", key, now, "+inf"};
  if (pick != NULL) {
    snprintf(pick->key, sizeof pick->key, "%s", p->key);
    if (store_command(hub, on_remote_hubs, pick, 4, argv, NULL) == 0)
      return;
    free(pick);
  }
  complete(hub, p, STAFET__WIRE__V1__ERROR_CODE__ERROR_NO_PROVIDER,
           "no live provider (and the registry is unavailable)", NULL, NULL);
}

static pending_req_t *pending_new(hub_t *hub, Stafet__Wire__V1__Request *req, zmq_msg_t *payload) {
  pending_req_t *p = calloc(1, sizeof *p);
  if (p == NULL)
    return NULL;
  p->hub = hub;
  snprintf(p->key, sizeof p->key, "%s.%s.r%llu", hub->cfg.hub_id, hub->boot_id,
           (unsigned long long)++hub->request_counter);
  snprintf(p->service, sizeof p->service, "%s", req->service);
  p->started_ms = hub_now_ms();
  p->deadline_ms = req->deadline_ms ? req->deadline_ms : p->started_ms + DEFAULT_DEADLINE_MS;
  p->request = req;
  zmq_msg_init(&p->payload);
  if (payload != NULL)
    zmq_msg_move(&p->payload, payload);
  uv_timer_init(hub->loop, &p->timer);
  p->timer.data = p;
  uint64_t left = p->deadline_ms > p->started_ms ? p->deadline_ms - p->started_ms : 0;
  uv_timer_start(&p->timer, on_deadline, left, 0);
  if (dict_sets(hub->pending_requests, p->key, p) != 0) {
    uv_close((uv_handle_t *)&p->timer, pending_free_cb);
    return NULL;
  }
  return p;
}

void request_on_frame(hub_t *hub, session_t *s, Stafet__Wire__V1__Frame *frame,
                      zmq_msg_t *payload) {
  Stafet__Wire__V1__Request *req = frame->request;
  uint64_t seq = frame->seq;
  if (hub->draining || topic_validate(req->service) != 0) {
    net_send_error(hub, s->rid, s->rid_len, seq,
                   hub->draining ? STAFET__WIRE__V1__ERROR_CODE__ERROR_SHUTTING_DOWN
                                 : STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_TOPIC,
                   hub->draining ? "hub is draining" : "service '%.255s' is not a valid name",
                   req->service);
    stafet__wire__v1__frame__free_unpacked(frame, NULL);
    return;
  }
  char why[256];
  if (!auth_may_call(hub, s, req->service, why, sizeof why)) {
    net_send_error(hub, s->rid, s->rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_AUTHORIZED,
                   "%s", why);
    stafet__wire__v1__frame__free_unpacked(frame, NULL);
    return;
  }
  frame->request = NULL; /* the pending request owns it now */
  frame->body_case = STAFET__WIRE__V1__FRAME__BODY__NOT_SET;
  stafet__wire__v1__frame__free_unpacked(frame, NULL);
  pending_req_t *p = pending_new(hub, req, payload);
  if (p == NULL) {
    stafet__wire__v1__request__free_unpacked(req, NULL);
    net_send_error(hub, s->rid, s->rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL,
                   "out of memory");
    return;
  }
  memcpy(p->rid, s->rid, s->rid_len);
  p->rid_len = s->rid_len;
  memcpy(p->session_id, s->id, sizeof p->session_id);
  p->seq = seq;
  p->client_request_id = strdup(req->request_id ? req->request_id : "");
  hub->stats.requests++;
  if (!forward_local(hub, p))
    route_remote(hub, p);
}

void request_on_reply(hub_t *hub, session_t *s, Stafet__Wire__V1__Frame *frame,
                      zmq_msg_t *payload) {
  Stafet__Wire__V1__Reply *r = frame->reply;
  pending_req_t *p = dict_gets(hub->pending_requests, r->request_id ? r->request_id : "");
  if (p == NULL || strcmp(p->provider_session, s->id) != 0) {
    hub->stats.late_replies++;
    net_send_error(hub, s->rid, s->rid_len, frame->seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_DELIVERY,
                   "no pending request '%.80s' for this session (answered or past its deadline)",
                   r->request_id);
  } else if (r->error != 0) {
    complete(hub, p, STAFET__WIRE__V1__ERROR_CODE__ERROR_PROVIDER_ERROR,
             r->error_text && r->error_text[0] ? r->error_text : error_code_name(r->error), NULL,
             NULL);
  } else {
    complete(hub, p, 0, NULL, r->envelope, payload);
  }
  stafet__wire__v1__frame__free_unpacked(frame, NULL);
}

/* ---- requests arriving from other hubs, and their answers ---- */

static void on_hub_request(hub_t *hub, Stafet__Wire__V1__HubRequest *hr) {
  if (hr->request == NULL || hr->origin_hub == NULL)
    return;
  zmq_msg_t payload;
  zmq_msg_init_size(&payload, hr->payload.len);
  if (hr->payload.len)
    memcpy(zmq_msg_data(&payload), hr->payload.data, hr->payload.len);
  Stafet__Wire__V1__Request *req = hr->request;
  hr->request = NULL; /* the pending request owns it */
  pending_req_t *p = pending_new(hub, req, &payload);
  zmq_msg_close(&payload);
  if (p == NULL) {
    stafet__wire__v1__request__free_unpacked(req, NULL);
    return;
  }
  p->remote_origin = true;
  snprintf(p->origin_hub, sizeof p->origin_hub, "%s", hr->origin_hub);
  snprintf(p->origin_key, sizeof p->origin_key, "%s", hr->origin_key);
  if (!forward_local(hub, p)) /* one hop only: never passed on again */
    complete(hub, p, STAFET__WIRE__V1__ERROR_CODE__ERROR_NO_PROVIDER,
             "the provider's hub has no live provider now", NULL, NULL);
}

static void on_hub_reply(hub_t *hub, Stafet__Wire__V1__HubReply *r) {
  pending_req_t *p = dict_gets(hub->pending_requests, r->origin_key ? r->origin_key : "");
  if (p == NULL) {
    hub->stats.late_replies++;
    return;
  }
  if (r->error != 0) {
    complete(hub, p,
             r->error == STAFET__WIRE__V1__ERROR_CODE__ERROR_NO_PROVIDER ||
                     r->error == STAFET__WIRE__V1__ERROR_CODE__ERROR_DEADLINE_EXCEEDED
                 ? r->error
                 : STAFET__WIRE__V1__ERROR_CODE__ERROR_PROVIDER_ERROR,
             r->error_text, NULL, NULL);
    return;
  }
  zmq_msg_t payload;
  zmq_msg_init_size(&payload, r->payload.len);
  if (r->payload.len)
    memcpy(zmq_msg_data(&payload), r->payload.data, r->payload.len);
  complete(hub, p, 0, NULL, r->envelope, &payload);
  zmq_msg_close(&payload);
}

void request_on_hub_message(hub_t *hub, const uint8_t *data, size_t len) {
  /* Both messages start with two strings; a HubRequest has field 3 (the request). */
  Stafet__Wire__V1__HubRequest *hr = stafet__wire__v1__hub_request__unpack(NULL, len, data);
  if (hr != NULL && hr->request != NULL) {
    on_hub_request(hub, hr);
    stafet__wire__v1__hub_request__free_unpacked(hr, NULL);
    return;
  }
  if (hr != NULL)
    stafet__wire__v1__hub_request__free_unpacked(hr, NULL);
  Stafet__Wire__V1__HubReply *r = stafet__wire__v1__hub_reply__unpack(NULL, len, data);
  if (r == NULL) {
    log_warn(&hub->log, "bad hub-to-hub message", "bytes=%zu", len);
    return;
  }
  on_hub_reply(hub, r);
  stafet__wire__v1__hub_reply__free_unpacked(r, NULL);
}

/* ---- providers ---- */

static void announce(hub_t *hub, const char *service, bool present) {
  char key[KEY_MAX], expiry[24];
  store_key(hub, key, sizeof key, KEY_SERVICE_FMT, service);
  snprintf(expiry, sizeof expiry, "%llu",
           (unsigned long long)(hub_now_ms() + 3 * hub->cfg.heartbeat_ms));
  const char *add[] = {"ZADD", key, expiry, hub->cfg.hub_id};
  const char *rem[] = {"ZREM", key, hub->cfg.hub_id};
  (void)store_command(hub, NULL, NULL, present ? 4 : 3, present ? add : rem, NULL);
}

static void announce_service(void *value, void *arg) {
  service_t *svc = value;
  if (svc->providers != NULL)
    announce(arg, svc->name, true);
}

void request_announce_all(hub_t *hub) {
  dict_each(hub->services, announce_service, hub);
}

static int provide_one(hub_t *hub, session_t *s, const char *name) {
  service_t *svc = dict_gets(hub->services, name);
  if (svc == NULL) {
    svc = calloc(1, sizeof *svc);
    if (svc == NULL || dict_sets(hub->services, name, svc) != 0) {
      free(svc);
      return STAFET_ENOMEM;
    }
    snprintf(svc->name, sizeof svc->name, "%s", name);
  }
  for (provider_t *p = svc->providers; p != NULL; p = p->next_in_svc)
    if (p->session == s)
      return 0;
  provider_t *p = calloc(1, sizeof *p);
  if (p == NULL)
    return STAFET_ENOMEM;
  *p = (provider_t){s, svc, svc->providers, s->providers};
  svc->providers = p;
  s->providers = p;
  announce(hub, name, true);
  return 0;
}

static void unlink_provider(hub_t *hub, provider_t *p) {
  service_t *svc = p->svc;
  for (provider_t **pp = &svc->providers; *pp; pp = &(*pp)->next_in_svc)
    if (*pp == p) {
      *pp = p->next_in_svc;
      break;
    }
  if (svc->rr == p)
    svc->rr = p->next_in_svc;
  if (svc->providers == NULL)
    announce(hub, svc->name, false);
  for (provider_t **pp = &p->session->providers; *pp; pp = &(*pp)->next_in_session)
    if (*pp == p) {
      *pp = p->next_in_session;
      break;
    }
  free(p);
}

static void withdraw_one(hub_t *hub, session_t *s, const char *name) {
  for (provider_t *p = s->providers; p != NULL; p = p->next_in_session)
    if (strcmp(p->svc->name, name) == 0) {
      unlink_provider(hub, p);
      return;
    }
}

void request_on_provide(hub_t *hub, session_t *s, uint64_t seq,
                        const Stafet__Wire__V1__Provide *pr) {
  char why[256];
  for (size_t i = 0; i < pr->n_services; i++) {
    if (!pr->withdraw && !auth_may_provide(hub, s, pr->services[i], why, sizeof why)) {
      net_send_error(hub, s->rid, s->rid_len, seq,
                     STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_AUTHORIZED, "%s", why);
      return;
    }
    if (topic_validate(pr->services[i]) != 0) {
      net_send_error(
          hub, s->rid, s->rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_TOPIC,
          "service '%.255s' is not lower snake case segments joined by dots", pr->services[i]);
      return;
    }
  }
  for (size_t i = 0; i < pr->n_services; i++) {
    if (pr->withdraw) {
      withdraw_one(hub, s, pr->services[i]);
    } else if (provide_one(hub, s, pr->services[i]) != 0) {
      net_send_error(hub, s->rid, s->rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL,
                     "out of memory");
      return;
    }
  }
  log_info(&hub->log, pr->withdraw ? "services withdrawn" : "services provided",
           "session=%s adapter=%s count=%zu first=%s", s->id, s->adapter, pr->n_services,
           pr->n_services ? pr->services[0] : "");
  Stafet__Wire__V1__ProvideAck ack = STAFET__WIRE__V1__PROVIDE_ACK__INIT;
  ack.n_services = pr->n_services;
  ack.services = pr->services;
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  f.seq = seq;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_PROVIDE_ACK;
  f.provide_ack = &ack;
  net_send(hub, s, &f, NULL);
}

typedef struct ended {
  hub_t *hub;
  const char *session_id;
} ended_t;

static void fail_if_provider(void *value, void *arg) {
  pending_req_t *p = value;
  ended_t *e = arg;
  if (strcmp(p->provider_session, e->session_id) == 0)
    complete(e->hub, p, STAFET__WIRE__V1__ERROR_CODE__ERROR_PROVIDER_ERROR,
             "the provider disconnected before answering", NULL, NULL);
}

void request_session_ended(hub_t *hub, session_t *s) {
  while (s->providers != NULL)
    unlink_provider(hub, s->providers);
  ended_t e = {hub, s->id};
  dict_each(hub->pending_requests, fail_if_provider, &e);
}

static void fail_stopping(void *value, void *arg) {
  complete(arg, value, STAFET__WIRE__V1__ERROR_CODE__ERROR_SHUTTING_DOWN, "hub is stopping", NULL,
           NULL);
}

static void free_service(void *value, void *arg) {
  service_t *svc = value;
  dict_dels(arg, svc->name);
  free(svc);
}

void request_free_all(hub_t *hub) {
  dict_each(hub->pending_requests, fail_stopping, hub);
  dict_each(hub->services, free_service, hub->services);
}
