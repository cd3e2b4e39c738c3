/*
 * filter.h — the attribute filter of a subscription.
 *
 * Patterns (router.h) decide which topics a subscription wants; its filter then
 * looks at the envelope of each matching message. A filter is a conjunction
 * of up to 16 expressions (docs/protocol.md, "Subscribing"):
 *
 *   key=value    the key's value equals value (a missing attribute fails)
 *   key^=prefix  the key's value starts with prefix (non-empty; missing fails)
 *   key!=value   the key's value differs from value (a missing attribute holds)
 *
 * The key `tenant` tests Envelope.tenant, `source` Envelope.source, `type`
 * Envelope.type_name; any other key tests the first attribute with that key.
 * Keys are names (topic.h: [a-z0-9_-]{1,64}); values are at most 256 bytes.
 *
 *   const char *exprs[] = {"kle^=27.", "tenant=0751"};
 *   char err[256]; filter_t *f;
 *   if (filter_parse(exprs, 2, &f, err, sizeof(err)) != 0) reply_error(err);
 *   if (filter_match(f, env)) deliver(...);
 *   filter_free(f);
 *
 * A parsed filter is immutable, so matching it needs no locking or allocation.
 */
#ifndef STAFET_FILTER_H
#define STAFET_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "stafet/wire/v1/envelope.pb-c.h"

#define FILTER_MAX_EXPRS     16
#define FILTER_MAX_VALUE_LEN 256

typedef struct filter filter_t;

/*
 * Parses n expressions (borrowed) into *out (the caller's; free with
 * filter_free). Repeated identical expressions count once. n == 0 gives a
 * filter that matches everything. On STAFET_EFILTER, err (err_size bytes,
 * may be NULL) says which expression is wrong and why, e.g. "filter
 * 'kle~27': expected key=value, key^=prefix or key!=value". Returns 0,
 * STAFET_EFILTER, STAFET_EINVAL (NULL arguments) or STAFET_ENOMEM.
 */
int filter_parse(const char *const *exprs, size_t n, filter_t **out, char *err, size_t err_size);

/* Whether every expression holds for env (borrowed). A NULL filter matches everything. */
bool filter_match(const filter_t *f, const Stafet__Wire__V1__Envelope *env);

/* Frees f. NULL is fine. */
void filter_free(filter_t *f);

/* Whether a and b hold the same set of expressions, in any order (NULL equals empty). */
bool filter_equal(const filter_t *a, const filter_t *b);

/* Number of distinct expressions (0 for NULL). */
size_t filter_count(const filter_t *f);

/*
 * The i-th expression in normalised text form ("key=value", "key^=prefix",
 * "key!=value"), in parse order; borrowed, valid until filter_free. NULL if
 * i is out of range.
 */
const char *filter_expr(const filter_t *f, size_t i);

#endif
