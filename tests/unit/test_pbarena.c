/*
 * test_pbarena.c — the reusable protobuf-c allocator (hub/src/pbarena.c):
 * an envelope unpacked through it is whole and lives in the arena's buffer,
 * the next unpack after a reset reuses the same memory, a message larger than
 * the buffer spills into malloc() and is freed cleanly (AddressSanitizer
 * would report a leak or a bad free), and corrupt bytes unpack to NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/src/pbarena.h"
#include "stafet/wire/v1/envelope.pb-c.h"

#define N_ATTRS 8

/* A packed envelope with N_ATTRS attributes; *len gets its size. */
static uint8_t *packed_envelope(const char *topic, size_t *len) {
  Stafet__Wire__V1__Envelope env = STAFET__WIRE__V1__ENVELOPE__INIT;
  Stafet__Wire__V1__Attribute attrs[N_ATTRS], *ptrs[N_ATTRS];
  char keys[N_ATTRS][16], values[N_ATTRS][16];
  for (int i = 0; i < N_ATTRS; i++) {
    stafet__wire__v1__attribute__init(&attrs[i]);
    snprintf(keys[i], sizeof keys[i], "key_%d", i);
    snprintf(values[i], sizeof values[i], "value %d", i);
    attrs[i].key = keys[i];
    attrs[i].value = values[i];
    ptrs[i] = &attrs[i];
  }
  env.message_id = "0192f1e4-7c3a-7b1e-9d2c-000000000001";
  env.topic = (char *)topic;
  env.type_name = "stafet.events.v1.debt.ClaimCreated";
  env.tenant = "0751";
  env.published_at_ms = 1732412345678;
  env.n_attributes = N_ATTRS;
  env.attributes = ptrs;
  *len = stafet__wire__v1__envelope__get_packed_size(&env);
  uint8_t *buf = malloc(*len);
  assert_non_null(buf);
  stafet__wire__v1__envelope__pack(&env, buf);
  return buf;
}

static void assert_whole(const Stafet__Wire__V1__Envelope *env, const char *topic) {
  assert_non_null(env);
  assert_string_equal(env->topic, topic);
  assert_string_equal(env->message_id, "0192f1e4-7c3a-7b1e-9d2c-000000000001");
  assert_string_equal(env->tenant, "0751");
  assert_int_equal(env->published_at_ms, 1732412345678);
  assert_int_equal(env->n_attributes, N_ATTRS);
  assert_string_equal(env->attributes[N_ATTRS - 1]->key, "key_7");
  assert_string_equal(env->attributes[N_ATTRS - 1]->value, "value 7");
}

static bool in_arena(const pbarena_t *a, const void *p) {
  return a->buf != NULL && (const unsigned char *)p >= a->buf &&
         (const unsigned char *)p < a->buf + a->cap;
}

static void test_unpacks_into_the_buffer_and_reuses_it(void **state) {
  (void)state;
  pbarena_t a;
  pbarena_init(&a, 16384);
  size_t len;
  uint8_t *bytes = packed_envelope("debt.claim.created", &len);
  Stafet__Wire__V1__Envelope *first = stafet__wire__v1__envelope__unpack(&a.allocator, len, bytes);
  assert_whole(first, "debt.claim.created");
  assert_true(in_arena(&a, first));
  assert_true(in_arena(&a, first->topic));
  assert_true(in_arena(&a, first->attributes[3]));
  stafet__wire__v1__envelope__free_unpacked(first, &a.allocator);
  pbarena_reset(&a);
  assert_int_equal(a.used, 0);
  Stafet__Wire__V1__Envelope *second = stafet__wire__v1__envelope__unpack(&a.allocator, len, bytes);
  assert_whole(second, "debt.claim.created");
  assert_ptr_equal(second, first); /* the same memory again: no allocation */
  stafet__wire__v1__envelope__free_unpacked(second, &a.allocator);
  pbarena_reset(&a);
  free(bytes);
  pbarena_free(&a);
  assert_null(a.buf);
}

static void test_larger_than_the_buffer_spills_to_malloc(void **state) {
  (void)state;
  pbarena_t a;
  pbarena_init(&a, 128); /* room for the envelope struct, not for everything */
  size_t len;
  uint8_t *bytes = packed_envelope("cpr.person.relocated", &len);
  for (int round = 0; round < 3; round++) {
    Stafet__Wire__V1__Envelope *env = stafet__wire__v1__envelope__unpack(&a.allocator, len, bytes);
    assert_whole(env, "cpr.person.relocated");
    assert_false(in_arena(&a, env->attributes[N_ATTRS - 1]));
    stafet__wire__v1__envelope__free_unpacked(env, &a.allocator);
    pbarena_reset(&a);
  }
  free(bytes);
  pbarena_free(&a);
}

static void test_corrupt_bytes_unpack_to_null(void **state) {
  (void)state;
  pbarena_t a;
  pbarena_init(&a, 16384);
  size_t len;
  uint8_t *bytes = packed_envelope("case.case.opened", &len);
  /* Cut inside the last attribute: protobuf-c frees what it had unpacked. */
  assert_null(stafet__wire__v1__envelope__unpack(&a.allocator, len - 3, bytes));
  pbarena_reset(&a);
  Stafet__Wire__V1__Envelope *env = stafet__wire__v1__envelope__unpack(&a.allocator, len, bytes);
  assert_whole(env, "case.case.opened");
  stafet__wire__v1__envelope__free_unpacked(env, &a.allocator);
  pbarena_reset(&a);
  free(bytes);
  pbarena_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unpacks_into_the_buffer_and_reuses_it),
      cmocka_unit_test(test_larger_than_the_buffer_spills_to_malloc),
      cmocka_unit_test(test_corrupt_bytes_unpack_to_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
