/*
 * test_metrics.c — the hub's counters and their Prometheus text, without a
 * network: counts per topic and subscription, dead-letter reasons folded into
 * three, cumulative histogram buckets, label escaping and CPR masking, the
 * cap on topic labels, and reading the queue_stats script's reply.
 */
#include "hub.h"
#include "metrics.h"
#include "sbuf.h"
#include "stafet.h"

#include <hiredis/hiredis.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int setup(void **state) {
  hub_t *hub = calloc(1, sizeof *hub);
  snprintf(hub->cfg.hub_id, sizeof hub->cfg.hub_id, "hub-1");
  if (dict_new(&hub->sessions) != 0 || dict_new(&hub->dsubs) != 0 ||
      metrics_new(&hub->metrics) != 0)
    return -1;
  *state = hub;
  return 0;
}

static int teardown(void **state) {
  hub_t *hub = *state;
  metrics_free(hub->metrics);
  dict_free(hub->sessions);
  dict_free(hub->dsubs);
  free(hub);
  return 0;
}

static char *render(hub_t *hub) {
  char *text = NULL;
  size_t len = 0;
  assert_int_equal(metrics_render(hub, &text, &len), 0);
  assert_int_equal(strlen(text), len);
  return text;
}

static void assert_has(const char *text, const char *line) {
  if (strstr(text, line) == NULL)
    fail_msg("missing: %s\nin:\n%s", line, text);
}

static void test_counts_per_topic_and_subscription(void **state) {
  hub_t *hub = *state;
  for (int i = 0; i < 3; i++)
    metrics_on_publish(hub, "cpr.person.relocated");
  metrics_on_deliver(hub, "folkeregister", "cpr.person.relocated", 1);
  metrics_on_deliver(hub, "folkeregister", "cpr.person.relocated", 2);
  metrics_on_ack(hub, "folkeregister", 1);
  metrics_on_nack(hub, "folkeregister", 1);
  metrics_on_dead_letter(hub, "folkeregister", 2, "max_deliveries_exceeded");
  metrics_on_dead_letter(hub, "folkeregister", 1, "the consumer's own words");
  char *t = render(hub);
  assert_has(t, "# TYPE stafet_topic_published_total counter\n");
  assert_has(t, "stafet_topic_published_total{topic=\"cpr.person.relocated\"} 3\n");
  assert_has(t, "stafet_topic_delivered_total{topic=\"cpr.person.relocated\"} 2\n");
  assert_has(t, "stafet_topic_redelivered_total{topic=\"cpr.person.relocated\"} 1\n");
  assert_has(t, "stafet_subscription_acked_total{subscription=\"folkeregister\"} 1\n");
  assert_has(t, "stafet_subscription_nacked_total{subscription=\"folkeregister\"} 1\n");
  assert_has(t, "stafet_subscription_dead_lettered_total{subscription=\"folkeregister\","
                "reason=\"max_deliveries_exceeded\"} 2\n");
  assert_has(t, "stafet_subscription_dead_lettered_total{subscription=\"folkeregister\","
                "reason=\"nacked\"} 1\n");
  assert_has(t, "stafet_hub_info{hub_id=\"hub-1\"} 1\n");
  assert_int_equal(metrics_sub(hub, "folkeregister")->delivered, 2);
  assert_int_equal(metrics_topic(hub, "cpr.person.relocated")->published, 3);
  free(t);
  /* Per topic, acks and dead letters are counted through the delivery's tag. */
  void *tag = metrics_on_deliver(hub, "folkeregister", "cpr.person.deceased", 1);
  metrics_on_topic_acked(tag);
  metrics_on_topic_dead(metrics_on_deliver(hub, "folkeregister", "cpr.person.deceased", 1),
                        "schema_mismatch");
  metrics_on_topic_dead_name(hub, "cpr.person.deceased", "max_deliveries_exceeded");
  metrics_on_topic_acked(NULL); /* a delivery without a tag: not counted, no crash */
  t = render(hub);
  assert_has(t, "stafet_topic_acked_total{topic=\"cpr.person.deceased\"} 1\n");
  assert_has(t, "stafet_topic_dead_lettered_total{topic=\"cpr.person.deceased\"} 2\n");
  assert_null(metrics_sub(hub, "nobody"));
  free(t);
}

static void test_histograms_are_cumulative(void **state) {
  hub_t *hub = *state;
  metrics_observe_request(hub, "cpr.person.get", 2.0);  /* 0.002 s */
  metrics_observe_request(hub, "cpr.person.get", 20.0); /* 0.020 s */
  metrics_observe_redis(hub, 300000);                   /* 0.0003 s */
  char *t = render(hub);
  assert_has(t,
             "stafet_request_duration_seconds_bucket{service=\"cpr.person.get\",le=\"0.001\"} 0\n");
  assert_has(
      t, "stafet_request_duration_seconds_bucket{service=\"cpr.person.get\",le=\"0.0025\"} 1\n");
  assert_has(t,
             "stafet_request_duration_seconds_bucket{service=\"cpr.person.get\",le=\"0.025\"} 2\n");
  assert_has(t,
             "stafet_request_duration_seconds_bucket{service=\"cpr.person.get\",le=\"+Inf\"} 2\n");
  assert_has(t, "stafet_request_duration_seconds_count{service=\"cpr.person.get\"} 2\n");
  assert_has(t, "stafet_request_duration_seconds_sum{service=\"cpr.person.get\"} 0.022000000\n");
  assert_has(t, "stafet_redis_roundtrip_seconds_bucket{le=\"0.00025\"} 0\n");
  assert_has(t, "stafet_redis_roundtrip_seconds_bucket{le=\"0.0005\"} 1\n");
  assert_has(t, "stafet_redis_roundtrip_seconds_count 1\n");
  free(t);
}

static void test_labels_escaped_and_masked(void **state) {
  hub_t *hub = *state;
  metrics_on_publish(hub, "cpr.0101901234.moved");
  metrics_observe_request(hub, "odd\"name\\x", 1.0);
  char *t = render(hub);
  assert_has(t, "stafet_topic_published_total{topic=\"cpr.010190****.moved\"} 1\n");
  assert_null(strstr(t, "0101901234"));
  assert_has(t, "service=\"odd\\\"name\\\\x\"");
  free(t);
}

static void test_topic_labels_are_capped(void **state) {
  hub_t *hub = *state;
  char topic[64];
  for (int i = 0; i < METRICS_MAX_TOPICS + 5; i++) {
    snprintf(topic, sizeof topic, "t.n%d", i);
    metrics_on_publish(hub, topic);
  }
  char *t = render(hub);
  assert_has(t, "stafet_topic_published_total{topic=\"t.n0\"} 1\n");
  assert_has(t, "stafet_topic_published_total{topic=\"_other\"} 5\n");
  assert_null(strstr(t, "topic=\"t.n1004\""));
  free(t);
}

static redisReply *integer(long long v) {
  redisReply *r = calloc(1, sizeof *r);
  r->type = REDIS_REPLY_INTEGER;
  r->integer = v;
  return r;
}

static redisReply *string(const char *s) {
  redisReply *r = calloc(1, sizeof *r);
  r->type = REDIS_REPLY_STRING;
  r->str = strdup(s);
  r->len = strlen(s);
  return r;
}

static void test_queue_reply(void **state) {
  hub_t *hub = *state;
  redisReply *parts[] = {integer(3),      integer(2), string("1000-0"),
                         string("900-5"), integer(4), integer(1)};
  redisReply *r = calloc(1, sizeof *r);
  r->type = REDIS_REPLY_ARRAY;
  r->elements = 6;
  r->element = parts;
  queue_stats_t q;
  assert_int_equal(metrics_parse_queue_reply(r, 5000, &q), 0);
  assert_true(q.known);
  assert_int_equal(q.unread, 3);
  assert_int_equal(q.pending, 2);
  assert_int_equal(q.oldest_ms, 900); /* the older of oldest pending and first unread */
  assert_int_equal(q.dead_letters, 4);
  r->elements = 5;
  assert_int_equal(metrics_parse_queue_reply(r, 5000, &q), STAFET_EPROTO);
  r->elements = 6;
  metrics_set_queue(hub, "folkeregister", &(queue_stats_t){.known = true, .unread = 7});
  assert_int_equal(metrics_queue(hub, "folkeregister").unread, 7);
  assert_false(metrics_queue(hub, "nobody").known);
  for (size_t i = 0; i < 6; i++) {
    free(parts[i]->str);
    free(parts[i]);
  }
  free(r);
}

static void test_sbuf_grows_and_hands_over(void **state) {
  sbuf_t b = {0};
  for (int i = 0; i < 1000; i++)
    sbuf_printf(&b, "%04d,", i);
  sbuf_puts(&b, "end");
  size_t len = 0;
  char *text = sbuf_take(&b, &len);
  assert_int_equal(len, 5003);
  assert_memory_equal(text, "0000,0001,", 10);
  assert_string_equal(text + 5000, "end");
  assert_null(b.data);
  free(text);
  sbuf_t empty = {0};
  text = sbuf_take(&empty, &len);
  assert_int_equal(len, 0);
  assert_string_equal(text, "");
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_counts_per_topic_and_subscription, setup, teardown),
      cmocka_unit_test_setup_teardown(test_histograms_are_cumulative, setup, teardown),
      cmocka_unit_test_setup_teardown(test_labels_escaped_and_masked, setup, teardown),
      cmocka_unit_test_setup_teardown(test_topic_labels_are_capped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_queue_reply, setup, teardown),
      cmocka_unit_test(test_sbuf_grows_and_hands_over),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
