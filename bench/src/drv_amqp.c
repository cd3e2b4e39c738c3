/*
 * drv_amqp.c — RabbitMQ through librabbitmq, configured for durability as
 * RabbitMQ's documentation advises: a durable topic exchange, durable queues
 * (quorum queues by default, --amqp-queue-type classic for classic ones),
 * persistent messages (delivery_mode 2), publisher confirms (up to --window
 * unconfirmed), manual consumer acks with a prefetch of --credit.
 *
 * Request/reply: the classic RPC pattern with direct reply-to
 * (amq.rabbitmq.reply-to) and transient messages.
 */
#include "bench.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define EXCHANGE "stafet_bench"
#define CH       1

static amqp_connection_state_t noise_conn; /* holds the noise bindings during the run */

static int reply_ok(amqp_rpc_reply_t r, const char *what) {
  if (r.reply_type == AMQP_RESPONSE_NORMAL)
    return 0;
  if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION)
    fprintf(stderr, "bench: amqp %s: %s\n", what, amqp_error_string2(r.library_error));
  else if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
           r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    amqp_channel_close_t *m = r.reply.decoded;
    fprintf(stderr, "bench: amqp %s: server: %.*s\n", what, (int)m->reply_text.len,
            (char *)m->reply_text.bytes);
  } else
    fprintf(stderr, "bench: amqp %s: failed (%d)\n", what, r.reply_type);
  return -1;
}

static amqp_connection_state_t connect_amqp(const cfg_t *cfg) {
  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t *s = amqp_tcp_socket_new(conn);
  struct timeval tv = {10, 0};
  if (!s || amqp_socket_open_noblock(s, cfg->amqp_host, cfg->amqp_port, &tv) != AMQP_STATUS_OK) {
    fprintf(stderr, "bench: amqp connect %s:%d failed\n", cfg->amqp_host, cfg->amqp_port);
    amqp_destroy_connection(conn);
    return NULL;
  }
  if (reply_ok(amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"),
               "login") != 0) {
    amqp_destroy_connection(conn);
    return NULL;
  }
  amqp_channel_open(conn, CH);
  if (reply_ok(amqp_get_rpc_reply(conn), "channel.open") != 0) {
    amqp_destroy_connection(conn);
    return NULL;
  }
  return conn;
}

static void close_amqp(amqp_connection_state_t conn) {
  if (!conn)
    return;
  amqp_channel_close(conn, CH, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
}

static void binding_key(const cfg_t *cfg, char *out, size_t n) {
  snprintf(out, n, "bench.r%s.*", cfg->run);
}

static int setup(const cfg_t *cfg) {
  amqp_connection_state_t conn = connect_amqp(cfg);
  if (!conn)
    return -1;
  int rc = 0;
  amqp_exchange_declare(conn, CH, amqp_cstring_bytes(EXCHANGE), amqp_cstring_bytes("topic"), 0, 1,
                        0, 0, amqp_empty_table);
  rc = reply_ok(amqp_get_rpc_reply(conn), "exchange.declare");
  amqp_table_entry_t arg = {.key = amqp_cstring_bytes("x-queue-type"),
                            .value = {.kind = AMQP_FIELD_KIND_UTF8,
                                      .value.bytes = amqp_cstring_bytes(cfg->amqp_queue_type)}};
  amqp_table_t args = {.num_entries = 1, .entries = &arg};
  char key[BENCH_NAME_MAX];
  binding_key(cfg, key, sizeof key);
  for (int i = 0; i < cfg->n_subs && rc == 0; i++) {
    char name[BENCH_NAME_MAX];
    sub_name(cfg, i, name, sizeof name);
    amqp_queue_declare(conn, CH, amqp_cstring_bytes(name), 0, 1, 0, 0, args);
    rc = reply_ok(amqp_get_rpc_reply(conn), "queue.declare");
    if (rc == 0) {
      amqp_queue_bind(conn, CH, amqp_cstring_bytes(name), amqp_cstring_bytes(EXCHANGE),
                      amqp_cstring_bytes(key), amqp_empty_table);
      rc = reply_ok(amqp_get_rpc_reply(conn), "queue.bind");
    }
  }
  close_amqp(conn);
  return rc;
}

/* k bindings that do not match, on one transient queue, sent with nowait. */
static int noise(const cfg_t *cfg, int k) {
  noise_conn = connect_amqp(cfg);
  if (!noise_conn)
    return -1;
  char qname[BENCH_NAME_MAX];
  snprintf(qname, sizeof qname, "n%s", cfg->run);
  amqp_queue_declare(noise_conn, CH, amqp_cstring_bytes(qname), 0, 0, 1, 1, amqp_empty_table);
  if (reply_ok(amqp_get_rpc_reply(noise_conn), "noise queue.declare") != 0)
    return -1;
  for (int i = 0; i < k; i++) {
    char key[BENCH_NAME_MAX];
    switch (i % 3) {
    case 0: snprintf(key, sizeof key, "noise.k%d.*", i); break;
    case 1: snprintf(key, sizeof key, "bench.x%d.#", i); break;
    default: snprintf(key, sizeof key, "*.n%d.m", i); break;
    }
    amqp_queue_bind_t m = {.queue = amqp_cstring_bytes(qname),
                           .exchange = amqp_cstring_bytes(EXCHANGE),
                           .routing_key = amqp_cstring_bytes(key),
                           .nowait = 1,
                           .arguments = amqp_empty_table};
    if (amqp_send_method(noise_conn, CH, AMQP_QUEUE_BIND_METHOD, &m) != AMQP_STATUS_OK)
      return -1;
  }
  /* a synchronous call on the same channel: every bind before it is done */
  amqp_queue_declare(noise_conn, CH, amqp_cstring_bytes(qname), 1, 0, 1, 1, amqp_empty_table);
  return reply_ok(amqp_get_rpc_reply(noise_conn), "noise sync");
}

static void teardown(const cfg_t *cfg) {
  if (noise_conn) {
    close_amqp(noise_conn);
    noise_conn = NULL;
  }
  amqp_connection_state_t conn = connect_amqp(cfg);
  if (!conn)
    return;
  for (int i = 0; i < cfg->n_subs; i++) {
    char name[BENCH_NAME_MAX];
    sub_name(cfg, i, name, sizeof name);
    amqp_queue_delete(conn, CH, amqp_cstring_bytes(name), 0, 0);
    amqp_get_rpc_reply(conn);
  }
  close_amqp(conn);
}

typedef struct apub {
  amqp_connection_state_t conn;
  uint64_t next_tag;  /* delivery tag of the next publish (1-based) */
  uint64_t acked_tag; /* all tags up to here are settled */
  uint64_t *seq_of_tag;
  uint64_t mask;
} apub_t;

static int pub_open(bench_pub_t *p) {
  apub_t *s = calloc(1, sizeof *s);
  s->conn = connect_amqp(p->cfg);
  if (!s->conn) {
    free(s);
    return -1;
  }
  amqp_confirm_select(s->conn, CH);
  if (reply_ok(amqp_get_rpc_reply(s->conn), "confirm.select") != 0) {
    close_amqp(s->conn);
    free(s);
    return -1;
  }
  s->next_tag = 1;
  s->mask = p->ring_mask;
  s->seq_of_tag = calloc(s->mask + 1, sizeof *s->seq_of_tag);
  p->d = s;
  return 0;
}

static int pub_send(bench_pub_t *p, uint64_t seq, const void *buf, size_t len) {
  apub_t *s = p->d;
  amqp_basic_properties_t props = {._flags = AMQP_BASIC_DELIVERY_MODE_FLAG,
                                   .delivery_mode = AMQP_DELIVERY_PERSISTENT};
  amqp_bytes_t body = {.len = len, .bytes = (void *)buf};
  s->seq_of_tag[s->next_tag & s->mask] = seq;
  int rc = amqp_basic_publish(s->conn, CH, amqp_cstring_bytes(EXCHANGE),
                              amqp_cstring_bytes(p->cfg->topic), 0, 0, &props, body);
  if (rc != AMQP_STATUS_OK)
    return -1;
  s->next_tag++;
  return 0;
}

static void settle(bench_pub_t *p, apub_t *s, uint64_t tag, int multiple, int ok) {
  uint64_t from = multiple ? s->acked_tag + 1 : tag;
  for (uint64_t t = from; t <= tag; t++) {
    uint64_t seq = s->seq_of_tag[t & s->mask];
    if (ok)
      bench_confirmed(p, seq);
    else
      bench_failed(p, seq);
  }
  if (tag > s->acked_tag)
    s->acked_tag = tag;
}

static int pub_poll(bench_pub_t *p, int timeout_ms) {
  apub_t *s = p->d;
  int n = 0;
  for (;;) {
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    amqp_frame_t frame;
    int rc = amqp_simple_wait_frame_noblock(s->conn, &frame, &tv);
    if (rc == AMQP_STATUS_TIMEOUT)
      break;
    if (rc != AMQP_STATUS_OK)
      return -1;
    if (frame.frame_type == AMQP_FRAME_METHOD) {
      if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
        amqp_basic_ack_t *a = frame.payload.method.decoded;
        settle(p, s, a->delivery_tag, a->multiple, 1);
        n++;
      } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
        amqp_basic_nack_t *a = frame.payload.method.decoded;
        settle(p, s, a->delivery_tag, a->multiple, 0);
        n++;
      } else if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
                 frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
        fprintf(stderr, "bench: amqp publisher channel closed by the server\n");
        return -1;
      }
    }
    amqp_maybe_release_buffers(s->conn);
    timeout_ms = 0; /* after the first frame, take only what is already there */
  }
  return n;
}

static void pub_close(bench_pub_t *p) {
  apub_t *s = p->d;
  if (!s)
    return;
  close_amqp(s->conn);
  free(s->seq_of_tag);
  free(s);
  p->d = NULL;
}

static int con_open(bench_con_t *c) {
  amqp_connection_state_t conn = connect_amqp(c->cfg);
  if (!conn)
    return -1;
  amqp_basic_qos(conn, CH, 0, (uint16_t)(c->cfg->credit > 65535 ? 65535 : c->cfg->credit), 0);
  if (reply_ok(amqp_get_rpc_reply(conn), "basic.qos") != 0)
    return -1;
  for (int i = 0; i < c->cfg->n_subs; i++) {
    char name[BENCH_NAME_MAX], tag[16];
    sub_name(c->cfg, i, name, sizeof name);
    snprintf(tag, sizeof tag, "c%d", i);
    amqp_basic_consume(conn, CH, amqp_cstring_bytes(name), amqp_cstring_bytes(tag), 0, 0, 0,
                       amqp_empty_table);
    if (reply_ok(amqp_get_rpc_reply(conn), "basic.consume") != 0)
      return -1;
  }
  c->d = conn;
  return 0;
}

static int con_poll(bench_con_t *c, int timeout_ms) {
  amqp_connection_state_t conn = c->d;
  for (int k = 0; k < 10000; k++) {
    amqp_envelope_t env;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    amqp_maybe_release_buffers(conn);
    amqp_rpc_reply_t r = amqp_consume_message(conn, &env, &tv, 0);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
      if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
          r.library_error == AMQP_STATUS_TIMEOUT)
        return 0;
      if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
          r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        amqp_frame_t frame; /* e.g. basic.qos-ok arriving late: skip it */
        amqp_simple_wait_frame(conn, &frame);
        continue;
      }
      return -1;
    }
    int sub = 0;
    if (env.consumer_tag.len > 1)
      sub = atoi((char *)env.consumer_tag.bytes + 1);
    bench_delivered(c, sub, env.message.body.bytes, env.message.body.len);
    amqp_basic_ack(conn, CH, env.delivery_tag, 0);
    amqp_destroy_envelope(&env);
    timeout_ms = 0;
  }
  return 0;
}

static void con_close(bench_con_t *c) {
  close_amqp(c->d);
  c->d = NULL;
}

/* ---- request/reply ---- */

typedef struct arr {
  amqp_connection_state_t conn;
  char queue[BENCH_NAME_MAX];
} arr_t;

static int rr_server_open(bench_rr_t *r) {
  arr_t *a = calloc(1, sizeof *a);
  snprintf(a->queue, sizeof a->queue, "rpc%s", r->cfg->run);
  a->conn = connect_amqp(r->cfg);
  if (!a->conn)
    return -1;
  amqp_queue_declare(a->conn, CH, amqp_cstring_bytes(a->queue), 0, 0, 0, 1, amqp_empty_table);
  if (reply_ok(amqp_get_rpc_reply(a->conn), "rpc queue.declare") != 0)
    return -1;
  amqp_basic_consume(a->conn, CH, amqp_cstring_bytes(a->queue), amqp_empty_bytes, 0, 1, 0,
                     amqp_empty_table);
  if (reply_ok(amqp_get_rpc_reply(a->conn), "rpc basic.consume") != 0)
    return -1;
  r->d = a;
  return 0;
}

static int rr_server_poll(bench_rr_t *r, int timeout_ms) {
  arr_t *a = r->d;
  amqp_envelope_t env;
  struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  amqp_maybe_release_buffers(a->conn);
  amqp_rpc_reply_t rep = amqp_consume_message(a->conn, &env, &tv, 0);
  if (rep.reply_type != AMQP_RESPONSE_NORMAL)
    return rep.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
                   rep.library_error == AMQP_STATUS_TIMEOUT
               ? 0
               : -1;
  amqp_basic_properties_t props = {0};
  if (env.message.properties._flags & AMQP_BASIC_CORRELATION_ID_FLAG) {
    props._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
    props.correlation_id = env.message.properties.correlation_id;
  }
  amqp_basic_publish(a->conn, CH, amqp_empty_bytes, env.message.properties.reply_to, 0, 0, &props,
                     env.message.body);
  amqp_destroy_envelope(&env);
  return 0;
}

static int rr_client_open(bench_rr_t *r) {
  arr_t *a = calloc(1, sizeof *a);
  snprintf(a->queue, sizeof a->queue, "rpc%s", r->cfg->run);
  a->conn = connect_amqp(r->cfg);
  if (!a->conn)
    return -1;
  amqp_basic_consume(a->conn, CH, amqp_cstring_bytes("amq.rabbitmq.reply-to"), amqp_empty_bytes,
                     0, 1, 0, amqp_empty_table);
  if (reply_ok(amqp_get_rpc_reply(a->conn), "reply-to basic.consume") != 0)
    return -1;
  r->d = a;
  return 0;
}

static int rr_call(bench_rr_t *r, const void *buf, size_t len, int timeout_ms) {
  arr_t *a = r->d;
  amqp_basic_properties_t props = {._flags = AMQP_BASIC_REPLY_TO_FLAG,
                                   .reply_to = amqp_cstring_bytes("amq.rabbitmq.reply-to")};
  amqp_bytes_t body = {.len = len, .bytes = (void *)buf};
  if (amqp_basic_publish(a->conn, CH, amqp_empty_bytes, amqp_cstring_bytes(a->queue), 0, 0,
                         &props, body) != AMQP_STATUS_OK)
    return -1;
  amqp_envelope_t env;
  struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  amqp_maybe_release_buffers(a->conn);
  amqp_rpc_reply_t rep = amqp_consume_message(a->conn, &env, &tv, 0);
  if (rep.reply_type != AMQP_RESPONSE_NORMAL)
    return -1;
  amqp_destroy_envelope(&env);
  return 0;
}

static void rr_close(bench_rr_t *r) {
  arr_t *a = r->d;
  if (!a)
    return;
  close_amqp(a->conn);
  free(a);
  r->d = NULL;
}

static long long store_bytes(const cfg_t *cfg) {
  (void)cfg;
  return -1;
}

const driver_t drv_amqp = {
    .name = "rabbitmq",
    .durable = 1,
    .confirms = 1,
    .can_backlog = 1,
    .setup = setup,
    .noise = noise,
    .teardown = teardown,
    .pub_open = pub_open,
    .pub_send = pub_send,
    .pub_poll = pub_poll,
    .pub_close = pub_close,
    .con_open = con_open,
    .con_poll = con_poll,
    .con_close = con_close,
    .rr_server_open = rr_server_open,
    .rr_server_poll = rr_server_poll,
    .rr_server_close = rr_close,
    .rr_client_open = rr_client_open,
    .rr_call = rr_call,
    .rr_client_close = rr_close,
    .store_bytes = store_bytes,
};
