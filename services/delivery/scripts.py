"""The delivery queue's Lua scripts. Each runs atomically in Redis.

Every script takes its arguments as one JSON document (`ARGV[1]`, decoded as `A`), built
by services/delivery/record.py: named, never positional. The one exception is what a
script only stores and never reads: ADMIT's email bodies come after it, as they are
(`ARGV[2]`, `ARGV[3]`), so Redis does not decode a whole body as JSON. Fixed keys come
in `KEYS`, named at the top of each script in the order record.py lists them; a key that
depends on an id found inside the script (a delivery's, a target's) is built from a
template of config/keys.py, passed in `A.t` (`key('delivery', id)`), so key names live
there only.
Relais needs a single-node Redis (Render Key Value is one).

Numbers that are stored (times) travel as strings, so Redis keeps them exactly.
"""

from __future__ import annotations

# Shared helpers, prepended to every script.
_PREAMBLE = """
local A = cjson.decode(ARGV[1])
local function key(name, ...) return string.format(A.t[name], ...) end
local function count(stats, field)
  redis.call('HINCRBY', stats, field, 1)
  redis.call('EXPIRE', stats, A.stats_ttl)
end
-- A waiting delivery goes in its due-time queue (high priority first) or on the waitlist.
local function schedule(dkey, id, at)
  local q = A.queues.normal
  if redis.call('HGET', dkey, 'priority') == 'high' then q = A.queues.high end
  redis.call('ZADD', q, at, id)
end
local function waitlist(id, now) redis.call('ZADD', A.queues.held, now, id) end
local function unqueue(id)
  redis.call('ZREM', A.queues.high, id)
  redis.call('ZREM', A.queues.normal, id)
  redis.call('ZREM', A.queues.held, id)
end
local function wake(id)
  redis.call('RPUSH', A.queues.wake, id)
  redis.call('LTRIM', A.queues.wake, -A.wake_max, -1)
end
local function release_slot(target)
  if not target then return end
  local slots = key('inflight', target)
  if tonumber(redis.call('GET', slots) or '0') > 0 then redis.call('DECR', slots) end
end
local function set_fields(dkey, fields)
  for name, value in pairs(fields) do redis.call('HSET', dkey, name, value) end
end
"""


def _script(body: str) -> str:
    return _PREAMBLE + body


# KEYS: seen, email, emails_index, deliveries_index, last_ingress, stats, parked,
#       then the seen keys of the email's other ids (the old formula's, for the old script)
# A: now, dedup_ttl, retention, dedup, email_id, meta, status,
#    deliveries [{id, at ('' = the waitlist), fields}]; ARGV[2] body, ARGV[3] plain_body
# Returns 'accepted' or 'duplicate'.
ADMIT = _script(
    """
local seen, email, emails, index, last, stats, parked = unpack(KEYS, 1, 7)
local now = tonumber(A.now)
count(stats, 'ingress')
if A.dedup then
  for i = 8, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then
      -- Seen under another id: known under this one from now on (reconcile asks by it).
      redis.call('SET', seen, A.now, 'NX', 'EX', A.dedup_ttl)
      count(stats, 'duplicate')
      return 'duplicate'
    end
  end
  if not redis.call('SET', seen, A.now, 'NX', 'EX', A.dedup_ttl) then
    count(stats, 'duplicate')
    return 'duplicate'
  end
  for i = 8, #KEYS do redis.call('SET', KEYS[i], A.now, 'EX', A.dedup_ttl) end
end
redis.call('HSET', email, 'meta', A.meta, 'body', ARGV[2], 'plain_body', ARGV[3])
redis.call('EXPIRE', email, A.retention)
redis.call('ZADD', emails, A.now, A.email_id)
redis.call('ZREMRANGEBYSCORE', emails, '-inf', now - A.retention)
redis.call('SET', last, A.now)
count(stats, A.status)
if A.status == 'parked' then redis.call('ZADD', parked, A.now, A.email_id) end
for _, d in ipairs(A.deliveries) do
  local dkey = key('delivery', d.id)
  set_fields(dkey, d.fields)
  if d.at == '' then
    waitlist(d.id, A.now)
  else
    schedule(dkey, d.id, d.at)
    wake(d.id)
  end
  redis.call('ZADD', index, A.now, d.id)
end
redis.call('ZREMRANGEBYSCORE', index, '-inf', now - A.retention)
-- Dead letters and parked emails whose records the retention removed: no longer counted.
redis.call('ZREMRANGEBYSCORE', A.queues.dead, '-inf', now - A.retention)
redis.call('ZREMRANGEBYSCORE', parked, '-inf', now - A.retention)
return 'accepted'
"""
)

# KEYS: stats, seen, then the seen keys of the email's other ids
# A: now, dedup_ttl
# The cheap check before any analysis: an email already seen (under any of its ids) is a
# duplicate, counted as the admit would count it, and known under this id from now on.
# Returns 1 for a duplicate, 0 otherwise (the admit's claim stays the one that decides).
SEEN = _script(
    """
local stats, seen = KEYS[1], KEYS[2]
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('SET', seen, A.now, 'NX', 'EX', A.dedup_ttl)
    count(stats, 'ingress')
    count(stats, 'duplicate')
    return 1
  end
end
return 0
"""
)

# KEYS: leased, dead, stats
# A: now, lease_until, token, max_attempts, retention, lease_error,
#    limits {target: [per_minute, per_hour]}, max_in_flight (0: no cap),
#    targets {target: 'ok'|'disabled'} (a target not listed is missing; absent: no check)
# Returns {id, '', field, value, ...} for a leased delivery, else {'', next due or ''}.
CLAIM = _script(
    """
local leased, dead, stats = KEYS[1], KEYS[2], KEYS[3]
local now = tonumber(A.now)
local SCAN = 50

local function reclaim_expired()
  local expired = redis.call('ZRANGEBYSCORE', leased, '-inf', now, 'LIMIT', 0, 100)
  for _, id in ipairs(expired) do
    local dkey = key('delivery', id)
    redis.call('ZREM', leased, id)
    release_slot(redis.call('HGET', dkey, 'target_id'))
    local attempts = redis.call('HINCRBY', dkey, 'attempts', 1)
    redis.call('HINCRBY', dkey, 'total_attempts', 1)
    redis.call('RPUSH', key('attempts', id), A.lease_error)
    redis.call('HSET', dkey, 'lease', '', 'last_error', 'lease_expired', 'last_attempt_at', A.now)
    if attempts >= A.max_attempts then
      redis.call('HSET', dkey, 'state', 'dead', 'finished_at', A.now)
      redis.call('ZADD', dead, A.now, id)
      count(stats, 'dead')
    else
      redis.call('HSET', dkey, 'state', 'retrying', 'deliver_at', A.now)
      schedule(dkey, id, A.now)
    end
  end
end

-- Fixed-window counters per target: nil when allowed (and counted), else when to retry.
local function rate_limited(target)
  local limit = A.limits[target]
  if not limit then return nil end
  local per_minute, per_hour = tonumber(limit[1]), tonumber(limit[2])
  local minute, hour = math.floor(now / 60), math.floor(now / 3600)
  local mkey, hkey = key('rate_minute', target, minute), key('rate_hour', target, hour)
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
  local cb = key('circuit', target)
  local open_until = tonumber(redis.call('HGET', cb, 'open_until') or '0')
  if open_until > now then return 'circuit_open', open_until end
  if open_until > 0 and tonumber(redis.call('HGET', cb, 'probe_until') or '0') > now then
    return 'circuit_open', now + 1  -- half-open: one probe at a time
  end
  return nil
end

-- Whether the target has max_in_flight attempts under way; read once per target and call
-- (nothing this call does frees a slot, and taking one ends the call).
local at_cap = {}
local function busy(target)
  if A.max_in_flight <= 0 then return false end
  if at_cap[target] == nil then
    local slots = tonumber(redis.call('GET', key('inflight', target)) or '0')
    at_cap[target] = slots >= A.max_in_flight
  end
  return at_cap[target]
end

-- Why its target cannot take the delivery now ('' when it can).
local function unusable(target)
  if not A.targets then return '' end
  local state = A.targets[target]
  if state == 'ok' then return '' end
  if state == 'disabled' then return 'target_disabled' end
  return 'target_missing'
end

local function hold(id, dkey, reason, at)
  redis.call('HSET', dkey, 'state', 'held', 'hold_reason', reason, 'deliver_at', at)
  schedule(dkey, id, at)
end

local function lease(id, dkey, target)
  redis.call('ZADD', leased, A.lease_until, id)
  redis.call('HSET', dkey, 'state', 'in_flight', 'lease', A.token,
             'lease_until', A.lease_until, 'claimed_at', A.now, 'hold_reason', '')
  local slots = key('inflight', target)
  redis.call('INCR', slots)
  redis.call('EXPIRE', slots, math.ceil(tonumber(A.lease_until) - now) * 2 + 60)
  local cb = key('circuit', target)
  if tonumber(redis.call('HGET', cb, 'open_until') or '0') > 0 then
    redis.call('HSET', cb, 'probe_until', A.lease_until)
  end
  -- The reply: the id, how many fields of the delivery follow, then its email's fields
  -- (none when the email is gone), which the attempt needs: no second round trip for them.
  local fields = redis.call('HGETALL', dkey)
  local out = {id, tostring(#fields)}
  for _, v in ipairs(fields) do out[#out + 1] = v end
  local email = redis.call('HGET', dkey, 'email_id')
  if email then
    local ekey = key('email', email)
    redis.call('EXPIRE', ekey, A.retention)
    for _, v in ipairs(redis.call('HGETALL', ekey)) do out[#out + 1] = v end
  end
  return out
end

-- One due delivery: {claimed...}, 'skip' (left queued: its target is at its cap) or 'moved'.
local function consider(queue, id)
  local dkey = key('delivery', id)
  local target = redis.call('HGET', dkey, 'target_id')
  if not target and redis.call('EXISTS', dkey) == 0 then
    redis.call('ZREM', queue, id)
    return 'moved'
  end
  local why = unusable(target)
  if why ~= '' then
    -- Its target is missing or switched off: it waits for it, no attempt counted.
    redis.call('ZREM', queue, id)
    redis.call('HSET', dkey, 'state', 'held', 'hold_reason', why)
    waitlist(id, A.now)
    return 'moved'
  end
  if busy(target) then return 'skip' end
  redis.call('ZREM', queue, id)
  local reason, at = circuit(target)
  if reason then hold(id, dkey, reason, at); return 'moved' end
  local later = rate_limited(target)
  if later then hold(id, dkey, 'rate_limited', later); return 'moved' end
  return lease(id, dkey, target)
end

local function earliest()
  local best = nil
  for _, q in ipairs({A.queues.high, A.queues.normal}) do
    local first = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
    if first[2] and (best == nil or tonumber(first[2]) < best) then best = tonumber(first[2]) end
  end
  return best
end

reclaim_expired()
local skipped = false
for _, q in ipairs({A.queues.high, A.queues.normal}) do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', q, '-inf', now, 'LIMIT', 0, SCAN)) do
    local result = consider(q, id)
    if type(result) == 'table' then return result end
    if result == 'skip' then skipped = true end
  end
end
-- Every due delivery seen waits for a busy target: only a finished attempt frees a slot,
-- so no due time is given (the worker looks again shortly, services/delivery/worker.py).
if skipped then return {'', '', 'busy'} end
local best = earliest()
return {'', best and tostring(best) or ''}
"""
)

# KEYS: delivery, attempts, leased, dead, stats, circuit, health, inflight,
#       target_stats_hour, target_stats_day
# A: id, token, outcome (delivered|retrying|dead|held), now, next_at, attempt, fields,
#    target, retention, attempts_kept, breaker {signal, threshold, cooldown, cooldown_max},
#    health {ok ('1'|'0'|''), error, status_code, latency_ms?, latency_field?}, health_ttl,
#    target_stats_ttls [hour, day]
# An attempt with a verdict on the receiver (health.ok not '') is also counted in the
# target's hourly and daily counters, with its latency when it has one.
# `held`: the target was switched off by this answer; the delivery waits on the waitlist.
# Returns 0 (lease lost), 1 (recorded) or 2 (recorded, and this attempt opened the circuit).
COMPLETE = _script(
    """
local dkey, akey, leased, dead, stats, cb, health, slots = unpack(KEYS, 1, 8)
local function tally(tkey, ttl, h)
  redis.call('HINCRBY', tkey, 'attempts', 1)
  redis.call('HINCRBY', tkey, h.ok == '1' and 'ok' or 'failed', 1)
  if h.latency_ms then
    redis.call('HINCRBY', tkey, 'latency_sum_ms', h.latency_ms)
    redis.call('HINCRBY', tkey, 'latency_count', 1)
    redis.call('HINCRBY', tkey, h.latency_field, 1)
  end
  redis.call('EXPIRE', tkey, ttl)
end
if redis.call('HGET', dkey, 'lease') ~= A.token then return 0 end
redis.call('ZREM', leased, A.id)
redis.call('RPUSH', akey, A.attempt)
redis.call('LTRIM', akey, -A.attempts_kept, -1)
redis.call('HINCRBY', dkey, 'attempts', 1)
redis.call('HINCRBY', dkey, 'total_attempts', 1)
set_fields(dkey, A.fields)
redis.call('HSET', dkey, 'state', A.outcome, 'lease', '', 'last_attempt_at', A.now)
if tonumber(redis.call('GET', slots) or '0') > 0 then redis.call('DECR', slots) end

local opened = 0
local b = A.breaker
if b.signal == 'ok' then
  redis.call('DEL', cb)
elseif b.signal == 'failed' then
  redis.call('HDEL', cb, 'probe_until')
  if redis.call('HINCRBY', cb, 'failures', 1) >= b.threshold then
    local opens = redis.call('HINCRBY', cb, 'opens', 1)
    local cooldown = math.min(b.cooldown_max, b.cooldown * 2 ^ (opens - 1))
    redis.call('HSET', cb, 'open_until', tonumber(A.now) + cooldown, 'failures', 0)
    opened = 1
  end
  redis.call('EXPIRE', cb, b.cooldown_max * 4 + 3600)
end

local h = A.health
if h.ok ~= '' then
  redis.call('HSET', health, 'last_attempt_at', A.now, 'last_ok', h.ok,
             'last_error', h.error, 'last_status_code', h.status_code)
  if h.ok == '1' then redis.call('HSET', health, 'last_ok_at', A.now) end
  redis.call('EXPIRE', health, A.health_ttl)
  tally(KEYS[9], A.target_stats_ttls[1], h)
  tally(KEYS[10], A.target_stats_ttls[2], h)
end

count(stats, A.outcome)
count(stats, A.outcome .. ':' .. A.target)
if A.outcome == 'held' then
  waitlist(A.id, A.now)
  return 1 + opened
end
if A.outcome == 'retrying' then
  redis.call('HSET', dkey, 'deliver_at', A.next_at)
  schedule(dkey, A.id, A.next_at)
  return 1 + opened
end
redis.call('HSET', dkey, 'finished_at', A.now)
if A.outcome == 'dead' then redis.call('ZADD', dead, A.now, A.id) end
redis.call('EXPIRE', dkey, A.retention)
redis.call('EXPIRE', akey, A.retention)
return 1 + opened
"""
)

# KEYS: delivery, leased, inflight, circuit
# A: id, token, now, hold_reason ('' = back to its queue, the worker is stopping; else the
#    waitlist: its target turned out to be missing or switched off)
# Returns 1 when given back, 0 when the lease was lost already.
RELEASE = _script(
    """
local dkey, leased, slots, cb = unpack(KEYS, 1, 4)
if redis.call('HGET', dkey, 'lease') ~= A.token then return 0 end
redis.call('ZREM', leased, A.id)
if tonumber(redis.call('GET', slots) or '0') > 0 then redis.call('DECR', slots) end
redis.call('HDEL', cb, 'probe_until')
if A.hold_reason ~= '' then
  redis.call('HSET', dkey, 'state', 'held', 'lease', '', 'hold_reason', A.hold_reason)
  waitlist(A.id, A.now)
  return 1
end
local state = 'scheduled'
if tonumber(redis.call('HGET', dkey, 'attempts') or '0') > 0 then state = 'retrying' end
redis.call('HSET', dkey, 'state', state, 'lease', '', 'deliver_at', A.now)
schedule(dkey, A.id, A.now)
return 1
"""
)

# KEYS: delivery, attempts, dead
# A: id, now, retention
# Re-queues a finished delivery (dead, delivered or cancelled) with the same webhook-id.
# Returns 'queued', 'missing', 'not_finished' or 'email_expired'.
REPLAY = _script(
    """
local dkey, akey, dead = unpack(KEYS, 1, 3)
local state = redis.call('HGET', dkey, 'state')
if not state then return 'missing' end
if state ~= 'dead' and state ~= 'delivered' and state ~= 'cancelled' then
  return 'not_finished'
end
local email = key('email', redis.call('HGET', dkey, 'email_id'))
if redis.call('EXISTS', email) == 0 then return 'email_expired' end
redis.call('EXPIRE', email, A.retention)
redis.call('HSET', dkey, 'state', 'scheduled', 'attempts', 0, 'deliver_at', A.now,
           'replayed_at', A.now, 'finished_at', '', 'hold_reason', '', 'cancel_reason', '')
redis.call('HINCRBY', dkey, 'replays', 1)
redis.call('PERSIST', dkey)
redis.call('PERSIST', akey)
redis.call('ZREM', dead, A.id)
schedule(dkey, A.id, A.now)
wake(A.id)
return 'queued'
"""
)

# KEYS: delivery
# A: id, now, expected_state, expected_reason, state, hold_reason,
#    deliver_at ('' = to the waitlist), fields
# Moves a waiting delivery (scheduled, held or retrying; never one being attempted) to its
# queue at `deliver_at` or to the waitlist, only if it is still as the caller read it.
# Returns 1 when moved, 0 when it changed meanwhile.
MOVE = _script(
    """
local dkey = KEYS[1]
local state = redis.call('HGET', dkey, 'state')
local reason = redis.call('HGET', dkey, 'hold_reason') or ''
if state ~= A.expected_state or reason ~= A.expected_reason then return 0 end
if state ~= 'scheduled' and state ~= 'held' and state ~= 'retrying' then return 0 end
unqueue(A.id)
set_fields(dkey, A.fields)
redis.call('HSET', dkey, 'state', A.state, 'hold_reason', A.hold_reason)
if A.deliver_at == '' then
  waitlist(A.id, A.now)
  return 1
end
redis.call('HSET', dkey, 'deliver_at', A.deliver_at)
schedule(dkey, A.id, A.deliver_at)
if tonumber(A.deliver_at) <= tonumber(A.now) then wake(A.id) end
return 1
"""
)

# KEYS: delivery ; A: id, now, retention, reason
# Cancels a delivery that never left (held or scheduled, no attempt made): re-routed elsewhere.
# Returns 1 when cancelled, 0 when it is no longer waiting untouched.
CANCEL = _script(
    """
local dkey = KEYS[1]
local state = redis.call('HGET', dkey, 'state')
if state ~= 'scheduled' and state ~= 'held' then return 0 end
if tonumber(redis.call('HGET', dkey, 'total_attempts') or '0') > 0 then return 0 end
unqueue(A.id)
redis.call('HSET', dkey, 'state', 'cancelled', 'finished_at', A.now, 'hold_reason', '',
           'cancel_reason', A.reason)
redis.call('EXPIRE', dkey, A.retention)
return 1
"""
)

# KEYS: email, deliveries_index, parked
# A: now, retention, meta, status, email_id, deliveries [{id, at, fields}] as in ADMIT
# Re-routing: the stored email gets its new decision and the deliveries it lacks. A delivery
# id that exists already is left alone, so two re-routes of one email never add it twice.
# Returns the number of deliveries added, or -1 when the email has expired.
REROUTE = _script(
    """
local email, index, parked = unpack(KEYS, 1, 3)
if redis.call('EXISTS', email) == 0 then return -1 end
redis.call('HSET', email, 'meta', A.meta)
redis.call('EXPIRE', email, A.retention)
if A.status == 'parked' then
  redis.call('ZADD', parked, A.now, A.email_id)
else
  redis.call('ZREM', parked, A.email_id)
end
local added = 0
for _, d in ipairs(A.deliveries) do
  local dkey = key('delivery', d.id)
  if redis.call('EXISTS', dkey) == 0 then
    set_fields(dkey, d.fields)
    if d.at == '' then
      waitlist(d.id, A.now)
    else
      schedule(dkey, d.id, d.at)
      wake(d.id)
    end
    redis.call('ZADD', index, A.now, d.id)
    added = added + 1
  end
end
return added
"""
)
