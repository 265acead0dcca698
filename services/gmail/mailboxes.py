"""Connected mailboxes as stored in Redis, and the durable record of a push.

One hash per mailbox (config/keys.py `gmail_mailbox`): its state, its sealed refresh
token, the history id the sync has reached, its watch and what it last heard. A push
(`notify`) writes the notification and makes the mailbox due for a sync in one script,
fsynced like an admitted email before the push is answered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

import redis

from config.keys import Keys
from services.delivery.fsync import FsyncWait

WAKE_MAX = 100  # the wake list is trimmed: one pending ring is enough


class MailboxState(StrEnum):
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"  # the grant was revoked or expired; Google is not called


@dataclass(frozen=True)
class Mailbox:
    """One mailbox; times are epoch seconds (None: never)."""

    address: str
    state: MailboxState = MailboxState.CONNECTED
    source: str = "oauth"  # oauth (dashboard consent) or env (GMAIL_REFRESH_TOKEN)
    sealed_token: str = ""
    token_fingerprint: str = ""  # tells a new grant from the stored one (never the token)
    scope: str = ""
    history_id: str = ""  # the sync has admitted everything up to this history id
    connected_at: float | None = None
    watch_expires_at: float | None = None
    watch_error: str = ""
    last_notification_at: float | None = None
    notified_history_id: str = ""
    last_sync_at: float | None = None
    last_sync_ok_at: float | None = None
    last_full_sync_at: float | None = None
    last_admitted_at: float | None = None
    last_error: str = ""
    admitted: int = 0

    @classmethod
    def from_hash(cls, raw: dict[str, str]) -> Mailbox:
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = raw.get(f.name)
            if value is None or value == "":
                continue
            values[f.name] = _decode(f.type, value)
        return cls(**values)

    def to_hash(self) -> dict[str, str]:
        return {k: _encode(v) for k, v in asdict(self).items() if v is not None}

    def to_api(self, now: float, fallback_seconds: int) -> dict[str, Any]:
        """As the admin API shows it: never the token."""
        shown = {k: v for k, v in asdict(self).items() if k != "sealed_token"}
        shown["state"] = str(self.state)
        shown["health"] = self.health(now, fallback_seconds)
        shown["lag_seconds"] = self.lag(now)
        return shown

    def lag(self, now: float) -> float | None:
        """How long ago the mailbox was last known to be fully read (None: never)."""
        return None if self.last_sync_ok_at is None else max(0.0, now - self.last_sync_ok_at)

    def health(self, now: float, fallback_seconds: int) -> str:
        """One word for the banner: ok, needs_reconnect, watch_expired, sync_failing, or
        no_notification (no push for three fallback periods while the watch is set)."""
        if self.state == MailboxState.NEEDS_RECONNECT:
            return "needs_reconnect"
        if self.watch_expires_at is not None and self.watch_expires_at <= now:
            return "watch_expired"
        if self._failing:
            return "sync_failing"
        return "no_notification" if self._silent(now, fallback_seconds) else "ok"

    @property
    def _failing(self) -> bool:
        """The last sync stopped on an error (none has succeeded since)."""
        return bool(self.last_error) and (self.last_sync_ok_at or 0) < (self.last_sync_at or 0)

    def _silent(self, now: float, fallback_seconds: int) -> bool:
        heard = self.last_notification_at or self.connected_at or now
        return self.watch_expires_at is not None and now - heard > 3 * fallback_seconds


def _decode(kind: Any, value: str) -> Any:
    text = str(kind)
    if "float" in text:
        return float(value)
    if text == "int":
        return int(value)
    if "MailboxState" in text:
        return MailboxState(value)
    return value


def _encode(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


# KEYS: mailbox hash, due zset, wake list. ARGV[1]: JSON {now, history_id, wake_max}.
# Unknown mailbox: 0 (nothing written). Else the notification is recorded, the mailbox is
# due now (never later than it was) and the sync thread is rung: 1.
NOTIFY = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local a = cjson.decode(ARGV[1])
redis.call('HSET', KEYS[1], 'last_notification_at', a.now)
local known = tonumber(redis.call('HGET', KEYS[1], 'notified_history_id') or '0') or 0
if (tonumber(a.history_id) or 0) > known then
  redis.call('HSET', KEYS[1], 'notified_history_id', a.history_id)
end
local address = redis.call('HGET', KEYS[1], 'address')
local due = redis.call('ZSCORE', KEYS[2], address)
if not due or tonumber(due) > tonumber(a.now) then
  redis.call('ZADD', KEYS[2], a.now, address)
end
redis.call('LPUSH', KEYS[3], '1')
redis.call('LTRIM', KEYS[3], 0, a.wake_max - 1)
return 1
"""

# KEYS: due zset. ARGV: address, the score the sync set when it began, the next due time.
# The next due time is written only if no push moved the score meanwhile (a push during the
# sync keeps the mailbox due now).
RESCHEDULE = """
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if due and tonumber(due) == tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
return 0
"""

# KEYS: lock. ARGV: token, ttl. Renew only a lock this holder still has.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS: lock. ARGV: token.
UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class MailboxStore:
    """Mailboxes, their due times and the locks of their syncs."""

    def __init__(
        self, client: redis.Redis, keys: Keys, fsync: FsyncWait, clock: Callable[[], float]
    ) -> None:
        self._redis = client
        self._keys = keys
        self._fsync = fsync
        self._clock = clock
        self._notify = client.register_script(NOTIFY)
        self._reschedule = client.register_script(RESCHEDULE)
        self._renew = client.register_script(RENEW)
        self._unlock = client.register_script(UNLOCK)

    def save(self, mailbox: Mailbox) -> None:
        """Store a mailbox (replacing its fields) and make it due for a sync now."""
        k = self._keys
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(k.gmail_mailbox(mailbox.address))
            pipe.hset(k.gmail_mailbox(mailbox.address), mapping=dict[Any, Any](mailbox.to_hash()))
            pipe.sadd(k.gmail_mailboxes, mailbox.address)
            pipe.zadd(k.gmail_due, {mailbox.address: self._clock()})
            pipe.lpush(k.gmail_wake, "1")
            pipe.execute()

    def get(self, address: str) -> Mailbox | None:
        raw = self._redis.hgetall(self._keys.gmail_mailbox(address))
        return Mailbox.from_hash(_text(raw)) if raw else None

    def all(self) -> list[Mailbox]:
        addresses = sorted(_text_set(self._redis.smembers(self._keys.gmail_mailboxes)))
        found = (self.get(address) for address in addresses)
        return [m for m in found if m is not None]

    def update(self, address: str, **values: Any) -> None:
        """Set some fields of a stored mailbox (an absent mailbox stays absent)."""
        key = self._keys.gmail_mailbox(address)
        mapping = {k: _encode(v) for k, v in values.items() if v is not None}
        cleared = [k for k, v in values.items() if v is None]
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.exists(key)
            if mapping:
                pipe.hset(key, mapping=dict[Any, Any](mapping))
            if cleared:
                pipe.hdel(key, *cleared)
            exists, *_ = pipe.execute()
        if not exists:
            self._redis.delete(key)  # a write that raced a removal must not resurrect it

    def count_admitted(self, address: str, n: int, now: float) -> None:
        key = self._keys.gmail_mailbox(address)
        if n and self._redis.exists(key):
            with self._redis.pipeline(transaction=True) as pipe:
                pipe.hincrby(key, "admitted", n)
                pipe.hset(key, "last_admitted_at", repr(now))
                pipe.execute()

    def remove(self, address: str) -> None:
        k = self._keys
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(k.gmail_mailbox(address))
            pipe.srem(k.gmail_mailboxes, address)
            pipe.zrem(k.gmail_due, address)
            pipe.execute()

    def notify(self, address: str, history_id: str) -> bool:
        """Record a push durably (fsynced where the server can say so); False: unknown."""
        k = self._keys
        arg = json.dumps({"now": self._clock(), "history_id": history_id, "wake_max": WAKE_MAX})
        keys = [k.gmail_mailbox(address), k.gmail_due, k.gmail_wake]
        return bool(self._fsync.run(self._notify, keys, [arg], needed=bool))

    def make_due(self, address: str, at: float | None = None) -> None:
        """Sync this mailbox at `at` (now by default) and ring the sync thread."""
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._keys.gmail_due, {address: self._clock() if at is None else at})
            pipe.lpush(self._keys.gmail_wake, "1")
            pipe.execute()

    def next_due(self) -> tuple[str, float] | None:
        """The mailbox due soonest and when."""
        found: list[Any] = list(self._redis.zrange(self._keys.gmail_due, 0, 0, withscores=True))
        if not found:
            return None
        member, score = found[0]
        return _str(member), float(score)

    def postpone(self, address: str, until: float) -> None:
        """Push the due time to `until` while a sync runs (a crash leaves it due then)."""
        self._redis.zadd(self._keys.gmail_due, {address: until})

    def reschedule(self, address: str, expected: float, at: float) -> bool:
        keys = [self._keys.gmail_due]
        return bool(self._reschedule(keys=keys, args=[address, repr(expected), repr(at)]))

    def wait_for_push(self, timeout: float) -> None:
        """Block until a push rings (or `timeout` seconds)."""
        if timeout <= 0:
            return
        self._redis.blpop([self._keys.gmail_wake], timeout=max(0.01, timeout))

    def lock(self, address: str, token: str, ttl: int) -> bool:
        key = self._keys.gmail_sync_lock(address)
        return bool(self._redis.set(key, token, nx=True, ex=ttl))

    def renew(self, address: str, token: str, ttl: int) -> bool:
        return bool(self._renew(keys=[self._keys.gmail_sync_lock(address)], args=[token, ttl]))

    def unlock(self, address: str, token: str) -> None:
        self._unlock(keys=[self._keys.gmail_sync_lock(address)], args=[token])

    # consents in progress (oauth.py)
    def put_consent(self, state_hash: str, doc: dict[str, Any], ttl: int) -> None:
        self._redis.set(self._keys.gmail_oauth(state_hash), json.dumps(doc), ex=ttl)

    def take_consent(self, state_hash: str) -> dict[str, Any] | None:
        """The consent's record, once: a replayed callback finds nothing."""
        raw = self._redis.getdel(self._keys.gmail_oauth(state_hash))
        return json.loads(raw) if raw else None


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _text(raw: dict[Any, Any]) -> dict[str, str]:
    return {_str(k): _str(v) for k, v in raw.items()}


def _text_set(raw: Any) -> set[str]:
    return {_str(v) for v in raw}
