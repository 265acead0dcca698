"""The delivery queue on Redis: the delivery record *is* the queue item.

A delivery lives in one hash (`delivery:<id>`) and in exactly one sorted set:
`q:scheduled` or `q:scheduled:high` (by due time: scheduled, held and retrying
deliveries; high-priority ones are claimed first), `q:leased` (by lease
expiry: a worker is attempting it) or `q:dead`. Delivered ones are in none.
Every transition is one Lua script (services/delivery/scripts.py), atomic across
any number of workers, processes and containers:

- admit:    dedup claim + email record + its deliveries, all or nothing
- claim:    put expired leases back, then lease the earliest due delivery whose
            target is under its rate limit (others are deferred, not counted)
- complete: record the attempt and move on (delivered / retrying / dead),
            only if the caller still holds the lease
- release:  give a lease back untouched (shutdown), or to the waitlist
- replay:   re-queue a dead, delivered or cancelled delivery with the same webhook-id
- move:     re-plan a waiting delivery (schedule change, release now, its target is back)
- cancel:   a delivery that never left, re-routed elsewhere
- reroute:  a stored email's new decision and the deliveries it lacks

A delivery whose target is missing or switched off waits on the waitlist
(`q:held`), outside the due-time queues, until the reconciler
(services/reconcile.py) sees its target able to take it again. An email that
no target could take at all is parked (`emails:parked`) the same way.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import redis

from config.keys import HEALTH_TTL, STATS_TTL, WAKE_LIST_MAX, Keys
from services.delivery import scripts as queue_scripts
from services.delivery.fsync import FsyncWait

logger = logging.getLogger(__name__)

ATTEMPTS_KEPT = 50  # attempt documents kept per delivery (replays add more)
WAITING_BATCH = 500  # waiting deliveries read per round trip by the reconciler

SCHEDULED, HELD, IN_FLIGHT, RETRYING, DELIVERED, DEAD, CANCELLED = (
    "scheduled",
    "held",
    "in_flight",
    "retrying",
    "delivered",
    "dead",
    "cancelled",
)
STATES = (SCHEDULED, HELD, IN_FLIGHT, RETRYING, DELIVERED, DEAD, CANCELLED)
WAITING_STATES = frozenset({SCHEDULED, HELD, RETRYING})

# Why a delivery is held (`hold_reason`). The schedule's own codes come from
# email_processing.schedule (window, absence_day); the claim script sets the rest.
TARGET_MISSING, TARGET_DISABLED = "target_missing", "target_disabled"
RATE_LIMITED, CIRCUIT_OPEN = "rate_limited", "circuit_open"
TARGET_HOLDS = frozenset({TARGET_MISSING, TARGET_DISABLED})
"""Reasons that put a delivery on the waitlist rather than in a due-time queue."""


@dataclass(frozen=True)
class Breaker:
    """What one attempt tells the target's circuit breaker, and its settings."""

    signal: str  # "ok" closes it; "failed" counts towards opening; "" leaves it alone
    threshold: int
    cooldown: int
    cooldown_max: int

    def args(self) -> tuple[str, int, int, int]:
        return (self.signal, self.threshold, self.cooldown, self.cooldown_max)


@dataclass(frozen=True)
class NewDelivery:
    """A delivery planned by the ingest pipeline (or a re-route)."""

    id: str
    target_id: str
    webhook_id: str
    deliver_at: float
    state: str = SCHEDULED
    hold_reason: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def waitlisted(self) -> bool:
        """Waiting for its target (missing or switched off) rather than for a time."""
        return self.hold_reason in TARGET_HOLDS

    def to_summary(self) -> dict[str, Any]:
        """As listed in the stored email and the ingress answer's store."""
        return {
            "id": self.id,
            "target": self.target_id,
            "deliver_at": self.deliver_at,
            "state": self.state,
            "hold_reason": self.hold_reason or None,
        }


@dataclass(frozen=True)
class Move:
    """A re-plan of one waiting delivery, applied only if it is still as the caller saw it."""

    delivery_id: str
    expected_state: str
    expected_reason: str
    state: str
    hold_reason: str = ""
    deliver_at: float | None = None  # None: to the waitlist
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Health:
    """What a target's last real attempt said (delivery or test send), for its health."""

    ok: bool | None  # None: no verdict on the receiver (our own problem)
    error: str = ""
    status_code: int | None = None

    def args(self) -> tuple[str, str, str]:
        ok = "" if self.ok is None else ("1" if self.ok else "0")
        code = "" if self.status_code is None else str(self.status_code)
        return (ok, self.error, code)


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

    @property
    def delivery_links(self) -> list[dict[str, Any]] | None:
        """The file links found at ingest (None when there were none)."""
        links: list[dict[str, Any]] | None = self.meta.get("analysis", {}).get("links") or None
        return links


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
        fsync: FsyncWait,
    ) -> None:
        self._redis = client
        self._fsync = fsync
        self._keys = keys
        self._clock = clock
        self._dedup_ttl = dedup_ttl
        self._retention = retention_ttl
        self._admit = client.register_script(queue_scripts.ADMIT)
        self._seen = client.register_script(queue_scripts.SEEN)
        self._claim = client.register_script(queue_scripts.CLAIM)
        self._complete = client.register_script(queue_scripts.COMPLETE)
        self._release = client.register_script(queue_scripts.RELEASE)
        self._replay = client.register_script(queue_scripts.REPLAY)
        self._move = client.register_script(queue_scripts.MOVE)
        self._cancel = client.register_script(queue_scripts.CANCEL)
        self._reroute = client.register_script(queue_scripts.REROUTE)

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
        aliases: Iterable[str] = (),
    ) -> str:
        """Claim the email and enqueue its deliveries atomically: 'accepted' or 'duplicate'.

        Returns once the write is as durable as the server allows (services/delivery/fsync.py).
        """
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
        args += self._delivery_args(planned, email_id, now)
        keys = [
            k.seen(email_id),
            k.email(email_id),
            k.emails_index,
            k.deliveries_index,
            k.queue_wake,
            k.last_ingress,
            k.stats_hour(hour_bucket(now)),
            k.parked,
            *(k.seen(alias) for alias in aliases if alias != email_id),
        ]
        return str(self._fsync.run(self._admit, keys, args))

    def seen(self, email_id: str, aliases: Iterable[str] = ()) -> bool:
        """Whether the email was accepted already, under this id or another (counted as a
        duplicate push then): the check made before any analysis."""
        now = self._clock()
        k = self._keys
        keys = [
            k.stats_hour(hour_bucket(now)),
            k.seen(email_id),
            *(k.seen(alias) for alias in aliases if alias != email_id),
        ]
        return bool(self._seen(keys=keys, args=[now, self._dedup_ttl, STATS_TTL]))

    @classmethod
    def _delivery_args(cls, planned: list[NewDelivery], email_id: str, now: float) -> list[Any]:
        args: list[Any] = []
        for d in planned:
            at = "" if d.waitlisted else d.deliver_at
            args += [d.id, at, json.dumps(cls._record(d, email_id, now))]
        return args

    @staticmethod
    def _record(d: NewDelivery, email_id: str, now: float) -> dict[str, str]:
        record = {
            "id": d.id,
            "email_id": email_id,
            "target_id": d.target_id,
            "webhook_id": d.webhook_id,
            "state": d.state,
            "hold_reason": d.hold_reason,
            "created_at": repr(now),
            "deliver_at": repr(d.deliver_at),
            "attempts": "0",
            "total_attempts": "0",
        }
        record.update(d.extra)
        return record

    # -- workers ------------------------------------------------------------

    def claim(
        self,
        lease_seconds: float,
        max_attempts: int,
        limits: Mapping[str, tuple[int, int]] | None = None,
        max_in_flight: int = 0,
        targets: Mapping[str, bool] | None = None,
    ) -> ClaimResult:
        """Lease the earliest due delivery, after putting expired leases back.

        `targets` maps every known target id to whether it is switched on: a delivery whose
        target is off or unknown goes to the waitlist instead (no attempt counted); None
        checks nothing.
        `limits` maps a target id to (per minute, per hour), 0 meaning no limit; a target
        with `max_in_flight` attempts under way is skipped (0: no cap); an open circuit
        breaker holds its target's deliveries until it half-opens.
        """
        now = self._clock()
        k = self._keys
        token = secrets.token_hex(8)
        lease_error = json.dumps({"at": now, "outcome": "lease_expired", "error": "lease_expired"})
        reply = self._claim(
            keys=[
                k.queue_scheduled_high,
                k.queue_scheduled,
                k.queue_leased,
                k.queue_dead,
                k.stats_hour(hour_bucket(now)),
            ],
            args=[
                now,
                now + lease_seconds,
                token,
                k.prefix,
                max_attempts,
                self._retention,
                lease_error,
                STATS_TTL,
                json.dumps({t: list(v) for t, v in (limits or {}).items()}),
                max_in_flight,
                "" if targets is None else _targets_arg(targets),
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
        breaker: Breaker | None = None,
        health: Health | None = None,
    ) -> int:
        """Record an attempt: 0 when the lease was lost (expired and reclaimed), 1 done,
        2 done and this failure opened the target's circuit breaker. `held` puts the
        delivery on the waitlist with the `hold_reason` given in `fields`."""
        if outcome not in (DELIVERED, RETRYING, DEAD, HELD):
            raise ValueError(f"bad outcome {outcome}")
        now = self._clock()
        k = self._keys
        done = self._complete(
            keys=[k.queue_leased, k.queue_dead, k.stats_hour(hour_bucket(now))],
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
                *(breaker.args() if breaker else ("", 1, 1, 1)),
                *(health or Health(None)).args(),
                HEALTH_TTL,
            ],
        )
        return int(done)

    def release(self, claimed: ClaimedDelivery, hold_reason: str = "") -> bool:
        """Give a lease back without counting an attempt: to its queue (the worker is shutting
        down), or to the waitlist with `hold_reason` (its target cannot take it)."""
        k = self._keys
        args: list[str | float] = [claimed.id, claimed.token, self._clock(), k.prefix, hold_reason]
        return bool(self._release(keys=[k.queue_leased], args=args))

    def note_health(self, target_id: str, health: Health) -> None:
        """Record a test send's verdict as the target's last attempt."""
        ok, error, code = health.args()
        if not ok:
            return
        now = self._clock()
        mapping: dict[Any, Any] = {"last_attempt_at": now, "last_ok": ok, "last_error": error}
        mapping["last_status_code"] = code
        if health.ok:
            mapping["last_ok_at"] = now
        key = self._keys.target_health(target_id)
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(key, mapping=mapping)
        pipe.expire(key, HEALTH_TTL)
        pipe.execute()

    def health(self, target_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        """The last-attempt record of each target ({} when never tried)."""
        ids = list(target_ids)
        pipe = self._redis.pipeline(transaction=False)
        for target_id in ids:
            pipe.hgetall(self._keys.target_health(target_id))
        return {t: _str_dict(raw) for t, raw in zip(ids, pipe.execute(), strict=True)}

    def wait_for_work(self, timeout: float) -> None:
        """Block until the ingest rings the doorbell or `timeout` passes."""
        seconds = max(0.01, min(timeout, 1.0))
        self._redis.blpop([self._keys.queue_wake], timeout=seconds)

    def load_email(self, email_id: str) -> StoredEmail | None:
        return _stored_email(_str_dict(self._redis.hgetall(self._keys.email(email_id))))

    def unknown_emails(self, email_ids: list[str]) -> list[str]:
        """The ids never accepted: neither a dedup claim nor a stored email exists."""
        pipe = self._redis.pipeline(transaction=False)
        for email_id in email_ids:
            pipe.exists(self._keys.seen(email_id), self._keys.email(email_id))
        return [i for i, found in zip(email_ids, pipe.execute(), strict=True) if not found]

    def circuits(self, target_ids: Iterable[str]) -> dict[str, dict[str, float | None]]:
        """Circuit-breaker state per target (failures, open_until), for the dashboard."""
        ids = list(target_ids)
        pipe = self._redis.pipeline(transaction=False)
        for target_id in ids:
            pipe.hmget(self._keys.circuit(target_id), ["failures", "open_until"])
        states = {}
        for target_id, (failures, open_until) in zip(ids, pipe.execute(), strict=True):
            states[target_id] = {
                "failures": int(failures or 0),
                "open_until": float(open_until or 0) or None,
            }
        return states

    def recent_emails(self, count: int) -> list[StoredEmail]:
        """The last `count` stored emails, newest first (expired ones skipped)."""
        ids = self._redis.zrevrange(self._keys.emails_index, 0, max(0, count - 1))
        pipe = self._redis.pipeline(transaction=False)
        for email_id in ids:
            pipe.hgetall(self._keys.email(str(email_id)))
        stored = (_stored_email(_str_dict(raw)) for raw in pipe.execute())
        return [email for email in stored if email is not None]

    # -- operator actions -------------------------------------------------

    def replay(self, delivery_id: str) -> str:
        """'queued', 'missing', 'not_finished' or 'email_expired'."""
        k = self._keys
        return str(
            self._replay(
                keys=[k.queue_dead, k.queue_wake],
                args=[delivery_id, self._clock(), k.prefix, self._retention, WAKE_LIST_MAX],
            )
        )

    def move(self, move: Move) -> bool:
        """Apply one re-plan; False when the delivery changed since it was read."""
        k = self._keys
        now = self._clock()
        destination = "held" if move.deliver_at is None else "queue"
        args: list[Any] = [
            move.delivery_id,
            k.prefix,
            move.expected_state,
            move.expected_reason,
            destination,
            move.state,
            move.hold_reason,
            "" if move.deliver_at is None else repr(move.deliver_at),
            now,
            json.dumps(dict(move.fields), ensure_ascii=False),
            WAKE_LIST_MAX,
        ]
        keys = [k.queue_scheduled_high, k.queue_scheduled, k.queue_held, k.queue_wake]
        return bool(self._move(keys=keys, args=args))

    def cancel(self, delivery_id: str, reason: str) -> bool:
        """Cancel a delivery that never left; False when it is no longer waiting untouched."""
        k = self._keys
        args: list[Any] = [delivery_id, k.prefix, self._clock(), self._retention, reason]
        keys = [k.queue_scheduled_high, k.queue_scheduled, k.queue_held]
        return bool(self._cancel(keys=keys, args=args))

    def reroute(
        self,
        email_id: str,
        meta: Mapping[str, Any],
        status: str,
        deliveries: Iterable[NewDelivery],
    ) -> int:
        """Store an email's new decision and add its new deliveries: how many were added,
        -1 when the email has expired."""
        now = self._clock()
        k = self._keys
        planned = list(deliveries)
        args: list[Any] = [
            now,
            k.prefix,
            self._retention,
            json.dumps(meta, ensure_ascii=False, separators=(",", ":")),
            status,
            email_id,
            WAKE_LIST_MAX,
            len(planned),
            *self._delivery_args(planned, email_id, now),
        ]
        keys = [k.email(email_id), k.deliveries_index, k.queue_wake, k.parked]
        return int(self._reroute(keys=keys, args=args))

    def waiting(self, fields: tuple[str, ...]) -> Iterator[dict[str, str]]:
        """Every delivery waiting in a queue or on the waitlist (not being attempted), with
        the fields asked for plus `id`, in batches."""
        k = self._keys
        pipe = self._redis.pipeline(transaction=False)
        for queue in (k.queue_scheduled_high, k.queue_scheduled, k.queue_held):
            pipe.zrange(queue, 0, -1)
        ids = sorted({str(i) for members in pipe.execute() for i in members})
        for start in range(0, len(ids), WAITING_BATCH):
            batch = ids[start : start + WAITING_BATCH]
            pipe = self._redis.pipeline(transaction=False)
            for delivery_id in batch:
                pipe.hmget(k.delivery(delivery_id), fields)
            for delivery_id, values in zip(batch, pipe.execute(), strict=True):
                if values[0] is not None:
                    yield {"id": delivery_id, **dict(zip(fields, values, strict=True))}

    def parked(self, limit: int) -> list[str]:
        """Ids of parked emails, oldest first."""
        return [str(i) for i in self._redis.zrange(self._keys.parked, 0, max(0, limit - 1))]

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
        for queue in (k.queue_scheduled, k.queue_scheduled_high):
            pipe.zcount(queue, "-inf", now)
            pipe.zcard(queue)
            pipe.zrange(queue, 0, 0, withscores=True)
        pipe.zcard(k.queue_leased)
        pipe.zcard(k.queue_dead)
        pipe.zcard(k.queue_held)
        pipe.zcard(k.parked)
        (
            due,
            scheduled,
            first,
            due_hi,
            scheduled_hi,
            first_hi,
            leased,
            dead,
            waitlisted,
            parked,
        ) = pipe.execute()
        oldest = min([entry[1] for entry in (first + first_hi)] or [now])
        oldest_due_age = max(0.0, now - oldest)
        return {
            "due": due + due_hi,
            "scheduled": scheduled + scheduled_hi,
            "in_flight": leased,
            "dead": dead,
            "waiting_for_target": waitlisted,
            "parked_emails": parked,
            "oldest_due_age_seconds": round(oldest_due_age, 3),
        }


def _targets_arg(targets: Mapping[str, bool]) -> str:
    # An empty Lua table encodes as an object: '{}' decodes to an empty table either way.
    return json.dumps({t: "ok" if on else "disabled" for t, on in targets.items()})


def _str_dict(raw: Any) -> dict[str, str]:
    """redis-py's reply, typed as what `decode_responses=True` makes it."""
    return cast(dict[str, str], raw)


def _stored_email(fields: dict[str, str]) -> StoredEmail | None:
    if "meta" not in fields:
        return None
    return StoredEmail(
        json.loads(fields["meta"]), fields.get("body", ""), fields.get("plain_body", "")
    )
