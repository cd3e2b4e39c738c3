/*
 * consumer.c — the subscriber's side of the API: subscribe, unsubscribe,
 * ack, nack, credit, and the bookkeeping of calls that wait for an answer.
 *
 * A waiting call puts an sdk_op_t on its stack and links it into the client;
 * dispatch.c completes it when the answer comes, and a session that ends
 * marks it "send again" (the new session never saw the frame). Subscribe
 * waits on the subscription's name rather than a seq, because the
 * Subscribe is re-sent with a new seq after a reconnect.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int sdk_ops_complete_seq(stafet_client_t *c, uint64_t seq, int status, int retry) {
  if (seq == 0)
    return 0;
  for (sdk_op_t *op = c->ops; op; op = op->next) {
    if (!op->done && op->seq == seq) {
      op->done = 1;
      op->status = status;
      op->retry = retry;
      return 1;
    }
  }
  return 0;
}

int sdk_ops_complete_name(stafet_client_t *c, const char *name, int status) {
  int n = 0;
  for (sdk_op_t *op = c->ops; op; op = op->next) {
    if (!op->done && op->name && strcmp(op->name, name) == 0) {
      op->done = 1;
      op->status = status;
      op->name = NULL; /* it pointed into the subscription, which may go now */
      n++;
    }
  }
  return n;
}

void sdk_ops_retry_all(stafet_client_t *c) {
  for (sdk_op_t *op = c->ops; op; op = op->next) {
    if (op->seq && !op->done) {
      op->done = 1;
      op->retry = 1;
    }
  }
}

static void op_link(stafet_client_t *c, sdk_op_t *op) {
  op->next = c->ops;
  c->ops = op;
}

static void op_unlink(stafet_client_t *c, sdk_op_t *op) {
  for (sdk_op_t **p = &c->ops; *p; p = &(*p)->next) {
    if (*p == op) {
      *p = op->next;
      return;
    }
  }
}

int sdk_sub_send(stafet_client_t *c, sdk_sub_t *s) {
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__Subscribe w;
  sdk_sub_to_wire(s, &w);
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_SUBSCRIBE;
  f.subscribe = &w;
  return sdk_send_frame(c, &f, &s->sent_seq);
}

static int op_finished(stafet_client_t *c, void *arg) {
  const sdk_op_t *op = arg;
  return !op->done ? 0 : op->status < 0 ? op->status : 1;
}

int stafet_client_subscribe(stafet_client_t *c, const stafet_subscription_t *sub,
                            stafet_deliver_cb cb, void *arg, int timeout_ms) {
  if (!c || !sub || !sub->name || !cb)
    return STAFET_EINVAL;
  if (sdk_sub_find(c->subs, sub->name))
    return STAFET_EEXIST;
  sdk_sub_t *s;
  int rc = sdk_sub_new(sub, cb, arg, &s);
  if (rc < 0)
    return rc;
  sdk_sub_t **tail = &c->subs;
  while (*tail)
    tail = &(*tail)->next;
  *tail = s; /* re-subscribes go out in the order of the first ones */
  sdk_op_t op = {.name = s->name};
  op_link(c, &op);
  rc = sdk_wait(c, op_finished, &op, timeout_ms); /* the next tick sends it */
  op_unlink(c, &op);
  return rc;
}

static int send_unsubscribe(stafet_client_t *c, sdk_op_t *op, const char *name, int remove) {
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__Unsubscribe u = STAFET__WIRE__V1__UNSUBSCRIBE__INIT;
  u.name = (char *)name;
  u.remove = remove != 0;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_UNSUBSCRIBE;
  f.unsubscribe = &u;
  op->done = op->retry = 0;
  return sdk_send_frame(c, &f, &op->seq);
}

typedef struct unsubscribe_wait {
  sdk_op_t op;
  const char *name;
  int remove;
} unsubscribe_wait_t;

/* Sends (again) when there is a session to send to, then waits for the answer. */
static int unsubscribe_answered(stafet_client_t *c, void *arg) {
  unsubscribe_wait_t *u = arg;
  if (u->op.done && !u->op.retry)
    return u->op.status < 0 ? u->op.status : 1;
  if (u->op.retry && !u->remove)
    return 1; /* the session ended, and its subscriptions with it */
  if ((u->op.seq == 0 || u->op.retry) && c->state == SDK_UP) {
    int rc = send_unsubscribe(c, &u->op, u->name, u->remove);
    if (rc < 0 && rc != STAFET_EUNAVAIL)
      return rc;
  }
  return 0;
}

int stafet_client_unsubscribe(stafet_client_t *c, const char *name, int remove, int timeout_ms) {
  if (!c || !name)
    return STAFET_EINVAL;
  sdk_sub_t *s = sdk_sub_find(c->subs, name);
  if (!s)
    return STAFET_ENOTFOUND;
  /* Without remove, a subscription the hub never had in this session needs no word. */
  int tell_hub = remove || s->active || s->sent_seq;
  sdk_sub_unlink(&c->subs, s);
  sdk_ops_complete_name(c, name, STAFET_ECLOSED); /* a subscribe still waiting for it */
  if (!tell_hub || (!remove && c->state != SDK_UP)) {
    sdk_sub_free(s);
    return 0;
  }
  unsubscribe_wait_t u = {.op = {0}, .name = s->name, .remove = remove};
  op_link(c, &u.op);
  int rc = sdk_wait(c, unsubscribe_answered, &u, timeout_ms);
  op_unlink(c, &u.op);
  sdk_sub_free(s);
  return rc;
}

/* Sends an Ack (nack NULL) or a Nack of one delivery. */
static int send_settle(stafet_client_t *c, const char *subscription, const char *delivery_id,
                       const Stafet__Wire__V1__Nack *nack_template) {
  if (!c || !subscription || !delivery_id)
    return STAFET_EINVAL;
  if (c->state != SDK_UP)
    return STAFET_ECLOSED;
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  char *ids[1] = {(char *)delivery_id};
  Stafet__Wire__V1__Nack nack = *nack_template;
  nack.subscription = (char *)subscription;
  nack.n_delivery_ids = 1;
  nack.delivery_ids = ids;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_NACK;
  f.nack = &nack;
  int rc = sdk_send_frame(c, &f, NULL);
  return rc == STAFET_EUNAVAIL ? STAFET_ECLOSED : rc;
}

/* Acks are gathered and sent as one frame per subscription per poll round:
 * the hub then settles them with one XACK instead of one per message. */
#define ACK_BATCH_MAX 256

void sdk_acks_drop(stafet_client_t *c) {
  for (size_t i = 0; i < c->n_acks; i++)
    free(c->ack_ids[i]);
  c->n_acks = 0;
  free(c->ack_sub);
  c->ack_sub = NULL;
}

int sdk_acks_flush(stafet_client_t *c) {
  if (c->n_acks == 0)
    return 0;
  int rc = STAFET_ECLOSED;
  if (c->state == SDK_UP) {
    Stafet__Wire__V1__Ack ack = STAFET__WIRE__V1__ACK__INIT;
    ack.subscription = c->ack_sub;
    ack.n_delivery_ids = c->n_acks;
    ack.delivery_ids = c->ack_ids;
    Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
    f.body_case = STAFET__WIRE__V1__FRAME__BODY_ACK;
    f.ack = &ack;
    rc = sdk_send_frame(c, &f, NULL);
  }
  sdk_acks_drop(c); /* unsent ones are redelivered by the hub after its ack time-out */
  return rc == STAFET_EUNAVAIL ? STAFET_ECLOSED : rc;
}

static int ack_gather(stafet_client_t *c, const char *subscription, const char *delivery_id) {
  if (c->ack_sub && strcmp(c->ack_sub, subscription) != 0) {
    int rc = sdk_acks_flush(c);
    if (rc < 0)
      return rc;
  }
  if (c->ack_ids == NULL && !(c->ack_ids = calloc(ACK_BATCH_MAX, sizeof *c->ack_ids)))
    return STAFET_ENOMEM;
  if (c->ack_sub == NULL && !(c->ack_sub = strdup(subscription)))
    return STAFET_ENOMEM;
  if (!(c->ack_ids[c->n_acks] = strdup(delivery_id)))
    return STAFET_ENOMEM;
  if (++c->n_acks == ACK_BATCH_MAX)
    return sdk_acks_flush(c);
  return 0;
}

int stafet_client_ack(stafet_client_t *c, const char *subscription, const char *delivery_id) {
  if (!c || !subscription || !delivery_id)
    return STAFET_EINVAL;
  if (c->state != SDK_UP)
    return STAFET_ECLOSED;
  return ack_gather(c, subscription, delivery_id);
}

int stafet_client_nack(stafet_client_t *c, const char *subscription, const char *delivery_id,
                       int requeue, const char *reason) {
  if (c && c->n_acks && sdk_acks_flush(c) < 0) /* acks first: they came first */
    return STAFET_ECLOSED;
  Stafet__Wire__V1__Nack nack = STAFET__WIRE__V1__NACK__INIT;
  nack.requeue = requeue != 0;
  nack.reason = (char *)(reason ? reason : "");
  return send_settle(c, subscription, delivery_id, &nack);
}

int stafet_client_credit(stafet_client_t *c, const char *subscription, unsigned credit) {
  if (!c || !subscription)
    return STAFET_EINVAL;
  sdk_sub_t *s = sdk_sub_find(c->subs, subscription);
  if (!s)
    return STAFET_ENOTFOUND;
  /* Re-subscribes ask for the same window (0 means "hub default" there, so a
   * pause is remembered apart and repeated after the SubscribeAck). */
  s->paused = credit == 0;
  if (credit)
    s->credit = credit;
  if (c->state != SDK_UP)
    return STAFET_ECLOSED;
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__Credit w = STAFET__WIRE__V1__CREDIT__INIT;
  w.subscription = (char *)subscription;
  w.credit = credit;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_CREDIT;
  f.credit = &w;
  int rc = sdk_send_frame(c, &f, NULL);
  return rc == STAFET_EUNAVAIL ? STAFET_ECLOSED : rc;
}
