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
  SCRIPT_QUEUE_STATS, /* admin: unread, pending, oldest, dead letters of one queue */
  SCRIPT_TRACE,       /* admin: where one message went (its trace hash + queue state) */
  SCRIPT_DLQ_REPLAY,  /* admin: move dead letters back into their queue */
  SCRIPT_COUNT
} script_id_t;

extern const char *const script_sources[SCRIPT_COUNT];

/* Lua helpers shared by scripts.c and scripts_admin.c:
 * entry_fields(f) -> envelope, payload, message id, topic of a stream entry's fields;
 * queue_name(key) -> NAME of "<p>q:{NAME}";
 * note_trace(tp, m, field, value) sets a field of the trace tp..m if it still
 * exists (it expires with the dedupe TTL; never re-created without one); an
 * empty value clears the field. A trace is a string of "field=value" lines
 * where a later line wins (APPEND keeps the TTL), or a hash (written by hubs
 * before 2026-11-24, read and updated the same way);
 * trace_fields(key) -> its fields as a flat {field, value, ...} list. */
#define ENTRY_FIELDS_FN                                                                            \
  "local function entry_fields(f)\n"                                                               \
  "  local env, pay, m, t = '', '', '', ''\n"                                                      \
  "  for k = 1, #f, 2 do\n"                                                                        \
  "    if f[k] == 'e' then env = f[k + 1] elseif f[k] == 'p' then pay = f[k + 1]\n"                \
  "    elseif f[k] == 'm' then m = f[k + 1] elseif f[k] == 't' then t = f[k + 1] end\n"            \
  "  end\n"                                                                                        \
  "  return env, pay, m, t\n"                                                                      \
  "end\n"                                                                                          \
  "local function queue_name(key) return string.match(key, '{(.*)}$') or '' end\n"                 \
  "local function note_trace(tp, m, field, value)\n"                                               \
  "  if tp == '' or m == '' then return end\n"                                                     \
  "  local key = tp .. m\n"                                                                        \
  "  local ty = redis.call('TYPE', key).ok\n"                                                      \
  "  if ty == 'string' then\n"                                                                     \
  "    redis.call('APPEND', key, field .. '=' .. (string.gsub(value, '\\n', ' ')) .. '\\n')\n"     \
  "  elseif ty == 'hash' and value == '' then redis.call('HDEL', key, field)\n"                    \
  "  elseif ty == 'hash' then redis.call('HSET', key, field, value) end\n"                         \
  "end\n"                                                                                          \
  "local function trace_fields(key)\n"                                                             \
  "  local ty = redis.call('TYPE', key).ok\n"                                                      \
  "  if ty == 'hash' then return redis.call('HGETALL', key) end\n"                                 \
  "  if ty ~= 'string' then return {} end\n"                                                       \
  "  local order, t, h = {}, {}, {}\n"                                                             \
  "  for f, v in string.gmatch(redis.call('GET', key), '([^=\\n]*)=([^\\n]*)\\n') do\n"            \
  "    if t[f] == nil then order[#order + 1] = f end\n"                                            \
  "    t[f] = v\n"                                                                                 \
  "  end\n"                                                                                        \
  "  for _, f in ipairs(order) do\n"                                                               \
  "    if t[f] ~= '' then h[#h + 1] = f; h[#h + 1] = t[f] end\n"                                   \
  "  end\n"                                                                                        \
  "  return h\n"                                                                                   \
  "end\n"

extern const char script_queue_stats_lua[];
extern const char script_trace_lua[];
extern const char script_dlq_replay_lua[];

#endif
