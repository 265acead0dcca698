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
flame graph with flameprof/snakeviz). `--steps` adds the CPU per request of each part of
the ingest (the duplicate check, the analysis by stage, the routing, the admit script) and
of what lies around it (HTTP, Flask, validation, the answer).
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
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import redis
from flask import Flask

from app_render import create_app
from bench.mix import Mix, answer_of, load_fixtures
from services.delivery import ingest

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


HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


@dataclass
class Spent:
    """CPU and wall seconds of a measured block (filled when it ends)."""

    cpu: float = 0.0
    wall: float = 0.0


@contextmanager
def measured(profile: str | None) -> Iterator[Spent]:
    """Time the block's CPU and wall clock; with `profile`, write a cProfile of it there."""
    spent, profiler = Spent(), cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    try:
        yield spent
    finally:
        if profiler and profile:
            profiler.disable()
            profiler.dump_stats(profile)
        spent.cpu, spent.wall = time.process_time() - cpu, time.perf_counter() - wall


# What `--steps` times: a label, where the function lives (IngestService's own methods, or
# the analysis stages as the ingest module calls them), its name.
STEPS = (
    ("duplicate check", "service", "_seen_already"),
    ("analysis: normalise", "module", "normalize_email"),
    ("analysis: links", "module", "extract_links"),
    ("analysis: detectors", "module", "run_detectors"),
    ("routing: rules", "module", "evaluate"),
    ("admit script", "service", "_admit"),
    ("ingest in all", "service", "ingest"),
)


def _timed(function: Callable[..., Any], spent: list[float]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append(time.process_time() - started)

    return timed


@contextmanager
def timed_steps() -> Iterator[dict[str, list[float]]]:
    """Each of STEPS records its CPU time for as long as the block runs."""
    spent: dict[str, list[float]] = {label: [] for label, _, _ in STEPS}
    with ExitStack() as stack:
        for label, where, name in STEPS:
            holder = ingest.IngestService if where == "service" else ingest
            timed = _timed(getattr(holder, name), spent[label])
            stack.enter_context(mock.patch.object(holder, name, timed))
        yield spent


@contextmanager
def relais_app(redis_url: str, webhook_url: str = "http://127.0.0.1:9/hook") -> Iterator[Flask]:
    redis.Redis.from_url(redis_url).flushdb()
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(
            {
                "relais_env": "development",
                "data_dir": data_dir,
                "redis_url": redis_url,
                "worker_threads": 0,
                "webhook_url": webhook_url,
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
    redis_url: str,
    emails: int,
    mix: bool = False,
    profile: str | None = None,
    steps: bool = False,
) -> dict[str, Any]:
    build = mix_requests if mix else sample_requests
    warm, later = build("w"), build("m")
    with relais_app(redis_url) as app, ExitStack() as timing:
        client = app.test_client()
        for n in range(WARM_UP):
            client.post("/api/ingress/gmail", data=warm(n)[1], headers=HEADERS)
        requests = [later(n) for n in range(emails)]
        statuses: Counter[str] = Counter()
        per_kind: dict[str, list[float]] = defaultdict(list)
        spent = timing.enter_context(timed_steps()) if steps else {}
        with measured(profile) as total:
            for kind, body in requests:
                started = time.process_time()
                resp = client.post("/api/ingress/gmail", data=body, headers=HEADERS)
                per_kind[kind].append(time.process_time() - started)
                statuses[answer_of(resp.status_code, resp.get_data()).split(":")[0]] += 1
    cpu, wall = total.cpu, total.wall
    report = {
        "emails": emails,
        "requests": "mix" if mix else "samples",
        "cpu_ms_per_email": round(cpu / emails * 1000, 3),
        "wall_ms_per_email": round(wall / emails * 1000, 3),
        "cpu_ms_by_kind": {k: round(sum(v) / len(v) * 1000, 3) for k, v in per_kind.items()},
        "answers": dict(statuses),
    }
    if steps:
        report["cpu_ms_per_request_by_step"] = _by_step(spent, cpu, emails)
    return report


def _by_step(spent: dict[str, list[float]], cpu: float, emails: int) -> dict[str, float]:
    """CPU ms per request of each step (over all requests, so the mix's weights apply), and
    what lies outside the ingest."""
    per_request = {label: round(sum(times) / emails * 1000, 3) for label, times in spent.items()}
    per_request["around the ingest (HTTP, Flask, validation, answer)"] = round(
        (cpu - sum(spent["ingest in all"])) / emails * 1000, 3
    )
    return per_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--mix", action="store_true", help="the load benchmark's request mix")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the measured part")
    parser.add_argument("--steps", action="store_true", help="CPU per request of each ingest step")
    args = parser.parse_args()
    if not args.redis_url:
        parser.error("give --redis-url or set REDIS_URL (the database is flushed)")
    print(json.dumps(measure(args.redis_url, args.emails, args.mix, args.profile, args.steps)))


if __name__ == "__main__":
    main()
