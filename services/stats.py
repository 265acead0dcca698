"""Figures for the dashboard: hourly counts over 7 days, per target, queue state, last ingress."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import redis

from config.keys import Keys
from config.store import ConfigStore
from services.delivery_queue import DeliveryQueue, hour_bucket

HOURS = 7 * 24
SERIES = ("ingress", "accepted", "ignored", "duplicate", "delivered", "retrying", "dead")
OUTCOMES = ("delivered", "retrying", "dead")
STATE_SAMPLE = 10_000  # queued deliveries inspected to split scheduled/held/retrying


class Stats:
    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        queue: DeliveryQueue,
        store: ConfigStore,
        clock: Callable[[], float],
    ) -> None:
        self._redis = client
        self._keys = keys
        self._queue = queue
        self._store = store
        self._clock = clock

    def overview(self) -> dict[str, Any]:
        now = self._clock()
        raw_hours = self._raw_hours(now)
        hours = [
            {"hour": bucket, **{name: int(raw.get(name, 0)) for name in SERIES}}
            for bucket, raw in raw_hours
        ]
        last_day = hours[-24:]
        delivered = sum(h["delivered"] for h in last_day)
        failed = sum(h["retrying"] + h["dead"] for h in last_day)
        last_ingress = self._redis.get(self._keys.last_ingress)
        return {
            "now": now,
            "hours": hours,
            "per_target": per_target(raw_hours),
            "last_24h": {name: sum(h[name] for h in last_day) for name in SERIES},
            "success_rate_24h": round(delivered / (delivered + failed), 4)
            if delivered + failed
            else None,
            "queue": self._queue.depth(),
            "states": self.states(),
            "last_ingress_at": float(last_ingress) if last_ingress else None,
            "store": "degraded" if self._store.degraded else "ok",
        }

    def _raw_hours(self, now: float) -> list[tuple[int, dict[str, str]]]:
        first = hour_bucket(now) - (HOURS - 1) * 3600
        buckets = [first + i * 3600 for i in range(HOURS)]
        pipe = self._redis.pipeline(transaction=False)
        for bucket in buckets:
            pipe.hgetall(self._keys.stats_hour(bucket))
        return list(zip(buckets, pipe.execute(), strict=True))

    def states(self) -> dict[str, int]:
        """Deliveries per state now (queued ones sampled up to STATE_SAMPLE)."""
        ids: list[str] = []
        for queue in (self._keys.queue_scheduled, self._keys.queue_scheduled_high):
            ids += [str(i) for i in self._redis.zrange(queue, 0, STATE_SAMPLE - 1)]
        pipe = self._redis.pipeline(transaction=False)
        for delivery_id in ids:
            pipe.hget(self._keys.delivery(delivery_id), "state")
        counts = Counter(str(state) for state in pipe.execute() if state)
        depth = self._queue.depth()
        return {
            "scheduled": counts["scheduled"],
            "held": counts["held"],
            "retrying": counts["retrying"],
            "in_flight": depth["in_flight"],
            "dead": depth["dead"],
        }


def per_target(raw_hours: list[tuple[int, dict[str, str]]]) -> dict[str, dict[str, int]]:
    """Outcome counts per target over the hours given (fields `<outcome>:<target>`)."""
    totals: dict[str, Counter[str]] = {}
    for _, raw in raw_hours:
        for field, value in raw.items():
            outcome, _, target = str(field).partition(":")
            if target and outcome in OUTCOMES:
                totals.setdefault(target, Counter())[outcome] += int(value)
    return {t: {o: c[o] for o in OUTCOMES} for t, c in sorted(totals.items())}
