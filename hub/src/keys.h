/*
 * keys.h — every Redis key and channel the hub uses, in one place.
 * docs/redis-keys.md describes them for operators. All keys start with the
 * configured prefix (default "stafet:"). A subscription's keys share the hash
 * tag {NAME}, so in a Redis Cluster they live in one slot.
 *
 *   <p>subs                  SET     names of durable subscriptions
 *   <p>sub:{NAME}            HASH    definition: patterns, filters, ack_timeout_ms,
 *                                    max_deliveries, retention_ms, max_len, created_at_ms
 *   <p>q:{NAME}              STREAM  the queue; consumer group "stafet"; fields e (envelope),
 *                                    p (payload), m (message id), t (topic)
 *   <p>dlq:{NAME}            STREAM  dead letters: e, p, m, t, reason, id, deliveries, at
 *   <p>ids:BUCKET            HASH    accepted message ids of one time bucket (dedupe_window_t),
 *                                    each with its trace, "field=value" lines: topic, at,
 *                                    q:NAME = entry id, unroutable, dead:NAME = reason,
 *                                    replayed:NAME; expires as a whole
 *   <p>dedupe:MESSAGE_ID     STRING  the same, one key per id, written by earlier hubs
 *                                    (a HASH by the first ones): read and updated, not written
 *   <p>hub:HUB_ID            STRING  live hub (expires after 3 heartbeats)
 *   <p>adapter:NAME          HASH    last_seen_ms, hub, instance, session
 *   <p>unroutable            STREAM  accepted messages no durable subscription matched
 *                                    (and no transient one): e, p; capped at UNROUTABLE_MAX
 *   <p>svc:SERVICE           ZSET    hubs with a provider of SERVICE, scored by expiry (ms)
 *   <p>rpc:HUB_ID            CHANNEL requests for, and replies to, hub HUB_ID (hub.proto)
 *   <p>changes               CHANNEL "sub:NAME" when a subscription is created or removed
 */
#ifndef STAFET_KEYS_H
#define STAFET_KEYS_H

#define KEY_SUBS           "subs"
#define KEY_SUB_FMT        "%ssub:{%s}"
#define KEY_QUEUE_OPEN     "q:{" /* KEY_QUEUE_FMT in pieces, for builders without printf */
#define KEY_QUEUE_CLOSE    "}"
#define KEY_QUEUE_FMT      "%s" KEY_QUEUE_OPEN "%s" KEY_QUEUE_CLOSE
#define KEY_DLQ_FMT        "%sdlq:{%s}"
#define KEY_DEDUPE_INFIX   "dedupe:"
#define KEY_DEDUPE_FMT     "%s" KEY_DEDUPE_INFIX "%s"
#define KEY_IDS_INFIX      "ids:" /* + bucket number: the scripts build these keys too */
#define KEY_HUB_FMT        "%shub:%s"
#define KEY_ADAPTER_FMT    "%sadapter:%s"
#define KEY_SERVICE_FMT    "%ssvc:%s"
#define KEY_KEYS           "keys"           /* SET of Z85 public keys (auth.h) */
#define KEY_KEY_FMT        "%skey:%s"       /* HASH adapter, status, created_at_ms */
#define KEY_ACLS           "acls"           /* SET of adapter names with an ACL */
#define KEY_ACL_FMT        "%sacl:%s"       /* HASH publish, subscribe, call, provide, clearance */
#define KEY_AUDIT          "audit"          /* STREAM: deliveries of personal data */
#define KEY_TRANSIENT_HUBS "transient-hubs" /* ZSET hub id -> expiry: hubs with transient subs */
#define CHANNEL_FANOUT     "fanout"         /* accepted messages for other hubs' transient subs */
#define CHANNEL_RPC_FMT    "%srpc:%s"
#define CHANNEL_CHANGES    "changes"
#define KEY_UNROUTABLE     "unroutable"
#define UNROUTABLE_MAX     "100000"
#define CONSUMER_GROUP     "stafet"
/* Deliveries of ended sessions are parked here, idle, for the claim sweep. */
#define CONSUMER_ORPHANS "stafet-orphans"

#define KEY_MAX 256

/* The ACL user the embedded Redis is configured with (redis_embed.c). */
#define EMBEDDED_REDIS_USER "stafet"

#endif
