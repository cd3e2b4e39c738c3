/*
 * queue_redis.h — the hub's connection to Redis: one hiredis async context for
 * commands (pipelined: replies come back in order) and one for pub/sub change
 * notices, both on the hub's libuv loop. It reconnects with back-off when
 * Redis goes away; while it is away, store_ready() is false and callers answer
 * STORE_UNAVAILABLE instead of waiting.
 */
#ifndef STAFET_QUEUE_REDIS_H
#define STAFET_QUEUE_REDIS_H

#include "hub.h"
#include "scripts.h"

#include <hiredis/hiredis.h>

/* reply is NULL when the command failed (connection lost); it is owned by
 * hiredis and valid only during the call. */
typedef void (*store_reply_fn)(hub_t *hub, redisReply *reply, void *arg);

int store_open(hub_t *hub);
/* Disconnects after the replies of pending commands arrived. */
void store_close(hub_t *hub);
bool store_ready(const hub_t *hub);
/* Drops the connection if Redis has not answered pending commands for
 * redis_timeout_ms (called from the heartbeat timer). */
void store_check_stalled(hub_t *hub);

/* Sends a command. Returns 0, or STAFET_EUNAVAIL or STAFET_ENOMEM (fn is then
 * not called). */
int store_command(hub_t *hub, store_reply_fn fn, void *arg, int argc, const char **argv,
                  const size_t *lens);
/* EVALSHA of a script: argv holds KEYS then ARGV (nkeys of them keys). */
int store_script(hub_t *hub, script_id_t script, store_reply_fn fn, void *arg, int nkeys, int argc,
                 const char **argv, const size_t *lens);
/* The RESP encoding of a command (what hiredis's redisFormatCommandArgv()
 * makes), in one malloc'd buffer of *len bytes; lens may be NULL (strlen).
 * NULL when out of memory. */
char *store_format_command(int argc, const char **argv, const size_t *lens, size_t *len);
/* Builds a prefixed key from a KEY_*_FMT with one %s argument. */
void store_key(const hub_t *hub, char *out, size_t out_size, const char *fmt, const char *name);

/*
 * Where accepted message ids (and their traces) live: a HASH per time bucket,
 * <p>ids:B with B = accept time / width, width = dedupe_ttl_ms / 2 rounded
 * up. A bucket expires as a whole at (B + 1) * width + dedupe_ttl_ms, so an id
 * is remembered for at least dedupe_ttl_ms and at most 1.5 times that. The
 * buckets lo..hi are every one that can hold an id accepted in the last
 * dedupe_ttl_ms (hi is one ahead of now's, for a hub whose clock runs ahead);
 * ids are written into now's. docs/redis-keys.md.
 */
typedef struct dedupe_window {
  uint64_t lo, hi, now_bucket;
  uint64_t expire_at_ms; /* of now's bucket */
} dedupe_window_t;
dedupe_window_t dedupe_window(const hub_t *hub, uint64_t now_ms);
/* "LO:HI:PREFIX": the scripts' way to find a message's trace (scripts.h). */
void dedupe_spec(const hub_t *hub, uint64_t now_ms, char *out, size_t out_size);

/* Helpers for reading replies. */
bool reply_is_error(const redisReply *r);
/* The value of a field in a flat [field, value, ...] reply, or NULL. Borrowed. */
const redisReply *reply_field(const redisReply *fields, const char *name);

#endif
