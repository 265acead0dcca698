"""Figures for the dashboard: the status banner, hourly counts over 7 days, per target,
what waits and why, last ingress."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import redis

from config.keys import Keys
from services.delivery.queue import DeliveryQueue
from services.delivery.record import DeliveryRecord, State, hour_bucket
from services.documents.build import Documents
from services.documents.targets import WebhookTarget
from services.operator.status import Facts, Waiting, banner, target_health

HOURS = 7 * 24
SERIES = (
    "ingress",
    "accepted",
    "ignored",
    "parked",
    "duplicate",
    "delivered",
    "retrying",
    "dead",
)
OUTCOMES = ("delivered", "retrying", "dead")
STATE_SAMPLE = 10_000  # queued deliveries inspected to split them by state and reason
_WAITING_FIELDS = ("id", "target_id", "state", "hold_reason", "deliver_at")


class Stats:
    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        queue: DeliveryQueue,
        documents: Documents,
        clock: Callable[[], float],
        durability: Callable[[], str | None] = lambda: None,
        mailboxes: Callable[[], list[tuple[str, str]]] = list,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._queue = queue
        self._store = documents.store
        self._clock = clock
        self._targets = documents.targets
        self._flags = documents.flags
        self._durability = durability
        self._mailboxes = mailboxes

    def overview(self) -> dict[str, Any]:
        now = self._clock()
        raw_hours = self._raw_hours(now)
        hours = [
            {"hour": bucket, **{name: int(raw.get(name, 0)) for name in SERIES}}
            for bucket, raw in raw_hours
        ]
        queue = self._queue.depth()
        waiting, states = self._waiting(now)
        facts = self._facts(now, queue, waiting, states)
        return {
            "now": now,
            "status": banner(facts),
            "hours": hours,
            "per_target": per_target(raw_hours),
            "last_24h": last_day_totals(hours),
            "success_rate_24h": success_rate(hours[-24:]),
            "queue": queue,
            "states": states,
            "waiting": {t: dict(c) for t, c in waiting.by_target.items()},
            "targets": {target.id: health for target, health in facts.targets},
            "last_ingress_at": facts.last_ingress_at,
            "store": "degraded" if facts.store_degraded else "ok",
            "durability": facts.durability,
        }

    def _facts(
        self, now: float, queue: dict[str, Any], waiting: Waiting, states: dict[str, int]
    ) -> Facts:
        last_ingress = self._redis.get(self._keys.last_ingress)
        return Facts(
            now=now,
            store_degraded=self._store.degraded,
            parked=queue["parked_emails"],
            dead=queue["dead"],
            waiting=waiting,
            targets=self.target_healths(now),
            oldest_due_age=queue["oldest_due_age_seconds"],
            last_ingress_at=float(last_ingress) if last_ingress else None,
            retrying=states["retrying"],
            durability=self._durability(),
            mailboxes=self._mailboxes(),
        )

    def _raw_hours(self, now: float) -> list[tuple[int, dict[str, str]]]:
        first = hour_bucket(now) - (HOURS - 1) * 3600
        buckets = [first + i * 3600 for i in range(HOURS)]
        pipe = self._redis.pipeline(transaction=False)
        for bucket in buckets:
            pipe.hgetall(self._keys.stats_hour(bucket))
        return list(zip(buckets, pipe.execute(), strict=True))

    def target_healths(self, now: float) -> list[tuple[WebhookTarget, dict[str, Any]]]:
        """Every target with its health from its last real attempt."""
        targets = self._targets.get().targets
        ids = [t.id for t in targets]
        last = self._queue.health(ids)
        circuits = self._queue.circuits(ids)
        return [(t, target_health(t, last[t.id], circuits[t.id], now)) for t in targets]

    def _queued(self) -> list[DeliveryRecord]:
        """Queued and waitlisted deliveries (sampled up to STATE_SAMPLE), with their reasons."""
        k = self._keys
        ids: list[str] = []
        for queue in (k.queue_scheduled, k.queue_scheduled_high, k.queue_held):
            ids += [str(i) for i in self._redis.zrange(queue, 0, STATE_SAMPLE - 1)]
        pipe = self._redis.pipeline(transaction=False)
        for delivery_id in ids:
            pipe.hmget(self._keys.delivery(delivery_id), _WAITING_FIELDS)
        rows = (DeliveryRecord.from_values(_WAITING_FIELDS, v) for v in pipe.execute())
        return [row for row in rows if row is not None]

    def _waiting(self, now: float) -> tuple[Waiting, dict[str, int]]:
        """What waits, by target and reason, and the deliveries per state."""
        paused = not self._flags.get().webhook_sending_enabled
        by_target: dict[str, Counter[str]] = {}
        states: Counter[str] = Counter()
        for row in self._queued():
            states[row.state] += 1
            why = row.waiting_reason(now, paused)
            if why:
                by_target.setdefault(row.target_id, Counter())[why] += 1
        depth = self._queue.depth()
        counts = {
            "scheduled": states[State.SCHEDULED],
            "held": states[State.HELD],
            "retrying": states[State.RETRYING],
            "in_flight": depth["in_flight"],
            "dead": depth["dead"],
        }
        return Waiting(by_target), counts

    def states(self) -> dict[str, int]:
        """Deliveries per state now (queued ones sampled up to STATE_SAMPLE)."""
        return self._waiting(self._clock())[1]


def last_day_totals(hours: list[dict[str, int]]) -> dict[str, int]:
    """The last 24 hours' counters, and `emails`: distinct emails (pushes minus duplicates)."""
    totals = {name: sum(h[name] for h in hours[-24:]) for name in SERIES}
    totals["emails"] = totals["accepted"] + totals["ignored"] + totals["parked"]
    return totals


def success_rate(hours: list[dict[str, int]]) -> float | None:
    delivered = sum(h["delivered"] for h in hours)
    failed = sum(h["retrying"] + h["dead"] for h in hours)
    return round(delivered / (delivered + failed), 4) if delivered + failed else None


def per_target(raw_hours: list[tuple[int, dict[str, str]]]) -> dict[str, dict[str, int]]:
    """Outcome counts per target over the hours given (fields `<outcome>:<target>`)."""
    totals: dict[str, Counter[str]] = {}
    for _, raw in raw_hours:
        for field, value in raw.items():
            outcome, _, target = str(field).partition(":")
            if target and outcome in OUTCOMES:
                totals.setdefault(target, Counter())[outcome] += int(value)
    return {t: {o: c[o] for o in OUTCOMES} for t, c in sorted(totals.items())}
