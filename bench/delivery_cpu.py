"""CPU per delivery, in-process: the cost of Relais's own code on the delivery path.

    REDIS_URL=redis://127.0.0.1:6379/14 python -m bench.delivery_cpu [--emails 1000]

The load benchmark's mix goes in through the Flask test client with no delivery threads
(its accepted emails leave one delivery each, queued in the Redis at REDIS_URL, which is
flushed); then this process drains the queue with one delivery thread's steps (claim, the
email read, the signed POST to `bench/sink_server.py` running as its own process, the
completion script). Prints the CPU and wall time per delivery. `--profile FILE` writes a
cProfile of the drain. Like `bench.ingest_cpu`, steadier than the saturation figures:
compare two commits by running it in each, alternately.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.ingest_cpu import HEADERS, measured, mix_requests, relais_app
from bench.mix import answer_of

SINK = Path(__file__).resolve().parent / "sink_server.py"


@contextmanager
def sink_process() -> Iterator[str]:
    """The bench's sink as its own process (its CPU is not this one's); yields its hook URL."""
    proc = subprocess.Popen(
        [sys.executable, str(SINK), "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().split()[1])  # "PORT <n>"
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # reaps it and closes its pipe


def measure(redis_url: str, emails: int, profile: str | None = None) -> dict[str, Any]:
    """Push `emails` of the mix, then drain their deliveries with one thread's steps."""
    requests = mix_requests("d")
    with sink_process() as hook, relais_app(redis_url, webhook_url=hook) as app:
        client = app.test_client()
        accepted = 0
        for n in range(emails):
            resp = client.post("/api/ingress/gmail", data=requests(n)[1], headers=HEADERS)
            accepted += answer_of(resp.status_code, resp.get_data()) == "accepted"
        pool = app.extensions["relais"].delivery.pool(1)
        delivered = 0
        with measured(profile) as spent:
            while pool.run_once() is not None:  # claim, attempt, complete
                delivered += 1
    per = max(delivered, 1)
    return {
        "emails": emails,
        "accepted": accepted,
        "delivered": delivered,
        "cpu_ms_per_delivery": round(spent.cpu / per * 1000, 3),
        "wall_ms_per_delivery": round(spent.wall / per * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the drain")
    args = parser.parse_args()
    if not args.redis_url:
        parser.error("give --redis-url or set REDIS_URL (the database is flushed)")
    print(json.dumps(measure(args.redis_url, args.emails, args.profile)))


if __name__ == "__main__":
    main()
