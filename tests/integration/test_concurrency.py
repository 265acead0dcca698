"""Exactly-once acceptance when two processes receive the same emails at the same instant."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from tests.conftest import TEST_TOKEN, TEST_WHSEC, old_payload
from tests.support.pushers import push_all

pytestmark = pytest.mark.slow

EMAILS = 300


def test_two_processes_same_emails_one_acceptance_each(redis_url, redis_client, sink, tmp_path):
    settings = {
        "relais_env": "development",
        "redis_url": redis_url,
        "process_api_token": TEST_TOKEN,
        "dashboard_password": "test-password-123",
        "flask_secret_key": "test-flask-secret-key",
        "webhook_url": sink.url(),
        "webhook_secret": TEST_WHSEC,
        "allow_private_targets": True,
        "worker_threads": 0,
    }
    payloads = [old_payload(subject=f"lot {n}") for n in range(EMAILS)]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(2)
        with ProcessPoolExecutor(2, mp_context=ctx) as pool:
            futures = [
                pool.submit(
                    push_all, {**settings, "data_dir": tmp_path / f"p{n}"}, payloads, barrier
                )
                for n in range(2)
            ]
            first, second = (f.result(timeout=120) for f in futures)
    # Both processes won some races: they really ran at the same time.
    assert 0 < first.count("accepted") < EMAILS
    for a, b in zip(first, second, strict=True):
        assert sorted((a, b)) == ["accepted", "duplicate"]
    assert redis_client.zcard("relais:q:scheduled") == EMAILS
    assert redis_client.zcard("relais:deliveries") == EMAILS
