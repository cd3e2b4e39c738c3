/*
 * test_topic.c — unit tests of topic.c: which topics, patterns and names are
 * well formed (docs/protocol.md, "Publishing" and "Subscribing"), and the
 * segment iterator the router builds on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "stafet.h"
#include "topic.h"

/* A string of n copies of c (n < sizeof buf). */
static const char *repeat(char *buf, char c, size_t n) {
  memset(buf, c, n);
  buf[n] = '\0';
  return buf;
}

/* "a.a.a..." with n segments. */
static const char *segments(char *buf, size_t n, const char *seg) {
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      strcat(buf, ".");
    strcat(buf, seg);
  }
  return buf;
}

static void test_topic_valid(void **state) {
  const char *ok[] = {"cpr.person.relocated",
                      "debt.claim.transferred_to_collection",
                      "a",
                      "a_b.c_d",
                      "0751.x9",
                      "case.case.status_changed",
                      "_._"};
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    assert_int_equal(topic_validate(ok[i]), 0);
    assert_int_equal(pattern_validate(ok[i]), 0); /* every topic is a pattern */
  }
}

static void test_topic_invalid(void **state) {
  const char *bad[] = {"",      ".",   "a.",  ".a",  "a..b", "Cpr.person", "cpr.person.*",
                       "cpr.#", "a-b", "a b", "a/b", "æ.b",  "a.b\n",      "*",
                       "#"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(topic_validate(bad[i]), STAFET_ETOPIC);
  assert_int_equal(topic_validate(NULL), STAFET_ETOPIC);
}

static void test_topic_limits(void **state) {
  char buf[1024];
  assert_int_equal(topic_validate(repeat(buf, 'a', 64)), 0);
  assert_int_equal(topic_validate(repeat(buf, 'a', 65)), STAFET_ETOPIC);
  assert_int_equal(topic_validate(segments(buf, 32, "a")), 0);
  assert_int_equal(topic_validate(segments(buf, 33, "a")), STAFET_ETOPIC);
  /* 4 x 63 + 3 dots = 255 bytes is fine, 256 is not. */
  char seg[70];
  assert_int_equal(topic_validate(segments(buf, 4, repeat(seg, 'b', 63))), 0);
  assert_int_equal(strlen(buf), 255);
  strcat(buf, "c");
  assert_int_equal(topic_validate(buf), STAFET_ETOPIC);
  assert_int_equal(pattern_validate(buf), STAFET_EPATTERN);
}

static void test_pattern_valid(void **state) {
  const char *ok[] = {"*",     "#",   "cpr.person.*", "cpr.#", "#.deceased",
                      "a.#.c", "#.#", "*.#",          "*.*.*", "a.*.#.b"};
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
    assert_int_equal(pattern_validate(ok[i]), 0);
}

static void test_pattern_invalid(void **state) {
  const char *bad[] = {"", "a*", "*a", "a.b#", "##", "**", "a..#", "#.", ".*", "A.*", "a.%"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(pattern_validate(bad[i]), STAFET_EPATTERN);
  assert_int_equal(pattern_validate(NULL), STAFET_EPATTERN);
  char buf[1024];
  assert_int_equal(pattern_validate(segments(buf, 32, "#")), 0);
  assert_int_equal(pattern_validate(segments(buf, 33, "*")), STAFET_EPATTERN);
}

static void test_name(void **state) {
  const char *ok[] = {"jobcenter", "dept-27", "kle", "a", "0751", "case_worker-2"};
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
    assert_int_equal(name_validate(ok[i]), 0);
  const char *bad[] = {"", "-a", "_a", "Jobcenter", "a.b", "a b", "a*", "a=b"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(name_validate(bad[i]), STAFET_EINVAL);
  assert_int_equal(name_validate(NULL), STAFET_EINVAL);
  char buf[100];
  assert_int_equal(name_validate(repeat(buf, 'x', 64)), 0);
  assert_int_equal(name_validate(repeat(buf, 'x', 65)), STAFET_EINVAL);
}

static void test_next_segment(void **state) {
  const char *topic = "cpr.person.relocated", *cursor = topic, *seg;
  const char *want[] = {"cpr", "person", "relocated"};
  size_t len, n = 0;
  while (topic_next_segment(&cursor, &seg, &len)) {
    assert_true(n < 3);
    assert_int_equal(len, strlen(want[n]));
    assert_memory_equal(seg, want[n], len);
    n++;
  }
  assert_int_equal(n, 3);
  cursor = "";
  assert_false(topic_next_segment(&cursor, &seg, &len));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_topic_valid),     cmocka_unit_test(test_topic_invalid),
      cmocka_unit_test(test_topic_limits),    cmocka_unit_test(test_pattern_valid),
      cmocka_unit_test(test_pattern_invalid), cmocka_unit_test(test_name),
      cmocka_unit_test(test_next_segment),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
