"""Config changes across processes: seen soon, and admin writes are atomic; a target that
rules name is not deleted behind their back.

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
from standardwebhooks.webhooks import Webhook

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


# -- a rotation and an edit at the same time ---------------------------------------------------


def test_a_rotation_survives_a_concurrent_edit_from_another_process(
    pair, sink, clock, redis_client
):
    first, second = pair
    old = create_target(first, sink, options={"default": False})["secret"]
    second.get("/api/targets/make")  # the second process holds a copy of the targets
    for n in range(ROUNDS):
        rotated, patched = at_once(
            [
                lambda: first.post("/api/targets/make/rotate_secret"),
                lambda n=n: second.patch("/api/targets/make", json={"name": f"Make {n}"}),
            ]
        )
        assert rotated.status_code == 200 and patched.status_code == 200
        new = rotated.get_json()["secret"]
        stored = stored_target(redis_client, "make")
        assert (stored["secret"], stored["previous_secret"], stored["name"]) == (
            new,
            old,
            f"Make {n}",
        ), f"round {n}"
        # Signed by the other process once it sees the change (within a second): the new
        # secret signs, the old one still does.
        clock.advance(1.0)
        sent = second.post("/api/targets/make/test", json={"mode": "send"})
        assert sent.get_json()["result"]["ok"] is True
        request = sink.wait_for(n + 1)[n]
        Webhook(new).verify(request.body, request.headers)
        Webhook(old).verify(request.body, request.headers)
        old = new


# -- the same target created twice at once ------------------------------------------------------


@pytest.mark.parametrize(
    "body", [{"id": "ops", "name": "Ops"}, {"name": "Ops"}], ids=["same-id", "same-name"]
)
def test_creating_the_same_target_at_once_is_201_once_and_409_otherwise(apps, sink, body):
    clients = [AdminClient(app) for app in apps for _ in range(3)]
    for client in clients:
        client.get("/api/targets")  # every process holds a copy of the (empty) list
    # With an id, each request has a name of its own: only the id is the same.
    bodies = [
        {**body, "url": sink.url(), "name": body["name"] + (f" {n}" if "id" in body else "")}
        for n in range(len(clients))
    ]
    answers = at_once(
        [
            lambda c=c, b=b: c.post("/api/targets", json=b)
            for c, b in zip(clients, bodies, strict=True)
        ]
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * (len(clients) - 1), codes
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.get_json()["error"] == "conflict" and refused.get_json()["message"]
    items = clients[0].get("/api/targets").get_json()["items"]
    assert [t["id"] for t in items] == ["ops"]


def test_a_second_target_with_a_taken_name_is_409(pair, sink):
    first, second = pair
    create_target(first, sink, name="Ops")
    again = second.post("/api/targets", json={"name": " ops ", "url": sink.url()})
    assert again.status_code == 409 and again.get_json()["error"] == "conflict"
    create_target(first, sink, name="Compta")
    renamed = second.patch("/api/targets/compta", json={"name": "OPS"})
    assert renamed.status_code == 409


# -- rules and the targets they name -----------------------------------------------------------


def rule(rule_id: str, *targets: str, name: str = "") -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": name,
        "conditions": [{"field": "subject", "operator": "contains", "value": rule_id}],
        "actions": {"targets": list(targets)},
    }


def test_a_rule_naming_a_target_another_process_deleted_is_422(pair, sink):
    first, second = pair
    create_target(first, sink)
    second.get("/api/targets")  # the second process still holds `make` in its copy
    assert first.delete("/api/targets/make").status_code == 200
    resp = second.put("/api/routing_rules", json={"document": {"rules": [rule("r", "make")]}})
    assert resp.status_code == 422 and "make" in resp.get_json()["message"]


# -- deleting a target that rules name ---------------------------------------------------------


@pytest.fixture
def routed(pair, sink):
    """`make` named by two rules and the default route; `other` by one rule."""
    admin = pair[0]
    create_target(admin, sink)
    create_target(admin, sink, name="Other")
    rules = {
        "rules": [
            rule("only-make", "make", name="Invoices"),
            rule("both", "make", "other"),
            rule("only-other", "other"),
        ],
        "default_route": {"action": "default_targets", "targets": ["make"]},
    }
    assert admin.put("/api/routing_rules", json={"document": rules}).status_code == 200
    return admin


def test_deleting_a_target_that_rules_name_is_409_listing_them(routed):
    resp = routed.delete("/api/targets/make")
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["error"] == "target_in_use" and "make" in body["message"]
    assert body["used_by"] == [
        {"kind": "rule", "id": "only-make", "name": "Invoices"},
        {"kind": "rule", "id": "both", "name": ""},
        {"kind": "default_route"},
    ]
    assert routed.get("/api/targets/make").status_code == 200
    assert routed.delete("/api/targets/nope").status_code == 404


def test_deleting_with_detach_removes_it_from_the_rules_then_deletes(routed):
    before = routed.get("/api/routing_rules").get_json()
    resp = routed.delete("/api/targets/make", query_string={"detach": "true"})
    assert resp.status_code == 200
    assert [use.get("id", use["kind"]) for use in resp.get_json()["detached"]] == [
        "only-make",
        "both",
        "default_route",
    ]
    assert routed.get("/api/targets/make").status_code == 404
    after = routed.get("/api/routing_rules").get_json()
    assert after["version"] == before["version"] + 1
    only_make, both, only_other = after["document"]["rules"]
    # A rule left without a target is switched off, kept for the admin to point elsewhere.
    assert only_make["enabled"] is False and only_make["actions"]["targets"] == []
    assert both["enabled"] is True and both["actions"]["targets"] == ["other"]
    assert only_other["actions"]["targets"] == ["other"]
    assert after["document"]["default_route"]["targets"] == []
    audit = routed.get("/api/audit").get_json()["items"]
    deleted, detached = audit[0], audit[1]
    assert deleted["actor"] == detached["actor"] == "admin"
    assert deleted["resource"].startswith("webhook_targets@")
    (targets_change,) = deleted["changes"]
    assert [t["id"] for t in targets_change["new"]] == ["other"]
    assert detached["resource"] == f"routing_rules@{after['version']}"
    assert {"path": "rules.0.enabled", "old": True, "new": False} in detached["changes"]
    assert {"path": "default_route.targets", "old": ["make"], "new": []} in detached["changes"]


# -- config import builds on the stored documents ---------------------------------------------


def test_an_import_keeps_the_secret_another_process_just_rotated(pair, sink, redis_client):
    first, second = pair
    create_target(first, sink)
    exported = second.get("/api/config/export").get_json()  # without secrets
    new = first.post("/api/targets/make/rotate_secret").get_json()["secret"]
    report = second.post("/api/config/import", json=exported).get_json()
    assert report["generated_secrets"] == {}
    assert stored_target(redis_client, "make")["secret"] == new


def test_a_legacy_import_keeps_what_another_process_just_changed(pair):
    first, second = pair
    second.get("/api/preferences")  # the second process holds a copy of the preferences
    prefs = first.get("/api/preferences").get_json()
    prefs["document"]["exclude_keywords"] = ["newsletter"]
    assert first.put("/api/preferences", json=prefs).status_code == 200
    legacy = {"processing_prefs": {"webhook_timeout_sec": 12}}
    assert second.post("/api/config/import", json=legacy).status_code == 200
    stored = first.get("/api/preferences").get_json()["document"]
    assert stored["exclude_keywords"] == ["newsletter"]
    assert stored["webhook_timeout_sec"] == 12
