/*
 * hub.c — the hub's life cycle and frame dispatch.
 *
 * Start: embedded Redis (if configured), Redis connections, ROUTER socket,
 * timers, signals. Dispatch: decode frame 0, find the session, call the
 * module that owns the frame type. Drain (SIGTERM): refuse new publishes,
 * wait until every outstanding Redis reply has come back (so every publish
 * that reached Redis is acknowledged), say Goodbye, park the sessions'
 * deliveries for other hubs, close Redis, stop the embedded Redis, exit.
 */
#include "hub.h"

#include "admin_http.h"
#include "auth.h"
#include "metrics.h"
#include "queue_redis.h"
#include "request.h"
#include "stafet.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

uint64_t hub_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int hub_init(hub_t *hub, uv_loop_t *loop, const hub_config_t *cfg) {
  memset(hub, 0, sizeof *hub);
  hub->loop = loop;
  hub->cfg = *cfg;
  hub->log.level = LOG_INFO;
  (void)log_level_parse(cfg->log_level, &hub->log.level);
  hub->log.out = stderr;
  hub->log.name = hub->cfg.hub_id;
  uint32_t rnd = 0;
  if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
    rnd = (uint32_t)hub_now_ms();
  snprintf(hub->boot_id, sizeof hub->boot_id, "%llx%04x", (unsigned long long)hub_now_ms(),
           rnd & 0xffff);
  if (dict_new(&hub->sessions) != 0 || dict_new(&hub->dsubs) != 0 ||
      router_new(&hub->durable_routes) != 0 || router_new(&hub->transient_routes) != 0 ||
      dict_new(&hub->services) != 0 || dict_new(&hub->pending_requests) != 0 ||
      metrics_new(&hub->metrics) != 0)
    return STAFET_ENOMEM;
  pbarena_init(&hub->deliver_arena, 16384);
  return 0;
}

static void start_timer(hub_t *hub, uv_timer_t *t, uv_timer_cb cb, uint64_t every_ms) {
  uv_timer_init(hub->loop, t);
  t->data = hub;
  uv_timer_start(t, cb, every_ms, every_ms);
}

static void on_signal(uv_signal_t *sig, int signum) {
  hub_begin_drain(sig->data, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

int hub_start(hub_t *hub) {
  int rc = redis_embed_start(hub);
  if (rc != 0)
    return rc;
  if ((rc = store_open(hub)) != 0 || (rc = net_open(hub)) != 0 || (rc = admin_start(hub)) != 0)
    return rc;
  uint64_t hb = hub->cfg.heartbeat_ms / 2 ? hub->cfg.heartbeat_ms / 2 : 1;
  start_timer(hub, &hub->heartbeat_timer, session_heartbeat_tick, hb);
  start_timer(hub, &hub->claim_timer, durable_claim_tick, hub->cfg.claim_interval_ms ?: 1000);
  start_timer(hub, &hub->poll_timer, durable_poll_tick, hub->cfg.poll_interval_ms ?: 200);
  start_timer(hub, &hub->trim_timer, durable_trim_tick, hub->cfg.trim_interval_ms ?: 60000);
  uv_timer_init(hub->loop, &hub->drain_timer);
  hub->drain_timer.data = hub;
  uv_signal_init(hub->loop, &hub->sigterm);
  uv_signal_init(hub->loop, &hub->sigint);
  hub->sigterm.data = hub->sigint.data = hub;
  uv_signal_start(&hub->sigterm, on_signal, SIGTERM);
  uv_signal_start(&hub->sigint, on_signal, SIGINT);
  log_info(&hub->log, "hub started", "hub_id=%s redis=%s", hub->cfg.hub_id,
           hub->cfg.redis[0] ? hub->cfg.redis : "embedded");
  return 0;
}

/* ---- dispatch ---- */

static void dispatch_session_frame(hub_t *hub, session_t *s, Stafet__Wire__V1__Frame *f,
                                   zmq_msg_t *payload) {
  switch (f->body_case) {
  case STAFET__WIRE__V1__FRAME__BODY_PUBLISH:
    publish_on_frame(hub, s, f, payload);
    return; /* publish owns f now */
  case STAFET__WIRE__V1__FRAME__BODY_SUBSCRIBE:
    durable_on_subscribe(hub, s, f->seq, f->subscribe);
    break;
  case STAFET__WIRE__V1__FRAME__BODY_UNSUBSCRIBE: {
    int rc = durable_unsubscribe(hub, s, f->unsubscribe->name, f->unsubscribe->remove);
    if (rc == 0) {
      Stafet__Wire__V1__SubscribeAck ack = STAFET__WIRE__V1__SUBSCRIBE_ACK__INIT;
      ack.name = f->unsubscribe->name;
      Stafet__Wire__V1__Frame out = STAFET__WIRE__V1__FRAME__INIT;
      out.seq = f->seq;
      out.body_case = STAFET__WIRE__V1__FRAME__BODY_SUBSCRIBE_ACK;
      out.subscribe_ack = &ack;
      net_send(hub, s, &out, NULL);
    } else {
      net_send_error(hub, s->rid, s->rid_len, f->seq,
                     rc == STAFET_EUNAVAIL
                         ? STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE
                         : STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_SUBSCRIPTION,
                     "cannot unsubscribe from '%.64s'", f->unsubscribe->name);
    }
    break;
  }
  case STAFET__WIRE__V1__FRAME__BODY_ACK: durable_on_ack(hub, s, f->seq, f->ack); break;
  case STAFET__WIRE__V1__FRAME__BODY_NACK: durable_on_nack(hub, s, f->seq, f->nack); break;
  case STAFET__WIRE__V1__FRAME__BODY_CREDIT:
    if (durable_on_credit(hub, s, f->credit->subscription, f->credit->credit) != 0)
      net_send_error(hub, s->rid, s->rid_len, f->seq,
                     STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_SUBSCRIPTION,
                     "this session does not consume '%.64s'", f->credit->subscription);
    break;
  case STAFET__WIRE__V1__FRAME__BODY_HEARTBEAT: break;
  case STAFET__WIRE__V1__FRAME__BODY_GOODBYE: session_end(hub, s, "goodbye"); break;
  case STAFET__WIRE__V1__FRAME__BODY_REQUEST:
    request_on_frame(hub, s, f, payload);
    return; /* request owns f now */
  case STAFET__WIRE__V1__FRAME__BODY_REPLY:
    request_on_reply(hub, s, f, payload);
    return; /* reply handling frees f */
  case STAFET__WIRE__V1__FRAME__BODY_PROVIDE: request_on_provide(hub, s, f->seq, f->provide); break;
  default:
    net_send_error(hub, s->rid, s->rid_len, f->seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_FRAME_TYPE,
                   "frame type %d is not one a client sends", (int)f->body_case);
    break;
  }
  stafet__wire__v1__frame__free_unpacked(f, NULL);
}

void hub_dispatch(hub_t *hub, const uint8_t *rid, size_t rid_len, zmq_msg_t *frame0,
                  zmq_msg_t *payload) {
  Stafet__Wire__V1__Frame *f =
      stafet__wire__v1__frame__unpack(NULL, zmq_msg_size(frame0), zmq_msg_data(frame0));
  if (f == NULL) {
    net_send_error(hub, rid, rid_len, 0, STAFET__WIRE__V1__ERROR_CODE__ERROR_MALFORMED_FRAME,
                   "frame 0 (%zu bytes) is not a stafet.wire.v1.Frame", zmq_msg_size(frame0));
    return;
  }
  const char *authenticated = auth_frame_adapter(hub, frame0);
  if (authenticated == NULL) {
    net_send_error(hub, rid, rid_len, f->seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_AUTHORIZED,
                   "this connection's key is no longer registered (revoked)");
    stafet__wire__v1__frame__free_unpacked(f, NULL);
    return;
  }
  if (f->body_case == STAFET__WIRE__V1__FRAME__BODY_HELLO && authenticated[0] &&
      strcmp(authenticated, f->hello->adapter) != 0) {
    net_send_error(hub, rid, rid_len, f->seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_AUTHORIZED,
                   "this key belongs to adapter '%s', not '%.64s'", authenticated,
                   f->hello->adapter);
    stafet__wire__v1__frame__free_unpacked(f, NULL);
    return;
  }
  if (f->body_case == STAFET__WIRE__V1__FRAME__BODY_HELLO) {
    if (hub->draining)
      net_send_error(hub, rid, rid_len, f->seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_SHUTTING_DOWN,
                     "hub %s is draining; connect to another hub", hub->cfg.hub_id);
    else
      session_on_hello(hub, rid, rid_len, f->seq, f->hello);
    stafet__wire__v1__frame__free_unpacked(f, NULL);
    return;
  }
  session_t *s = session_find(hub, rid, rid_len);
  if (s == NULL) {
    if (f->body_case != STAFET__WIRE__V1__FRAME__BODY_GOODBYE)
      net_send_error(hub, rid, rid_len, f->seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_CONNECTED,
                     "no session for this peer: send Hello");
    stafet__wire__v1__frame__free_unpacked(f, NULL);
    return;
  }
  s->last_recv_ms = hub_now_ms();
  dispatch_session_frame(hub, s, f, payload);
}

/* ---- drain and shutdown ---- */

static void close_handles(hub_t *hub) {
  uv_timer_t *timers[] = {&hub->heartbeat_timer, &hub->claim_timer, &hub->poll_timer,
                          &hub->trim_timer, &hub->drain_timer};
  for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++) {
    uv_timer_stop(timers[i]);
    if (!uv_is_closing((uv_handle_t *)timers[i]))
      uv_close((uv_handle_t *)timers[i], NULL);
  }
  uv_close((uv_handle_t *)&hub->sigterm, NULL);
  uv_close((uv_handle_t *)&hub->sigint, NULL);
}

static void on_embedded_stopped(hub_t *hub) {
  log_info(&hub->log, "hub stopped", "published=%llu delivered=%llu acked=%llu",
           (unsigned long long)hub->stats.published, (unsigned long long)hub->stats.delivered,
           (unsigned long long)hub->stats.acked);
}

static void finish_drain(hub_t *hub) {
  admin_stop(hub);
  /* Sessions first: ending one unlinks its providers from the service
   * registry (and fails the requests it was answering); then what is left. */
  session_end_all(hub, "hub shutting down");
  request_free_all(hub);
  net_close(hub);
  store_close(hub);
  close_handles(hub);
  redis_embed_stop(hub, on_embedded_stopped);
}

static void on_drain_timer(uv_timer_t *t) {
  hub_t *hub = t->data;
  bool timed_out = hub_now_ms() - hub->drain_started_ms >= hub->cfg.drain_timeout_ms;
  if (hub->store.pending == 0 || !hub->store.cmd_connected || timed_out) {
    if (timed_out && hub->store.pending > 0)
      log_warn(&hub->log, "drain timed out", "pending_redis=%llu",
               (unsigned long long)hub->store.pending);
    uv_timer_stop(t);
    finish_drain(hub);
  }
}

void hub_begin_drain(hub_t *hub, const char *why) {
  if (hub->draining)
    return;
  hub->draining = true;
  hub->drain_started_ms = hub_now_ms();
  log_info(&hub->log, "draining", "reason=%s pending_redis=%llu", why,
           (unsigned long long)hub->store.pending);
  uv_timer_start(&hub->drain_timer, on_drain_timer, 0, 10);
}

void hub_dispose(hub_t *hub) {
  dict_iter_t it;
  dict_iter_init(&it, hub->sessions);
  const void *k;
  size_t kl;
  void *v;
  while (dict_iter_next(&it, &k, &kl, &v))
    session_end(hub, v, "dispose");
  publish_dispose(hub);
  routing_free_all(hub);
  request_free_all(hub);
  dict_free(hub->services);
  dict_free(hub->pending_requests);
  auth_free(hub);
  router_free(hub->durable_routes);
  pbarena_free(&hub->deliver_arena);
  router_free(hub->transient_routes);
  dict_free(hub->sessions);
  dict_free(hub->dsubs);
  metrics_free(hub->metrics);
  hub->metrics = NULL;
}
