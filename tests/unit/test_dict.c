/*
 * test_dict.c — unit tests of the hash map (dict.c): set/get/replace/delete,
 * growth past thousands of keys, binary keys with NUL bytes (ZeroMQ routing
 * ids), deletion during iteration, and set/delete churn (tombstones).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "stafet.h"

static void test_basic(void **state) {
  dict_t *d;
  int a, b;
  assert_int_equal(dict_new(&d), 0);
  assert_int_equal(dict_size(d), 0);
  assert_null(dict_gets(d, "cpr"));
  assert_int_equal(dict_sets(d, "cpr", &a), 0);
  assert_ptr_equal(dict_gets(d, "cpr"), &a);
  assert_int_equal(dict_sets(d, "cpr", &b), 0); /* replace */
  assert_ptr_equal(dict_gets(d, "cpr"), &b);
  assert_int_equal(dict_size(d), 1);
  assert_null(dict_gets(d, "cp"));
  assert_null(dict_gets(d, "cprx"));
  assert_ptr_equal(dict_dels(d, "cpr"), &b);
  assert_null(dict_dels(d, "cpr"));
  assert_null(dict_gets(d, "cpr"));
  assert_int_equal(dict_size(d), 0);
  /* The key is copied: changing the caller's buffer changes nothing. */
  char key[] = "debt";
  assert_int_equal(dict_sets(d, key, &a), 0);
  key[0] = 'x';
  assert_ptr_equal(dict_gets(d, "debt"), &a);
  assert_null(dict_gets(d, key));
  /* A NULL value is stored; dict_has tells it from absence. */
  assert_int_equal(dict_sets(d, "null", NULL), 0);
  assert_true(dict_has(d, "null", 4));
  assert_false(dict_has(d, "none", 4));
  assert_int_equal(dict_size(d), 2);
  assert_int_equal(dict_set(d, NULL, 3, &a), STAFET_EINVAL);
  assert_int_equal(dict_new(NULL), STAFET_EINVAL);
  dict_free(d);
  dict_free(NULL);
}

#define N_GROW 20000

static void test_growth(void **state) {
  dict_t *d;
  static int values[N_GROW];
  char key[32];
  assert_int_equal(dict_new(&d), 0);
  for (int i = 0; i < N_GROW; i++) {
    snprintf(key, sizeof(key), "session-%d", i);
    assert_int_equal(dict_sets(d, key, &values[i]), 0);
  }
  assert_int_equal(dict_size(d), N_GROW);
  for (int i = 0; i < N_GROW; i++) {
    snprintf(key, sizeof(key), "session-%d", i);
    assert_ptr_equal(dict_gets(d, key), &values[i]);
  }
  snprintf(key, sizeof(key), "session-%d", N_GROW);
  assert_null(dict_gets(d, key));
  for (int i = 0; i < N_GROW; i += 3) {
    snprintf(key, sizeof(key), "session-%d", i);
    assert_ptr_equal(dict_dels(d, key), &values[i]);
  }
  for (int i = 0; i < N_GROW; i++) {
    snprintf(key, sizeof(key), "session-%d", i);
    assert_ptr_equal(dict_gets(d, key), i % 3 == 0 ? NULL : &values[i]);
  }
  assert_int_equal(dict_size(d), N_GROW - (N_GROW + 2) / 3);
  dict_free(d);
}

static void test_binary_keys(void **state) {
  dict_t *d;
  int v[5];
  const unsigned char id1[] = {0x00, 0x6b, 0x8b, 0x45, 0x67}; /* a ZeroMQ routing id */
  const unsigned char id2[] = {0x00, 0x6b, 0x8b, 0x45, 0x68};
  assert_int_equal(dict_new(&d), 0);
  assert_int_equal(dict_set(d, id1, sizeof(id1), &v[0]), 0);
  assert_int_equal(dict_set(d, id2, sizeof(id2), &v[1]), 0);
  assert_int_equal(dict_set(d, "a\0b", 3, &v[2]), 0);
  assert_int_equal(dict_set(d, "a", 1, &v[3]), 0);
  assert_int_equal(dict_set(d, "", 0, &v[4]), 0); /* the empty key */
  assert_int_equal(dict_size(d), 5);
  assert_ptr_equal(dict_get(d, id1, sizeof(id1)), &v[0]);
  assert_ptr_equal(dict_get(d, id2, sizeof(id2)), &v[1]);
  assert_null(dict_get(d, id1, 1)); /* a prefix is another key */
  assert_ptr_equal(dict_get(d, "a\0b", 3), &v[2]);
  assert_null(dict_get(d, "a\0c", 3));
  assert_ptr_equal(dict_get(d, "a", 1), &v[3]);
  assert_ptr_equal(dict_get(d, "a\0", 2), NULL);
  assert_ptr_equal(dict_get(d, NULL, 0), &v[4]);
  assert_ptr_equal(dict_del(d, "a\0b", 3), &v[2]);
  assert_ptr_equal(dict_get(d, "a", 1), &v[3]);
  /* Iteration hands back the exact bytes and lengths. */
  dict_iter_t it;
  const void *key;
  size_t len, seen = 0;
  void *value;
  for (dict_iter_init(&it, d); dict_iter_next(&it, &key, &len, &value); seen++)
    if (value == &v[0])
      assert_true(len == sizeof(id1) && memcmp(key, id1, len) == 0);
  assert_int_equal(seen, 4);
  dict_free(d);
}

#define N_ITER 5000

static void test_delete_during_iteration(void **state) {
  dict_t *d;
  static int values[N_ITER];
  static char visits[N_ITER];
  char key[32];
  assert_int_equal(dict_new(&d), 0);
  for (int i = 0; i < N_ITER; i++) {
    values[i] = i;
    snprintf(key, sizeof(key), "k%d", i);
    assert_int_equal(dict_sets(d, key, &values[i]), 0);
  }
  /* Pass 1: delete the current entry when it is odd; every entry is visited once. */
  dict_iter_t it;
  const void *k;
  size_t klen;
  void *v;
  memset(visits, 0, sizeof(visits));
  for (dict_iter_init(&it, d); dict_iter_next(&it, &k, &klen, &v);) {
    int i = *(int *)v;
    visits[i]++;
    if (i % 2)
      assert_ptr_equal(dict_del(d, k, klen), v);
  }
  for (int i = 0; i < N_ITER; i++)
    assert_int_equal(visits[i], 1);
  assert_int_equal(dict_size(d), N_ITER / 2);
  /* Pass 2: delete everything as we go; nothing visited twice, nothing left. */
  memset(visits, 0, sizeof(visits));
  for (dict_iter_init(&it, d); dict_iter_next(&it, &k, &klen, &v);) {
    visits[*(int *)v]++;
    assert_non_null(dict_del(d, k, klen));
  }
  for (int i = 0; i < N_ITER; i++)
    assert_int_equal(visits[i], i % 2 ? 0 : 1);
  assert_int_equal(dict_size(d), 0);
  dict_iter_init(&it, d);
  assert_false(dict_iter_next(&it, &k, &klen, &v));
  dict_free(d);
}

/* Many set/delete cycles leave tombstones behind; lookups must stay correct. */
static void test_churn(void **state) {
  dict_t *d;
  int v;
  char key[32];
  assert_int_equal(dict_new(&d), 0);
  assert_int_equal(dict_sets(d, "keeper", &v), 0);
  for (int i = 0; i < 50000; i++) {
    snprintf(key, sizeof(key), "tmp-%d", i);
    assert_int_equal(dict_sets(d, key, &v), 0);
    assert_ptr_equal(dict_dels(d, key), &v);
    assert_int_equal(dict_size(d), 1);
  }
  assert_ptr_equal(dict_gets(d, "keeper"), &v);
  assert_null(dict_gets(d, "tmp-49999"));
  dict_free(d);
}

static void test_hash_spreads(void **state) {
  assert_true(dict_hash("a", 1) != dict_hash("b", 1));
  assert_true(dict_hash("a\0", 2) != dict_hash("a", 1));
  assert_true(dict_hash("", 0) == dict_hash(NULL, 0));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic),       cmocka_unit_test(test_growth),
      cmocka_unit_test(test_binary_keys), cmocka_unit_test(test_delete_during_iteration),
      cmocka_unit_test(test_churn),       cmocka_unit_test(test_hash_spreads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
