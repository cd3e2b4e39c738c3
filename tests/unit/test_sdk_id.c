/*
 * test_sdk_id.c — UUIDv7 message ids: the format (version, variant, time
 * prefix), uniqueness, time order of stafet_id_new(), and the strict order
 * of the client's per-client generator, also within one millisecond, across
 * a spent counter and with a clock that steps back, and that the generator
 * takes its random bits from a pool, not from one getrandom() call per id
 * (this file's getrandom() counts the calls and passes them on to libc's).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../../adapters/sdk/src/internal.h"

static unsigned getrandom_calls;

/* Interposes libc's getrandom() for the SDK code linked into this test. */
ssize_t getrandom(void *buf, size_t len, unsigned flags) {
  static ssize_t (*real)(void *, size_t, unsigned);
  if (real == NULL)
    *(void **)&real = dlsym(RTLD_NEXT, "getrandom");
  getrandom_calls++;
  return real(buf, len, flags);
}

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

/* 10,000 ids over 100 milliseconds: 10 random bytes each (8 for the id, 2 for
 * a new millisecond's counter seed) come from SDK_IDGEN_POOL-byte refills. */
static void test_generator_pools_its_random_bytes(void **state) {
  (void)state;
  sdk_idgen_t g = {0}, other = {0};
  char id[37], first[37], other_id[37];
  int64_t t = 1732412345678;
  getrandom_calls = 0;
  for (int i = 0; i < 10000; i++) {
    assert_int_equal(sdk_idgen_next(&g, t + i / 100, id), 0);
    if (i == 0)
      memcpy(first, id, sizeof id);
  }
  unsigned bytes = 10000 * 8 + 100 * 2;
  assert_true(getrandom_calls >= 1);
  /* A refill may leave up to 7 bytes unused at the end of the old pool. */
  assert_true(getrandom_calls <= bytes / (SDK_IDGEN_POOL - 7) + 1);
  /* A second generator draws its own pool: same time, different random part. */
  assert_int_equal(sdk_idgen_next(&other, t, other_id), 0);
  assert_int_equal(strncmp(first, other_id, 14), 0);
  assert_true(strcmp(first + 19, other_id + 19) != 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_format_and_time),
      cmocka_unit_test(test_time_ordered_and_unique),
      cmocka_unit_test(test_generator_strictly_increasing),
      cmocka_unit_test(test_generator_pools_its_random_bytes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
