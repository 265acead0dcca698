"""What the config screens rely on: masked header values survive an edit unchanged."""

from __future__ import annotations

from typing import Any

import pytest

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
