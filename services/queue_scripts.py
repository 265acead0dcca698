"""The delivery queue's Lua scripts. Each runs atomically in Redis.

Per-item keys are derived from the key prefix (ARGV), so Relais needs a
single-node Redis (Render Key Value is one). Key layout: config/keys.py.
"""

from __future__ import annotations

# Shared helpers, prepended to every script.
_PREAMBLE = """
local function dkey(prefix, id) return prefix .. 'delivery:' .. id end
local function qkey(prefix, priority)
  if priority == 'high' then return prefix .. 'q:scheduled:high' end
  return prefix .. 'q:scheduled'
end
local function schedule(prefix, id, at)
  local priority = redis.call('HGET', dkey(prefix, id), 'priority')
  redis.call('ZADD', qkey(prefix, priority), at, id)
end
local function count(stats, field, ttl)
  redis.call('HINCRBY', stats, field, 1)
  redis.call('EXPIRE', stats, ttl)
end
"""

# KEYS: seen, email, emails_index, deliveries_index, wake, last_ingress, stats,
#       then the seen keys of the email's other ids (the old formula's, for the old script)
# ARGV: now, dedup_ttl, retention, dedup('1'|'0'), email_id, meta, body, plain_body,
#       status, prefix, stats_ttl, wake_max, n, then n x (id, deliver_at, fields_json)
ADMIT = (
    _PREAMBLE
    + """
local now = tonumber(ARGV[1])
local retention = tonumber(ARGV[3])
local prefix = ARGV[10]
count(KEYS[7], 'ingress', ARGV[11])
if ARGV[4] == '1' then
  for i = 8, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then
      count(KEYS[7], 'duplicate', ARGV[11])
      return 'duplicate'
    end
  end
  if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
    count(KEYS[7], 'duplicate', ARGV[11])
    return 'duplicate'
  end
  for i = 8, #KEYS do
    redis.call('SET', KEYS[i], ARGV[1], 'EX', ARGV[2])
  end
end
redis.call('HSET', KEYS[2], 'meta', ARGV[6], 'body', ARGV[7], 'plain_body', ARGV[8])
redis.call('EXPIRE', KEYS[2], retention)
redis.call('ZADD', KEYS[3], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - retention)
redis.call('SET', KEYS[6], ARGV[1])
count(KEYS[7], ARGV[9], ARGV[11])
local n = tonumber(ARGV[13])
for i = 0, n - 1 do
  local id, at = ARGV[14 + 3 * i], ARGV[15 + 3 * i]
  local key = dkey(prefix, id)
  for name, value in pairs(cjson.decode(ARGV[16 + 3 * i])) do
    redis.call('HSET', key, name, value)
  end
  schedule(prefix, id, at)
  redis.call('ZADD', KEYS[4], now, id)
  redis.call('RPUSH', KEYS[5], id)
end
if n > 0 then
  redis.call('LTRIM', KEYS[5], -tonumber(ARGV[12]), -1)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - retention)
end
return 'accepted'
"""
)

# KEYS: scheduled_high, scheduled, leased, dead, stats
# ARGV: now, lease_until, token, prefix, max_attempts, retention, lease_error_json, stats_ttl,
#       limits_json ({target: [per_minute, per_hour]})
CLAIM = (
    _PREAMBLE
    + """
local now = tonumber(ARGV[1])
local prefix = ARGV[4]
local limits = cjson.decode(ARGV[9])

local function reclaim_expired()
  local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 100)
  for _, id in ipairs(expired) do
    local key = dkey(prefix, id)
    redis.call('ZREM', KEYS[3], id)
    local attempts = redis.call('HINCRBY', key, 'attempts', 1)
    redis.call('HINCRBY', key, 'total_attempts', 1)
    redis.call('RPUSH', key .. ':attempts', ARGV[7])
    redis.call('HSET', key, 'lease', '', 'last_error', 'lease_expired', 'last_attempt_at', now)
    if attempts >= tonumber(ARGV[5]) then
      redis.call('HSET', key, 'state', 'dead', 'finished_at', now)
      redis.call('ZADD', KEYS[4], now, id)
      count(KEYS[5], 'dead', ARGV[8])
    else
      redis.call('HSET', key, 'state', 'retrying', 'deliver_at', now)
      schedule(prefix, id, now)
    end
  end
end

-- Fixed-window counters per target; nil when allowed (and counted), else when to retry.
local function rate_limited(target)
  local limit = limits[target]
  if not limit then return nil end
  local per_minute, per_hour = tonumber(limit[1]), tonumber(limit[2])
  local minute, hour = math.floor(now / 60), math.floor(now / 3600)
  local mkey = prefix .. 'rl:' .. target .. ':m:' .. minute
  local hkey = prefix .. 'rl:' .. target .. ':h:' .. hour
  if per_hour > 0 and tonumber(redis.call('GET', hkey) or '0') >= per_hour then
    return (hour + 1) * 3600
  end
  if per_minute > 0 and tonumber(redis.call('GET', mkey) or '0') >= per_minute then
    return (minute + 1) * 60
  end
  if per_minute > 0 then redis.call('INCR', mkey); redis.call('EXPIRE', mkey, 120) end
  if per_hour > 0 then redis.call('INCR', hkey); redis.call('EXPIRE', hkey, 7200) end
  return nil
end

local function next_due()
  for _, q in ipairs({KEYS[1], KEYS[2]}) do
    local due = redis.call('ZRANGEBYSCORE', q, '-inf', now, 'LIMIT', 0, 1)
    if #due > 0 then
      redis.call('ZREM', q, due[1])
      return due[1]
    end
  end
  return nil
end

local function earliest()
  local best = nil
  for _, q in ipairs({KEYS[1], KEYS[2]}) do
    local first = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
    if first[2] and (best == nil or tonumber(first[2]) < best) then best = tonumber(first[2]) end
  end
  return best
end

reclaim_expired()
for _ = 1, 50 do
  local id = next_due()
  if not id then
    local best = earliest()
    return {'', best and tostring(best) or ''}
  end
  local key = dkey(prefix, id)
  if redis.call('EXISTS', key) == 1 then
    local later = rate_limited(redis.call('HGET', key, 'target_id'))
    if later then
      redis.call('HSET', key, 'state', 'held', 'hold_reason', 'rate_limited', 'deliver_at', later)
      schedule(prefix, id, later)
    else
      redis.call('ZADD', KEYS[3], ARGV[2], id)
      redis.call('HSET', key, 'state', 'in_flight', 'lease', ARGV[3],
                 'lease_until', ARGV[2], 'claimed_at', now, 'hold_reason', '')
      local email = redis.call('HGET', key, 'email_id')
      if email then redis.call('EXPIRE', prefix .. 'email:' .. email, ARGV[6]) end
      local out = {id, ''}
      for _, v in ipairs(redis.call('HGETALL', key)) do out[#out + 1] = v end
      return out
    end
  end
end
return {'', tostring(now)}
"""
)

# KEYS: leased, dead, stats
# ARGV: id, token, outcome, now, next_at, attempt_json, retention, prefix, fields_json, target,
#       attempts_kept, stats_ttl
COMPLETE = (
    _PREAMBLE
    + """
local prefix = ARGV[8]
local key = dkey(prefix, ARGV[1])
if redis.call('HGET', key, 'lease') ~= ARGV[2] then
  return 0
end
local akey = key .. ':attempts'
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('RPUSH', akey, ARGV[6])
redis.call('LTRIM', akey, -tonumber(ARGV[11]), -1)
redis.call('HINCRBY', key, 'attempts', 1)
redis.call('HINCRBY', key, 'total_attempts', 1)
for name, value in pairs(cjson.decode(ARGV[9])) do
  redis.call('HSET', key, name, value)
end
redis.call('HSET', key, 'state', ARGV[3], 'lease', '', 'last_attempt_at', ARGV[4])
count(KEYS[3], ARGV[3], ARGV[12])
count(KEYS[3], ARGV[3] .. ':' .. ARGV[10], ARGV[12])
if ARGV[3] == 'retrying' then
  redis.call('HSET', key, 'deliver_at', ARGV[5])
  schedule(prefix, ARGV[1], ARGV[5])
  return 1
end
redis.call('HSET', key, 'finished_at', ARGV[4])
if ARGV[3] == 'dead' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
end
redis.call('EXPIRE', key, ARGV[7])
redis.call('EXPIRE', akey, ARGV[7])
return 1
"""
)

# KEYS: leased ; ARGV: id, token, now, prefix
RELEASE = (
    _PREAMBLE
    + """
local key = dkey(ARGV[4], ARGV[1])
if redis.call('HGET', key, 'lease') ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
local state = 'scheduled'
if tonumber(redis.call('HGET', key, 'attempts') or '0') > 0 then state = 'retrying' end
redis.call('HSET', key, 'state', state, 'lease', '', 'deliver_at', ARGV[3])
schedule(ARGV[4], ARGV[1], ARGV[3])
return 1
"""
)

# KEYS: dead, wake ; ARGV: id, now, prefix, retention, wake_max
REPLAY = (
    _PREAMBLE
    + """
local prefix = ARGV[3]
local key = dkey(prefix, ARGV[1])
local state = redis.call('HGET', key, 'state')
if not state then return 'missing' end
if state ~= 'dead' and state ~= 'delivered' then return 'not_finished' end
local email = prefix .. 'email:' .. redis.call('HGET', key, 'email_id')
if redis.call('EXISTS', email) == 0 then return 'email_expired' end
redis.call('EXPIRE', email, ARGV[4])
redis.call('HSET', key, 'state', 'scheduled', 'attempts', 0, 'deliver_at', ARGV[2],
           'replayed_at', ARGV[2], 'finished_at', '', 'hold_reason', '')
redis.call('HINCRBY', key, 'replays', 1)
redis.call('PERSIST', key)
redis.call('PERSIST', key .. ':attempts')
redis.call('ZREM', KEYS[1], ARGV[1])
schedule(prefix, ARGV[1], ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
return 'queued'
"""
)
