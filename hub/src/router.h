/*
 * router.h — which subscriptions want a topic: the topic trie.
 *
 * Every publish asks the router for the targets (opaque pointers: a session's
 * transient subscription, a durable subscription record, ...) whose patterns
 * match the topic. Patterns follow AMQP topic-exchange rules (docs/protocol.md,
 * "Subscribing"): a literal segment matches itself, '*' exactly one segment,
 * '#' zero or more. The router is a trie of pattern segments, so the cost of a
 * match grows with the topic's length (and with the wildcard branches actually
 * taken), not with the number of subscriptions.
 *
 * The router borrows targets: it never frees or dereferences them. Whoever
 * frees a target first calls router_remove_target().
 *
 *   router_t *r; router_new(&r);
 *   router_add(r, "cpr.person.*", sub);
 *   router_add(r, "cpr.#", sub);              // same target, overlapping pattern
 *   router_match(r, "cpr.person.relocated", deliver, ctx);   // deliver(sub) once
 *   router_remove_target(r, sub);
 *   router_free(r);
 *
 * Not thread-safe (the hub runs its hot path on one thread). A match callback
 * must not change the router it was called from: add/remove return
 * STAFET_EINVAL while a match is running.
 */
#ifndef STAFET_ROUTER_H
#define STAFET_ROUTER_H

#include <stddef.h>

typedef struct router router_t;

/* Creates an empty router in *out (the caller's; free with router_free). 0, EINVAL or ENOMEM. */
int router_new(router_t **out);

/* Frees the trie and the router's records of targets; never the targets. NULL is fine. */
void router_free(router_t *r);

/*
 * Adds the entry (pattern, target). pattern is borrowed (copied into the
 * trie); target is borrowed and must not be NULL. Adding an entry that is
 * already present is a no-op that returns 0. Returns 0, STAFET_EPATTERN,
 * STAFET_EINVAL or STAFET_ENOMEM (the router is unchanged then).
 */
int router_add(router_t *r, const char *pattern, void *target);

/*
 * Removes the entry (pattern, target) and prunes trie nodes left empty.
 * Returns 0, STAFET_ENOTFOUND if absent, STAFET_EPATTERN or STAFET_EINVAL.
 */
int router_remove(router_t *r, const char *pattern, void *target);

/* Removes every entry of target. Returns 0 (also if it had none) or STAFET_EINVAL. */
int router_remove_target(router_t *r, void *target);

/* Called once per matching target; target and arg are borrowed. */
typedef void (*router_match_fn)(void *target, void *arg);

/*
 * Calls fn(target, arg) once for every distinct target with at least one
 * pattern matching topic, in no particular order, and returns how many that
 * was; or STAFET_ETOPIC if topic is invalid, STAFET_EINVAL for NULL
 * arguments or a nested call. topic is borrowed. Does not allocate.
 */
int router_match(router_t *r, const char *topic, router_match_fn fn, void *arg);

/* router_match() for a topic that has passed topic_validate() already (the
 * hot path matches each published topic against several routers; validating
 * it every time was 3 % of the hub's time in transient benchmarks). */
int router_match_valid(router_t *r, const char *topic, router_match_fn fn, void *arg);

/* Number of (pattern, target) entries. */
size_t router_size(const router_t *r);

/* Number of trie nodes, the root included (1 when empty): for metrics and tests of pruning. */
size_t router_node_count(const router_t *r);

#endif
