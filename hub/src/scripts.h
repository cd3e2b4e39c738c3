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
  SCRIPT_TRACE,       /* admin: where one message went (its trace + queue state) */
  SCRIPT_DLQ_REPLAY,  /* admin: move dead letters back into their queue */
  SCRIPT_COUNT
} script_id_t;

extern const char *const script_sources[SCRIPT_COUNT];

/* Lua helpers shared by scripts.c and scripts_admin.c:
 * entry_fields(f) -> envelope, payload, message id, topic of a stream entry's fields;
 * queue_name(key) -> NAME of "<p>q:{NAME}";
 * trace_find(spec, m) -> 'bucket'|'string'|'hash', key: where message m's trace
 * is, or nil. spec is "LO:HI:PREFIX" (dedupe_spec() in queue_redis.h): the
 * buckets PREFIX..'ids:'..B for B = HI down to LO, then the key per id that
 * earlier hubs wrote, PREFIX..'dedupe:'..m (a string; a hash from the first
 * ones);
 * note_trace(spec, m, field, value) adds a "field=value" line to m's trace if
 * it still exists (it expires with its bucket; never re-created without one);
 * a later line wins and an empty value clears the field;
 * trace_fields(spec, m) -> its fields as a flat {field, value, ...} list. */
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
  "local function trace_find(spec, m)\n"                                                           \
  "  local lo, hi, p = string.match(spec, '^(%d+):(%d+):(.*)$')\n"                                 \
  "  if lo == nil or m == '' then return nil end\n"                                                \
  "  for b = tonumber(hi), tonumber(lo), -1 do\n"                                                  \
  "    local key = p .. 'ids:' .. string.format('%d', b)\n"                                        \
  "    if redis.call('HEXISTS', key, m) == 1 then return 'bucket', key end\n"                      \
  "  end\n"                                                                                        \
  "  local key = p .. 'dedupe:' .. m\n"                                                            \
  "  local ty = redis.call('TYPE', key).ok\n"                                                      \
  "  if ty == 'string' or ty == 'hash' then return ty, key end\n"                                  \
  "  return nil\n"                                                                                 \
  "end\n"                                                                                          \
  "local function note_trace(spec, m, field, value)\n"                                             \
  "  local kind, key = trace_find(spec, m)\n"                                                      \
  "  local line = field .. '=' .. (string.gsub(value, '\\n', ' ')) .. '\\n'\n"                     \
  "  if kind == 'bucket' then redis.call('HSET', key, m, redis.call('HGET', key, m) .. line)\n"    \
  "  elseif kind == 'string' then redis.call('APPEND', key, line)\n"                               \
  "  elseif kind == 'hash' and value == '' then redis.call('HDEL', key, field)\n"                  \
  "  elseif kind == 'hash' then redis.call('HSET', key, field, value) end\n"                       \
  "end\n"                                                                                          \
  "local function trace_fields(spec, m)\n"                                                         \
  "  local kind, key = trace_find(spec, m)\n"                                                      \
  "  local text\n"                                                                                 \
  "  if kind == 'hash' then return redis.call('HGETALL', key)\n"                                   \
  "  elseif kind == 'string' then text = redis.call('GET', key)\n"                                 \
  "  elseif kind == 'bucket' then text = redis.call('HGET', key, m)\n"                             \
  "  else return {} end\n"                                                                         \
  "  local order, t, h = {}, {}, {}\n"                                                             \
  "  for f, v in string.gmatch(text, '([^=\\n]*)=([^\\n]*)\\n') do\n"                              \
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
