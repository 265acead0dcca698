"""The standalone worker as a real process: kill -9 mid-attempt, SIGTERM drain."""

from __future__ import annotations

import signal
import time

import pytest

from tests.conftest import TEST_TOKEN, TEST_WHSEC, auth, old_payload
from tests.support.processes import start_worker
from tests.support.sink import Reply

pytestmark = pytest.mark.slow


@pytest.fixture
def env(redis_url, sink, tmp_path):
    return {
        "relais_env": "development",
        "data_dir": tmp_path / "worker-data",
        "redis_url": redis_url,
        "process_api_token": TEST_TOKEN,
        "dashboard_password": "test-password-123",
        "flask_secret_key": "test-flask-secret-key",
        "webhook_url": sink.url(),
        "webhook_secret": TEST_WHSEC,
        "allow_private_targets": "true",
        "worker_lease_seconds": 2,
        "log_level": "INFO",
    }


@pytest.fixture
def app(make_app, env):
    settings = {k: v for k, v in env.items() if k not in ("log_level",)}
    return make_app(**settings)


def push(app):
    resp = app.test_client().post("/api/ingress/gmail", json=old_payload(), headers=auth())
    return resp.get_json()["deliveries"][0]["id"]


def wait_outcome(services, deadline_s=15):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        outcome = services.delivery.workers.run_once()
        if outcome:
            return outcome
        time.sleep(0.1)
    return None


def stop(proc, sig=signal.SIGTERM, timeout=30):
    if proc.poll() is None:
        proc.send_signal(sig)
    out = proc.finish(timeout)
    return proc.returncode, out


def test_kill_9_mid_attempt_is_reclaimed_and_delivered_again_with_the_same_id(app, env, sink):
    sink.script("/hook", Reply(delay=30), Reply())
    delivery_id = push(app)
    worker = start_worker(**env)
    try:
        sink.wait_for(1, timeout=20)
        worker.kill()  # SIGKILL while the receiver is still answering
        worker.wait(10)
    finally:
        stop(worker, signal.SIGKILL)
    services = app.extensions["relais"]
    assert services.delivery.queue.get(delivery_id).state == "in_flight"
    assert wait_outcome(services) == "delivered"
    first, second = sink.wait_for(2)
    assert first.webhook_id == second.webhook_id
    attempts = services.delivery.queue.attempts(delivery_id)
    assert [a["outcome"] for a in attempts] == ["lease_expired", "delivered"]


def test_sigterm_lets_the_attempt_finish_and_exits_0(app, env, sink):
    sink.script("/hook", Reply(delay=1.5))
    delivery_id = push(app)
    worker = start_worker(**env)
    sink.wait_for(1, timeout=20)
    code, out = stop(worker)
    assert code == 0, out
    assert "shutdown" in out
    assert app.extensions["relais"].delivery.queue.get(delivery_id).state == "delivered"
    assert len(sink.requests) == 1


def test_sigterm_past_the_grace_period_releases_the_delivery(app, env, sink):
    sink.script("/hook", Reply(delay=6), Reply())
    delivery_id = push(app)
    worker = start_worker(**{**env, "shutdown_grace_seconds": 0.5, "worker_lease_seconds": 60})
    sink.wait_for(1, timeout=20)
    started = time.monotonic()
    code, out = stop(worker)
    assert code == 0, out
    assert time.monotonic() - started < 5
    services = app.extensions["relais"]
    assert services.delivery.queue.get(delivery_id).state == "scheduled"
    assert wait_outcome(services) == "delivered"
    assert len({r.webhook_id for r in sink.wait_for(2)}) == 1
