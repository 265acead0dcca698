"""The production server: gunicorn with our config, delivery threads after fork, clean SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from config import embedded_redis
from tests.conftest import TEST_TOKEN, TEST_WHSEC, old_payload
from tests.support.processes import ROOT, relais_env
from tests.support.redis_server import free_port

pytestmark = pytest.mark.slow


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read().decode(errors="replace"))
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(port, proc)
        accepted = [post(port, old_payload(subject=f"lot {n}")) for n in range(5)]
        assert {a["status"] for a in accepted} == {"accepted"}
        received = sink.wait_for(5, timeout=10)
        assert sorted(r.json()["subject"] for r in received) == [f"lot {n}" for n in range(5)]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    log = out.decode(errors="replace")
    assert proc.returncode == 0, log
    assert "delivery workers stopped" in log
    if embedded:
        # The master started the embedded server and stopped it after the workers drained.
        assert (tmp_path / "data" / "redis" / "redis.conf").exists()
        assert not (tmp_path / "data" / "redis" / "redis.pid").exists()
        assert embedded_redis._ping(embedded_redis.socket_path(tmp_path / "data")) is False
