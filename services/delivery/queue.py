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
(services/operator/waiting.py) sees its target able to take it again. An email that
no target could take at all is parked (`emails:parked`) the same way.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, cast

import redis

from config.keys import HEALTH_TTL, Keys
from services.delivery import scripts
from services.delivery.fsync import FsyncWait
from services.delivery.record import (
    FIELDS,
    NO_BREAKER,
    Breaker,
    Calls,
    Claimed,
    ClaimResult,
    Completed,
    DeliveryRecord,
    Health,
    Move,
    Replayed,
    ScriptCall,
    State,
    StoredEmail,
    claimed,
    completed,
    stored_email,
)

logger = logging.getLogger(__name__)

WAITING_BATCH = 500  # waiting deliveries read per round trip by the reconciler


class DeliveryQueue:
    """Atomic queue operations over delivery records (services/delivery/record.py)."""

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
        self._calls = Calls(keys, dedup_ttl=dedup_ttl, retention=retention_ttl)
        self._admit = client.register_script(scripts.ADMIT)
        self._seen = client.register_script(scripts.SEEN)
        self._claim = client.register_script(scripts.CLAIM)
        self._complete = client.register_script(scripts.COMPLETE)
        self._release = client.register_script(scripts.RELEASE)
        self._replay = client.register_script(scripts.REPLAY)
        self._move = client.register_script(scripts.MOVE)
        self._cancel = client.register_script(scripts.CANCEL)
        self._reroute = client.register_script(scripts.REROUTE)

    @staticmethod
    def _run(script: Any, call: ScriptCall) -> Any:
        return script(keys=call.keys, args=call.args)

    # -- ingest -----------------------------------------------------------

    def admit(
        self,
        email_id: str,
        meta: Mapping[str, Any],
        body: str,
        plain_body: str,
        deliveries: Iterable[DeliveryRecord],
        *,
        dedup: bool,
        status: str,
        aliases: Iterable[str] = (),
    ) -> str:
        """Claim the email and enqueue its deliveries atomically: 'accepted' or 'duplicate'.

        Returns once the write is as durable as the server allows (services/delivery/fsync.py).
        """
        call = self._calls.admit(
            self._clock(),
            email_id=email_id,
            meta=meta,
            body=body,
            plain_body=plain_body,
            status=status,
            dedup=dedup,
            deliveries=deliveries,
            aliases=aliases,
        )
        return str(self._fsync.run(self._admit, call.keys, call.args))

    def seen(self, email_id: str, aliases: Iterable[str] = ()) -> bool:
        """Whether the email was accepted already, under this id or another (counted as a
        duplicate push then): the check made before any analysis. A duplicate is answered
        once its first acceptance is as durable as an admit."""
        call = self._calls.seen(self._clock(), email_id, aliases)
        return bool(self._fsync.run(self._seen, call.keys, call.args, needed=bool))

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
        token = secrets.token_hex(8)
        call = self._calls.claim(
            self._clock(),
            lease_seconds=lease_seconds,
            token=token,
            max_attempts=max_attempts,
            limits=limits or {},
            max_in_flight=max_in_flight,
            targets=targets,
        )
        return claimed(self._run(self._claim, call), token)

    def complete(
        self,
        lease: Claimed,
        outcome: State,
        attempt: Mapping[str, Any],
        *,
        next_at: float | None = None,
        fields: Mapping[str, str] | None = None,
        breaker: Breaker | None = None,
        health: Health | None = None,
    ) -> Completed:
        """Record an attempt and move the delivery on (delivered, retrying, dead, or held on
        the waitlist with the `hold_reason` given in `fields`), if the lease still holds."""
        if outcome not in (State.DELIVERED, State.RETRYING, State.DEAD, State.HELD):
            raise ValueError(f"bad outcome {outcome}")
        call = self._calls.complete(
            self._clock(),
            lease,
            outcome=outcome,
            attempt=attempt,
            next_at=next_at,
            fields=fields or {},
            breaker=breaker or NO_BREAKER,
            health=health or Health(None),
        )
        return completed(self._run(self._complete, call))

    def release(self, lease: Claimed, hold_reason: str = "") -> bool:
        """Give a lease back without counting an attempt: to its queue (the worker is shutting
        down), or to the waitlist with `hold_reason` (its target cannot take it)."""
        call = self._calls.release(self._clock(), lease, hold_reason)
        return bool(self._run(self._release, call))

    def note_health(self, target_id: str, health: Health) -> None:
        """Record a test send's verdict as the target's last attempt."""
        arg = health.to_arg()
        if not arg["ok"]:
            return
        now = self._clock()
        mapping: dict[Any, Any] = {"last_attempt_at": now, "last_ok": arg["ok"]}
        mapping.update(last_error=arg["error"], last_status_code=arg["status_code"])
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
        return stored_email(_str_dict(self._redis.hgetall(self._keys.email(email_id))))

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
        stored = (stored_email(_str_dict(raw)) for raw in pipe.execute())
        return [email for email in stored if email is not None]

    # -- operator actions -------------------------------------------------

    def replay(self, delivery_id: str) -> Replayed:
        """Re-queue a finished delivery with the same webhook-id."""
        call = self._calls.replay(self._clock(), delivery_id)
        return Replayed(self._run(self._replay, call))

    def move(self, move: Move) -> bool:
        """Apply one re-plan; False when the delivery changed since it was read."""
        return bool(self._run(self._move, self._calls.move(self._clock(), move)))

    def cancel(self, delivery_id: str, reason: str) -> bool:
        """Cancel a delivery that never left; False when it is no longer waiting untouched."""
        call = self._calls.cancel(self._clock(), delivery_id, reason)
        return bool(self._run(self._cancel, call))

    def reroute(
        self,
        email_id: str,
        meta: Mapping[str, Any],
        status: str,
        deliveries: Iterable[DeliveryRecord],
    ) -> int:
        """Store an email's new decision and add its new deliveries: how many were added,
        -1 when the email has expired."""
        call = self._calls.reroute(
            self._clock(), email_id=email_id, meta=meta, status=status, deliveries=deliveries
        )
        return int(self._fsync.run(self._reroute, call.keys, call.args))

    def waiting(self, fields: tuple[str, ...]) -> Iterator[DeliveryRecord]:
        """Every delivery waiting in a queue or on the waitlist (not being attempted), with
        the fields asked for (and `id`), in batches."""
        k = self._keys
        names = ("id", *fields)
        pipe = self._redis.pipeline(transaction=False)
        for queue in (k.queue_scheduled_high, k.queue_scheduled, k.queue_held):
            pipe.zrange(queue, 0, -1)
        ids = sorted({str(i) for members in pipe.execute() for i in members})
        for start in range(0, len(ids), WAITING_BATCH):
            pipe = self._redis.pipeline(transaction=False)
            for delivery_id in ids[start : start + WAITING_BATCH]:
                pipe.hmget(k.delivery(delivery_id), names)
            for values in pipe.execute():
                record = DeliveryRecord.from_values(names, values)
                if record is not None:
                    yield record

    def parked(self, limit: int) -> list[str]:
        """Ids of parked emails, oldest first."""
        return [str(i) for i in self._redis.zrange(self._keys.parked, 0, max(0, limit - 1))]

    def get(self, delivery_id: str) -> DeliveryRecord | None:
        values = self._redis.hmget(self._keys.delivery(delivery_id), FIELDS)
        return DeliveryRecord.from_values(FIELDS, values)

    def get_many(self, delivery_ids: Iterable[str]) -> list[DeliveryRecord | None]:
        """Records by id in one round trip (None for those that expired)."""
        pipe = self._redis.pipeline(transaction=False)
        for delivery_id in delivery_ids:
            pipe.hmget(self._keys.delivery(delivery_id), FIELDS)
        return [DeliveryRecord.from_values(FIELDS, values) for values in pipe.execute()]

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


def _str_dict(raw: Any) -> dict[str, str]:
    """redis-py's reply, typed as what `decode_responses=True` makes it."""
    return cast(dict[str, str], raw)
