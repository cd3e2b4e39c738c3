/*
 * test_resp.c — store_format_command(), the hub's RESP encoder for the hot
 * path (queue_redis.c), byte for byte against hiredis's own
 * redisFormatCommandArgv(): fixed cases (empty and binary arguments, CR LF
 * inside an argument, lengths of one to seven digits, strlen when no lengths
 * are given) and a thousand random commands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/src/queue_redis.h"

static void assert_same_as_hiredis(int argc, const char **argv, const size_t *lens) {
  char *want = NULL;
  int want_len = redisFormatCommandArgv(&want, argc, argv, lens);
  assert_true(want_len > 0);
  size_t got_len = 0;
  char *got = store_format_command(argc, argv, lens, &got_len);
  assert_non_null(got);
  assert_int_equal(got_len, (size_t)want_len);
  assert_memory_equal(got, want, got_len);
  free(got);
  free(want);
}

static void test_fixed_cases(void **state) {
  (void)state;
  const char *plain[] = {"EVALSHA", "abc", "2", "k1", "k2"};
  assert_same_as_hiredis(5, plain, NULL); /* lengths by strlen */
  const char *binary[] = {"SET", "key", "a\0b\r\nc", ""};
  size_t binary_lens[] = {3, 3, 6, 0};
  assert_same_as_hiredis(4, binary, binary_lens);
  /* Argument lengths of 1 to 7 digits. */
  static char big[1234567];
  memset(big, 'x', sizeof big);
  for (size_t n = 1; n <= sizeof big; n *= 10) {
    const char *argv[] = {"XADD", big};
    size_t lens[] = {4, n};
    assert_same_as_hiredis(2, argv, lens);
  }
  const char *one[] = {"PING"};
  assert_same_as_hiredis(1, one, NULL);
}

static void test_random_commands(void **state) {
  (void)state;
  srand(20261124);
  static char pool[4096];
  for (size_t i = 0; i < sizeof pool; i++)
    pool[i] = (char)(rand() & 0xff); /* any byte, \0 \r \n included */
  for (int round = 0; round < 1000; round++) {
    int argc = 1 + rand() % 300; /* past 100 and 10: argc of several digits */
    const char **argv = calloc((size_t)argc, sizeof *argv);
    size_t *lens = calloc((size_t)argc, sizeof *lens);
    assert_non_null(argv);
    assert_non_null(lens);
    for (int i = 0; i < argc; i++) {
      lens[i] = (size_t)(rand() % 300);
      argv[i] = pool + rand() % (int)(sizeof pool - lens[i]);
    }
    assert_same_as_hiredis(argc, argv, lens);
    free(argv);
    free(lens);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixed_cases),
      cmocka_unit_test(test_random_commands),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
