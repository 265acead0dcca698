"""The delivery queue on Redis: the delivery record *is* the queue item.

A delivery lives in one hash (`delivery:<id>`) and in exactly one of three
sorted sets: `q:scheduled` (due time: scheduled, held and retrying
deliveries), `q:leased` (lease expiry: a worker is attempting it) or
`q:dead`. Delivered ones are in none. Every transition is one Lua script, so
it is atomic across any number of workers, processes and containers:

- admit:    dedup claim + email record + its deliveries, all or nothing
- claim:    first put expired leases back, then lease the earliest due one
- complete: record the attempt and move on (delivered / retrying / dead),
            only if the caller still holds the lease
- release:  give a lease back untouched (shutdown)
- replay:   re-queue a dead or delivered delivery with the same webhook-id

Per-item keys (delivery, attempts, email) are derived inside the scripts from
the key prefix, so Relais needs a single-node Redis (Render Key Value is).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import redis

from config.keys import STATS_TTL, WAKE_LIST_MAX, Keys

logger = logging.getLogger(__name__)

ATTEMPTS_KEPT = 50  # attempt documents kept per delivery (replays add more)

SCHEDULED, HELD, IN_FLIGHT, RETRYING, DELIVERED, DEAD = (
    "scheduled",
    "held",
    "in_flight",
    "retrying",
    "delivered",
    "dead",
)
STATES = (SCHEDULED, HELD, IN_FLIGHT, RETRYING, DELIVERED, DEAD)

_ADMIT = """
-- KEYS: seen, email, emails_index, scheduled, deliveries_index, wake, last_ingress, stats
-- ARGV: now, dedup_ttl, retention, dedup('1'|'0'), email_id, meta, body, plain_body,
--       status, prefix, stats_ttl, wake_max, n, then n x (id, deliver_at, fields_json)
local now = tonumber(ARGV[1])
local retention = tonumber(ARGV[3])
redis.call('HINCRBY', KEYS[8], 'ingress', 1)
redis.call('EXPIRE', KEYS[8], ARGV[11])
if ARGV[4] == '1' then
  if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
    redis.call('HINCRBY', KEYS[8], 'duplicate', 1)
    return 'duplicate'
  end
end
redis.call('HSET', KEYS[2], 'meta', ARGV[6], 'body', ARGV[7], 'plain_body', ARGV[8])
redis.call('EXPIRE', KEYS[2], retention)
redis.call('ZADD', KEYS[3], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - retention)
redis.call('SET', KEYS[7], ARGV[1])
redis.call('HINCRBY', KEYS[8], ARGV[9], 1)
local n = tonumber(ARGV[13])
for i = 0, n - 1 do
  local id, at = ARGV[14 + 3 * i], ARGV[15 + 3 * i]
  local key = ARGV[10] .. 'delivery:' .. id
  for name, value in pairs(cjson.decode(ARGV[16 + 3 * i])) do
    redis.call('HSET', key, name, value)
  end
  redis.call('ZADD', KEYS[4], at, id)
  redis.call('ZADD', KEYS[5], now, id)
  redis.call('RPUSH', KEYS[6], id)
end
if n > 0 then
  redis.call('LTRIM', KEYS[6], -tonumber(ARGV[12]), -1)
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - retention)
end
return 'accepted'
"""

_CLAIM = """
-- KEYS: scheduled, leased, dead, stats
-- ARGV: now, lease_until, token, prefix, max_attempts, retention, lease_error_json, stats_ttl
local now = tonumber(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  local key = ARGV[4] .. 'delivery:' .. id
  redis.call('ZREM', KEYS[2], id)
  local attempts = redis.call('HINCRBY', key, 'attempts', 1)
  redis.call('HINCRBY', key, 'total_attempts', 1)
  redis.call('RPUSH', key .. ':attempts', ARGV[7])
  redis.call('HSET', key, 'lease', '', 'last_error', 'lease_expired', 'last_attempt_at', now)
  if attempts >= tonumber(ARGV[5]) then
    redis.call('HSET', key, 'state', 'dead', 'finished_at', now)
    redis.call('ZADD', KEYS[3], now, id)
    redis.call('HINCRBY', KEYS[4], 'dead', 1)
    redis.call('EXPIRE', KEYS[4], ARGV[8])
  else
    redis.call('HSET', key, 'state', 'retrying', 'deliver_at', now)
    redis.call('ZADD', KEYS[1], now, id)
  end
end
while true do
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1)
  if #due == 0 then
    local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {'', nxt[2] or ''}
  end
  local id = due[1]
  local key = ARGV[4] .. 'delivery:' .. id
  redis.call('ZREM', KEYS[1], id)
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', KEYS[2], ARGV[2], id)
    redis.call('HSET', key, 'state', 'in_flight', 'lease', ARGV[3],
               'lease_until', ARGV[2], 'claimed_at', now)
    local email = redis.call('HGET', key, 'email_id')
    if email then
      redis.call('EXPIRE', ARGV[4] .. 'email:' .. email, ARGV[6])
    end
    local out = {id, ''}
    for _, v in ipairs(redis.call('HGETALL', key)) do out[#out + 1] = v end
    return out
  end
end
"""

_COMPLETE = """
-- KEYS: scheduled, leased, dead, stats
-- ARGV: id, token, outcome, now, next_at, attempt_json, retention, prefix, fields_json, target,
--       attempts_kept, stats_ttl
local key = ARGV[8] .. 'delivery:' .. ARGV[1]
if redis.call('HGET', key, 'lease') ~= ARGV[2] then
  return 0
end
local akey = key .. ':attempts'
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('RPUSH', akey, ARGV[6])
redis.call('LTRIM', akey, -tonumber(ARGV[11]), -1)
redis.call('HINCRBY', key, 'attempts', 1)
redis.call('HINCRBY', key, 'total_attempts', 1)
for name, value in pairs(cjson.decode(ARGV[9])) do
  redis.call('HSET', key, name, value)
end
redis.call('HSET', key, 'state', ARGV[3], 'lease', '', 'last_attempt_at', ARGV[4])
redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
redis.call('HINCRBY', KEYS[4], ARGV[3] .. ':' .. ARGV[10], 1)
redis.call('EXPIRE', KEYS[4], ARGV[12])
if ARGV[3] == 'retrying' then
  redis.call('HSET', key, 'deliver_at', ARGV[5])
  redis.call('ZADD', KEYS[1], ARGV[5], ARGV[1])
  return 1
end
redis.call('HSET', key, 'finished_at', ARGV[4])
if ARGV[3] == 'dead' then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
end
redis.call('EXPIRE', key, ARGV[7])
redis.call('EXPIRE', akey, ARGV[7])
return 1
"""

_RELEASE = """
-- KEYS: scheduled, leased ; ARGV: id, token, now, prefix
local key = ARGV[4] .. 'delivery:' .. ARGV[1]
if redis.call('HGET', key, 'lease') ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
local state = 'scheduled'
if tonumber(redis.call('HGET', key, 'attempts') or '0') > 0 then state = 'retrying' end
redis.call('HSET', key, 'state', state, 'lease', '', 'deliver_at', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
"""

_REPLAY = """
-- KEYS: scheduled, dead, wake ; ARGV: id, now, prefix, retention, wake_max
local key = ARGV[3] .. 'delivery:' .. ARGV[1]
local state = redis.call('HGET', key, 'state')
if not state then return 'missing' end
if state ~= 'dead' and state ~= 'delivered' then return 'not_finished' end
local email = redis.call('HGET', key, 'email_id')
if redis.call('EXISTS', ARGV[3] .. 'email:' .. email) == 0 then return 'email_expired' end
redis.call('EXPIRE', ARGV[3] .. 'email:' .. email, ARGV[4])
redis.call('HSET', key, 'state', 'scheduled', 'attempts', 0, 'deliver_at', ARGV[2],
           'replayed_at', ARGV[2], 'finished_at', '')
redis.call('HINCRBY', key, 'replays', 1)
redis.call('PERSIST', key)
redis.call('PERSIST', key .. ':attempts')
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[5]), -1)
return 'queued'
"""


@dataclass(frozen=True)
class NewDelivery:
    """A delivery planned by the ingest pipeline."""

    id: str
    target_id: str
    webhook_id: str
    deliver_at: float
    state: str = SCHEDULED
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimedDelivery:
    id: str
    token: str
    fields: Mapping[str, str]

    @property
    def email_id(self) -> str:
        return self.fields["email_id"]

    @property
    def target_id(self) -> str:
        return self.fields["target_id"]

    @property
    def webhook_id(self) -> str:
        return self.fields["webhook_id"]

    @property
    def attempts(self) -> int:
        """Attempts already made in this cycle (reset by a replay)."""
        return int(self.fields.get("attempts") or 0)


@dataclass(frozen=True)
class ClaimResult:
    delivery: ClaimedDelivery | None
    next_due: float | None


@dataclass(frozen=True)
class StoredEmail:
    meta: dict[str, Any]
    body: str
    plain_body: str


def new_delivery_id() -> str:
    return "dlv_" + secrets.token_hex(12)


def hour_bucket(ts: float) -> int:
    return int(ts // 3600 * 3600)


class DeliveryQueue:
    """Atomic queue operations over delivery records."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        clock: Callable[[], float],
        *,
        dedup_ttl: int,
        retention_ttl: int,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._clock = clock
        self._dedup_ttl = dedup_ttl
        self._retention = retention_ttl
        self._admit = client.register_script(_ADMIT)
        self._claim = client.register_script(_CLAIM)
        self._complete = client.register_script(_COMPLETE)
        self._release = client.register_script(_RELEASE)
        self._replay = client.register_script(_REPLAY)

    # -- ingest -----------------------------------------------------------

    def admit(
        self,
        email_id: str,
        meta: Mapping[str, Any],
        body: str,
        plain_body: str,
        deliveries: Iterable[NewDelivery],
        *,
        dedup: bool,
        status: str,
    ) -> str:
        """Claim the email and enqueue its deliveries atomically: 'accepted' or 'duplicate'."""
        now = self._clock()
        k = self._keys
        planned = list(deliveries)
        args: list[Any] = [
            now,
            self._dedup_ttl,
            self._retention,
            "1" if dedup else "0",
            email_id,
            json.dumps(meta, ensure_ascii=False, separators=(",", ":")),
            body,
            plain_body,
            status,
            k.prefix,
            STATS_TTL,
            WAKE_LIST_MAX,
            len(planned),
        ]
        for d in planned:
            args += [d.id, d.deliver_at, json.dumps(self._record(d, email_id, now))]
        keys = [
            k.seen(email_id),
            k.email(email_id),
            k.emails_index,
            k.queue_scheduled,
            k.deliveries_index,
            k.queue_wake,
            k.last_ingress,
            k.stats_hour(hour_bucket(now)),
        ]
        return str(self._admit(keys=keys, args=args))

    @staticmethod
    def _record(d: NewDelivery, email_id: str, now: float) -> dict[str, str]:
        record = {
            "id": d.id,
            "email_id": email_id,
            "target_id": d.target_id,
            "webhook_id": d.webhook_id,
            "state": d.state,
            "created_at": repr(now),
            "deliver_at": repr(d.deliver_at),
            "attempts": "0",
            "total_attempts": "0",
        }
        record.update(d.extra)
        return record

    # -- workers ------------------------------------------------------------

    def claim(self, lease_seconds: float, max_attempts: int) -> ClaimResult:
        """Lease the earliest due delivery, after putting expired leases back."""
        now = self._clock()
        k = self._keys
        token = secrets.token_hex(8)
        lease_error = json.dumps({"at": now, "outcome": "lease_expired", "error": "lease_expired"})
        reply = self._claim(
            keys=[k.queue_scheduled, k.queue_leased, k.queue_dead, k.stats_hour(hour_bucket(now))],
            args=[
                now,
                now + lease_seconds,
                token,
                k.prefix,
                max_attempts,
                self._retention,
                lease_error,
                STATS_TTL,
            ],
        )
        if not reply[0]:
            return ClaimResult(None, float(reply[1]) if reply[1] else None)
        flat = reply[2:]
        fields = dict(zip(flat[::2], flat[1::2], strict=True))
        return ClaimResult(ClaimedDelivery(reply[0], token, fields), None)

    def complete(
        self,
        claimed: ClaimedDelivery,
        outcome: str,
        attempt: Mapping[str, Any],
        *,
        next_at: float | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> bool:
        """Record an attempt; False when the lease was lost (expired and reclaimed)."""
        if outcome not in (DELIVERED, RETRYING, DEAD):
            raise ValueError(f"bad outcome {outcome}")
        now = self._clock()
        k = self._keys
        done = self._complete(
            keys=[k.queue_scheduled, k.queue_leased, k.queue_dead, k.stats_hour(hour_bucket(now))],
            args=[
                claimed.id,
                claimed.token,
                outcome,
                now,
                next_at if next_at is not None else "",
                json.dumps(attempt, ensure_ascii=False),
                self._retention,
                k.prefix,
                json.dumps(dict(fields or {})),
                claimed.target_id,
                ATTEMPTS_KEPT,
                STATS_TTL,
            ],
        )
        return bool(done)

    def release(self, claimed: ClaimedDelivery) -> bool:
        """Give a lease back without counting an attempt (the worker is shutting down)."""
        k = self._keys
        args: list[str | float] = [claimed.id, claimed.token, self._clock(), k.prefix]
        return bool(self._release(keys=[k.queue_scheduled, k.queue_leased], args=args))

    def wait_for_work(self, timeout: float) -> None:
        """Block until the ingest rings the doorbell or `timeout` passes."""
        seconds = max(0.01, min(timeout, 1.0))
        self._redis.blpop([self._keys.queue_wake], timeout=seconds)

    def load_email(self, email_id: str) -> StoredEmail | None:
        raw = _str_dict(self._redis.hgetall(self._keys.email(email_id)))
        if not raw or "meta" not in raw:
            return None
        return StoredEmail(json.loads(raw["meta"]), raw.get("body", ""), raw.get("plain_body", ""))

    # -- operator actions -------------------------------------------------

    def replay(self, delivery_id: str) -> str:
        """'queued', 'missing', 'not_finished' or 'email_expired'."""
        k = self._keys
        return str(
            self._replay(
                keys=[k.queue_scheduled, k.queue_dead, k.queue_wake],
                args=[delivery_id, self._clock(), k.prefix, self._retention, WAKE_LIST_MAX],
            )
        )

    def get(self, delivery_id: str) -> dict[str, str] | None:
        raw = _str_dict(self._redis.hgetall(self._keys.delivery(delivery_id)))
        return raw or None

    def attempts(self, delivery_id: str) -> list[dict[str, Any]]:
        raw = self._redis.lrange(self._keys.delivery_attempts(delivery_id), 0, -1)
        return [json.loads(item) for item in raw]

    # -- readiness ----------------------------------------------------------

    def depth(self) -> dict[str, Any]:
        """Queue sizes and the age of the oldest due delivery."""
        now = self._clock()
        k = self._keys
        pipe = self._redis.pipeline(transaction=False)
        pipe.zcount(k.queue_scheduled, "-inf", now)
        pipe.zcard(k.queue_scheduled)
        pipe.zcard(k.queue_leased)
        pipe.zcard(k.queue_dead)
        pipe.zrange(k.queue_scheduled, 0, 0, withscores=True)
        due, scheduled, leased, dead, oldest = pipe.execute()
        oldest_due_age = max(0.0, now - oldest[0][1]) if oldest and oldest[0][1] <= now else 0.0
        return {
            "due": due,
            "scheduled": scheduled,
            "in_flight": leased,
            "dead": dead,
            "oldest_due_age_seconds": round(oldest_due_age, 3),
        }


def _str_dict(raw: Any) -> dict[str, str]:
    """redis-py's reply, typed as what `decode_responses=True` makes it."""
    return cast(dict[str, str], raw)
