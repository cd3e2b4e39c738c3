/*
 * test_filter.c — unit tests of subscription filters (filter.c): parsing and
 * its error messages, the three operators, the envelope fields tenant/source/
 * type, attributes (first wins, missing ones), set equality and limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "stafet.h"

/* An envelope on the stack with up to 4 attributes, all strings borrowed. */
typedef struct test_env {
  Stafet__Wire__V1__Envelope env;
  Stafet__Wire__V1__Attribute attr[4];
  Stafet__Wire__V1__Attribute *attr_ptr[4];
} test_env_t;

static void env_init(test_env_t *t, const char *tenant, const char *source, const char *type) {
  stafet__wire__v1__envelope__init(&t->env);
  t->env.topic = "case.case.status_changed";
  t->env.tenant = (char *)tenant;
  t->env.source = (char *)source;
  t->env.type_name = (char *)type;
  t->env.attributes = t->attr_ptr;
}

static void env_attr(test_env_t *t, const char *key, const char *value) {
  size_t i = t->env.n_attributes++;
  stafet__wire__v1__attribute__init(&t->attr[i]);
  t->attr[i].key = (char *)key;
  t->attr[i].value = (char *)value;
  t->attr_ptr[i] = &t->attr[i];
}

/* Parses a NULL-terminated list; fails the test on error. */
static filter_t *parse_ok(const char *const *exprs) {
  size_t n = 0;
  while (exprs[n])
    n++;
  filter_t *f = NULL;
  char err[256];
  int rc = filter_parse(exprs, n, &f, err, sizeof(err));
  if (rc != 0)
    fail_msg("parse failed: %s", err);
  return f;
}

/* Parses one expression that must fail; the message must contain want. */
static void parse_fails(const char *expr, const char *want) {
  filter_t *f = NULL;
  char err[512] = "unchanged";
  assert_int_equal(filter_parse(&expr, 1, &f, err, sizeof(err)), STAFET_EFILTER);
  assert_null(f);
  if (strstr(err, want) == NULL)
    fail_msg("'%s': message '%s' lacks '%s'", expr, err, want);
}

static void test_parse_and_text(void **state) {
  const char *exprs[] = {"tenant=0751", "kle^=27.", "department!=jobcenter", "note=", "x=a=b",
                         "tenant=0751", NULL};
  filter_t *f = parse_ok(exprs);
  assert_int_equal(filter_count(f), 5); /* the repeated tenant=0751 counts once */
  assert_string_equal(filter_expr(f, 0), "tenant=0751");
  assert_string_equal(filter_expr(f, 1), "kle^=27.");
  assert_string_equal(filter_expr(f, 2), "department!=jobcenter");
  assert_string_equal(filter_expr(f, 3), "note=");
  assert_string_equal(filter_expr(f, 4), "x=a=b");
  assert_null(filter_expr(f, 5));
  filter_free(f);
}

static void test_parse_errors(void **state) {
  parse_fails("kle~27", "filter 'kle~27': expected key=value, key^=prefix or key!=value");
  parse_fails("tenant", "expected key=value");
  parse_fails("=0751", "filter '=0751': expected key=value");
  parse_fails("^=27", "missing key");
  parse_fails("Tenant=0751", "invalid key 'Tenant'");
  parse_fails("kle~=27", "invalid key 'kle~'");
  parse_fails("-kle=27", "invalid key '-kle'");
  parse_fails("kle^=", "empty prefix");
  char long_key[100], long_value[300];
  memset(long_key, 'k', 65);
  strcpy(long_key + 65, "=1");
  parse_fails(long_key, "key longer than 64 bytes");
  strcpy(long_value, "kle=");
  memset(long_value + 4, '7', 257);
  long_value[4 + 257] = '\0';
  parse_fails(long_value, "value longer than 256 bytes");
  long_value[4 + 256] = '\0'; /* exactly 256 bytes is fine */
  const char *ok[] = {long_value, NULL};
  filter_free(parse_ok(ok));
}

static void test_parse_limits(void **state) {
  const char *exprs[17];
  char texts[17][16];
  for (int i = 0; i < 17; i++) {
    snprintf(texts[i], sizeof(texts[i]), "k%d=v", i);
    exprs[i] = texts[i];
  }
  filter_t *f = NULL;
  char err[128];
  assert_int_equal(filter_parse(exprs, 17, &f, err, sizeof(err)), STAFET_EFILTER);
  assert_non_null(strstr(err, "too many filters"));
  assert_int_equal(filter_parse(exprs, 16, &f, err, sizeof(err)), 0);
  assert_int_equal(filter_count(f), 16);
  filter_free(f);
  /* A NULL or tiny err buffer is fine. */
  const char *bad = "nope";
  assert_int_equal(filter_parse(&bad, 1, &f, NULL, 0), STAFET_EFILTER);
  assert_int_equal(filter_parse(&bad, 1, &f, err, 1), STAFET_EFILTER);
  assert_string_equal(err, "");
  assert_int_equal(filter_parse(NULL, 1, &f, err, sizeof(err)), STAFET_EINVAL);
  assert_int_equal(filter_parse(exprs, 1, NULL, err, sizeof(err)), STAFET_EINVAL);
}

static void test_empty_matches_all(void **state) {
  test_env_t t;
  env_init(&t, "0751", "case", "");
  filter_t *f = NULL;
  assert_int_equal(filter_parse(NULL, 0, &f, NULL, 0), 0);
  assert_non_null(f);
  assert_int_equal(filter_count(f), 0);
  assert_true(filter_match(f, &t.env));
  assert_true(filter_match(NULL, &t.env));
  filter_free(f);
}

static void test_operators(void **state) {
  test_env_t t;
  env_init(&t, "0751", "esdh", "stafet.events.v1.case.StatusChanged");
  env_attr(&t, "kle", "27.24.00");
  env_attr(&t, "department", "jobcenter");
  env_attr(&t, "kle", "00.01.00"); /* a second kle: the first one counts */
  const struct {
    const char *expr;
    bool match;
  } cases[] = {
      {"kle=27.24.00", true},
      {"kle=27.24", false},
      {"kle^=27.", true},
      {"kle^=27.24.00", true},
      {"kle^=27.24.001", false},
      {"kle^=00.", false},
      {"kle!=27.24.00", false},
      {"kle!=00.01.00", true},
      {"department=jobcenter", true},
      {"department!=jobcenter", false},
      {"missing=x", false},
      {"missing=", false},
      {"missing^=x", false},
      {"missing!=x", true},
      {"tenant=0751", true},
      {"tenant=0101", false},
      {"tenant^=07", true},
      {"source=esdh", true},
      {"source!=esdh", false},
      {"type^=stafet.events.v1.case.", true},
      {"type=", false},
      {"department=", false},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *exprs[] = {cases[i].expr, NULL};
    filter_t *f = parse_ok(exprs);
    if (filter_match(f, &t.env) != cases[i].match)
      fail_msg("'%s' should %smatch", cases[i].expr, cases[i].match ? "" : "not ");
    filter_free(f);
  }
}

static void test_all_must_hold(void **state) {
  test_env_t t;
  env_init(&t, "0751", "esdh", "");
  env_attr(&t, "kle", "27.24.00");
  const char *both[] = {"kle^=27.", "tenant=0751", NULL};
  const char *one_wrong[] = {"kle^=27.", "tenant=0101", NULL};
  filter_t *f = parse_ok(both), *g = parse_ok(one_wrong);
  assert_true(filter_match(f, &t.env));
  assert_false(filter_match(g, &t.env));
  assert_false(filter_match(f, NULL));
  /* An empty attribute value and NULL strings are handled. */
  env_attr(&t, "empty", "");
  const char *empty[] = {"empty=", NULL};
  filter_t *e = parse_ok(empty);
  assert_true(filter_match(e, &t.env));
  t.env.tenant = NULL;
  assert_false(filter_match(f, &t.env));
  filter_free(f);
  filter_free(g);
  filter_free(e);
}

static void test_equal(void **state) {
  const char *a[] = {"tenant=0751", "kle^=27.", NULL};
  const char *b[] = {"kle^=27.", "tenant=0751", "kle^=27.", NULL};
  const char *c[] = {"kle^=27.", "tenant!=0751", NULL};
  const char *d[] = {"kle^=27.", NULL};
  filter_t *fa = parse_ok(a), *fb = parse_ok(b), *fc = parse_ok(c), *fd = parse_ok(d), *fe;
  assert_int_equal(filter_parse(NULL, 0, &fe, NULL, 0), 0);
  assert_true(filter_equal(fa, fb));
  assert_true(filter_equal(fb, fa));
  assert_false(filter_equal(fa, fc));
  assert_false(filter_equal(fa, fd));
  assert_false(filter_equal(fd, fa));
  assert_true(filter_equal(fe, NULL));
  assert_false(filter_equal(fd, NULL));
  filter_free(fa);
  filter_free(fb);
  filter_free(fc);
  filter_free(fd);
  filter_free(fe);
  filter_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_and_text), cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_parse_limits),   cmocka_unit_test(test_empty_matches_all),
      cmocka_unit_test(test_operators),      cmocka_unit_test(test_all_must_hold),
      cmocka_unit_test(test_equal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
