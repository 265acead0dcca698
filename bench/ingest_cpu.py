"""CPU per ingested email, in-process: the cost of Relais's own code on the ingress path.

The saturation figures of `python -m bench` swing with whatever else the (small, shared)
machine does; the CPU time this process spends per request does much less, so two commits
can be compared by running this in each checkout, alternately, a few times:

    REDIS_URL=redis://127.0.0.1:6379/14 python -m bench.ingest_cpu [--emails 2000]

The sample emails (tests/fixtures/emails), each made unique, go through the Flask app's
test client (routing, validation, analysis, the admit transaction against the real Redis at
REDIS_URL, which is flushed); no delivery threads. Prints the CPU and wall time per email and
the answers by status.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import redis

from app_render import create_app

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-123456"  # noqa: S105 (a local benchmark's own token)
WARM_UP = 100


def _payloads() -> list[dict[str, Any]]:
    paths = sorted((ROOT / "tests" / "fixtures" / "emails").glob("*.json"))
    return [json.loads(p.read_text())["payload"] for p in paths]


def _unique(sample: dict[str, Any], n: int, tag: str) -> dict[str, Any]:
    # A new Gmail id and date: neither the id nor the old formula's alias is seen before.
    return {**sample, "gmail_message_id": f"{tag}{n}", "date": f"2026-12-02T10:{n:08d}Z{tag}"}


def measure(redis_url: str, emails: int) -> dict[str, Any]:
    redis.Redis.from_url(redis_url).flushdb()
    samples = _payloads()
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
        client, headers = app.test_client(), {"Authorization": f"Bearer {TOKEN}"}
        for n in range(WARM_UP):
            client.post(
                "/api/ingress/gmail",
                json=_unique(samples[n % len(samples)], n, "w"),
                headers=headers,
            )
        statuses: Counter[str] = Counter()
        cpu, wall = time.process_time(), time.perf_counter()
        for n in range(emails):
            resp = client.post(
                "/api/ingress/gmail",
                json=_unique(samples[n % len(samples)], n, "m"),
                headers=headers,
            )
            statuses[str(resp.get_json().get("status", resp.status_code))] += 1
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        app.extensions["relais"].close()
    return {
        "emails": emails,
        "cpu_ms_per_email": round(cpu / emails * 1000, 3),
        "wall_ms_per_email": round(wall / emails * 1000, 3),
        "answers": dict(statuses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    args = parser.parse_args()
    if not args.redis_url:
        parser.error("give --redis-url or set REDIS_URL (the database is flushed)")
    print(json.dumps(measure(args.redis_url, args.emails)))


if __name__ == "__main__":
    main()
