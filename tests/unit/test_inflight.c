/*
 * test_inflight.c — stream id parsing and the per-consumer set of held
 * deliveries (what acks are checked against and credit is counted on).
 */
#include "hub.h"
#include "stafet.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

static void test_stream_ids(void **state) {
  stream_id_t id;
  assert_int_equal(stream_id_parse("1732412345678-0", &id), 0);
  assert_true(id.ms == 1732412345678ULL && id.seq == 0);
  assert_int_equal(stream_id_parse("5-18446744073709551615", &id), 0);
  assert_true(id.seq == 18446744073709551615ULL);
  const char *bad[] = {"", "-1-1", "12", "12-", "12-x", "a-1", "1-1 ", "1--1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(stream_id_parse(bad[i], &id), STAFET_EINVAL);
  char text[48];
  stream_id_format((stream_id_t){42, 7}, text, sizeof text);
  assert_string_equal(text, "42-7");
}

static void test_set_add_remove_grow(void **state) {
  inflight_t set = {0};
  for (uint64_t i = 0; i < 5000; i++)
    assert_int_equal(inflight_add(&set, (stream_id_t){1000 + i, i % 3}), 0);
  assert_int_equal(set.count, 5000);
  assert_int_equal(inflight_add(&set, (stream_id_t){1000, 0}), 0); /* already held */
  assert_int_equal(set.count, 5000);
  for (uint64_t i = 0; i < 5000; i += 2)
    assert_true(inflight_remove(&set, (stream_id_t){1000 + i, i % 3}));
  assert_int_equal(set.count, 2500);
  assert_false(inflight_remove(&set, (stream_id_t){1000, 0})); /* removed already */
  assert_false(inflight_remove(&set, (stream_id_t){1001, 0})); /* wrong seq */
  assert_true(inflight_remove(&set, (stream_id_t){1001, 1}));
  /* Churn: many add/remove cycles must not fill the table with tombstones. */
  for (uint64_t i = 0; i < 100000; i++) {
    assert_int_equal(inflight_add(&set, (stream_id_t){9000000 + i, 0}), 0);
    assert_true(inflight_remove(&set, (stream_id_t){9000000 + i, 0}));
  }
  assert_int_equal(set.count, 2499);
  assert_true(set.capacity <= 16384);
  inflight_free(&set);
  assert_false(inflight_remove(&set, (stream_id_t){1, 1}));
  /* Tags survive growth and come back when the id is taken. */
  int tags[200];
  for (int i = 0; i < 200; i++)
    assert_int_equal(inflight_add_tagged(&set, (stream_id_t){5000 + i, 1}, &tags[i]), 0);
  for (int i = 199; i >= 0; i--) {
    void *tag = NULL;
    assert_true(inflight_take(&set, (stream_id_t){5000 + i, 1}, &tag));
    assert_ptr_equal(tag, &tags[i]);
  }
  assert_int_equal(set.count, 0);
  inflight_free(&set);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stream_ids),
      cmocka_unit_test(test_set_add_remove_grow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
