/*
 * sentinel.h — finding the Redis master through Redis Sentinel.
 *
 * With redis_sentinels set, the hub never connects to a fixed Redis address:
 * before every (re)connect it asks the sentinels, one after another, for the
 * current master of redis_master_name. A failover therefore costs the hub one
 * lost connection: the reconnect finds the promoted replica. A connection to
 * a master that was demoted meanwhile is noticed by its READONLY errors and
 * dropped (queue_redis.c), which leads to the same place.
 */
#ifndef STAFET_SENTINEL_H
#define STAFET_SENTINEL_H

#include "hub.h"

bool sentinel_enabled(const hub_t *hub);
/* Resolves the master into hub->store.host/port; calls done(hub, ok). */
void sentinel_resolve(hub_t *hub, void (*done)(hub_t *hub, bool ok));

#endif
