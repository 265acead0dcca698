"""Config changes across processes: seen soon, and admin writes are atomic.

"Two processes" here are two apps on the same Redis, each with its own service container
(its own document caches), sharing one fake clock.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import auth, old_payload
from tests.support.admin import AdminClient

ROUNDS = 50
TARGETS_KEY = "relais:config:webhook_targets"


@pytest.fixture
def apps(make_app, clock, tmp_path):
    return make_app(clock=clock, data_dir=tmp_path / "a"), make_app(
        clock=clock, data_dir=tmp_path / "b"
    )


@pytest.fixture
def pair(apps):
    return AdminClient(apps[0]), AdminClient(apps[1])


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def create_target(admin, sink, **body):
    resp = admin.post("/api/targets", json={"name": "Make", "url": sink.url("/make"), **body})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def stored_target(redis_client, target_id: str) -> dict[str, Any]:
    data = json.loads(redis_client.hget(TARGETS_KEY, "data"))
    return next(t for t in data["targets"] if t["id"] == target_id)


# -- how soon another process sees a change ----------------------------------------------------


def test_another_process_sees_a_change_within_a_second(apps, pair, clock):
    first, second = pair
    doc = second.get("/api/runtime_flags").get_json()  # the second process holds a copy
    accepted = apps[1].test_client().post("/api/ingress/gmail", json=old_payload(), headers=auth())
    assert accepted.status_code == 200
    off = {**doc["document"], "gmail_ingress_enabled": False}
    assert first.put("/api/runtime_flags", json={"document": off}).status_code == 200
    clock.advance(1.0)
    assert second.get("/api/runtime_flags").get_json()["document"] == off
    refused = (
        apps[1]
        .test_client()
        .post("/api/ingress/gmail", json=old_payload(subject="later"), headers=auth())
    )
    assert refused.status_code == 409 and refused.get_json()["error"] == "ingress_disabled"


def test_another_process_signs_with_a_rotated_secret_within_a_second(pair, sink, clock):
    first, second = pair
    create_target(first, sink)
    second.get("/api/targets/make")
    new = first.post("/api/targets/make/rotate_secret").get_json()["secret"]
    clock.advance(1.0)
    assert second.get("/api/targets/make").get_json()["secret_hint"].endswith(new[-4:])
