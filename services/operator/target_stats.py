"""Per-target success and latency over time, from the counters the delivery worker's
COMPLETE script keeps (`tstats:<target>:h:<hour>` and `tstats:<target>:d:<day>`).

Only attempts with a verdict on the receiver are counted (an answer, a timeout, a refused
connection; not an email that expired before it could be sent), test sends are not. Latency
counts attempts that got an answer or timed out; p50 and p95 are estimated from a fixed
histogram (services/delivery/record.py, LATENCY_BOUNDS_MS) by interpolating inside the
bucket where the percentile falls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import redis

from config.keys import Keys
from services.delivery.record import LATENCY_BOUNDS_MS, day_bucket, hour_bucket

Range = Literal["24h", "7d"]
COUNTERS = ("attempts", "ok", "failed", "latency_sum_ms", "latency_count")
HISTOGRAM = (*(f"le_{b}" for b in LATENCY_BOUNDS_MS), "le_inf")


@dataclass(frozen=True)
class _Span:
    seconds: int
    count: int
    start: Callable[[float], int]
    key: Callable[[Keys, str, int], str]


SPANS: dict[str, _Span] = {
    "24h": _Span(3600, 24, hour_bucket, Keys.target_stats_hour),
    "7d": _Span(86400, 7, day_bucket, Keys.target_stats_day),
}


def percentile(histogram: Mapping[str, int], q: float) -> float | None:
    """The q-th quantile (0 < q < 1) in ms, interpolated inside its histogram bucket; past the
    last bound: that bound (the true value is at least that). None without a sample."""
    total = sum(histogram.get(name, 0) for name in HISTOGRAM)
    if not total:
        return None
    rank = q * total
    seen, lower = 0, 0.0
    for bound, name in zip((*LATENCY_BOUNDS_MS, None), HISTOGRAM, strict=True):
        count = histogram.get(name, 0)
        if count and seen + count >= rank:
            if bound is None:
                return float(lower)
            return round(lower + (bound - lower) * (rank - seen) / count, 1)
        seen += count
        lower = float(bound) if bound is not None else lower
    return float(lower)


def summary(counters: Mapping[str, int]) -> dict[str, Any]:
    """Attempts, successes, failures, success rate and latency of one bucket or a total."""
    attempts, latency_count = counters.get("attempts", 0), counters.get("latency_count", 0)
    latency_sum = counters.get("latency_sum_ms", 0)
    return {
        "attempts": attempts,
        "ok": counters.get("ok", 0),
        "failed": counters.get("failed", 0),
        "success_rate": round(counters.get("ok", 0) / attempts, 4) if attempts else None,
        "latency": {
            "count": latency_count,
            "avg_ms": round(latency_sum / latency_count, 1) if latency_count else None,
            "p50_ms": percentile(counters, 0.5),
            "p95_ms": percentile(counters, 0.95),
        },
    }


def _counters(raw: Mapping[Any, Any]) -> dict[str, int]:
    return {str(k): int(v) for k, v in raw.items() if str(k) in COUNTERS or str(k) in HISTOGRAM}


def _added(total: dict[str, int], more: Mapping[str, int]) -> None:
    for name, value in more.items():
        total[name] = total.get(name, 0) + value


class TargetStats:
    """Reads the per-target counters: a series over a range, or 24-hour totals of many."""

    def __init__(self, client: redis.Redis, keys: Keys, clock: Callable[[], float]) -> None:
        self._redis = client
        self._keys = keys
        self._clock = clock

    def _buckets(self, span: _Span, now: float) -> list[int]:
        last = span.start(now)
        return [last - (span.count - 1 - i) * span.seconds for i in range(span.count)]

    def _read(self, target_ids: Iterable[str], span: _Span, now: float) -> dict[str, list[Any]]:
        ids, buckets = list(target_ids), self._buckets(span, now)
        pipe = self._redis.pipeline(transaction=False)
        for target_id in ids:
            for bucket in buckets:
                pipe.hgetall(span.key(self._keys, target_id, bucket))
        raw = pipe.execute()
        n = len(buckets)
        return {
            t: list(zip(buckets, raw[i * n : (i + 1) * n], strict=True)) for i, t in enumerate(ids)
        }

    def series(self, target_id: str, range_: Range) -> dict[str, Any]:
        """One target's buckets over the range (oldest first) and their total."""
        now, span = self._clock(), SPANS[range_]
        total: dict[str, int] = {}
        buckets = []
        for start, raw in self._read([target_id], span, now)[target_id]:
            counters = _counters(raw)
            _added(total, counters)
            buckets.append({"start": start, **summary(counters)})
        return {
            "target_id": target_id,
            "range": range_,
            "bucket_seconds": span.seconds,
            "now": now,
            "buckets": buckets,
            "total": summary(total),
        }

    def last_day(self, target_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Each target's totals over the last 24 hourly buckets (one round trip)."""
        result = {}
        for target_id, rows in self._read(target_ids, SPANS["24h"], self._clock()).items():
            total: dict[str, int] = {}
            for _, raw in rows:
                _added(total, _counters(raw))
            result[target_id] = summary(total)
        return result
