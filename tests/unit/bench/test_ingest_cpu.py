"""bench.ingest_cpu against the test Redis (which it flushes): the answers it counts and,
with steps, where a request's CPU went (the figures themselves are the benchmark's to say)."""

from __future__ import annotations

from bench.ingest_cpu import STEPS, measure

AROUND = "around the ingest (HTTP, Flask, validation, answer)"


def test_the_steps_account_for_the_requests(redis_url: str) -> None:
    report = measure(redis_url, 40, mix=True, steps=True)
    assert sum(report["answers"].values()) == 40
    assert report["answers"]["duplicate"] == 4  # one in ten of the mix
    steps = report["cpu_ms_per_request_by_step"]
    assert set(steps) == {label for label, _, _ in STEPS} | {AROUND}
    inside = ("duplicate check", "admit script", "routing: rules")
    parts = sum(v for label, v in steps.items() if label.startswith("analysis") or label in inside)
    assert 0 < parts <= steps["ingest in all"] <= report["cpu_ms_per_email"]
    assert all(steps[f"analysis: {stage}"] > 0 for stage in ("normalise", "links", "detectors"))
    assert steps[AROUND] > 0


def test_without_steps_the_report_has_none(redis_url: str) -> None:
    report = measure(redis_url, 10)
    assert "cpu_ms_per_request_by_step" not in report
    assert sum(report["answers"].values()) == 10
