/*
 * dispatch.c — everything the hub sends, one handler per frame type.
 *
 * A message is [Frame] or [Frame][payload], or, because the Hello says this
 * client accepts deliver batches, several [Frame][payload] pairs (gathered
 * deliveries). Each Frame is decoded; the payload of a Deliver is handed to
 * the callback straight from the ZeroMQ message, without a copy. Answers are
 * matched to what they answer by Frame.seq: the outbox for publishes, the
 * remembered subscriptions for Subscribe, the waiting calls for Unsubscribe;
 * an Error that matches nothing goes to the error callback. Any frame at all
 * is a sign of life (last_recv).
 */
#include "codec.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static void report_error(stafet_client_t *c, const Stafet__Wire__V1__Error *e) {
  if (c->error_cb)
    c->error_cb(c, e->code, e->name ? e->name : "", e->text ? e->text : "", c->error_arg);
}

/* Removes e from the outbox, tells its callback, frees it. */
static void publish_done(stafet_client_t *c, sdk_entry_t *e, int status, int duplicate) {
  sdk_outbox_remove(&c->outbox, e);
  if (e->cb)
    e->cb(c, e->message_id, status, duplicate, e->arg);
  free(e);
}

static void on_publish_ack(stafet_client_t *c, uint64_t seq,
                           const Stafet__Wire__V1__PublishAck *a) {
  sdk_entry_t *e = sdk_outbox_find(&c->outbox, seq);
  int id_known = a->message_id && a->message_id[0];
  if ((!e || (id_known && strcmp(e->message_id, a->message_id) != 0)) && id_known)
    e = sdk_outbox_find_id(&c->outbox, a->message_id);
  if (e)
    publish_done(c, e, 0, a->duplicate);
}

/* Several answers in one frame: acks[i] answers the Publish with seqs[i]. */
static void on_publish_acks(stafet_client_t *c, const Stafet__Wire__V1__PublishAcks *a) {
  size_t n = a->n_seqs < a->n_acks ? a->n_seqs : a->n_acks;
  for (size_t i = 0; i < n; i++)
    on_publish_ack(c, a->seqs[i], a->acks[i]);
}

static void on_subscribe_ack(stafet_client_t *c, uint64_t seq,
                             const Stafet__Wire__V1__SubscribeAck *a) {
  if (sdk_ops_complete_seq(c, seq, 0, 0))
    return; /* the answer to an Unsubscribe */
  sdk_sub_t *s = sdk_sub_find_seq(c->subs, seq);
  if (!s && a->name && (s = sdk_sub_find(c->subs, a->name)) && !s->sent_seq)
    s = NULL; /* not waiting for an answer: stale */
  if (!s)
    return;
  s->active = 1;
  s->sent_seq = 0;
  s->attempts = 0;
  s->replay_pending = 0; /* the hub moved the read position: never again */
  if (s->paused)
    stafet_client_credit(c, s->name, 0);
  sdk_ops_complete_name(c, s->name, 0);
}

static void publish_failed(stafet_client_t *c, sdk_entry_t *e, int code, int retryable) {
  if (!retryable) {
    publish_done(c, e, stafet_error_from_hub(code), 0);
    return;
  }
  int64_t delay = sdk_backoff_ms(c, e->attempts++);
  sdk_outbox_defer(&c->outbox, e, sdk_now_ms() + delay);
}

static void subscribe_failed(stafet_client_t *c, sdk_sub_t *s, const Stafet__Wire__V1__Error *err,
                             int retryable) {
  s->sent_seq = 0;
  if (retryable) {
    s->retry_at = sdk_now_ms() + sdk_backoff_ms(c, s->attempts++);
    return;
  }
  sdk_sub_unlink(&c->subs, s);
  if (sdk_ops_complete_name(c, s->name, stafet_error_from_hub(err->code)) == 0)
    report_error(c, err); /* a re-subscribe failed: nobody is waiting */
  sdk_sub_free(s);
}

static void on_error(stafet_client_t *c, uint64_t seq, const Stafet__Wire__V1__Error *err) {
  int code = err->code;
  int retryable = err->retryable || sdk_hub_code_retryable(code);
  sdk_entry_t *e;
  sdk_sub_t *s;
  if (code == STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_CONNECTED) {
    sdk_session_rehello(c); /* the hub forgot us (restart): start the session again */
  } else if (seq && seq == c->hello_seq) {
    c->hello_error = stafet_error_from_hub(code);
    report_error(c, err);
    sdk_session_down(c);
  } else if (seq && (e = sdk_outbox_find(&c->outbox, seq))) {
    publish_failed(c, e, code, retryable);
  } else if ((s = sdk_sub_find_seq(c->subs, seq))) {
    subscribe_failed(c, s, err, retryable);
  } else if (seq && sdk_rpc_on_error(c, seq, err)) {
    /* a request or a Provide: its caller has been told */
  } else if (!sdk_ops_complete_seq(c, seq, stafet_error_from_hub(code), retryable)) {
    report_error(c, err);
  }
}

static void on_deliver(stafet_client_t *c, const Stafet__Wire__V1__Deliver *d, zmq_msg_t *payload) {
  sdk_sub_t *s = d->subscription ? sdk_sub_find(c->subs, d->subscription) : NULL;
  if (!s || !s->cb)
    return; /* unsubscribed meanwhile: the hub redelivers it elsewhere */
  Stafet__Wire__V1__Envelope empty = STAFET__WIRE__V1__ENVELOPE__INIT;
  const Stafet__Wire__V1__Envelope *w = d->envelope ? d->envelope : &empty;
  stafet_attribute_t local[SDK_MAX_ATTRIBUTES];
  stafet_attribute_t *attrs = local;
  if (w->n_attributes > SDK_MAX_ATTRIBUTES && !(attrs = malloc(w->n_attributes * sizeof *attrs)))
    return; /* no memory: not acked, so redelivered later */
  stafet_envelope_t env;
  sdk_envelope_view(w, &env, attrs);
  stafet_delivery_t dv = {.subscription = d->subscription,
                          .delivery_id = d->delivery_id ? d->delivery_id : "",
                          .delivery_count = d->delivery_count,
                          .envelope = &env,
                          .payload = payload ? zmq_msg_data(payload) : NULL,
                          .payload_len = payload ? zmq_msg_size(payload) : 0};
  s->cb(c, &dv, s->arg);
  if (attrs != local)
    free(attrs);
}

static void handle(stafet_client_t *c, const Stafet__Wire__V1__Frame *f, zmq_msg_t *payload) {
  switch (f->body_case) {
  case STAFET__WIRE__V1__FRAME__BODY_WELCOME: sdk_session_welcome(c, f->welcome); break;
  case STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACK: on_publish_ack(c, f->seq, f->publish_ack); break;
  case STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACKS: on_publish_acks(c, f->publish_acks); break;
  case STAFET__WIRE__V1__FRAME__BODY_SUBSCRIBE_ACK:
    on_subscribe_ack(c, f->seq, f->subscribe_ack);
    break;
  case STAFET__WIRE__V1__FRAME__BODY_DELIVER: on_deliver(c, f->deliver, payload); break;
  case STAFET__WIRE__V1__FRAME__BODY_REQUEST: sdk_rpc_on_request(c, f->request, payload); break;
  case STAFET__WIRE__V1__FRAME__BODY_REPLY: sdk_rpc_on_reply(c, f->seq, f->reply, payload); break;
  case STAFET__WIRE__V1__FRAME__BODY_PROVIDE_ACK: sdk_rpc_on_provide_ack(c, f->seq); break;
  case STAFET__WIRE__V1__FRAME__BODY_ERROR: on_error(c, f->seq, f->error); break;
  case STAFET__WIRE__V1__FRAME__BODY_GOODBYE: sdk_session_down(c); break; /* hub draining */
  default: break; /* Heartbeat: being here was the point; others: not for clients */
  }
}

/* Receives one message part into m. 1: got it, 0: nothing waiting, <0: error. */
static int recv_part(void *sock, zmq_msg_t *m) {
  zmq_msg_init(m);
  if (zmq_msg_recv(m, sock, ZMQ_DONTWAIT) >= 0)
    return 1;
  zmq_msg_close(m);
  return zmq_errno() == EAGAIN ? 0 : STAFET_EIO;
}

/* Decodes and handles one [Frame] or [Frame][payload] (head, and body if
 * has_body), then frees them. */
static void handle_part(stafet_client_t *c, zmq_msg_t *head, zmq_msg_t *body, int has_body) {
  Stafet__Wire__V1__Frame *f =
      stafet__wire__v1__frame__unpack(NULL, zmq_msg_size(head), zmq_msg_data(head));
  if (f) /* an undecodable frame is still a sign of life; nothing else to do */
    handle(c, f, has_body ? body : NULL);
  if (f)
    stafet__wire__v1__frame__free_unpacked(f, NULL);
  zmq_msg_close(head);
  if (has_body)
    zmq_msg_close(body);
}

/* Receives and handles one message, pair by pair. 1 handled, 0 nothing
 * waiting, <0 error. */
static int dispatch_one(stafet_client_t *c) {
  zmq_msg_t head, body;
  void *sock = c->sock;
  int rc = recv_part(sock, &head);
  if (rc <= 0)
    return rc;
  c->last_recv = sdk_now_ms();
  for (;;) {
    int has_body = zmq_msg_more(&head) && recv_part(sock, &body) == 1;
    int more = has_body && zmq_msg_more(&body);
    handle_part(c, &head, &body, has_body);
    /* A callback may have ended the session: the rest went with its socket. */
    if (!more || c->sock != sock || recv_part(sock, &head) != 1)
      return 1;
  }
}

int sdk_dispatch_all(stafet_client_t *c) {
  int n = 0, rc = 0;
  while (c->sock && (rc = dispatch_one(c)) > 0)
    n++;
  sdk_acks_flush(c); /* the acks the callbacks just gave, as one frame */
  if (c->sock && rc < 0)
    sdk_session_down(c);
  return n;
}
