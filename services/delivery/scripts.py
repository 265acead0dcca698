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
local function waitlist(prefix, id, now)
  redis.call('ZADD', prefix .. 'q:held', now, id)
end
local function note_health(prefix, target, now, ok, err, code, ttl)
  if ok == '' or not target then return end
  local h = prefix .. 'health:' .. target
  redis.call('HSET', h, 'last_attempt_at', now, 'last_ok', ok, 'last_error', err,
             'last_status_code', code)
  if ok == '1' then redis.call('HSET', h, 'last_ok_at', now) end
  redis.call('EXPIRE', h, ttl)
end
local function release_slot(prefix, target)
  if not target then return end
  local slots = prefix .. 'inflight:' .. target
  if tonumber(redis.call('GET', slots) or '0') > 0 then redis.call('DECR', slots) end
end
"""

# KEYS: seen, email, emails_index, deliveries_index, wake, last_ingress, stats, parked,
#       then the seen keys of the email's other ids (the old formula's, for the old script)
# ARGV: now, dedup_ttl, retention, dedup('1'|'0'), email_id, meta, body, plain_body,
#       status, prefix, stats_ttl, wake_max, n, then n x (id, deliver_at, fields_json);
#       an empty deliver_at puts the delivery on the waitlist (q:held: its target cannot take it)
ADMIT = (
    _PREAMBLE
    + """
local now = tonumber(ARGV[1])
local retention = tonumber(ARGV[3])
local prefix = ARGV[10]
count(KEYS[7], 'ingress', ARGV[11])
if ARGV[4] == '1' then
  for i = 9, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then
      -- Seen under another id (the old script's formula): remember this id too, so a
      -- reconcile asking by this id knows the email from now on.
      redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2])
      count(KEYS[7], 'duplicate', ARGV[11])
      return 'duplicate'
    end
  end
  if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
    count(KEYS[7], 'duplicate', ARGV[11])
    return 'duplicate'
  end
  for i = 9, #KEYS do
    redis.call('SET', KEYS[i], ARGV[1], 'EX', ARGV[2])
  end
end
redis.call('HSET', KEYS[2], 'meta', ARGV[6], 'body', ARGV[7], 'plain_body', ARGV[8])
redis.call('EXPIRE', KEYS[2], retention)
redis.call('ZADD', KEYS[3], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - retention)
redis.call('SET', KEYS[6], ARGV[1])
count(KEYS[7], ARGV[9], ARGV[11])
if ARGV[9] == 'parked' then redis.call('ZADD', KEYS[8], now, ARGV[5]) end
local n = tonumber(ARGV[13])
for i = 0, n - 1 do
  local id, at = ARGV[14 + 3 * i], ARGV[15 + 3 * i]
  local key = dkey(prefix, id)
  for name, value in pairs(cjson.decode(ARGV[16 + 3 * i])) do
    redis.call('HSET', key, name, value)
  end
  if at == '' then
    waitlist(prefix, id, now)
  else
    schedule(prefix, id, at)
    redis.call('RPUSH', KEYS[5], id)
  end
  redis.call('ZADD', KEYS[4], now, id)
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
#       limits_json ({target: [per_minute, per_hour]}), max_in_flight (0: no cap),
#       targets_json ({target: 'ok'|'disabled'}; a target not listed is missing; '' = no check)
CLAIM = (
    _PREAMBLE
    + """
local now = tonumber(ARGV[1])
local prefix = ARGV[4]
local limits = cjson.decode(ARGV[9])
local max_in_flight = tonumber(ARGV[10])
local targets = nil
if ARGV[11] ~= '' then targets = cjson.decode(ARGV[11]) end
local SCAN = 50

local function reclaim_expired()
  local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 100)
  for _, id in ipairs(expired) do
    local key = dkey(prefix, id)
    redis.call('ZREM', KEYS[3], id)
    release_slot(prefix, redis.call('HGET', key, 'target_id'))
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

-- Fixed-window counters per target: nil when allowed (and counted), else when to retry.
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

-- The circuit breaker: (reason, until) when the target must not be tried now.
local function circuit(target)
  local cb = prefix .. 'cb:' .. target
  local open_until = tonumber(redis.call('HGET', cb, 'open_until') or '0')
  if open_until > now then return 'circuit_open', open_until end
  if open_until > 0 and tonumber(redis.call('HGET', cb, 'probe_until') or '0') > now then
    return 'circuit_probe', now + 1  -- half-open: one probe at a time
  end
  return nil
end

local function busy(target)
  if max_in_flight <= 0 then return false end
  return tonumber(redis.call('GET', prefix .. 'inflight:' .. target) or '0') >= max_in_flight
end

local function hold(id, key, reason, at)
  redis.call('HSET', key, 'state', 'held', 'hold_reason', reason, 'deliver_at', at)
  schedule(prefix, id, at)
end

local function lease(id, key, target)
  redis.call('ZADD', KEYS[3], ARGV[2], id)
  redis.call('HSET', key, 'state', 'in_flight', 'lease', ARGV[3],
             'lease_until', ARGV[2], 'claimed_at', now, 'hold_reason', '')
  local slots = prefix .. 'inflight:' .. target
  redis.call('INCR', slots)
  redis.call('EXPIRE', slots, math.ceil(tonumber(ARGV[2]) - now) * 2 + 60)
  local cb = prefix .. 'cb:' .. target
  if tonumber(redis.call('HGET', cb, 'open_until') or '0') > 0 then
    redis.call('HSET', cb, 'probe_until', ARGV[2])
  end
  local email = redis.call('HGET', key, 'email_id')
  if email then redis.call('EXPIRE', prefix .. 'email:' .. email, ARGV[6]) end
  local out = {id, ''}
  for _, v in ipairs(redis.call('HGETALL', key)) do out[#out + 1] = v end
  return out
end

-- One due delivery: {claimed...}, 'skip' (left queued: its target is at its cap) or 'moved'.
local function consider(queue, id)
  local key = dkey(prefix, id)
  if redis.call('EXISTS', key) == 0 then
    redis.call('ZREM', queue, id)
    return 'moved'
  end
  local target = redis.call('HGET', key, 'target_id')
  local usable = 'ok'
  if targets then usable = targets[target] end
  if usable ~= 'ok' then
    -- Its target is missing or switched off: it waits for it, no attempt counted.
    redis.call('ZREM', queue, id)
    local why = 'target_missing'
    if usable == 'disabled' then why = 'target_disabled' end
    redis.call('HSET', key, 'state', 'held', 'hold_reason', why)
    waitlist(prefix, id, now)
    return 'moved'
  end
  if busy(target) then return 'skip' end
  redis.call('ZREM', queue, id)
  local reason, at = circuit(target)
  if reason then hold(id, key, reason, at); return 'moved' end
  local later = rate_limited(target)
  if later then hold(id, key, 'rate_limited', later); return 'moved' end
  return lease(id, key, target)
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
local skipped = false
for _, q in ipairs({KEYS[1], KEYS[2]}) do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', q, '-inf', now, 'LIMIT', 0, SCAN)) do
    local result = consider(q, id)
    if type(result) == 'table' then return result end
    if result == 'skip' then skipped = true end
  end
end
if skipped then return {'', tostring(now + 0.25)} end
local best = earliest()
return {'', best and tostring(best) or ''}
"""
)

# KEYS: leased, dead, stats
# ARGV: id, token, outcome, now, next_at, attempt_json, retention, prefix, fields_json, target,
#       attempts_kept, stats_ttl, breaker ('ok'|'failed'|''), breaker_threshold,
#       breaker_cooldown, breaker_cooldown_max, health ('1' answered ok, '0' failed, '' no
#       verdict on the receiver), health_error, health_status_code, health_ttl
# Outcomes: delivered, retrying, dead, or held (the target was switched off by this answer:
# the delivery waits on the waitlist with the hold_reason given in fields_json).
# Returns 0 (lease lost), 1, or 2 when this attempt opened the target's circuit breaker.
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
release_slot(prefix, ARGV[10])
local opened = 0
local cb = prefix .. 'cb:' .. ARGV[10]
if ARGV[13] == 'ok' then
  redis.call('DEL', cb)
elseif ARGV[13] == 'failed' then
  redis.call('HDEL', cb, 'probe_until')
  local failures = redis.call('HINCRBY', cb, 'failures', 1)
  if failures >= tonumber(ARGV[14]) then
    local opens = redis.call('HINCRBY', cb, 'opens', 1)
    local cooldown = math.min(tonumber(ARGV[16]), tonumber(ARGV[15]) * 2 ^ (opens - 1))
    redis.call('HSET', cb, 'open_until', tonumber(ARGV[4]) + cooldown, 'failures', 0)
    opened = 1
  end
  redis.call('EXPIRE', cb, tonumber(ARGV[16]) * 4 + 3600)
end
note_health(prefix, ARGV[10], ARGV[4], ARGV[17], ARGV[18], ARGV[19], ARGV[20])
count(KEYS[3], ARGV[3], ARGV[12])
count(KEYS[3], ARGV[3] .. ':' .. ARGV[10], ARGV[12])
if ARGV[3] == 'held' then
  waitlist(prefix, ARGV[1], ARGV[4])
  return 1 + opened
end
if ARGV[3] == 'retrying' then
  redis.call('HSET', key, 'deliver_at', ARGV[5])
  schedule(prefix, ARGV[1], ARGV[5])
  return 1 + opened
end
redis.call('HSET', key, 'finished_at', ARGV[4])
if ARGV[3] == 'dead' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
end
redis.call('EXPIRE', key, ARGV[7])
redis.call('EXPIRE', akey, ARGV[7])
return 1 + opened
"""
)

# KEYS: leased ; ARGV: id, token, now, prefix, hold_reason
# An empty hold_reason puts the delivery back in its queue (shutdown); else it goes to the
# waitlist with that reason (its target turned out to be missing or switched off).
RELEASE = (
    _PREAMBLE
    + """
local key = dkey(ARGV[4], ARGV[1])
if redis.call('HGET', key, 'lease') ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
local target = redis.call('HGET', key, 'target_id')
release_slot(ARGV[4], target)
if target then redis.call('HDEL', ARGV[4] .. 'cb:' .. target, 'probe_until') end
if ARGV[5] ~= '' then
  redis.call('HSET', key, 'state', 'held', 'lease', '', 'hold_reason', ARGV[5])
  waitlist(ARGV[4], ARGV[1], ARGV[3])
  return 1
end
local state = 'scheduled'
if tonumber(redis.call('HGET', key, 'attempts') or '0') > 0 then state = 'retrying' end
redis.call('HSET', key, 'state', state, 'lease', '', 'deliver_at', ARGV[3])
schedule(ARGV[4], ARGV[1], ARGV[3])
return 1
"""
)

# KEYS: dead, wake ; ARGV: id, now, prefix, retention, wake_max
# Re-queues a finished delivery (dead, delivered or cancelled) with the same webhook-id.
REPLAY = (
    _PREAMBLE
    + """
local prefix = ARGV[3]
local key = dkey(prefix, ARGV[1])
local state = redis.call('HGET', key, 'state')
if not state then return 'missing' end
if state ~= 'dead' and state ~= 'delivered' and state ~= 'cancelled' then
  return 'not_finished'
end
local email = prefix .. 'email:' .. redis.call('HGET', key, 'email_id')
if redis.call('EXISTS', email) == 0 then return 'email_expired' end
redis.call('EXPIRE', email, ARGV[4])
redis.call('HSET', key, 'state', 'scheduled', 'attempts', 0, 'deliver_at', ARGV[2],
           'replayed_at', ARGV[2], 'finished_at', '', 'hold_reason', '', 'cancel_reason', '')
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

# KEYS: scheduled_high, scheduled, held, wake
# ARGV: id, prefix, expected_state, expected_hold_reason, destination ('queue'|'held'), state,
#       hold_reason, deliver_at, now, fields_json, wake_max
# Moves a waiting delivery (scheduled, held or retrying; never one being attempted) to its
# queue at `deliver_at` or to the waitlist, only if it is still in the state the caller saw.
# Returns 1 when moved, 0 when it changed meanwhile.
MOVE = (
    _PREAMBLE
    + """
local id, prefix = ARGV[1], ARGV[2]
local key = dkey(prefix, id)
local state = redis.call('HGET', key, 'state')
local reason = redis.call('HGET', key, 'hold_reason') or ''
if state ~= ARGV[3] or reason ~= ARGV[4] then return 0 end
if state ~= 'scheduled' and state ~= 'held' and state ~= 'retrying' then return 0 end
redis.call('ZREM', KEYS[1], id)
redis.call('ZREM', KEYS[2], id)
redis.call('ZREM', KEYS[3], id)
for name, value in pairs(cjson.decode(ARGV[10])) do
  redis.call('HSET', key, name, value)
end
redis.call('HSET', key, 'state', ARGV[6], 'hold_reason', ARGV[7])
if ARGV[5] == 'held' then
  waitlist(prefix, id, ARGV[9])
  return 1
end
redis.call('HSET', key, 'deliver_at', ARGV[8])
schedule(prefix, id, ARGV[8])
if tonumber(ARGV[8]) <= tonumber(ARGV[9]) then
  redis.call('RPUSH', KEYS[4], id)
  redis.call('LTRIM', KEYS[4], -tonumber(ARGV[11]), -1)
end
return 1
"""
)

# KEYS: scheduled_high, scheduled, held ; ARGV: id, prefix, now, retention, reason
# Cancels a delivery that never left (held or scheduled, no attempt made): re-routed elsewhere.
# Returns 1 when cancelled, 0 when it is no longer waiting untouched.
CANCEL = (
    _PREAMBLE
    + """
local id, prefix = ARGV[1], ARGV[2]
local key = dkey(prefix, id)
local state = redis.call('HGET', key, 'state')
if state ~= 'scheduled' and state ~= 'held' then return 0 end
if tonumber(redis.call('HGET', key, 'total_attempts') or '0') > 0 then return 0 end
redis.call('ZREM', KEYS[1], id)
redis.call('ZREM', KEYS[2], id)
redis.call('ZREM', KEYS[3], id)
redis.call('HSET', key, 'state', 'cancelled', 'finished_at', ARGV[3], 'hold_reason', '',
           'cancel_reason', ARGV[5])
redis.call('EXPIRE', key, ARGV[4])
return 1
"""
)

# KEYS: email, deliveries_index, wake, parked
# ARGV: now, prefix, retention, meta_json, status, email_id, wake_max, n,
#       then n x (id, deliver_at, fields_json) as in ADMIT ('' deliver_at: the waitlist)
# Re-routing: the stored email gets its new decision and the deliveries it lacks. A delivery
# id that exists already is left alone, so two re-routes of one email never add it twice.
# Returns the number of deliveries added, or -1 when the email has expired.
REROUTE = (
    _PREAMBLE
    + """
local now, prefix = tonumber(ARGV[1]), ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[1], 'meta', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[3])
if ARGV[5] == 'parked' then
  redis.call('ZADD', KEYS[4], now, ARGV[6])
else
  redis.call('ZREM', KEYS[4], ARGV[6])
end
local added = 0
for i = 0, tonumber(ARGV[8]) - 1 do
  local id, at = ARGV[9 + 3 * i], ARGV[10 + 3 * i]
  local key = dkey(prefix, id)
  if redis.call('EXISTS', key) == 0 then
    for name, value in pairs(cjson.decode(ARGV[11 + 3 * i])) do
      redis.call('HSET', key, name, value)
    end
    if at == '' then
      waitlist(prefix, id, now)
    else
      schedule(prefix, id, at)
      redis.call('RPUSH', KEYS[3], id)
    end
    redis.call('ZADD', KEYS[2], now, id)
    added = added + 1
  end
end
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[7]), -1)
return added
"""
)

# KEYS: stats, seen, then the seen keys of the email's other ids
# ARGV: now, dedup_ttl, stats_ttl
# The cheap check before any analysis: an email already seen (under any of its ids) is a
# duplicate, counted as the admit would count it, and known under this id from now on.
# Returns 1 for a duplicate, 0 otherwise (the admit's claim stays the one that decides).
SEEN = (
    _PREAMBLE
    + """
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2])
    count(KEYS[1], 'ingress', ARGV[3])
    count(KEYS[1], 'duplicate', ARGV[3])
    return 1
  end
end
return 0
"""
)
