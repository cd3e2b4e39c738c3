/*
 * test_batching.c — publishes that arrive together are stored together (one
 * store script call per batch, not one per message), and each keeps its own
 * outcome: a duplicate id inside the burst, a queue that fills up part-way
 * through it, and messages around those are answered exactly as if they had
 * come one at a time, in order.
 *
 * The burst is sent while the hub is stopped (SIGSTOP), so it is waiting in
 * the socket when the hub goes on; how many batches it becomes is read from
 * the hub's /metrics.
 *
 * The answers to a burst come as one PublishAcks frame per store reply to a
 * client whose Hello accepts them, as one PublishAck frame each otherwise;
 * refusals are Error frames either way.
 *
 * Publishes that come one at a time while Redis is slow are batched too:
 * once store_batches_in_flight store calls wait for Redis (here Redis is
 * stopped), the next batch grows until an answer comes.
 *
 * Queue reads go out several at a time too, and together they never ask for
 * more than the consumer's window.
 *
 * Deliveries to a client whose Hello accepts deliver batches leave gathered,
 * several [Deliver][payload] pairs per message, in order; other clients get
 * one delivery per message. The other way, a client may send several
 * [Frame][payload] pairs in one message: each is handled as if it had come
 * alone, and a message of the wrong shape is refused whole.
 */
#include "admin.h"
#include "fixture.h"
#include "raw.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

enum { BURST = 200, SEQ0 = 1000, SMALL_MAX = 3, DUP = 55 };

/* Message i of the burst: every 10th is a debt event (the small queue holds
 * SMALL_MAX), the rest case events; message DUP repeats the id of message 1. */
static void burst_message(int i, char *id, size_t size, const char **topic) {
  *topic = i % 10 == 0 ? "debt.claim.created" : "case.opened";
  snprintf(id, size, "%s-%d", i % 10 == 0 ? "debt" : "case", i == DUP ? 1 : i);
}

/* Creates durable subscriptions through a client that then leaves: they stay,
 * with nobody consuming. */
static void define_subscriptions(world_t *w, const char *adapter, const stafet_subscription_t *subs,
                                 size_t n) {
  stafet_client_t *c = th_client(w->hub.endpoint, adapter);
  th_collector_t col;
  th_collector_init(&col, false);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(th_subscribe(c, &subs[i], &col), 0);
  stafet_client_destroy(c);
  th_collector_free(&col);
}

/* One answer of the burst: checks it is the one message i should get. */
static void check_answer(bool answered[BURST], uint64_t seq,
                         const Stafet__Wire__V1__PublishAck *ack,
                         const Stafet__Wire__V1__Error *err) {
  assert_true(seq >= SEQ0 && seq < SEQ0 + BURST);
  int i = (int)(seq - SEQ0);
  assert_false(answered[i]);
  answered[i] = true;
  if (i % 10 == 0 && i / 10 >= SMALL_MAX) {
    /* the small queue filled up part-way through the burst */
    assert_non_null(err);
    assert_int_equal(err->code, STAFET__WIRE__V1__ERROR_CODE__ERROR_QUEUE_FULL);
    assert_non_null(strstr(err->text, "small"));
    return;
  }
  assert_non_null(ack);
  char id[32];
  const char *topic;
  burst_message(i, id, sizeof id, &topic);
  assert_string_equal(ack->message_id, id);
  assert_int_equal(ack->duplicate, i == DUP);
  assert_int_equal(ack->durable_queues, i == DUP ? 0 : 1);
}

/* Sends the burst while the hub is stopped and checks every answer; returns
 * how many frames carried the acknowledgements. */
static int burst(world_t *w, const char *addr, bool accepts_publish_acks) {
  const stafet_subscription_t subs[] = {
      {.name = "small", .patterns = PATTERNS("debt.#"), .n_patterns = 1, .max_len = SMALL_MAX},
      {.name = "cases", .patterns = PATTERNS("case.#"), .n_patterns = 1}};
  define_subscriptions(w, "debitorvagten", subs, 2);

  raw_client_t rc;
  assert_int_equal(raw_open(&rc, w->hub.endpoint), 0);
  assert_true(raw_hello_acks(&rc, "debtor", accepts_publish_acks));
  long long batches_before = th_metric(addr, "stafet_publish_batches_total");
  assert_true(batches_before >= 0);

  assert_int_equal(kill(w->hub.pid, SIGSTOP), 0);
  for (int i = 0; i < BURST; i++) {
    char id[32];
    const char *topic;
    burst_message(i, id, sizeof id, &topic);
    assert_int_equal(raw_send_publish(&rc, SEQ0 + (uint64_t)i, id, topic), 0);
  }
  assert_int_equal(kill(w->hub.pid, SIGCONT), 0);

  bool answered[BURST] = {false};
  int ack_frames = 0;
  for (int n = 0; n < BURST;) {
    Stafet__Wire__V1__Frame *f = raw_recv(&rc, 10000);
    assert_non_null(f);
    if (f->body_case == STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACKS) {
      assert_true(accepts_publish_acks);
      assert_int_equal(f->seq, 0);
      assert_int_equal(f->publish_acks->n_seqs, f->publish_acks->n_acks);
      for (size_t k = 0; k < f->publish_acks->n_seqs; k++, n++)
        check_answer(answered, f->publish_acks->seqs[k], f->publish_acks->acks[k], NULL);
      ack_frames++;
    } else if (f->body_case == STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACK) {
      check_answer(answered, f->seq, f->publish_ack, NULL);
      ack_frames++;
      n++;
    } else {
      assert_int_equal(f->body_case, STAFET__WIRE__V1__FRAME__BODY_ERROR);
      check_answer(answered, f->seq, NULL, f->error);
      n++;
    }
    stafet__wire__v1__frame__free_unpacked(f, NULL);
  }

  long long batches = th_metric(addr, "stafet_publish_batches_total") - batches_before;
  print_message("%d publishes stored in %lld batches, acknowledged in %d frames\n", BURST, batches,
                ack_frames);
  assert_true(batches >= 1);
  assert_true(batches <= BURST / 4); /* one call per message without batching */
  assert_int_equal(th_redis_int(&w->redis, "XLEN stafet:q:{small}"), SMALL_MAX);
  /* 180 case events, one of them a duplicate */
  assert_int_equal(th_redis_int(&w->redis, "XLEN stafet:q:{cases}"), BURST - BURST / 10 - 1);
  char id[32];
  snprintf(id, sizeof id, "debt-%d", SMALL_MAX * 10);
  assert_int_equal(th_redis_dedupe_count(&w->redis, id), 0);
  snprintf(id, sizeof id, "debt-%d", (SMALL_MAX - 1) * 10);
  assert_int_equal(th_redis_dedupe_count(&w->redis, id), 1);
  raw_close(&rc);
  return ack_frames;
}

enum { ACKED = BURST - (BURST / 10 - SMALL_MAX) }; /* all but the QUEUE_FULL refusals */

static void test_a_burst_is_stored_in_batches_each_message_with_its_own_outcome(void **state) {
  world_t *w = *state;
  char addr[128];
  assert_true(th_admin_ready(&w->hub, addr, sizeof addr, 10000));
  assert_int_equal(burst(w, addr, false), ACKED); /* a PublishAck frame each */
}

static void test_a_client_that_accepts_publish_acks_gets_a_burst_answered_together(void **state) {
  world_t *w = *state;
  char addr[128];
  assert_true(th_admin_ready(&w->hub, addr, sizeof addr, 10000));
  int frames = burst(w, addr, true);
  assert_true(frames >= 1);
  assert_true(frames <= ACKED / 4); /* about one per store reply */
}

/* Waits until a counter in /metrics reaches at least `target`. */
static bool metric_reaches(const char *addr, const char *name, long long target) {
  for (long long end = th_now_ms() + 10000; th_now_ms() < end;)
    if (th_metric(addr, name) >= target)
      return true;
  return false;
}

static int world_slow_redis(void **state) {
  /* Redis stopped for a moment must not look like a dead connection, and the
   * raw clients, which send no heartbeats, must not look dead either. */
  static const char *const extra[] = {"--store-batches-in-flight",
                                      "4",
                                      "--redis-timeout-ms",
                                      "30000",
                                      "--heartbeat-ms",
                                      "10000",
                                      NULL};
  return world_up(state, extra);
}

static void test_publishes_one_at_a_time_wait_while_four_batches_are_out(void **state) {
  world_t *w = *state;
  char addr[128];
  assert_true(th_admin_ready(&w->hub, addr, sizeof addr, 10000));
  raw_client_t rc;
  assert_int_equal(raw_open(&rc, w->hub.endpoint), 0);
  assert_true(raw_hello(&rc, "case"));
  long long batches0 = th_metric(addr, "stafet_publish_batches_total");
  long long frames0 = th_metric(addr, "stafet_frames_received_total");
  assert_true(batches0 >= 0 && frames0 >= 0);

  assert_int_equal(kill(w->redis.pid, SIGSTOP), 0);
  enum { N = 10, OUT = 4 };
  for (int i = 0; i < N; i++) {
    char id[32];
    snprintf(id, sizeof id, "single-%d", i);
    assert_int_equal(raw_send_publish(&rc, SEQ0 + (uint64_t)i, id, "case.opened"), 0);
    /* each arrives on its own: the hub has read it before the next is sent */
    assert_true(metric_reaches(addr, "stafet_frames_received_total", frames0 + i + 1));
    if (i < OUT) /* sent to Redis at once, a batch of one */
      assert_true(metric_reaches(addr, "stafet_publish_batches_total", batches0 + i + 1));
  }
  assert_int_equal(th_metric(addr, "stafet_publish_batches_total"), batches0 + OUT);
  assert_int_equal(kill(w->redis.pid, SIGCONT), 0);

  for (int n = 0; n < N; n++) {
    Stafet__Wire__V1__Frame *f = raw_recv(&rc, 10000);
    assert_non_null(f);
    assert_int_equal(f->body_case, STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACK);
    stafet__wire__v1__frame__free_unpacked(f, NULL);
  }
  /* the four singles, then the six that waited, together */
  assert_int_equal(th_metric(addr, "stafet_publish_batches_total"), batches0 + OUT + 1);
  assert_int_equal(th_redis_int(&w->redis, "XLEN stafet:unroutable"), N);
  raw_close(&rc);
}

/* Collects Deliver frames for `sub` until `want` have come and then quiet_ms
 * passes without another (or 10 s pass); returns how many came. ids: want+
 * slots for their delivery ids. */
static int deliveries(raw_client_t *rc, int want, int quiet_ms, char ids[][64], int max_ids) {
  int n = 0;
  for (long long end = th_now_ms() + 10000; th_now_ms() < end;) {
    Stafet__Wire__V1__Frame *f = raw_recv(rc, n >= want ? quiet_ms : 1000);
    if (f == NULL) {
      if (n >= want)
        break;
      continue;
    }
    if (f->body_case == STAFET__WIRE__V1__FRAME__BODY_DELIVER) {
      if (n < max_ids)
        snprintf(ids[n], 64, "%s", f->deliver->delivery_id);
      n++;
    }
    stafet__wire__v1__frame__free_unpacked(f, NULL);
  }
  return n;
}

static void send_credit(raw_client_t *rc, const char *sub, uint32_t credit) {
  Stafet__Wire__V1__Credit cr = STAFET__WIRE__V1__CREDIT__INIT;
  cr.subscription = (char *)sub;
  cr.credit = credit;
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_CREDIT;
  f.credit = &cr;
  assert_int_equal(raw_send(rc, &f, NULL, 0), 0);
}

/* A backlog, a window of 6 that the consumer empties while Redis is stopped,
 * and Credit frames that each start another read: the reads out at once
 * share the window (without that, each would ask for all 6 and 24 would
 * come). */
static void test_reads_in_flight_share_the_window(void **state) {
  world_t *w = *state;
  enum { WINDOW = 6, BACKLOG = 40 };
  char addr[128];
  assert_true(th_admin_ready(&w->hub, addr, sizeof addr, 10000));
  const stafet_subscription_t def = {
      .name = "window", .patterns = PATTERNS("contact.#"), .n_patterns = 1};
  define_subscriptions(w, "kontaktcenter", &def, 1);
  stafet_client_t *p = th_client(w->hub.endpoint, "contact");
  for (int i = 0; i < BACKLOG; i++)
    assert_int_equal(th_publish_wait(p, "contact.call.ended", "0751", NULL, 0, NULL), 0);
  stafet_client_destroy(p);

  raw_client_t rc;
  assert_int_equal(raw_open(&rc, w->hub.endpoint), 0);
  assert_true(raw_hello(&rc, "kontaktcenter"));
  Stafet__Wire__V1__Subscribe sub = STAFET__WIRE__V1__SUBSCRIBE__INIT;
  sub.name = "window";
  sub.credit = WINDOW;
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  f.seq = 2;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_SUBSCRIBE;
  f.subscribe = &sub;
  assert_int_equal(raw_send(&rc, &f, NULL, 0), 0);
  char ids[64][64];
  assert_int_equal(deliveries(&rc, WINDOW, 300, ids, 64), WINDOW); /* the window fills */

  long long frames0 = th_metric(addr, "stafet_frames_received_total");
  assert_true(frames0 >= 0);
  assert_int_equal(kill(w->redis.pid, SIGSTOP), 0);
  const char *held[WINDOW];
  for (int i = 0; i < WINDOW; i++)
    held[i] = ids[i];
  Stafet__Wire__V1__Ack ack = STAFET__WIRE__V1__ACK__INIT;
  ack.subscription = "window";
  ack.n_delivery_ids = WINDOW;
  ack.delivery_ids = (char **)held;
  Stafet__Wire__V1__Frame af = STAFET__WIRE__V1__FRAME__INIT;
  af.body_case = STAFET__WIRE__V1__FRAME__BODY_ACK;
  af.ack = &ack;
  assert_int_equal(raw_send(&rc, &af, NULL, 0), 0); /* the window is free: a read goes out */
  for (int i = 0; i < 4; i++)
    send_credit(&rc, "window", WINDOW); /* each starts one more, if credit is left */
  /* the hub has taken all five frames while Redis is stopped */
  for (long long end = th_now_ms() + 10000;
       th_metric(addr, "stafet_frames_received_total") < frames0 + 5 && th_now_ms() < end;)
    ;
  assert_true(th_metric(addr, "stafet_frames_received_total") >= frames0 + 5);
  assert_int_equal(kill(w->redis.pid, SIGCONT), 0);

  int n = deliveries(&rc, WINDOW, 500, ids, 64);
  print_message("%d delivered after the window was freed (window %d)\n", n, WINDOW);
  assert_int_equal(n, WINDOW);
  raw_close(&rc);
}

static void raw_subscribe(raw_client_t *rc, const char *name, const char *pattern,
                          Stafet__Wire__V1__SubscriptionMode mode) {
  char *patterns[] = {(char *)pattern};
  Stafet__Wire__V1__Subscribe sub = STAFET__WIRE__V1__SUBSCRIBE__INIT;
  sub.name = (char *)name;
  sub.patterns = patterns;
  sub.n_patterns = 1;
  sub.mode = mode;
  sub.credit = 1000;
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  f.seq = 7;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_SUBSCRIBE;
  f.subscribe = &sub;
  assert_int_equal(raw_send(rc, &f, NULL, 0), 0);
  Stafet__Wire__V1__Frame *ack = raw_recv(rc, 5000);
  assert_non_null(ack);
  assert_int_equal(ack->body_case, STAFET__WIRE__V1__FRAME__BODY_SUBSCRIBE_ACK);
  stafet__wire__v1__frame__free_unpacked(ack, NULL);
}

/* Deliveries as a subscriber sees them: per subscription, the next expected
 * message of the burst; and how many ZeroMQ messages carried them. */
typedef struct received {
  int next_live, next_durable, messages, pairs_max;
} received_t;

/* Reads one ZeroMQ message of [Deliver][payload] pairs and checks each
 * delivery is the next of its subscription, with that message's payload. */
static void receive_message(raw_client_t *rc, received_t *r) {
  zmq_pollitem_t item = {rc->sock, 0, ZMQ_POLLIN, 0};
  assert_int_equal(zmq_poll(&item, 1, 10000), 1);
  int pairs = 0, more = 1;
  while (more) {
    zmq_msg_t head, body;
    zmq_msg_init(&head);
    zmq_msg_init(&body);
    assert_true(zmq_msg_recv(&head, rc->sock, 0) >= 0);
    assert_true(zmq_msg_more(&head)); /* every Deliver has its payload part */
    assert_true(zmq_msg_recv(&body, rc->sock, 0) >= 0);
    more = zmq_msg_more(&body);
    Stafet__Wire__V1__Frame *f =
        stafet__wire__v1__frame__unpack(NULL, zmq_msg_size(&head), zmq_msg_data(&head));
    assert_non_null(f);
    if (f->body_case == STAFET__WIRE__V1__FRAME__BODY_HEARTBEAT) {
      assert_int_equal(pairs, 0); /* a message of its own */
      stafet__wire__v1__frame__free_unpacked(f, NULL);
      zmq_msg_close(&head);
      zmq_msg_close(&body);
      return;
    }
    assert_int_equal(f->body_case, STAFET__WIRE__V1__FRAME__BODY_DELIVER);
    bool live = strcmp(f->deliver->subscription, "live") == 0;
    int *next = live ? &r->next_live : &r->next_durable;
    char want[32];
    snprintf(want, sizeof want, "burst-%d", *next);
    assert_string_equal(f->deliver->envelope->message_id, want);
    assert_int_equal(zmq_msg_size(&body), strlen(want));
    assert_memory_equal(zmq_msg_data(&body), want, strlen(want));
    (*next)++;
    pairs++;
    stafet__wire__v1__frame__free_unpacked(f, NULL);
    zmq_msg_close(&head);
    zmq_msg_close(&body);
  }
  r->messages++;
  if (pairs > r->pairs_max)
    r->pairs_max = pairs;
}

static void test_deliveries_come_gathered_to_a_client_that_accepts_them(void **state) {
  world_t *w = *state;
  raw_client_t gathered, single, pub;
  assert_int_equal(raw_open(&gathered, w->hub.endpoint), 0);
  assert_int_equal(raw_open(&single, w->hub.endpoint), 0);
  assert_int_equal(raw_open(&pub, w->hub.endpoint), 0);
  assert_true(raw_hello_opts(&gathered, "sagsoverblik", false, true));
  assert_true(raw_hello_opts(&single, "sagsoverblik", false, false));
  assert_true(raw_hello(&pub, "case"));
  raw_subscribe(&gathered, "live", "case.#", STAFET__WIRE__V1__SUBSCRIPTION_MODE__MODE_TRANSIENT);
  raw_subscribe(&gathered, "cases", "case.#", STAFET__WIRE__V1__SUBSCRIPTION_MODE__MODE_DURABLE);
  raw_subscribe(&single, "live", "case.#", STAFET__WIRE__V1__SUBSCRIPTION_MODE__MODE_TRANSIENT);

  /* The burst waits in the socket while the hub is stopped, so the hub has
   * many deliveries to make at once. */
  assert_int_equal(kill(w->hub.pid, SIGSTOP), 0);
  for (int i = 0; i < BURST; i++) {
    char id[32];
    snprintf(id, sizeof id, "burst-%d", i);
    Stafet__Wire__V1__Envelope env = STAFET__WIRE__V1__ENVELOPE__INIT;
    env.message_id = id;
    env.topic = "case.opened";
    Stafet__Wire__V1__Publish p = STAFET__WIRE__V1__PUBLISH__INIT;
    p.envelope = &env;
    Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
    f.seq = SEQ0 + (uint64_t)i;
    f.body_case = STAFET__WIRE__V1__FRAME__BODY_PUBLISH;
    f.publish = &p;
    assert_int_equal(raw_send(&pub, &f, id, strlen(id)), 0); /* the payload is the id */
  }
  assert_int_equal(kill(w->hub.pid, SIGCONT), 0);

  received_t g = {0}, s = {0};
  while (g.next_live < BURST || g.next_durable < BURST)
    receive_message(&gathered, &g);
  while (s.next_live < BURST)
    receive_message(&single, &s);
  print_message("%d deliveries in %d messages (at most %d in one); without the option %d in %d\n",
                2 * BURST, g.messages, g.pairs_max, BURST, s.messages);
  assert_int_equal(s.next_durable, 0);
  assert_int_equal(s.messages, BURST); /* one delivery per message */
  assert_int_equal(s.pairs_max, 1);
  assert_true(g.pairs_max > 1);
  assert_true(g.messages <= 2 * BURST / 4); /* one per delivery without gathering */
  raw_close(&gathered);
  raw_close(&single);
  raw_close(&pub);
}

static void test_publishes_in_pairs_are_each_handled_as_if_alone(void **state) {
  world_t *w = *state;
  const stafet_subscription_t def = {
      .name = "claims", .patterns = PATTERNS("debt.#"), .n_patterns = 1};
  define_subscriptions(w, "debitorvagten", &def, 1);
  raw_client_t rc;
  assert_int_equal(raw_open(&rc, w->hub.endpoint), 0);
  assert_true(raw_hello(&rc, "debtor"));

  /* Three pairs: a payload, an empty payload, a topic the hub refuses. */
  size_t lens[6];
  uint8_t *frames[3] = {raw_pack_publish(21, "pair-1", "debt.claim.created", &lens[0]),
                        raw_pack_publish(22, "pair-2", "debt.claim.created", &lens[2]),
                        raw_pack_publish(23, "pair-3", "Debt.Claim", &lens[4])};
  const void *parts[6] = {frames[0], "first", frames[1], "", frames[2], "third"};
  lens[1] = 5, lens[3] = 0, lens[5] = 5;
  assert_int_equal(raw_send_bytes(&rc, parts, lens, 6), 0);
  bool answered[3] = {false}; /* by seq: a refusal comes before the store's acks */
  for (int n = 0; n < 3; n++) {
    Stafet__Wire__V1__Frame *f = raw_recv(&rc, 5000);
    assert_non_null(f);
    assert_true(f->seq >= 21 && f->seq <= 23);
    assert_false(answered[f->seq - 21]);
    answered[f->seq - 21] = true;
    if (f->seq < 23) {
      assert_int_equal(f->body_case, STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACK);
      assert_int_equal(f->publish_ack->durable_queues, 1);
    } else {
      assert_int_equal(f->body_case, STAFET__WIRE__V1__FRAME__BODY_ERROR);
      assert_int_equal(f->error->code, STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_TOPIC);
    }
    stafet__wire__v1__frame__free_unpacked(f, NULL);
  }
  assert_int_equal(th_redis_int(&w->redis, "XLEN stafet:q:{claims}"), 2);

  /* Two pairs and a lone Frame: refused whole, nothing stored. */
  const void *odd[5] = {frames[0], "first", frames[1], "", frames[2]};
  size_t odd_lens[5] = {lens[0], 5, lens[2], 0, lens[4]};
  uint8_t *fresh = raw_pack_publish(24, "pair-4", "debt.claim.created", &odd_lens[0]);
  odd[0] = fresh;
  assert_int_equal(raw_send_bytes(&rc, odd, odd_lens, 5), 0);
  Stafet__Wire__V1__Frame *f = raw_recv(&rc, 5000);
  assert_non_null(f);
  assert_int_equal(f->body_case, STAFET__WIRE__V1__FRAME__BODY_ERROR);
  assert_int_equal(f->error->code, STAFET__WIRE__V1__ERROR_CODE__ERROR_MALFORMED_FRAME);
  assert_non_null(strstr(f->error->text, "pairs"));
  stafet__wire__v1__frame__free_unpacked(f, NULL);
  assert_int_equal(th_redis_dedupe_count(&w->redis, "pair-4"), 0);
  assert_int_equal(th_redis_int(&w->redis, "XLEN stafet:q:{claims}"), 2);
  for (int i = 0; i < 3; i++)
    free(frames[i]);
  free(fresh);
  raw_close(&rc);
}

/* A test that failed while the hub or Redis was stopped must not leave it
 * stopped: a stopped process never acts on the SIGTERM that ends the world. */
static int world_resume_down(void **state) {
  world_t *w = *state;
  kill(w->hub.pid, SIGCONT);
  kill(w->redis.pid, SIGCONT);
  return world_down(state);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          test_a_burst_is_stored_in_batches_each_message_with_its_own_outcome, world_default,
          world_resume_down),
      cmocka_unit_test_setup_teardown(
          test_a_client_that_accepts_publish_acks_gets_a_burst_answered_together, world_default,
          world_resume_down),
      cmocka_unit_test_setup_teardown(test_publishes_one_at_a_time_wait_while_four_batches_are_out,
                                      world_slow_redis, world_resume_down),
      cmocka_unit_test_setup_teardown(test_reads_in_flight_share_the_window, world_slow_redis,
                                      world_resume_down),
      cmocka_unit_test_setup_teardown(test_deliveries_come_gathered_to_a_client_that_accepts_them,
                                      world_default, world_resume_down),
      cmocka_unit_test_setup_teardown(test_publishes_in_pairs_are_each_handled_as_if_alone,
                                      world_default, world_resume_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
