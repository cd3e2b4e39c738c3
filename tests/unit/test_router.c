/*
 * test_router.c — unit tests of the topic trie (router.c): AMQP wildcard
 * semantics including the awkward '#' cases, dedupe of a target whose
 * patterns overlap, removal and pruning, removal of a target, 100,000
 * subscriptions, a many-'#' pattern that would blow up without memoisation,
 * and a randomised cross-check against a naive reference matcher.
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

#include "router.h"
#include "stafet.h"

/* Records the targets a match reported, as indexes into an array of ints. */
typedef struct hits {
  int *base;      /* targets are &base[i] */
  size_t n_calls; /* callback invocations */
  char *seen;     /* seen[i]: times target i was reported */
} hits_t;

static void on_hit(void *target, void *arg) {
  hits_t *h = arg;
  h->seen[(int *)target - h->base]++;
  h->n_calls++;
}

static void hits_reset(hits_t *h, size_t n) {
  memset(h->seen, 0, n);
  h->n_calls = 0;
}

/* A fresh router with two targets, base[0] and base[1], for most tests. */
typedef struct fixture {
  router_t *r;
  int base[2];
  char seen[2];
  hits_t h;
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof(*f));
  if (f == NULL || router_new(&f->r) != 0) {
    free(f);
    return -1;
  }
  f->h = (hits_t){f->base, 0, f->seen};
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  router_free(f->r);
  free(f);
  return 0;
}

/* Naive AMQP matching over split segments: exponential, but obviously right. */
static bool ref_segments(char **p, int np, char **t, int nt) {
  if (np == 0)
    return nt == 0;
  if (strcmp(p[0], "#") == 0) {
    for (int k = 0; k <= nt; k++) /* '#' takes k segments */
      if (ref_segments(p + 1, np - 1, t + k, nt - k))
        return true;
    return false;
  }
  if (nt == 0 || (strcmp(p[0], "*") != 0 && strcmp(p[0], t[0]) != 0))
    return false;
  return ref_segments(p + 1, np - 1, t + 1, nt - 1);
}

/* Splits s (copied into buf) at dots into segs; returns the count. */
static int split(const char *s, char *buf, char **segs) {
  int n = 0;
  char *save = NULL;
  strcpy(buf, s);
  for (char *tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
    segs[n++] = tok;
  return n;
}

/* Whether one pattern matches one topic, by the reference matcher. */
static bool ref_match(const char *pattern, const char *topic) {
  char pbuf[256], tbuf[256], *psegs[32], *tsegs[32];
  int np = split(pattern, pbuf, psegs), nt = split(topic, tbuf, tsegs);
  return ref_segments(psegs, np, tsegs, nt);
}

/*
 * Matches topic against a router holding patterns[i] -> &h->base[i] and
 * checks that exactly the patterns the reference accepts were reported, once each.
 */
static void check_against_reference(router_t *r, hits_t *h, const char *const *patterns, size_t n,
                                    const char *topic) {
  /* router_match_valid() (for topics checked already) must agree exactly. */
  for (int valid = 0; valid < 2; valid++) {
    hits_reset(h, n);
    int got = valid ? router_match_valid(r, topic, on_hit, h) : router_match(r, topic, on_hit, h);
    int want = 0;
    for (size_t i = 0; i < n; i++) {
      bool m = ref_match(patterns[i], topic);
      want += m;
      if (h->seen[i] != m)
        fail_msg("'%s' vs '%s' (valid=%d): reported %d times", patterns[i], topic, valid,
                 h->seen[i]);
    }
    assert_int_equal(got, want);
  }
}

static const struct {
  const char *pattern, *topic;
  bool match;
} cases[] = {
    {"cpr.person.relocated", "cpr.person.relocated", true},
    {"cpr.person.relocated", "cpr.person.deceased", false},
    {"cpr.person.relocated", "cpr.person", false},
    {"cpr.person", "cpr.person.relocated", false},
    {"cpr.person.*", "cpr.person.relocated", true},
    {"cpr.person.*", "cpr.person", false},
    {"cpr.person.*", "cpr.person.a.b", false},
    {"*", "a", true},
    {"*", "a.b", false},
    {"*.*", "a.b", true},
    {"#", "a", true},
    {"#", "a.b.c", true},
    {"cpr.#", "cpr", true},
    {"cpr.#", "cpr.person.relocated", true},
    {"cpr.#", "debt.claim", false},
    {"a.#", "a", true},
    {"a.#", "a.b.c", true},
    {"a.#", "b.a", false},
    {"#.c", "c", true},
    {"#.c", "a.b.c", true},
    {"#.c", "a.b.c.d", false},
    {"#.deceased", "cpr.person.deceased", true},
    {"a.#.c", "a.c", true},
    {"a.#.c", "a.b.c", true},
    {"a.#.c", "a.b.d.c", true},
    {"a.#.c", "a.b", false},
    {"a.#.c", "a.c.d", false},
    {"#.#", "a", true},
    {"#.#", "a.b.c", true},
    {"*.#", "a", true},
    {"*.#", "a.b", true},
    {"#.*", "a", true},
    {"#.*.*", "a", false},
    {"#.*.*", "a.b", true},
    {"a.*.#", "a", false},
    {"a.*.#", "a.b", true},
    {"a.*.#", "a.b.c", true},
    {"#.a.#", "b.a.c", true},
    {"#.a.#", "b.c", false},
    {"#.b.#.d", "a.b.c.b.d", true},
    {"#.b.#.d", "a.b.c.d.e", false},
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Each case alone: one router, one target, one pattern. */
static void test_wildcard_table(void **state) {
  int base[1];
  char seen[1];
  hits_t h = {base, 0, seen};
  for (size_t i = 0; i < N_CASES; i++) {
    router_t *r;
    assert_int_equal(router_new(&r), 0);
    assert_int_equal(router_add(r, cases[i].pattern, &base[0]), 0);
    hits_reset(&h, 1);
    int n = router_match(r, cases[i].topic, on_hit, &h);
    if (n != (cases[i].match ? 1 : 0))
      fail_msg("'%s' vs '%s': got %d", cases[i].pattern, cases[i].topic, n);
    assert_int_equal(h.n_calls, (size_t)n);
    assert_true(ref_match(cases[i].pattern, cases[i].topic) == cases[i].match);
    router_free(r);
  }
}

/* All cases' patterns in one trie, each its own target: every topic reports exactly its set. */
static void test_wildcard_table_shared_trie(void **state) {
  int base[N_CASES];
  char seen[N_CASES];
  const char *patterns[N_CASES];
  hits_t h = {base, 0, seen};
  router_t *r;
  assert_int_equal(router_new(&r), 0);
  for (size_t i = 0; i < N_CASES; i++) {
    patterns[i] = cases[i].pattern;
    assert_int_equal(router_add(r, patterns[i], &base[i]), 0);
  }
  for (size_t t = 0; t < N_CASES; t++)
    check_against_reference(r, &h, patterns, N_CASES, cases[t].topic);
  router_free(r);
}

static void test_dedupe_overlapping_patterns(void **state) {
  fixture_t *f = *state;
  router_t *r = f->r;
  int *base = f->base;
  char *seen = f->seen;
  hits_t *h = &f->h;
  const char *patterns[] = {"cpr.person.relocated", "cpr.person.*", "cpr.#", "#",
                            "#.relocated",          "*.*.*",        "#.#"};
  for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
    assert_int_equal(router_add(r, patterns[i], &base[0]), 0);
  assert_int_equal(router_add(r, "cpr.*.relocated", &base[1]), 0);
  assert_int_equal(router_size(r), 8);
  /* The same entry twice is a no-op. */
  assert_int_equal(router_add(r, "cpr.#", &base[0]), 0);
  assert_int_equal(router_size(r), 8);
  for (int round = 0; round < 3; round++) { /* generations must reset between calls */
    hits_reset(h, 2);
    assert_int_equal(router_match(r, "cpr.person.relocated", on_hit, h), 2);
    assert_int_equal(h->n_calls, 2);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 1);
  }
  hits_reset(h, 2);
  assert_int_equal(router_match(r, "debt.claim", on_hit, h), 1);
  assert_int_equal(seen[0], 1);
}

static void test_remove_and_prune(void **state) {
  fixture_t *f = *state;
  router_t *r = f->r;
  int *base = f->base;
  char *seen = f->seen;
  hits_t *h = &f->h;
  assert_int_equal(router_node_count(r), 1);
  assert_int_equal(router_add(r, "a.b.c.d", &base[0]), 0);
  assert_int_equal(router_add(r, "a.b", &base[1]), 0);
  assert_int_equal(router_add(r, "a.*.#", &base[1]), 0);
  assert_int_equal(router_node_count(r), 1 + 4 + 2);
  assert_int_equal(router_remove(r, "a.b.c", &base[0]), STAFET_ENOTFOUND);
  assert_int_equal(router_remove(r, "a.b", &base[0]), STAFET_ENOTFOUND);
  assert_int_equal(router_remove(r, "x.y", &base[0]), STAFET_ENOTFOUND);
  assert_int_equal(router_remove(r, "a.b*", &base[0]), STAFET_EPATTERN);
  assert_int_equal(router_remove(r, "a.b.c.d", &base[0]), 0);
  assert_int_equal(router_remove(r, "a.b.c.d", &base[0]), STAFET_ENOTFOUND);
  /* "c" and "d" are gone; "a" and "b" stay because "a.b" still ends there. */
  assert_int_equal(router_node_count(r), 1 + 2 + 2);
  assert_int_equal(router_size(r), 2);
  hits_reset(h, 2);
  assert_int_equal(router_match(r, "a.b.c.d", on_hit, h), 1);
  assert_int_equal(seen[0], 0);
  assert_int_equal(router_remove(r, "a.*.#", &base[1]), 0);
  assert_int_equal(router_node_count(r), 3);
  hits_reset(h, 2);
  assert_int_equal(router_match(r, "a.b.c.d", on_hit, h), 0);
  assert_int_equal(router_remove(r, "a.b", &base[1]), 0);
  assert_int_equal(router_node_count(r), 1);
  assert_int_equal(router_size(r), 0);
}

static void test_remove_target(void **state) {
  fixture_t *f = *state;
  router_t *r = f->r;
  int *base = f->base;
  char *seen = f->seen;
  hits_t *h = &f->h;
  assert_int_equal(router_remove_target(r, &base[0]), 0); /* none: still 0 */
  const char *patterns[] = {"cpr.#", "debt.claim.*", "#.deceased", "case.case.status_changed"};
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(router_add(r, patterns[i], &base[0]), 0);
  assert_int_equal(router_add(r, "debt.claim.*", &base[1]), 0);
  size_t nodes_of_1 = 1 + 3;
  assert_int_equal(router_size(r), 5);
  assert_int_equal(router_remove_target(r, &base[0]), 0);
  assert_int_equal(router_size(r), 1);
  assert_int_equal(router_node_count(r), nodes_of_1);
  for (size_t i = 0; i < 4; i++) {
    hits_reset(h, 2);
    router_match(r, "cpr.person.deceased", on_hit, h);
    router_match(r, "case.case.status_changed", on_hit, h);
    router_match(r, "debt.claim.created", on_hit, h);
    assert_int_equal(seen[0], 0);
    assert_int_equal(seen[1], 1);
  }
  assert_int_equal(router_remove(r, "cpr.#", &base[0]), STAFET_ENOTFOUND);
  /* The target can come back after removal. */
  assert_int_equal(router_add(r, "cpr.#", &base[0]), 0);
  hits_reset(h, 2);
  assert_int_equal(router_match(r, "cpr.x", on_hit, h), 1);
  assert_int_equal(seen[0], 1);
}

#define N_BIG 100000

/* 100,000 distinct literal patterns, one target each, added in scrambled order. */
static void test_hundred_thousand(void **state) {
  int *base = calloc(N_BIG + 2, sizeof(int));
  char *seen = calloc(N_BIG + 2, 1);
  assert_non_null(base);
  assert_non_null(seen);
  hits_t h = {base, 0, seen};
  router_t *r;
  assert_int_equal(router_new(&r), 0);
  char pattern[64];
  for (size_t k = 0; k < N_BIG; k++) {
    size_t i = (k * 7919) % N_BIG; /* 7919 is prime, so this visits every i once */
    snprintf(pattern, sizeof(pattern), "case.u%zu.status_changed", i);
    assert_int_equal(router_add(r, pattern, &base[i]), 0);
  }
  assert_int_equal(router_add(r, "case.*.status_changed", &base[N_BIG]), 0);
  assert_int_equal(router_add(r, "case.u4242.#", &base[N_BIG + 1]), 0);
  assert_int_equal(router_size(r), N_BIG + 2);
  hits_reset(&h, N_BIG + 2);
  assert_int_equal(router_match(r, "case.u4242.status_changed", on_hit, &h), 3);
  assert_int_equal(h.n_calls, 3);
  assert_int_equal(seen[4242], 1);
  assert_int_equal(seen[N_BIG], 1);
  assert_int_equal(seen[N_BIG + 1], 1);
  hits_reset(&h, N_BIG + 2);
  assert_int_equal(router_match(r, "case.u99999.status_changed", on_hit, &h), 2);
  assert_int_equal(seen[99999], 1);
  assert_int_equal(router_match(r, "case.u100000.status_changed", on_hit, &h), 1);
  assert_int_equal(router_match(r, "case.u4242.closed", on_hit, &h), 1);
  /* Remove every even target; odd ones must still route. */
  for (size_t i = 0; i < N_BIG; i += 2)
    assert_int_equal(router_remove_target(r, &base[i]), 0);
  assert_int_equal(router_size(r), N_BIG / 2 + 2);
  hits_reset(&h, N_BIG + 2);
  assert_int_equal(router_match(r, "case.u4242.status_changed", on_hit, &h), 2);
  assert_int_equal(seen[4242], 0);
  assert_int_equal(router_match(r, "case.u4243.status_changed", on_hit, &h), 2);
  assert_int_equal(seen[4243], 1);
  router_free(r);
  free(base);
  free(seen);
}

/*
 * "#.#.#...#.z" against a 32-segment topic that does not end in z: plain
 * backtracking tries every way of splitting 32 segments over 31 '#'s
 * (billions of billions); memoised, it is a few thousand steps. ctest's time
 * limit would catch the blowup.
 */
static void test_many_hashes_no_blowup(void **state) {
  fixture_t *f = *state;
  router_t *r = f->r;
  int *base = f->base;
  char *seen = f->seen;
  hits_t *h = &f->h;
  char pattern[128] = "", topic[128] = "";
  for (int i = 0; i < 31; i++)
    strcat(pattern, "#.");
  strcat(pattern, "z");
  for (int i = 0; i < 32; i++)
    strcat(topic, i ? ".a" : "a");
  assert_int_equal(router_add(r, pattern, &base[0]), 0);
  assert_int_equal(router_add(r, "#.a.#.a.#.a.#.a.#.a.#.a.#.a.#.a.#.a.#.a.#.a.#.a.#.b", &base[1]),
                   0);
  hits_reset(h, 2);
  assert_int_equal(router_match(r, topic, on_hit, h), 0);
  topic[strlen(topic) - 1] = 'z';
  assert_int_equal(router_match(r, topic, on_hit, h), 1);
  assert_int_equal(seen[0], 1);
}

/* Random patterns over {a, b, *, #} and topics over {a, b}: trie == reference. */
static void test_random_against_reference(void **state) {
  enum { N_PATTERNS = 300, N_TOPICS = 300 };
  static const char *const pseg[] = {"a", "b", "*", "#"};
  int base[N_PATTERNS];
  char seen[N_PATTERNS], texts[N_PATTERNS][32], topic[32];
  const char *patterns[N_PATTERNS];
  hits_t h = {base, 0, seen};
  uint32_t rng = 12345;
#define NEXT(n) ((rng = rng * 1103515245u + 12345u) >> 16) % (n)
  router_t *r;
  assert_int_equal(router_new(&r), 0);
  for (int i = 0; i < N_PATTERNS; i++) {
    texts[i][0] = '\0';
    for (int s = 0, len = 1 + NEXT(5); s < len; s++) {
      strcat(texts[i], s ? "." : "");
      strcat(texts[i], pseg[NEXT(4)]);
    }
    patterns[i] = texts[i];
    assert_int_equal(router_add(r, patterns[i], &base[i]), 0);
  }
  for (int t = 0; t < N_TOPICS; t++) {
    topic[0] = '\0';
    for (int s = 0, len = 1 + NEXT(6); s < len; s++)
      strcat(topic, s ? (NEXT(2) ? ".a" : ".b") : (NEXT(2) ? "a" : "b"));
    check_against_reference(r, &h, patterns, N_PATTERNS, topic);
  }
#undef NEXT
  router_free(r);
}

static void reentrant_hit(void *target, void *arg) {
  router_t *r = arg;
  assert_int_equal(router_add(r, "x", target), STAFET_EINVAL);
  assert_int_equal(router_remove_target(r, target), STAFET_EINVAL);
  assert_int_equal(router_match(r, "x", reentrant_hit, r), STAFET_EINVAL);
}

static void test_invalid_inputs(void **state) {
  int t;
  router_t *r;
  assert_int_equal(router_new(NULL), STAFET_EINVAL);
  assert_int_equal(router_new(&r), 0);
  const char *bad_patterns[] = {"a*", "", "a..b", "A.b", "a.#b", NULL};
  for (size_t i = 0; i < sizeof(bad_patterns) / sizeof(bad_patterns[0]); i++)
    assert_int_equal(router_add(r, bad_patterns[i], &t), STAFET_EPATTERN);
  assert_int_equal(router_add(r, "a.b", NULL), STAFET_EINVAL);
  assert_int_equal(router_size(r), 0);
  assert_int_equal(router_node_count(r), 1);
  assert_int_equal(router_match(r, "a.*", reentrant_hit, r), STAFET_ETOPIC);
  assert_int_equal(router_match(r, "a..b", reentrant_hit, r), STAFET_ETOPIC);
  assert_int_equal(router_match(r, NULL, reentrant_hit, r), STAFET_ETOPIC);
  assert_int_equal(router_match(r, "a", NULL, r), STAFET_EINVAL);
  assert_int_equal(router_add(r, "#", &t), 0);
  assert_int_equal(router_match(r, "a", reentrant_hit, r), 1);
  assert_int_equal(router_size(r), 1); /* the callback changed nothing */
  router_free(r);
  router_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wildcard_table),
      cmocka_unit_test(test_wildcard_table_shared_trie),
      cmocka_unit_test_setup_teardown(test_dedupe_overlapping_patterns, setup, teardown),
      cmocka_unit_test_setup_teardown(test_remove_and_prune, setup, teardown),
      cmocka_unit_test_setup_teardown(test_remove_target, setup, teardown),
      cmocka_unit_test(test_hundred_thousand),
      cmocka_unit_test_setup_teardown(test_many_hashes_no_blowup, setup, teardown),
      cmocka_unit_test(test_random_against_reference),
      cmocka_unit_test(test_invalid_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
