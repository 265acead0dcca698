"""bench.delivery_cpu against the test Redis (which it flushes) and the bench's sink: every
accepted email of the mix is delivered once (the figures are the benchmark's to say)."""

from __future__ import annotations

from bench.delivery_cpu import measure


def test_every_accepted_email_of_the_mix_is_delivered(redis_url: str) -> None:
    report = measure(redis_url, 30)
    assert 0 < report["accepted"] < 30  # the mix has duplicates and emails without a link
    assert report["delivered"] == report["accepted"]  # one target: one delivery each
    assert report["cpu_ms_per_delivery"] > 0
