"""The per-target latency histogram: its buckets and the percentiles estimated from them."""

from __future__ import annotations

import pytest

from services.delivery.record import LATENCY_BOUNDS_MS, Health, latency_field
from services.delivery.worker import Verdict, health_of
from services.operator.target_stats import percentile, summary


@pytest.mark.parametrize(
    ("ms", "field"),
    [
        (0, "le_10"),
        (10, "le_10"),
        (24.9, "le_25"),
        (50, "le_50"),
        (50.2, "le_100"),
        (999, "le_1000"),
        (30000, "le_30000"),
        (30001, "le_inf"),
    ],
)
def test_an_attempt_falls_in_the_first_bucket_that_holds_it(ms, field):
    assert latency_field(ms) == field


def test_no_sample_has_no_percentile():
    assert percentile({}, 0.5) is None
    assert summary({})["latency"] == {"count": 0, "avg_ms": None, "p50_ms": None, "p95_ms": None}
    assert summary({})["success_rate"] is None


def test_percentiles_interpolate_inside_their_bucket():
    # 10 attempts: 8 between 100 and 250 ms, 2 between 1 and 2.5 s.
    histogram = {"le_250": 8, "le_2500": 2}
    assert percentile(histogram, 0.5) == pytest.approx(100 + 150 * 5 / 8, abs=0.1)
    assert percentile(histogram, 0.95) == pytest.approx(1000 + 1500 * 1.5 / 2, abs=0.1)


def test_past_the_last_bound_the_percentile_says_at_least_that_bound():
    assert percentile({"le_inf": 3}, 0.95) == LATENCY_BOUNDS_MS[-1]


def test_a_summary_counts_success_rate_and_average():
    counters = {
        "attempts": 4,
        "ok": 3,
        "failed": 1,
        "latency_sum_ms": 600,
        "latency_count": 3,
        "le_250": 3,
    }
    result = summary(counters)
    assert result["success_rate"] == 0.75
    assert result["latency"]["avg_ms"] == 200.0
    assert result["latency"]["count"] == 3


def test_latency_is_kept_for_an_answer_or_a_timeout_not_for_a_refused_connection():
    answered = health_of(Verdict(ok=False, status_code=500, error="http_500", duration=0.32))
    assert answered.to_arg()["latency_ms"] == 320 and answered.to_arg()["latency_field"] == "le_500"
    timed_out = health_of(Verdict(ok=False, error="timeout", duration=15.0))
    assert timed_out.latency_ms == pytest.approx(15000)
    refused = health_of(Verdict(ok=False, error="connection_error", duration=0.001))
    assert refused.latency_ms is None and "latency_ms" not in refused.to_arg()
    assert health_of(Verdict(ok=False, error="email_expired")) == Health(None)
