/*
 * test_bad_input.c — hostile and broken frames get an Error with a stable
 * code and text; the hub keeps serving, and good messages sent around the bad
 * ones are still stored and delivered.
 */
#include "fixture.h"
#include "raw.h"

#include <stdio.h>
#include <stdlib.h>

static int world_small_frames(void **state) {
  static const char *const extra[] = {"--max-frame-bytes", "4096", NULL};
  return world_up(state, extra);
}

/* Asserts that f is an Error with the code; frees f. */
static void expect_error(Stafet__Wire__V1__Frame *f, Stafet__Wire__V1__ErrorCode code,
                         const char *name) {
  assert_non_null(f);
  assert_int_equal(f->body_case, STAFET__WIRE__V1__FRAME__BODY_ERROR);
  assert_int_equal(f->error->code, code);
  assert_string_equal(f->error->name, name);
  assert_true(strlen(f->error->text) > 0);
  stafet__wire__v1__frame__free_unpacked(f, NULL);
}

static void test_frames_before_hello_and_garbage(void **state) {
  world_t *w = *state;
  raw_client_t rc;
  assert_int_equal(raw_open(&rc, w->hub.endpoint), 0);
  /* A publish without a session. */
  expect_error(raw_publish(&rc, 7, "id-1", "cpr.person.relocated"),
               STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_CONNECTED, "NOT_CONNECTED");
  /* Bytes that are not a Frame. */
  const void *garbage[] = {"\xff\xff\xff\xff not protobuf"};
  size_t garbage_len[] = {18};
  raw_send_bytes(&rc, garbage, garbage_len, 1);
  expect_error(raw_recv(&rc, 5000), STAFET__WIRE__V1__ERROR_CODE__ERROR_MALFORMED_FRAME,
               "MALFORMED_FRAME");
  /* A wrong protocol version. */
  Stafet__Wire__V1__Hello hello = STAFET__WIRE__V1__HELLO__INIT;
  hello.protocol_version = 9;
  hello.adapter = "x";
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  f.seq = 3;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_HELLO;
  f.hello = &hello;
  raw_send(&rc, &f, NULL, 0);
  expect_error(raw_recv(&rc, 5000), STAFET__WIRE__V1__ERROR_CODE__ERROR_PROTOCOL_VERSION,
               "PROTOCOL_VERSION");
  raw_close(&rc);
}

static void test_bad_frames_in_a_session_and_good_ones_still_flow(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "kontaktcenter");
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t s = {.name = "borgerservice", .patterns = PATTERNS("#"), .n_patterns = 1};
  assert_int_equal(th_subscribe(c, &s, &col), 0);

  raw_client_t rc;
  assert_int_equal(raw_open(&rc, w->hub.endpoint), 0);
  assert_true(raw_hello(&rc, "hostile"));
  Stafet__Wire__V1__Frame *ok = raw_publish(&rc, 10, "good-1", "contact.call.ended");
  assert_int_equal(ok->body_case, STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACK);
  stafet__wire__v1__frame__free_unpacked(ok, NULL);

  expect_error(raw_publish(&rc, 11, "bad-1", "Contact.Call"),
               STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_TOPIC, "INVALID_TOPIC");
  expect_error(raw_publish(&rc, 12, "bad-2", "contact.#"),
               STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_TOPIC, "INVALID_TOPIC");
  expect_error(raw_publish(&rc, 13, "", "contact.call.ended"),
               STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_ENVELOPE, "INVALID_ENVELOPE");

  /* Three frames. */
  const void *three[] = {"a", "b", "c"};
  size_t lens[] = {1, 1, 1};
  raw_send_bytes(&rc, three, lens, 3);
  expect_error(raw_recv(&rc, 5000), STAFET__WIRE__V1__ERROR_CODE__ERROR_MALFORMED_FRAME,
               "MALFORMED_FRAME");

  /* A payload over max_frame_bytes (4096 here). */
  char *big = calloc(1, 8192);
  Stafet__Wire__V1__Envelope env = STAFET__WIRE__V1__ENVELOPE__INIT;
  env.message_id = "big-1";
  env.topic = "contact.call.ended";
  Stafet__Wire__V1__Publish pub = STAFET__WIRE__V1__PUBLISH__INIT;
  pub.envelope = &env;
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  f.seq = 14;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_PUBLISH;
  f.publish = &pub;
  raw_send(&rc, &f, big, 8192);
  free(big);
  expect_error(raw_recv(&rc, 5000), STAFET__WIRE__V1__ERROR_CODE__ERROR_FRAME_TOO_LARGE,
               "FRAME_TOO_LARGE");

  /* A frame type a client does not send, and a body-less frame. */
  Stafet__Wire__V1__Welcome welcome = STAFET__WIRE__V1__WELCOME__INIT;
  Stafet__Wire__V1__Frame wf = STAFET__WIRE__V1__FRAME__INIT;
  wf.seq = 15;
  wf.body_case = STAFET__WIRE__V1__FRAME__BODY_WELCOME;
  wf.welcome = &welcome;
  raw_send(&rc, &wf, NULL, 0);
  expect_error(raw_recv(&rc, 5000), STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_FRAME_TYPE,
               "UNKNOWN_FRAME_TYPE");
  Stafet__Wire__V1__Frame empty = STAFET__WIRE__V1__FRAME__INIT;
  empty.seq = 16;
  raw_send(&rc, &empty, NULL, 0);
  expect_error(raw_recv(&rc, 5000), STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_FRAME_TYPE,
               "UNKNOWN_FRAME_TYPE");

  /* Ack for a subscription this session does not consume. */
  char *ids[] = {"1-1"};
  Stafet__Wire__V1__Ack ack = STAFET__WIRE__V1__ACK__INIT;
  ack.subscription = "borgerservice";
  ack.n_delivery_ids = 1;
  ack.delivery_ids = ids;
  Stafet__Wire__V1__Frame af = STAFET__WIRE__V1__FRAME__INIT;
  af.seq = 17;
  af.body_case = STAFET__WIRE__V1__FRAME__BODY_ACK;
  af.ack = &ack;
  raw_send(&rc, &af, NULL, 0);
  expect_error(raw_recv(&rc, 5000), STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_SUBSCRIPTION,
               "UNKNOWN_SUBSCRIPTION");

  ok = raw_publish(&rc, 18, "good-2", "contact.call.ended");
  assert_int_equal(ok->body_case, STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACK);
  stafet__wire__v1__frame__free_unpacked(ok, NULL);

  stafet_client_t *cs[] = {c, NULL};
  assert_true(th_poll_until(cs, &col.n, 2, 5000));
  th_poll_for(cs, 300);
  assert_int_equal(col.n, 2);
  assert_string_equal(col.ids[0], "good-1");
  assert_string_equal(col.ids[1], "good-2");
  assert_true(th_hub_log_count(&w->hub, "code=INVALID_TOPIC") >= 2);
  raw_close(&rc);
  th_collector_free(&col);
  stafet_client_destroy(c);
}

static void test_full_queue_rejects_the_whole_publish(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "debitorvagten");
  th_collector_t col;
  th_collector_init(&col, false);
  stafet_subscription_t small = {
      .name = "small", .patterns = PATTERNS("debt.#"), .n_patterns = 1, .max_len = 2};
  assert_int_equal(th_subscribe(c, &small, &col), 0);
  stafet_subscription_t big = {.name = "big", .patterns = PATTERNS("debt.#"), .n_patterns = 1};
  assert_int_equal(th_subscribe(c, &big, &col), 0);
  stafet_client_destroy(c);

  raw_client_t rc;
  assert_int_equal(raw_open(&rc, w->hub.endpoint), 0);
  assert_true(raw_hello(&rc, "debtor"));
  for (int i = 0; i < 2; i++) {
    char id[16];
    snprintf(id, sizeof id, "fill-%d", i);
    Stafet__Wire__V1__Frame *f = raw_publish(&rc, 20 + (uint64_t)i, id, "debt.claim.created");
    assert_int_equal(f->body_case, STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACK);
    assert_int_equal(f->publish_ack->durable_queues, 2);
    stafet__wire__v1__frame__free_unpacked(f, NULL);
  }
  Stafet__Wire__V1__Frame *f = raw_publish(&rc, 30, "overflow", "debt.claim.created");
  assert_non_null(f);
  assert_int_equal(f->seq, 30);
  assert_true(f->error->retryable);
  assert_non_null(strstr(f->error->text, "small"));
  expect_error(f, STAFET__WIRE__V1__ERROR_CODE__ERROR_QUEUE_FULL, "QUEUE_FULL");
  /* Nothing was stored anywhere, and the id may be used again later. */
  assert_int_equal(th_redis_int(&w->redis, "XLEN stafet:q:{big}"), 2);
  assert_int_equal(th_redis_dedupe_count(&w->redis, "fill-1"), 1);
  assert_int_equal(th_redis_dedupe_count(&w->redis, "overflow"), 0);
  raw_close(&rc);
  th_collector_free(&col);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_frames_before_hello_and_garbage, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_bad_frames_in_a_session_and_good_ones_still_flow,
                                      world_small_frames, world_down),
      cmocka_unit_test_setup_teardown(test_full_queue_rejects_the_whole_publish, world_default,
                                      world_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
