"""Slow clients against Relais: 200 connections that send a request one byte a second, while
/health and a normal ingress are timed, and how long the server takes to cut each one off.

    python -m bench.slow_clients [--clients 200] [--seconds 20] [--redis-url URL]
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.harness import BENCH_TOKEN, Sink, relais_server
from bench.stats import summarize_ms

SLOW_REQUEST = (
    b"POST /api/ingress/gmail HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n" + b"x" * 60
)


def trickle(port: int, stop: threading.Event, closed_after: list[float]) -> None:
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            for byte in SLOW_REQUEST:
                if stop.is_set():
                    return
                sock.sendall(bytes([byte]))
                time.sleep(1)
            sock.recv(1024)
    except OSError:
        pass
    closed_after.append(time.monotonic() - started)


def timed(url: str, data: bytes | None = None) -> float:
    """Seconds one request takes, answer read."""
    headers = {"Authorization": f"Bearer {BENCH_TOKEN}", "Content-Type": "application/json"}
    req = urllib.request.Request(url, data=data, headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()
    return time.perf_counter() - started


def probe(port: int, seconds: float) -> dict[str, list[float]]:
    """Time /health and a new email twice a second while the slow clients are connected."""
    health: list[float] = []
    ingress: list[float] = []
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        health.append(timed(f"http://127.0.0.1:{port}/health"))
        body = {"subject": f"slow {n}", "sender": "A <a@b.c>", "date": f"slow-{n}", "body": "x"}
        ingress.append(
            timed(f"http://127.0.0.1:{port}/api/ingress/gmail", json.dumps(body).encode())
        )
        n += 1
        time.sleep(0.5)
    return {"health": health, "ingress": ingress}


def measure(redis_url: str | None, clients: int = 200, seconds: float = 20) -> dict[str, Any]:
    sink = Sink().start()
    with tempfile.TemporaryDirectory(prefix="relais-slow-") as tmp:
        server = relais_server(redis_url, Path(tmp), sink.hook_url).start("/ready")
        stop = threading.Event()
        closed_after: list[float] = []
        threads = [
            threading.Thread(target=trickle, args=(server.port, stop, closed_after), daemon=True)
            for _ in range(clients)
        ]
        try:
            for thread in threads:
                thread.start()
            time.sleep(2)
            timings = probe(server.port, seconds)
            for thread in threads:
                thread.join(40)
        finally:
            stop.set()
            server.stop()
            sink.stop()
    return {
        "clients": clients,
        "health_ms": summarize_ms(timings["health"]),
        "ingress_ms": summarize_ms(timings["ingress"]),
        "slow_closed_after_s": {
            "count": len(closed_after),
            "min": round(min(closed_after, default=0), 1),
            "max": round(max(closed_after, default=0), 1),
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    print(json.dumps(measure(args.redis_url, args.clients, args.seconds), indent=1))
