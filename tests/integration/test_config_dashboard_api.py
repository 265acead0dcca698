"""What the config screens rely on: masked header values survive an edit unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_WHSEC
from tests.support.admin import AdminClient
from tests.support.sink import Sink


@pytest.fixture
def admin(make_app: Any) -> AdminClient:
    return AdminClient(make_app())


def _target_with_header(admin: AdminClient, sink: Sink) -> dict[str, Any]:
    resp = admin.post(
        "/api/targets",
        json={"name": "Keyed", "url": sink.url("/k"), "options": {"headers": {"X-Key": "k-123"}}},
    )
    assert resp.status_code == 201
    target: dict[str, Any] = resp.get_json()["target"]
    assert target["options"]["headers"] == {"X-Key": "***"}
    return target


def test_a_masked_header_value_sent_back_keeps_the_stored_value(admin, sink):
    target = _target_with_header(admin, sink)
    options = {**target["options"], "headers": {"X-Key": "***", "X-New": "v2"}}
    resp = admin.patch("/api/targets/keyed", json={"name": "Keyed 2", "options": options})
    assert resp.status_code == 200, resp.get_json()
    admin.post("/api/targets/keyed/test", json={"mode": "send"})
    received = sink.wait_for(1)[0]
    assert received.headers["x-key"] == "k-123"
    assert received.headers["x-new"] == "v2"


def test_a_changed_header_value_replaces_the_stored_one(admin, sink):
    target = _target_with_header(admin, sink)
    options = {**target["options"], "headers": {"X-Key": "k-456"}}
    assert admin.patch("/api/targets/keyed", json={"options": options}).status_code == 200
    admin.post("/api/targets/keyed/test", json={"mode": "send"})
    assert sink.wait_for(1)[0].headers["x-key"] == "k-456"


def test_a_new_header_whose_value_is_the_mask_is_refused(admin, sink):
    target = _target_with_header(admin, sink)
    options = {**target["options"], "headers": {"X-Key": "***", "X-Other": "***"}}
    resp = admin.patch("/api/targets/keyed", json={"options": options})
    assert resp.status_code == 422


def test_the_webhook_url_target_is_named_after_its_variable_not_default(make_app, sink):
    """`Default` names the default route only: the WEBHOOK_URL target is called WEBHOOK_URL
    (its id stays `default`), also where it was stored under its old name."""
    admin = AdminClient(make_app(webhook_url=sink.url("/env"), webhook_secret=TEST_WHSEC))
    (env,) = admin.get("/api/targets").get_json()["items"]
    assert (env["id"], env["name"], env["managed_by_env"]) == ("default", "WEBHOOK_URL", True)
    assert env["options"]["default"] is True, "it stays in the default route"
    stored = admin.patch("/api/targets/default", json={"name": "Default (WEBHOOK_URL)"})
    assert stored.status_code == 200
    assert admin.get("/api/targets/default").get_json()["name"] == "WEBHOOK_URL"
    renamed = admin.patch("/api/targets/default", json={"name": "Planning"})
    assert renamed.get_json()["name"] == "Planning", "a name of one's own is kept"


def test_the_list_says_which_targets_get_mail_no_rule_claims(make_app, sink):
    admin = AdminClient(make_app(webhook_url=sink.url("/env"), webhook_secret=TEST_WHSEC))
    created = admin.post(
        "/api/targets",
        json={"name": "Compta", "url": sink.url("/c"), "options": {"default": False}},
    )
    assert created.status_code == 201

    def members() -> tuple[dict[str, bool], str]:
        page = admin.get("/api/targets").get_json()
        source = page["default_route"]["source"]
        return {t["id"]: t["in_default_route"] for t in page["items"]}, source

    assert members() == ({"default": True, "compta": False}, "option")
    route = {"action": "default_targets", "targets": ["compta"]}
    saved = admin.put("/api/routing_rules", json={"document": {"default_route": route}})
    assert saved.status_code == 200
    assert members() == ({"default": False, "compta": True}, "rules")
    route = {"action": "drop", "targets": []}
    saved = admin.put("/api/routing_rules", json={"document": {"default_route": route}})
    assert saved.status_code == 200
    assert members() == ({"default": False, "compta": False}, "drop")
