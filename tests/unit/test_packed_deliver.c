/*
 * test_packed_deliver.c — the hub's mirror of a Deliver frame with the
 * envelope already serialized (schemas/stafet/wire/v1/packed.proto) must be
 * what a client decodes as Frame{deliver}: packed, it is byte for byte the
 * Frame the hub would have packed from the unpacked envelope, for a durable
 * delivery (id, count > 1) and a transient one (empty id, count 1, the
 * proto3 defaults), and it unpacks as a Frame with every field intact. The
 * same for the mirror of a Fanout between hubs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stafet/wire/v1/hub.pb-c.h"
#include "stafet/wire/v1/packed.pb-c.h"
#include "stafet/wire/v1/wire.pb-c.h"

typedef struct packed {
  uint8_t *data;
  size_t len;
} packed_t;

static packed_t pack(const ProtobufCMessage *m) {
  packed_t p = {.len = protobuf_c_message_get_packed_size(m)};
  p.data = malloc(p.len ? p.len : 1);
  assert_non_null(p.data);
  assert_int_equal(protobuf_c_message_pack(m, p.data), p.len);
  return p;
}

/* A synthetic envelope with attributes and personal-data sensitivity, and
 * its bytes. */
typedef struct example {
  Stafet__Wire__V1__Envelope env;
  Stafet__Wire__V1__Attribute attrs[2], *ptrs[2];
  packed_t bytes;
} example_t;

static void example_init(example_t *x) {
  Stafet__Wire__V1__Envelope *env = &x->env;
  Stafet__Wire__V1__Attribute *attrs = x->attrs, **ptrs = x->ptrs;
  stafet__wire__v1__envelope__init(env);
  const char *keys[] = {"kle", "municipality"}, *values[] = {"27.24.00", "0751"};
  for (int i = 0; i < 2; i++) {
    stafet__wire__v1__attribute__init(&attrs[i]);
    attrs[i].key = (char *)keys[i];
    attrs[i].value = (char *)values[i];
    ptrs[i] = &attrs[i];
  }
  env->message_id = "0192f1e4-7c3a-7b1e-9d2c-000000000007";
  env->topic = "cpr.person.relocated";
  env->type_name = "stafet.events.v1.cpr.PersonRelocated";
  env->source = "cpr";
  env->tenant = "0751";
  env->published_at_ms = 1732412345678;
  env->sensitivity = STAFET__WIRE__V1__SENSITIVITY__SENSITIVITY_PROTECTED;
  env->n_attributes = 2;
  env->attributes = ptrs;
  x->bytes = pack(&env->base);
}

/* The mirror packs to the very bytes of the message it mirrors; returns them. */
static packed_t assert_packs_alike(const ProtobufCMessage *message,
                                   const ProtobufCMessage *mirror) {
  packed_t want = pack(message), got = pack(mirror);
  assert_int_equal(got.len, want.len);
  assert_memory_equal(got.data, want.data, want.len);
  free(want.data);
  return got;
}

static void check_same_as_frame(const char *delivery_id, uint32_t count) {
  example_t x;
  example_init(&x);
  Stafet__Wire__V1__Deliver d = STAFET__WIRE__V1__DELIVER__INIT;
  d.subscription = "borgerservice";
  d.delivery_id = (char *)delivery_id;
  d.envelope = &x.env;
  d.delivery_count = count;
  Stafet__Wire__V1__Frame frame = STAFET__WIRE__V1__FRAME__INIT;
  frame.body_case = STAFET__WIRE__V1__FRAME__BODY_DELIVER;
  frame.deliver = &d;

  Stafet__Wire__V1__PackedDeliver pd = STAFET__WIRE__V1__PACKED_DELIVER__INIT;
  pd.subscription = "borgerservice";
  pd.delivery_id = (char *)delivery_id;
  pd.envelope.data = x.bytes.data;
  pd.envelope.len = x.bytes.len;
  pd.delivery_count = count;
  Stafet__Wire__V1__PackedDeliverFrame pf = STAFET__WIRE__V1__PACKED_DELIVER_FRAME__INIT;
  pf.deliver = &pd;
  packed_t got = assert_packs_alike(&frame.base, &pf.base);

  Stafet__Wire__V1__Frame *f = stafet__wire__v1__frame__unpack(NULL, got.len, got.data);
  assert_non_null(f);
  assert_int_equal(f->body_case, STAFET__WIRE__V1__FRAME__BODY_DELIVER);
  assert_string_equal(f->deliver->subscription, "borgerservice");
  assert_string_equal(f->deliver->delivery_id, delivery_id);
  assert_int_equal(f->deliver->delivery_count, count);
  const Stafet__Wire__V1__Envelope *e = f->deliver->envelope;
  assert_non_null(e);
  assert_string_equal(e->message_id, x.env.message_id);
  assert_string_equal(e->topic, "cpr.person.relocated");
  assert_string_equal(e->source, "cpr");
  assert_int_equal(e->published_at_ms, 1732412345678);
  assert_int_equal(e->sensitivity, STAFET__WIRE__V1__SENSITIVITY__SENSITIVITY_PROTECTED);
  assert_int_equal(e->n_attributes, 2);
  assert_string_equal(e->attributes[1]->key, "municipality");
  assert_string_equal(e->attributes[1]->value, "0751");
  stafet__wire__v1__frame__free_unpacked(f, NULL);
  free(x.bytes.data);
  free(got.data);
}

static void test_durable_delivery_is_the_same_frame(void **state) {
  (void)state;
  check_same_as_frame("1732412345678-3", 2);
}

static void test_transient_delivery_is_the_same_frame(void **state) {
  (void)state;
  check_same_as_frame("", 1);
}

static void test_fanout_is_the_same_message(void **state) {
  (void)state;
  example_t x;
  example_init(&x);
  Stafet__Wire__V1__Fanout f = STAFET__WIRE__V1__FANOUT__INIT;
  f.origin_hub = "hub-a";
  f.envelope = &x.env;
  f.payload.data = (uint8_t *)"event-bytes";
  f.payload.len = 11;

  Stafet__Wire__V1__PackedFanout pf = STAFET__WIRE__V1__PACKED_FANOUT__INIT;
  pf.origin_hub = "hub-a";
  pf.envelope.data = x.bytes.data;
  pf.envelope.len = x.bytes.len;
  pf.payload = f.payload;
  packed_t got = assert_packs_alike(&f.base, &pf.base);

  /* and read back through the mirror, the envelope's bytes are the ones sent */
  Stafet__Wire__V1__PackedFanout *back =
      stafet__wire__v1__packed_fanout__unpack(NULL, got.len, got.data);
  assert_non_null(back);
  assert_string_equal(back->origin_hub, "hub-a");
  assert_int_equal(back->envelope.len, x.bytes.len);
  assert_memory_equal(back->envelope.data, x.bytes.data, x.bytes.len);
  assert_int_equal(back->payload.len, 11);
  assert_memory_equal(back->payload.data, "event-bytes", 11);
  stafet__wire__v1__packed_fanout__free_unpacked(back, NULL);
  free(x.bytes.data);
  free(got.data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_durable_delivery_is_the_same_frame),
      cmocka_unit_test(test_transient_delivery_is_the_same_frame),
      cmocka_unit_test(test_fanout_is_the_same_message),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
