"""Latency summaries for load runs: nearest-rank percentiles over raw samples, no estimation."""

from __future__ import annotations

import math
from collections.abc import Sequence

# The percentiles every benchmark reports (issue 2 and issue 9 ask for these).
REPORTED_PERCENTILES: tuple[tuple[str, float], ...] = (("p50", 50.0), ("p95", 95.0), ("p99", 99.0))


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank q-th percentile of an ascending, non-empty sequence."""
    if not ordered:
        raise ValueError("percentile of an empty sequence")
    if not 0.0 < q <= 100.0:
        raise ValueError(f"percentile must be in (0, 100], got {q}")
    rank = math.ceil(q / 100.0 * len(ordered))
    return ordered[max(rank, 1) - 1]


def summarize_ms(samples_s: Sequence[float]) -> dict[str, float | None]:
    """Percentiles, max, mean and min in milliseconds of samples in seconds (None when empty)."""
    keys = [name for name, _ in REPORTED_PERCENTILES] + ["max", "mean", "min"]
    if not samples_s:
        return dict.fromkeys(keys)
    ordered = sorted(samples_s)
    summary: dict[str, float | None] = {
        name: _ms(percentile(ordered, q)) for name, q in REPORTED_PERCENTILES
    }
    summary["max"] = _ms(ordered[-1])
    summary["mean"] = _ms(math.fsum(ordered) / len(ordered))
    summary["min"] = _ms(ordered[0])
    return summary


def _ms(seconds: float) -> float:
    """Seconds to milliseconds, rounded to the microsecond."""
    return round(seconds * 1000.0, 3)
