"""Delivery throughput per delivery-thread count, to a fast sink and to a 200 ms sink.

For each sink and each ``WORKER_THREADS`` value: a backlog of mixed emails is pushed to a
Relais whose delivery threads are off (``WORKER_THREADS=0``), that Relais is stopped, and a
Relais with one web process and N delivery threads drains the backlog into the sink.
Deliveries/s runs from the first to the last webhook the sink receives.

``TARGET_MAX_IN_FLIGHT=0`` (no cap) on the draining Relais: the default cap of 4 attempts
under way per target would make every thread count above 4 look the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from bench import loadgen
from bench.harness import BENCH_TOKEN, Server, Sink, relais_server
from bench.mix import Mix, answer_of, share
from config import embedded_redis
from config.keys import Keys

BACKLOG_RATE = 400.0
# About this share of the mix is accepted (the rest ignored: no link, excluded word...).
ACCEPTED_SHARE = 0.7
KEY_PREFIX = "relais:"  # set on both servers, read back to count the backlog
IN_FLIGHT_NOTE = "TARGET_MAX_IN_FLIGHT=0 (no per-target cap), WEB_CONCURRENCY=1"


@dataclass(frozen=True)
class Plan:
    """What to measure: thread counts, sink delays, backlog sizes."""

    threads: tuple[int, ...]
    delays_ms: tuple[float, ...]
    fast_backlog: int
    slow_seconds: float
    drain_timeout: float

    def backlog(self, delay_ms: float, threads: int) -> int:
        """Emails to push: fixed for the fast sink, ~slow_seconds of ideal drain for a slow one."""
        if delay_ms <= 0:
            return self.fast_backlog
        ideal_rate = threads * 1000.0 / delay_ms
        return max(20, int(ideal_rate * self.slow_seconds / ACCEPTED_SHARE))


QUICK = Plan((1, 4, 8, 16), (0.0, 200.0), 600, 3.0, 60.0)
FULL = Plan((1, 4, 8, 16), (0.0, 200.0), 2000, 8.0, 120.0)


@contextmanager
def running(server: Server) -> Iterator[Server]:
    """Start a Relais until /ready, stop it afterwards."""
    server.start("/ready")
    try:
        yield server
    finally:
        server.stop()


def push_backlog(server: Server, run_id: str, fixtures: list[dict[str, Any]], count: int) -> int:
    """Push ``count`` new emails (no duplicates); return how many were accepted."""
    headers = [("Content-Type", "application/json"), ("Authorization", f"Bearer {BENCH_TOKEN}")]
    spec = loadgen.RequestSpec.from_url(
        server.url("/api/ingress/gmail"),
        method="POST",
        headers=headers,
        body_factory=Mix(run_id, fixtures, duplicates=False),
        answer_key=answer_of,
    )
    result = loadgen.run(spec, rate=BACKLOG_RATE, duration=count / BACKLOG_RATE, connections=16)
    return share(result.answers, "accepted")


def queued_deliveries(url: str) -> int:
    """Deliveries waiting in the queue (both priorities), under Relais's default key prefix."""
    keys = Keys(KEY_PREFIX)
    client = redis.Redis.from_url(url)
    try:
        return int(client.zcard(keys.queue_scheduled)) + int(
            client.zcard(keys.queue_scheduled_high)
        )
    finally:
        client.close()


def throughput(records: list[tuple[float, str, float]], expected: int) -> dict[str, Any]:
    """Deliveries/s between the first and the last arrival."""
    arrivals = sorted(r[0] for r in records)
    doc: dict[str, Any] = {"delivered": len(arrivals), "expected": expected}
    if len(arrivals) >= 2 and arrivals[-1] > arrivals[0]:
        doc["deliveries_per_s"] = round((len(arrivals) - 1) / (arrivals[-1] - arrivals[0]), 1)
        doc["drain_s"] = round(arrivals[-1] - arrivals[0], 2)
    return doc


def one_setting(
    ctx: dict[str, Any], sink: Sink, threads: int, count: int, tag: str
) -> dict[str, Any]:
    """Backlog with delivery off, then drain it with ``threads`` delivery threads."""
    url, data_dir = ctx["redis_url"], ctx["data_dir"]
    redis.Redis.from_url(url).flushdb()
    filler = relais_server(
        url, data_dir, sink.hook_url, WORKER_THREADS="0", REDIS_KEY_PREFIX=KEY_PREFIX
    )
    with running(filler):
        accepted = push_backlog(filler, tag, ctx["fixtures"], count)
    # Requests the client gave up on may still have been admitted: count the queue itself.
    queued = queued_deliveries(url)
    sink.reset()
    drainer = relais_server(
        url,
        data_dir,
        sink.hook_url,
        WORKER_THREADS=str(threads),
        TARGET_MAX_IN_FLIGHT="0",
        WEB_CONCURRENCY="1",
        REDIS_KEY_PREFIX=KEY_PREFIX,
    )
    with running(drainer):
        records = sink.wait_for(queued, ctx["drain_timeout"])
    starts = [round(filler.ready_after, 2), round(drainer.ready_after, 2)]
    return {
        "threads": threads,
        "backlog": count,
        "accepted_answers": accepted,
        "cold_starts_s": starts,
        **throughput(records, queued),
    }


def measure(
    plan: Plan, redis_url: str | None, tmp: Path, fixtures: list[dict[str, Any]]
) -> dict[str, Any]:
    """Every (sink delay, thread count) of ``plan``; results keyed by sink then threads."""
    url = redis_url or embedded_redis.ensure_running(tmp / "delivery-redis")
    ctx = {
        "redis_url": url,
        "data_dir": tmp / "delivery-data",
        "fixtures": fixtures,
        "drain_timeout": plan.drain_timeout,
    }
    report: dict[str, Any] = {"note": IN_FLIGHT_NOTE, "sinks": {}}
    try:
        for delay in plan.delays_ms:
            report["sinks"][f"{int(delay)}ms"] = drain_runs(plan, ctx, delay)
    finally:
        if redis_url is None:
            embedded_redis.stop_owned()
    return report


def drain_runs(plan: Plan, ctx: dict[str, Any], delay: float) -> dict[str, Any]:
    """All thread counts against one sink."""
    sink = Sink(delay_ms=delay).start()
    try:
        return {
            str(t): one_setting(ctx, sink, t, plan.backlog(delay, t), f"d{int(delay)}t{t}")
            for t in plan.threads
        }
    finally:
        sink.stop()
