"""How soon one Relais process sees a config change another one saved.

Two Relais servers under gunicorn (one worker each: two processes, each with its own copy of
the config documents) share one Redis. Server B is polled all along through its API, as a
busy instance would be. Each round waits a random 0.2-1 s, flips a runtime flag through
server A's API, then keeps polling B (every 5 ms) until it answers the new version; the time
from A's answer to B's first up-to-date answer is one figure. Only keys under a prefix of
this run's own are written, and they are deleted at the end (the Redis may be shared).

    python -m bench.config_visibility [--rounds 40] [--redis-url URL]

Redis: --redis-url, else REDIS_URL (a server is needed: two processes share it).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import redis
import requests

from bench.harness import Server, relais_server

PASSWORD = "bench-password-123"  # noqa: S105 - a local benchmark's dashboard password
FLAGS = "/api/runtime_flags"
POLL_S = 0.005


class Admin:
    """A signed-in API client of one server."""

    def __init__(self, server: Server) -> None:
        self._server = server
        self._session = requests.Session()
        resp = self._session.post(
            server.url("/api/auth/login"),
            json={"username": "admin", "password": PASSWORD},
            timeout=10,
        )
        resp.raise_for_status()
        self._csrf = resp.json()["csrf_token"]

    def flags(self) -> dict[str, Any]:
        resp = self._session.get(self._server.url(FLAGS), timeout=10)
        resp.raise_for_status()
        body: dict[str, Any] = resp.json()
        return body

    def flip(self) -> int:
        """Flip a harmless flag; the version saved."""
        current = self.flags()
        doc = dict(current["document"])
        doc["disable_email_id_dedup"] = not doc["disable_email_id_dedup"]
        resp = self._session.put(
            self._server.url(FLAGS),
            json={"version": current["version"], "document": doc},
            headers={"X-CSRF-Token": self._csrf},
            timeout=10,
        )
        resp.raise_for_status()
        return int(resp.json()["version"])


def poll_until(admin: Admin, deadline: float, version: int = 0) -> None:
    """Poll until the monotonic deadline or, given a version, until it is answered."""
    while time.monotonic() < deadline:
        answered = admin.flags()["version"]
        if version and answered >= version:
            return
        time.sleep(POLL_S)
    if version:
        raise RuntimeError(f"version {version} not seen in time")


def rounds_of(writer: Admin, reader: Admin, rounds: int) -> list[float]:
    seen = []
    for _ in range(rounds):
        poll_until(reader, time.monotonic() + random.uniform(0.2, 1.0))
        version = writer.flip()
        written = time.monotonic()
        poll_until(reader, written + 30, version)
        seen.append(time.monotonic() - written)
    return seen


def measure(redis_url: str, rounds: int) -> list[float]:
    prefix = f"bench-visibility-{os.getpid()}:"
    extra = {
        "DASHBOARD_PASSWORD": PASSWORD,
        "REDIS_KEY_PREFIX": prefix,
        "WEB_CONCURRENCY": "1",
        "WORKER_THREADS": "0",
    }
    with tempfile.TemporaryDirectory() as tmp:
        servers = [
            relais_server(redis_url, Path(tmp) / name, "http://127.0.0.1:9/hook", **extra)
            for name in ("a", "b")
        ]
        try:
            for server in servers:
                server.start("/health")
            writer, reader = (Admin(server) for server in servers)
            return rounds_of(writer, reader, rounds)
        finally:
            for server in servers:
                server.stop()
            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(match=f"{prefix}*"):
                client.delete(key)
            client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    args = parser.parse_args()
    if not args.redis_url:
        parser.error("give --redis-url or set REDIS_URL")
    seen_ms = sorted(s * 1000 for s in measure(args.redis_url, args.rounds))
    p95 = seen_ms[min(len(seen_ms) - 1, round(0.95 * (len(seen_ms) - 1)))]
    print(
        f"{len(seen_ms)} changes; seen by the other process after "
        f"median {statistics.median(seen_ms):.0f} ms, p95 {p95:.0f} ms, max {seen_ms[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
