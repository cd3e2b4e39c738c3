/*
 * test_sdk_id.c — UUIDv7 message ids: the format (version, variant, time
 * prefix), uniqueness, time order of stafet_id_new(), and the strict order
 * of the client's per-client generator, also within one millisecond, across
 * a spent counter and with a clock that steps back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../adapters/sdk/src/internal.h"

static void assert_uuidv7(const char *id) {
  assert_int_equal(strlen(id), 36);
  for (int i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23)
      assert_int_equal(id[i], '-');
    else
      assert_non_null(strchr("0123456789abcdef", id[i]));
  }
  assert_int_equal(id[14], '7');           /* version */
  assert_non_null(strchr("89ab", id[19])); /* RFC 9562 variant */
}

static uint64_t id_millis(const char *id) {
  char hex[13];
  memcpy(hex, id, 8);
  memcpy(hex + 8, id + 9, 4);
  hex[12] = '\0';
  return strtoull(hex, NULL, 16);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_format_and_time(void **state) {
  (void)state;
  char id[37];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
  assert_int_equal(stafet_id_new(id), 0);
  assert_uuidv7(id);
  uint64_t ms = id_millis(id);
  assert_true(ms >= now && ms < now + 5000);
}

#define N_IDS 2000

static void test_time_ordered_and_unique(void **state) {
  (void)state;
  char(*ids)[37] = calloc(N_IDS, sizeof *ids);
  char **sorted = calloc(N_IDS, sizeof *sorted);
  assert_non_null(ids);
  assert_non_null(sorted);
  for (int i = 0; i < N_IDS; i++) {
    assert_int_equal(stafet_id_new(ids[i]), 0);
    assert_uuidv7(ids[i]);
    sorted[i] = ids[i];
    /* The time part (ms + sub-ms fraction, the first 18 chars) never goes back. */
    if (i > 0)
      assert_true(strncmp(ids[i - 1], ids[i], 18) <= 0);
  }
  qsort(sorted, N_IDS, sizeof *sorted, cmp_str);
  for (int i = 1; i < N_IDS; i++)
    assert_true(strcmp(sorted[i - 1], sorted[i]) != 0);
  free(sorted);
  free(ids);
}

static void test_generator_strictly_increasing(void **state) {
  (void)state;
  sdk_idgen_t g = {0};
  char prev[37] = "", id[37];
  int64_t t = 1732412345678;
  /* 10000 ids in one millisecond spend the 12-bit counter more than once. */
  for (int i = 0; i < 10000; i++) {
    assert_int_equal(sdk_idgen_next(&g, t, id), 0);
    assert_uuidv7(id);
    assert_true(strcmp(prev, id) < 0);
    memcpy(prev, id, sizeof id);
  }
  /* A clock that steps back does not break the order. */
  assert_int_equal(sdk_idgen_next(&g, t - 1000, id), 0);
  assert_true(strcmp(prev, id) < 0);
  memcpy(prev, id, sizeof id);
  /* A later millisecond moves on with the real time. */
  assert_int_equal(sdk_idgen_next(&g, t + 60000, id), 0);
  assert_true(strcmp(prev, id) < 0);
  assert_int_equal(id_millis(id), (uint64_t)(t + 60000));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_format_and_time),
      cmocka_unit_test(test_time_ordered_and_unique),
      cmocka_unit_test(test_generator_strictly_increasing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
