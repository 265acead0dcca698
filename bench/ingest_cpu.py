"""CPU per ingested email, in-process: the cost of Relais's own code on the ingress path.

The saturation figures of `python -m bench` swing with whatever else the (small, shared)
machine does; the CPU time this process spends per request does much less, so two commits
can be compared by running this in each checkout, alternately, a few times:

    REDIS_URL=redis://127.0.0.1:6379/14 python -m bench.ingest_cpu [--emails 2000] [--mix]

The sample emails (tests/fixtures/emails), each made unique, go through the Flask app's
test client (routing, validation, analysis, the admit transaction against the real Redis at
REDIS_URL, which is flushed); no delivery threads. Prints the CPU and wall time per email and
the answers by status. `--mix` sends the load benchmark's mix instead (bench/mix.py: samples,
20 KB and 200 KB HTML emails, one duplicate in ten) and adds the CPU per kind of request.
`--profile FILE` writes a cProfile of the measured requests (`python -m pstats FILE`, or a
flame graph with flameprof/snakeviz).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from flask import Flask

from app_render import create_app
from bench.mix import Mix, answer_of, load_fixtures

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-123456"  # noqa: S105 (a local benchmark's own token)
WARM_UP = 100

Request = tuple[str, bytes]  # kind, JSON body


def _unique(sample: dict[str, Any], n: int, tag: str) -> dict[str, Any]:
    # A new Gmail id and date: neither the id nor the old formula's alias is seen before.
    return {**sample, "gmail_message_id": f"{tag}{n}", "date": f"2026-12-02T10:{n:08d}Z{tag}"}


def sample_requests(tag: str) -> Callable[[int], Request]:
    """The sample emails in turn, each made unique."""
    samples = load_fixtures()
    return lambda n: ("fixture", json.dumps(_unique(samples[n % len(samples)], n, tag)).encode())


def mix_requests(tag: str) -> Callable[[int], Request]:
    """The load benchmark's mix (its duplicates included)."""
    mix = Mix(tag, load_fixtures())
    return lambda n: (mix.kind(n), mix(n))


@contextmanager
def relais_app(redis_url: str) -> Iterator[Flask]:
    redis.Redis.from_url(redis_url).flushdb()
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(
            {
                "relais_env": "development",
                "data_dir": data_dir,
                "redis_url": redis_url,
                "worker_threads": 0,
                "webhook_url": "http://127.0.0.1:9/hook",
                "allow_private_targets": True,
                "process_api_token": TOKEN,
                "log_level": "WARNING",
            }
        )
        try:
            yield app
        finally:
            app.extensions["relais"].close()


def measure(
    redis_url: str, emails: int, mix: bool = False, profile: str | None = None
) -> dict[str, Any]:
    build = mix_requests if mix else sample_requests
    warm, measured = build("w"), build("m")
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    with relais_app(redis_url) as app:
        client = app.test_client()
        for n in range(WARM_UP):
            client.post("/api/ingress/gmail", data=warm(n)[1], headers=headers)
        requests = [measured(n) for n in range(emails)]
        statuses: Counter[str] = Counter()
        per_kind: dict[str, list[float]] = defaultdict(list)
        profiler = cProfile.Profile() if profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for kind, body in requests:
            started = time.process_time()
            resp = client.post("/api/ingress/gmail", data=body, headers=headers)
            per_kind[kind].append(time.process_time() - started)
            statuses[answer_of(resp.status_code, resp.get_data()).split(":")[0]] += 1
        if profiler and profile:
            profiler.disable()
            profiler.dump_stats(profile)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "emails": emails,
        "requests": "mix" if mix else "samples",
        "cpu_ms_per_email": round(cpu / emails * 1000, 3),
        "wall_ms_per_email": round(wall / emails * 1000, 3),
        "cpu_ms_by_kind": {k: round(sum(v) / len(v) * 1000, 3) for k, v in per_kind.items()},
        "answers": dict(statuses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--mix", action="store_true", help="the load benchmark's request mix")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the measured part")
    args = parser.parse_args()
    if not args.redis_url:
        parser.error("give --redis-url or set REDIS_URL (the database is flushed)")
    print(json.dumps(measure(args.redis_url, args.emails, args.mix, args.profile)))


if __name__ == "__main__":
    main()
