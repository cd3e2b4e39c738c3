/*
 * filter.c — parsing and evaluating subscription filters (see filter.h).
 *
 * Each expression is kept as its normalised text "key<op>value" in one
 * allocation, with the key length and the value's offset remembered, so that
 * filter_expr() can hand out the text (for Redis and the admin API) and
 * filter_match() can compare key and value in place. Filters are evaluated for
 * every matching message, so matching neither allocates nor copies.
 */
#include "filter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stafet.h"
#include "topic.h"

typedef enum { OP_EQ, OP_PREFIX, OP_NE } filter_op_t;

typedef struct filter_expr {
  char *text;        /* "key<op>value", owned */
  size_t key_len;    /* text[0..key_len) is the key */
  const char *value; /* points into text */
  size_t value_len;
  filter_op_t op;
} filter_expr_t;

struct filter {
  size_t n;
  filter_expr_t exprs[FILTER_MAX_EXPRS];
};

static const char *const op_text[] = {[OP_EQ] = "=", [OP_PREFIX] = "^=", [OP_NE] = "!="};

static int fail(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the message to err (if any) and returns STAFET_EFILTER. */
static int fail(char *err, size_t err_size, const char *fmt, ...) {
  if (err != NULL && err_size > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
  }
  return STAFET_EFILTER;
}

/*
 * Parses one expression (borrowed) into *e, which then owns its text.
 * Returns 0, STAFET_EFILTER (message in err) or STAFET_ENOMEM.
 */
static int parse_expr(const char *s, filter_expr_t *e, char *err, size_t err_size) {
  const char *eq = strchr(s, '=');
  if (eq == NULL || eq == s)
    return fail(err, err_size, "filter '%s': expected key=value, key^=prefix or key!=value", s);
  filter_op_t op = OP_EQ;
  size_t key_len = (size_t)(eq - s);
  if (s[key_len - 1] == '^' || s[key_len - 1] == '!') {
    op = s[key_len - 1] == '^' ? OP_PREFIX : OP_NE;
    key_len--;
  }
  char key[NAME_MAX_LEN + 1];
  if (key_len == 0)
    return fail(err, err_size, "filter '%s': missing key before '%s'", s, op_text[op]);
  if (key_len > NAME_MAX_LEN)
    return fail(err, err_size, "filter '%s': key longer than %d bytes", s, NAME_MAX_LEN);
  memcpy(key, s, key_len);
  key[key_len] = '\0';
  if (name_validate(key) != 0)
    return fail(err, err_size,
                "filter '%s': invalid key '%s' (use [a-z0-9_-], starting with a letter or digit)",
                s, key);
  const char *value = eq + 1;
  size_t value_len = strlen(value);
  if (value_len > FILTER_MAX_VALUE_LEN)
    return fail(err, err_size, "filter '%s': value longer than %d bytes", s, FILTER_MAX_VALUE_LEN);
  if (op == OP_PREFIX && value_len == 0)
    return fail(err, err_size, "filter '%s': empty prefix after '^='", s);
  size_t op_len = strlen(op_text[op]);
  e->text = malloc(key_len + op_len + value_len + 1);
  if (e->text == NULL)
    return STAFET_ENOMEM;
  snprintf(e->text, key_len + op_len + value_len + 1, "%s%s%s", key, op_text[op], value);
  e->key_len = key_len;
  e->value = e->text + key_len + op_len;
  e->value_len = value_len;
  e->op = op;
  return 0;
}

static bool has_expr(const filter_t *f, const char *text) {
  for (size_t i = 0; i < f->n; i++)
    if (strcmp(f->exprs[i].text, text) == 0)
      return true;
  return false;
}

int filter_parse(const char *const *exprs, size_t n, filter_t **out, char *err, size_t err_size) {
  if (out == NULL || (exprs == NULL && n > 0))
    return STAFET_EINVAL;
  if (err != NULL && err_size > 0)
    err[0] = '\0';
  if (n > FILTER_MAX_EXPRS)
    return fail(err, err_size, "too many filters: %zu (at most %d)", n, FILTER_MAX_EXPRS);
  filter_t *f = calloc(1, sizeof(*f));
  if (f == NULL)
    return STAFET_ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (exprs[i] == NULL) {
      rc = STAFET_EINVAL;
      break;
    }
    filter_expr_t e;
    rc = parse_expr(exprs[i], &e, err, err_size);
    if (rc == 0 && has_expr(f, e.text))
      free(e.text);
    else if (rc == 0)
      f->exprs[f->n++] = e;
  }
  if (rc != 0) {
    filter_free(f);
    return rc;
  }
  *out = f;
  return 0;
}

static bool key_is(const char *key, size_t key_len, const char *name) {
  return strlen(name) == key_len && memcmp(name, key, key_len) == 0;
}

/*
 * The envelope's value (borrowed) for a filter key of key_len bytes at key
 * (not NUL-terminated), or NULL if the envelope has none.
 */
static const char *lookup(const Stafet__Wire__V1__Envelope *env, const char *key, size_t key_len) {
  if (key_is(key, key_len, "tenant"))
    return env->tenant;
  if (key_is(key, key_len, "source"))
    return env->source;
  if (key_is(key, key_len, "type"))
    return env->type_name;
  for (size_t i = 0; i < env->n_attributes; i++) {
    const Stafet__Wire__V1__Attribute *a = env->attributes[i];
    if (a != NULL && a->key != NULL && strncmp(a->key, key, key_len) == 0 &&
        a->key[key_len] == '\0')
      return a->value != NULL ? a->value : "";
  }
  return NULL;
}

static bool expr_holds(const filter_expr_t *e, const Stafet__Wire__V1__Envelope *env) {
  const char *v = lookup(env, e->text, e->key_len);
  if (v == NULL)
    return e->op == OP_NE;
  switch (e->op) {
  case OP_EQ: return strcmp(v, e->value) == 0;
  case OP_PREFIX: return strncmp(v, e->value, e->value_len) == 0;
  case OP_NE: return strcmp(v, e->value) != 0;
  }
  return false;
}

bool filter_match(const filter_t *f, const Stafet__Wire__V1__Envelope *env) {
  if (f == NULL || f->n == 0)
    return true;
  if (env == NULL)
    return false;
  for (size_t i = 0; i < f->n; i++)
    if (!expr_holds(&f->exprs[i], env))
      return false;
  return true;
}

void filter_free(filter_t *f) {
  if (f == NULL)
    return;
  for (size_t i = 0; i < f->n; i++)
    free(f->exprs[i].text);
  free(f);
}

bool filter_equal(const filter_t *a, const filter_t *b) {
  if (filter_count(a) != filter_count(b))
    return false;
  for (size_t i = 0; i < filter_count(a); i++)
    if (!has_expr(b, a->exprs[i].text))
      return false;
  return true;
}

size_t filter_count(const filter_t *f) {
  return f ? f->n : 0;
}

const char *filter_expr(const filter_t *f, size_t i) {
  return f != NULL && i < f->n ? f->exprs[i].text : NULL;
}
