/*
 * scripts.h — the Lua scripts that make each multi-key step atomic in Redis.
 * They are loaded with SCRIPT LOAD on every (re)connect and run by EVALSHA.
 */
#ifndef STAFET_SCRIPTS_H
#define STAFET_SCRIPTS_H

typedef enum {
  SCRIPT_PUBLISH = 0, /* dedupe + capacity check + XADD to every matching queue */
  SCRIPT_CLAIM,       /* redeliver timed-out deliveries, dead-letter the exhausted */
  SCRIPT_RELEASE,     /* park a consumer's (or some) deliveries for immediate redelivery */
  SCRIPT_DEADLETTER,  /* move deliveries to the dead-letter stream with a reason */
  SCRIPT_SUB_CREATE,  /* create or join a durable subscription */
  SCRIPT_SUB_REMOVE,  /* delete a subscription with its queue and dead letters */
  SCRIPT_TRIM,        /* retention: trim consumed entries older than retention_ms */
  SCRIPT_COUNT
} script_id_t;

extern const char *const script_sources[SCRIPT_COUNT];

#endif
