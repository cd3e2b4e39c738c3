/*
 * scripts_admin.c — the Lua scripts behind the admin API and the metrics:
 * queue figures, message traces and dead-letter replay.
 *
 * They are scripts rather than command sequences for the same reason as the
 * hot-path ones in scripts.c: each answer (or each replayed message) is one
 * consistent step, with no race against a hub that delivers meanwhile.
 */
#include "scripts.h"

/* Compares two stream ids "ms-seq": a < b. */
#define STREAM_ID_LT_FN                                                                            \
  "local function lt(a, b)\n"                                                                      \
  "  local am, as = string.match(a, '(%d+)-(%d+)')\n"                                              \
  "  local bm, bs = string.match(b, '(%d+)-(%d+)')\n"                                              \
  "  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)\n"                    \
  "  return am < bm or (am == bm and as < bs)\n"                                                   \
  "end\n"

/* The consumer group's XINFO GROUPS entry as a table (name -> value), or nil. */
#define GROUP_INFO_FN                                                                              \
  "local function group_info(q, group)\n"                                                          \
  "  for _, g in ipairs(redis.call('XINFO', 'GROUPS', q)) do\n"                                    \
  "    local t = {}\n"                                                                             \
  "    for k = 1, #g, 2 do t[g[k]] = g[k + 1] end\n"                                               \
  "    if t['name'] == group then return t end\n"                                                  \
  "  end\n"                                                                                        \
  "  return nil\n"                                                                                 \
  "end\n"

/* KEYS[1] queue, KEYS[2] dlq. ARGV[1] group.
 * Returns {unread, pending, oldest pending id or '', first unread id or '',
 * dead letters, consumers}. `unread` is the group's lag; where Redis cannot
 * tell it (after a replay moved the read position) it is counted, up to 10,000. */
const char script_queue_stats_lua[] = GROUP_INFO_FN
    "local dead = redis.call('XLEN', KEYS[2])\n"
    "if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, '', '', dead, 0} end\n"
    "local g = group_info(KEYS[1], ARGV[1])\n"
    "if g == nil then return {0, 0, '', '', dead, 0} end\n"
    "local last = g['last-delivered-id']\n"
    "local unread = g['lag']\n"
    "if not unread then\n"
    "  unread = 0\n"
    "  local from = '(' .. last\n"
    "  for i = 1, 10 do\n"
    "    local r = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', 1000)\n"
    "    unread = unread + #r\n"
    "    if #r < 1000 then break end\n"
    "    from = '(' .. r[#r][1]\n"
    "  end\n"
    "end\n"
    "local first = redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1)\n"
    "local first_id = ''\n"
    "if #first > 0 then first_id = first[1][1] end\n"
    "local oldest = ''\n"
    "if g['pending'] > 0 then oldest = redis.call('XPENDING', KEYS[1], ARGV[1])[2] end\n"
    "return {unread, g['pending'], oldest, first_id, dead, g['consumers']}\n";

/* KEYS[1] the message's key as earlier hubs wrote it (scripts.h). ARGV[1] key
 * prefix, ARGV[2] group, ARGV[3] dedupe spec, ARGV[4] message id.
 * Returns {} if there is no trace, else {{field, value, ...}, then per queue
 * {name, entry id, state, deliveries, consumer, idle ms, dead-letter reason}}
 * with state queued | delivered | acked | dead_lettered | removed. */
const char script_trace_lua[] = STREAM_ID_LT_FN GROUP_INFO_FN ENTRY_FIELDS_FN
    "local h = trace_fields(ARGV[3], ARGV[4])\n"
    "if #h == 0 then return {} end\n"
    "local t = {}\n"
    "for k = 1, #h, 2 do t[h[k]] = h[k + 1] end\n"
    "local out = {h}\n"
    "for k = 1, #h, 2 do\n"
    "  local name = string.match(h[k], '^q:(.+)$')\n"
    "  if name then\n"
    "    local id, q = h[k + 1], ARGV[1] .. 'q:{' .. name .. '}'\n"
    "    local state, count, consumer, idle = 'removed', 0, '', 0\n"
    "    local g = nil\n"
    "    if redis.call('EXISTS', q) == 1 then g = group_info(q, ARGV[2]) end\n"
    "    if t['dead:' .. name] then state = 'dead_lettered'\n"
    "    elseif g then\n"
    "      local p = redis.call('XPENDING', q, ARGV[2], id, id, 1)\n"
    "      if #p > 0 then\n"
    "        state, consumer, idle, count = 'delivered', p[1][2], p[1][3], p[1][4]\n"
    "      elseif lt(g['last-delivered-id'], id) then state = 'queued'\n"
    "      else state = 'acked' end\n"
    "    end\n"
    "    out[#out + 1] = {name, id, state, count, consumer, idle, t['dead:' .. name] or ''}\n"
    "  end\n"
    "end\n"
    "return out\n";

/* KEYS[1] queue, KEYS[2] dlq. ARGV[1] dedupe spec, ARGV[2] now ms,
 * ARGV[3] most to replay, ARGV[4..] dead-letter ids (none: the oldest).
 * Each dead letter becomes a new queue entry (delivery count starts again)
 * and leaves the dead-letter stream; its trace points at the new entry.
 * Returns {replayed, dead letters left}, or an error if the queue is gone. */
const char script_dlq_replay_lua[] = ENTRY_FIELDS_FN
    "if redis.call('EXISTS', KEYS[1]) == 0 then\n"
    "  return redis.error_reply('NOQUEUE the subscription has no queue')\n"
    "end\n"
    "local ids = {}\n"
    "if #ARGV > 3 then\n"
    "  for i = 4, #ARGV do ids[#ids + 1] = ARGV[i] end\n"
    "else\n"
    "  for _, e in ipairs(redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', ARGV[3])) do\n"
    "    ids[#ids + 1] = e[1]\n"
    "  end\n"
    "end\n"
    "local name, n = queue_name(KEYS[1]), 0\n"
    "for _, id in ipairs(ids) do\n"
    "  local e = redis.call('XRANGE', KEYS[2], id, id)\n"
    "  if #e > 0 then\n"
    "    local env, pay, m, t = entry_fields(e[1][2])\n"
    "    local nid = redis.call('XADD', KEYS[1], '*', 'e', env, 'p', pay, 'm', m, 't', t)\n"
    "    redis.call('XDEL', KEYS[2], id)\n"
    "    n = n + 1\n"
    "    note_trace(ARGV[1], m, 'q:' .. name, nid)\n"
    "    note_trace(ARGV[1], m, 'replayed:' .. name, ARGV[2])\n"
    "    note_trace(ARGV[1], m, 'dead:' .. name, '')\n"
    "  end\n"
    "end\n"
    "return {n, redis.call('XLEN', KEYS[2])}\n";
