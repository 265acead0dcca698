"""The production server: gunicorn with our config, delivery threads after fork, clean SIGTERM."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
import urllib.error
import urllib.request

import pytest

from config import embedded_redis
from tests.conftest import TEST_TOKEN, TEST_WHSEC, old_payload
from tests.support.processes import Spawned, relais_env, start_gunicorn
from tests.support.redis_server import free_port

pytestmark = pytest.mark.slow


def wait_ready(port: int, proc: Spawned, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.finish())
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not become ready")


def post(port: int, payload: dict) -> dict:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/ingress/gmail",
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {TEST_TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


@pytest.mark.parametrize("embedded", [False, True], ids=["redis-url", "embedded"])
def test_gunicorn_delivers_and_stops_cleanly(redis_url, redis_client, sink, tmp_path, embedded):
    port = free_port()
    env = relais_env(
        relais_env="development",
        data_dir=tmp_path / "data",
        redis_url=None if embedded else redis_url,
        port=port,
        web_concurrency=2,
        process_api_token=TEST_TOKEN,
        webhook_url=sink.url(),
        webhook_secret=TEST_WHSEC,
        shutdown_grace_seconds=3,
    )
    proc = start_gunicorn(env)
    try:
        wait_ready(port, proc)
        accepted = [post(port, old_payload(subject=f"lot {n}")) for n in range(5)]
        assert {a["status"] for a in accepted} == {"accepted"}
        received = sink.wait_for(5, timeout=10)
        assert sorted(r.json()["subject"] for r in received) == [f"lot {n}" for n in range(5)]
    finally:
        proc.send_signal(signal.SIGTERM)
        log = proc.finish()
    assert proc.returncode == 0, log
    assert "delivery workers stopped" in log
    if embedded:
        # The master started the embedded server and stopped it after the workers drained.
        assert (tmp_path / "data" / "redis" / "redis.conf").exists()
        assert not (tmp_path / "data" / "redis" / "redis.pid").exists()
        assert embedded_redis._ping(embedded_redis.socket_path(tmp_path / "data")) is False


def serve(tmp_path, sink, redis_url, **extra):
    port = free_port()
    env = relais_env(
        relais_env="development",
        data_dir=tmp_path / "data",
        redis_url=redis_url,
        port=port,
        web_concurrency=2,
        process_api_token=TEST_TOKEN,
        webhook_url=sink.url(),
        webhook_secret=TEST_WHSEC,
        **extra,
    )
    proc = start_gunicorn(env)
    wait_ready(port, proc)
    return port, proc


def scrape(port: int, token: str) -> str:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.read().decode()


def test_metrics_sum_every_worker(redis_url, redis_client, sink, tmp_path):
    token = "metrics-token-123456"
    port, proc = serve(tmp_path, sink, redis_url, metrics_token=token)
    counters = tmp_path / "data" / "prometheus"
    try:
        from concurrent.futures import ThreadPoolExecutor

        # Concurrent connections, in rounds until both workers have counted something: which
        # worker accepts a connection is the kernel's choice, so one round may go to one.
        sent = 0
        with ThreadPoolExecutor(8) as pool:
            while len(list(counters.glob("counter_*.db"))) < 2 and sent < 400:
                subjects = [f"m{n}" for n in range(sent, sent + 40)]
                list(pool.map(lambda subject: post(port, old_payload(subject=subject)), subjects))
                sent += 40
        assert len(list(counters.glob("counter_*.db"))) >= 2  # both workers counted something
        sink.wait_for(sent, timeout=30)
        delivered = (
            f'relais_delivery_attempts_total{{outcome="delivered",target="default"}} {sent}.0'
        )
        deadline = time.monotonic() + 10  # the sink sees a request before the worker records it
        while delivered not in scrape(port, token) and time.monotonic() < deadline:
            time.sleep(0.1)
        accepted = f'relais_ingress_requests_total{{code="200",outcome="accepted"}} {sent}.0'
        for _ in range(4):  # whichever worker answers the scrape, the sums are the same
            text = scrape(port, token)
            assert accepted in text
            assert delivered in text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.finish()


def test_sigterm_under_load_no_5xx_and_nothing_lost(redis_url, redis_client, sink, tmp_path):
    port, proc = serve(tmp_path, sink, redis_url, shutdown_grace_seconds=5)
    answers: list[tuple[str, int]] = []
    stop = threading.Event()

    def load() -> None:
        n = 0
        while not stop.is_set():
            subject = f"load {n}"
            try:
                post(port, old_payload(subject=subject))
                answers.append((subject, 200))
            except urllib.error.HTTPError as exc:
                answers.append((subject, exc.code))
            except OSError:
                if proc.poll() is not None:
                    return  # the server is gone: connection refused
            n += 1

    thread = threading.Thread(target=load)
    thread.start()
    while len(answers) < 30:
        time.sleep(0.05)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out = proc.finish()
    elapsed = time.monotonic() - started
    stop.set()
    thread.join(10)
    assert proc.returncode == 0, out[-2000:]
    assert elapsed < 5 + 5 + 2  # gunicorn's graceful_timeout is the grace period + 5 s
    assert [a for a in answers if a[1] >= 500] == []
    accepted = {subject for subject, code in answers if code == 200}
    # Whatever was accepted but not yet sent is still queued: a new server delivers it.
    _port2, proc2 = serve(tmp_path, sink, redis_url)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if accepted <= {r.json()["subject"] for r in sink.requests}:
                break
            time.sleep(0.2)
        delivered = [r.json()["subject"] for r in sink.requests]
        assert accepted <= set(delivered)
    finally:
        proc2.send_signal(signal.SIGTERM)
        proc2.finish()


def test_gunicorn_logs_are_json_lines_with_an_access_log(redis_url, redis_client, sink, tmp_path):
    port, proc = serve(tmp_path, sink, redis_url, access_log=True)
    try:
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/health?token=hunter2", headers={"X-Request-ID": "req-json-1"}
        )
        urllib.request.urlopen(req, timeout=5).close()
        magic = urllib.request.Request(f"http://127.0.0.1:{port}/auth/magic/secret-token-123")
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(magic, timeout=5).close()
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.finish()
    lines = [line for line in out.splitlines() if line.strip()]
    docs = [json.loads(line) for line in lines]  # every line, gunicorn's own included
    access = [d for d in docs if d["logger"] == "gunicorn.access"]
    health = next(d for d in access if d["path"] == "/health")
    assert health["request_id"] == "req-json-1" and health["status"] == 200
    assert health["method"] == "GET" and health["duration_ms"] >= 0
    assert any(d["path"] == "/auth/magic/***" for d in access)
    text = out
    assert "hunter2" not in text and "secret-token-123" not in text
    assert any(d["logger"] == "gunicorn.error" for d in docs)
