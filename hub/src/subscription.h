/*
 * subscription.h — storing and deleting durable subscription definitions in
 * Redis, shared by the Subscribe frame (subscribe.c) and the admin API
 * (admin_api.c, `stafetctl subs add|rm`), so both go through the same script
 * and the same normalisation (sorted, "\n"-joined patterns and filters).
 */
#ifndef STAFET_SUBSCRIPTION_H
#define STAFET_SUBSCRIPTION_H

#include "hub.h"
#include "queue_redis.h"

/* A definition to store; everything borrowed. Zero numbers: the hub's defaults. */
typedef struct subscription_def {
  const char *name;
  const char *const *patterns;
  size_t n_patterns;
  const filter_t *filter;
  uint64_t ack_timeout_ms, max_deliveries, retention_ms, max_len;
} subscription_def_t;

/*
 * Runs the sub_create script (scripts.c): creates the subscription, or finds
 * the existing one. fn gets {status, fields...}: 1 created, 0 exists with the
 * same definition (or joined without patterns), -1 exists with another one.
 * Returns 0 or STAFET_EUNAVAIL / STAFET_ENOMEM (fn is then not called).
 */
int subscription_store(hub_t *hub, const subscription_def_t *def, store_reply_fn fn, void *arg);

/* Mirrors the definition in a sub_create reply (status 0 or 1) into the
 * routing table; the subscription, or NULL if unreadable. */
dsub_t *subscription_from_reply(hub_t *hub, const char *name, const redisReply *reply);

/* Runs the sub_remove script: definition, queue and dead letters go; every hub
 * hears of it on the change channel. fn gets 1 if it existed, else 0. */
int subscription_delete(hub_t *hub, const char *name, store_reply_fn fn, void *arg);

/* A reply callback for subscription_delete: arg is the name (malloc'd, freed
 * here); drops the subscription from this hub's routing table at once. */
void subscription_on_removed(hub_t *hub, redisReply *reply, void *arg);

#endif
