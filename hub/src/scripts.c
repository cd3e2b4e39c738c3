/*
 * scripts.c — the Lua source of every script in scripts.h.
 *
 * Why Lua: a publish must land in every matching queue or in none, together
 * with its dedupe record, in one round trip; a redelivery must decide between
 * "claim" and "dead-letter" without a race against another hub. Redis runs a
 * script atomically, so these are the hub's transactions.
 */
#include "scripts.h"

/* Stores a batch of publishes (the publishes of one loop turn), each on its
 * own: one message's outcome does not depend on another's.
 * KEYS: the nb dedupe buckets (dedupe_window_t; KEYS[1] is now's, where
 * accepted ids are written), then per message: its dedupe key as earlier hubs
 * wrote it (read only), then its queues. ARGV[1] when KEYS[1] expires (ms),
 * ARGV[2] now ms, ARGV[3] nb, then per message: the number of queues n,
 * envelope, payload, message id, topic, and the max_len of each of its n
 * queues.
 * Returns a flat array, two numbers per message: 1, stored | 0, 0 duplicate |
 * 2, i queue i (1-based) full (stored nowhere).
 * An accepted id's value in the bucket is its trace (docs/redis-keys.md), a
 * string of "field=value" lines: topic, time and, per queue, `q:NAME` = the
 * entry id, so `stafetctl trace` can follow the message. The ids are looked
 * up with one HMGET per bucket and written with one HSET for the batch: a
 * key per message (EXISTS, SET ... PX) cost Redis 4 us more per message,
 * mostly in keeping a key and an expiry per id (bench/notes.md). Commands
 * take at most CHUNK ids: Lua's unpack() has a limit. */
static const char publish_lua[] =
    "local CHUNK = 1000\n"
    "local nb, out, fields = tonumber(ARGV[3]), {}, {}\n"
    "local mids, legacy = {}, {}\n"
    "local k, a = nb + 1, 4\n"
    "while a <= #ARGV do\n"
    "  local nq = tonumber(ARGV[a])\n"
    "  mids[#mids + 1], legacy[#legacy + 1] = ARGV[a + 3], KEYS[k]\n"
    "  k, a = k + 1 + nq, a + 5 + nq\n"
    "end\n"
    "local seen = {}\n"
    "for i = 1, #mids, CHUNK do\n"
    "  local j = math.min(i + CHUNK - 1, #mids)\n"
    "  for b = 1, nb do\n"
    "    local v = redis.call('HMGET', KEYS[b], unpack(mids, i, j))\n"
    "    for x = 1, #v do\n"
    "      if v[x] then seen[mids[i + x - 1]] = true end\n"
    "    end\n"
    "  end\n"
    "  if redis.call('EXISTS', unpack(legacy, i, j)) > 0 then\n"
    "    for x = i, j do\n"
    "      if redis.call('EXISTS', legacy[x]) == 1 then seen[mids[x]] = true end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "local accepted = {}\n"
    "k, a = nb + 1, 4\n"
    "while a <= #ARGV do\n"
    "  local nq, env, pay, mid, topic = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2], ARGV[a + 3],\n"
    "                                    ARGV[a + 4]\n"
    "  local status, value = 1, 0\n"
    "  if seen[mid] then status = 0 end\n"
    "  for i = 1, nq do\n"
    "    local max = tonumber(ARGV[a + 4 + i])\n"
    "    if status == 1 and max > 0 and redis.call('XLEN', KEYS[k + i]) >= max then\n"
    "      status, value = 2, i\n"
    "    end\n"
    "  end\n"
    "  if status == 1 then\n"
    "    local trace = {'topic=', topic, '\\nat=', ARGV[2], '\\n'}\n"
    "    for i = 1, nq do\n"
    "      local q = KEYS[k + i]\n"
    "      local id = redis.call('XADD', q, 'NOMKSTREAM', '*', 'e', env, 'p', pay, 'm', mid, 't', "
    "topic)\n"
    "      if id then\n"
    "        value = value + 1\n"
    "        local f = fields[q]\n"
    "        if not f then\n"
    "          local name = string.match(q, '{(.*)}$')\n"
    "          f = name and 'q:' .. name .. '=' or 'unroutable='\n"
    "          fields[q] = f\n"
    "        end\n"
    "        trace[#trace + 1] = f\n"
    "        trace[#trace + 1] = id\n"
    "        trace[#trace + 1] = '\\n'\n"
    "      end\n"
    "    end\n"
    "    seen[mid] = true\n"
    "    accepted[#accepted + 1] = mid\n"
    "    accepted[#accepted + 1] = table.concat(trace)\n"
    "  end\n"
    "  out[#out + 1] = status\n"
    "  out[#out + 1] = value\n"
    "  k, a = k + 1 + nq, a + 5 + nq\n"
    "end\n"
    "for i = 1, #accepted, 2 * CHUNK do\n"
    "  redis.call('HSET', KEYS[1], unpack(accepted, i, math.min(i + 2 * CHUNK - 1, #accepted)))\n"
    "end\n"
    "if #accepted > 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end\n"
    "return out\n";

/* Shared by claim and deadletter: moves entry `id` of KEYS[1] to KEYS[2] and,
 * if the message's trace (found with dedupe spec tp, scripts.h) still exists,
 * notes `dead:NAME` = reason in it. */
#define DEADLETTER_FN                                                                              \
  ENTRY_FIELDS_FN                                                                                  \
  "local function dead(id, reason, count, now, tp)\n"                                              \
  "  local e = redis.call('XRANGE', KEYS[1], id, id)\n"                                            \
  "  local m, t = '', ''\n"                                                                        \
  "  if #e > 0 then\n"                                                                             \
  "    local env, pay\n"                                                                           \
  "    env, pay, m, t = entry_fields(e[1][2])\n"                                                   \
  "    redis.call('XADD', KEYS[2], '*', 'e', env, 'p', pay, 'm', m, 't', t, 'reason', reason,\n"   \
  "               'id', id, 'deliveries', count, 'at', now)\n"                                     \
  "    note_trace(tp, m, 'dead:' .. queue_name(KEYS[1]), reason)\n"                                \
  "  end\n"                                                                                        \
  "  redis.call('XACK', KEYS[1], ARGV[1], id)\n"                                                   \
  "  if #e > 0 then return 1, m, t end\n"                                                          \
  "  return 0, '', ''\n"                                                                           \
  "end\n"

/* KEYS[1] queue, KEYS[2] dlq. ARGV[1] group, ARGV[2] consumer, ARGV[3] min idle ms,
 * ARGV[4] count, ARGV[5] max deliveries, ARGV[6] now ms, ARGV[7] dedupe spec.
 * Returns {{id, fields, delivery_count}, ...} claimed for ARGV[2], and a last element
 * {"dead", n, id1, message_id1, topic1, ...} with the entries dead-lettered. */
static const char claim_lua[] = DEADLETTER_FN
    "local out = {}\n"
    "local deadn, deadlist = 0, {}\n"
    "local pend = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[3], '-', '+', ARGV[4])\n"
    "for _, p in ipairs(pend) do\n"
    "  local id, count = p[1], tonumber(p[4])\n"
    "  if count >= tonumber(ARGV[5]) then\n"
    "    local _, m, t = dead(id, 'max_deliveries_exceeded', count, ARGV[6], ARGV[7] or '')\n"
    "    deadn = deadn + 1\n"
    "    deadlist[#deadlist + 1] = id\n"
    "    deadlist[#deadlist + 1] = m\n"
    "    deadlist[#deadlist + 1] = t\n"
    "  else\n"
    "    local c = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id)\n"
    "    if type(c[1]) == 'table' then\n"
    "      table.insert(out, {c[1][1], c[1][2], count + 1})\n"
    "    else\n"
    "      redis.call('XACK', KEYS[1], ARGV[1], id)\n"
    "    end\n"
    "  end\n"
    "end\n"
    "local tail = {'dead', deadn}\n"
    "for _, v in ipairs(deadlist) do tail[#tail + 1] = v end\n"
    "table.insert(out, tail)\n"
    "return out\n";

/* KEYS[1] queue. ARGV[1] group, ARGV[2] consumer, ARGV[3] idle ms to set,
 * ARGV[4] '1' to delete the consumer afterwards, ARGV[5..] ids (none = all of
 * the consumer's). Returns the number parked. */
static const char release_lua[] =
    "local ids = {}\n"
    "if #ARGV > 4 then\n"
    "  for i = 5, #ARGV do ids[#ids + 1] = ARGV[i] end\n"
    "else\n"
    "  local pend = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 100000, ARGV[2])\n"
    "  for _, p in ipairs(pend) do ids[#ids + 1] = p[1] end\n"
    "end\n"
    "for _, id in ipairs(ids) do\n"
    "  redis.call('XCLAIM', KEYS[1], ARGV[1], 'stafet-orphans', 0, id, 'IDLE', ARGV[3], 'JUSTID')\n"
    "end\n"
    "if ARGV[4] == '1' then redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) end\n"
    "return #ids\n";

/* KEYS[1] queue, KEYS[2] dlq. ARGV[1] group, ARGV[2] reason, ARGV[3] now ms,
 * ARGV[4] dedupe spec, ARGV[5..] ids. Returns the number dead-lettered. */
static const char deadletter_lua[] =
    DEADLETTER_FN "local n = 0\n"
                  "for i = 5, #ARGV do\n"
                  "  local id = ARGV[i]\n"
                  "  local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)\n"
                  "  local count = 1\n"
                  "  if #p > 0 then count = tonumber(p[1][4]) end\n"
                  "  n = n + dead(id, ARGV[2], count, ARGV[3], ARGV[4])\n"
                  "end\n"
                  "return n\n";

/* KEYS[1] definition hash, KEYS[2] queue, KEYS[3] set of names.
 * ARGV[1] name, ARGV[2] patterns, ARGV[3] filters, ARGV[4] ack_timeout_ms,
 * ARGV[5] max_deliveries, ARGV[6] retention_ms, ARGV[7] max_len, ARGV[8] now ms,
 * ARGV[9] change channel.
 * Returns {status, fields...}: status 1 created, 0 joined, -1 conflict, -2 unknown. */
static const char sub_create_lua[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then\n"
    "  local cur = redis.call('HMGET', KEYS[1], 'patterns', 'filters')\n"
    "  local st = 0\n"
    "  if ARGV[2] ~= '' and (cur[1] ~= ARGV[2] or cur[2] ~= ARGV[3]) then st = -1 end\n"
    "  local r = redis.call('HGETALL', KEYS[1])\n"
    "  table.insert(r, 1, st)\n"
    "  return r\n"
    "end\n"
    "if ARGV[2] == '' then return {-2} end\n"
    "redis.call('HSET', KEYS[1], 'name', ARGV[1], 'patterns', ARGV[2], 'filters', ARGV[3],\n"
    "  'ack_timeout_ms', ARGV[4], 'max_deliveries', ARGV[5], 'retention_ms', ARGV[6],\n"
    "  'max_len', ARGV[7], 'created_at_ms', ARGV[8])\n"
    "redis.call('SADD', KEYS[3], ARGV[1])\n"
    "redis.pcall('XGROUP', 'CREATE', KEYS[2], 'stafet', '$', 'MKSTREAM')\n"
    "redis.call('PUBLISH', ARGV[9], 'sub:' .. ARGV[1])\n"
    "local r = redis.call('HGETALL', KEYS[1])\n"
    "table.insert(r, 1, 1)\n"
    "return r\n";

/* KEYS[1] definition, KEYS[2] queue, KEYS[3] dlq, KEYS[4] set. ARGV[1] name,
 * ARGV[2] channel. Returns 1 if it existed. */
static const char sub_remove_lua[] = "local n = redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])\n"
                                     "redis.call('SREM', KEYS[4], ARGV[1])\n"
                                     "redis.call('PUBLISH', ARGV[2], 'sub:' .. ARGV[1])\n"
                                     "return n > 0 and 1 or 0\n";

/* KEYS[1] queue. ARGV[1] group, ARGV[2] cutoff id (now - retention),
 * ARGV[3] stale consumer idle ms.
 * Trims entries older than the cutoff that every consumer has read and acked:
 * the trim point is never past the oldest pending or the first unread entry.
 * Also deletes consumers that hold nothing and were idle longer than ARGV[3]
 * (sessions of a hub that was killed): harmless for a live one, whose next
 * XREADGROUP creates it again. */
static const char trim_lua[] =
    "local function lt(a, b)\n"
    "  local am, as = string.match(a, '(%d+)-(%d+)')\n"
    "  local bm, bs = string.match(b, '(%d+)-(%d+)')\n"
    "  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)\n"
    "  return am < bm or (am == bm and as < bs)\n"
    "end\n"
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
    "local minid = ARGV[2]\n"
    "for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do\n"
    "  for k = 1, #g, 2 do\n"
    "    if g[k] == 'last-delivered-id' and lt(g[k + 1], minid) then minid = g[k + 1] end\n"
    "  end\n"
    "end\n"
    "local p = redis.call('XPENDING', KEYS[1], ARGV[1])\n"
    "if p[1] > 0 and lt(p[2], minid) then minid = p[2] end\n"
    "for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do\n"
    "  local name, pending, idle = nil, 1, 0\n"
    "  for k = 1, #c, 2 do\n"
    "    if c[k] == 'name' then name = c[k + 1]\n"
    "    elseif c[k] == 'pending' then pending = c[k + 1]\n"
    "    elseif c[k] == 'idle' then idle = c[k + 1] end\n"
    "  end\n"
    "  if pending == 0 and idle > tonumber(ARGV[3]) and name ~= 'stafet-orphans' then\n"
    "    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)\n"
    "  end\n"
    "end\n"
    "return redis.call('XTRIM', KEYS[1], 'MINID', minid)\n";

const char *const script_sources[SCRIPT_COUNT] = {
    [SCRIPT_PUBLISH] = publish_lua,
    [SCRIPT_CLAIM] = claim_lua,
    [SCRIPT_RELEASE] = release_lua,
    [SCRIPT_DEADLETTER] = deadletter_lua,
    [SCRIPT_SUB_CREATE] = sub_create_lua,
    [SCRIPT_SUB_REMOVE] = sub_remove_lua,
    [SCRIPT_TRIM] = trim_lua,
    [SCRIPT_QUEUE_STATS] = script_queue_stats_lua,
    [SCRIPT_TRACE] = script_trace_lua,
    [SCRIPT_DLQ_REPLAY] = script_dlq_replay_lua,
};
