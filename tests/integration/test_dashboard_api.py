"""What the dashboard's monitor screens need beyond the lists: the payload of a delivery."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES, TEST_WHSEC, auth
from tests.support.admin import AdminClient

INGRESS = "/api/ingress/gmail"


@pytest.fixture
def app(make_app, sink, clock):
    return make_app(clock=clock, webhook_url=sink.url(), webhook_secret=TEST_WHSEC)


@pytest.fixture
def delivered(app, sink):
    payload = json.loads((FIXTURES / "plain_wetransfer.json").read_text())["payload"]
    resp = app.test_client().post(INGRESS, json=payload, headers=auth())
    assert resp.status_code == 200
    services = app.extensions["relais"]
    while services.delivery.workers.run_once():
        pass
    (received,) = sink.wait_for(1)
    return received


def test_delivery_detail_includes_the_payload_only_on_request(app, delivered):
    admin = AdminClient(app)
    (item,) = admin.get("/api/deliveries").get_json()["items"]
    plain = admin.get(f"/api/deliveries/{item['id']}").get_json()
    assert "payload" not in plain
    resp = admin.get(f"/api/deliveries/{item['id']}", query_string={"include_payload": "true"})
    assert resp.status_code == 200
    detail = resp.get_json()
    assert detail["payload"] == delivered.json()
    assert TEST_WHSEC not in json.dumps(detail)
    assert TEST_WHSEC.removeprefix("whsec_") not in json.dumps(detail)


def test_delivery_detail_rejects_unknown_query_args(app, delivered):
    admin = AdminClient(app)
    (item,) = admin.get("/api/deliveries").get_json()["items"]
    assert admin.get(f"/api/deliveries/{item['id']}", query_string={"x": "1"}).status_code == 422
    missing = admin.get("/api/deliveries/dlv_nope", query_string={"include_payload": "1"})
    assert missing.status_code == 404


def _push(app, subject: str) -> None:
    payload = json.loads((FIXTURES / "plain_wetransfer.json").read_text())["payload"]
    payload = {**payload, "subject": subject, "gmail_message_id": f"gm-{subject}"}
    assert app.test_client().post(INGRESS, json=payload, headers=auth()).status_code == 200
    services = app.extensions["relais"]
    while services.delivery.workers.run_once():
        pass


@pytest.fixture
def mixed(app, sink, clock):
    """Delivered `A`, dead `B` (two 500s), retrying `C` (one 500, next try in an hour)."""
    admin = AdminClient(app)
    prefs = admin.get("/api/preferences").get_json()
    prefs["document"]["retry_schedule"] = [0, 3600]
    assert admin.put("/api/preferences", json=prefs).status_code == 200
    sink.script("/hook", 200, 500)
    _push(app, "A")
    clock.advance(10)
    _push(app, "B")
    clock.advance(3601)
    _push(app, "B-retry-due")  # a fourth email, pushed only to run the due retry of B
    clock.advance(10)
    started_c = clock()
    _push(app, "C")
    return admin, started_c


def _subjects(admin, **query):
    resp = admin.get("/api/deliveries", query_string=query)
    assert resp.status_code == 200
    return [d["subject"] for d in resp.get_json()["items"]]


def test_state_filters_read_the_queues_and_agree_with_the_index(mixed):
    admin, started_c = mixed
    assert _subjects(admin, status="delivered") == ["A"]
    assert _subjects(admin, status="dead") == ["B"]
    assert _subjects(admin, status="retrying") == ["C", "B-retry-due"]
    assert _subjects(admin, status="retrying", since=started_c) == ["C"]
    assert _subjects(admin, status="retrying", until=started_c - 1) == ["B-retry-due"]
    assert _subjects(admin, status="retrying", limit=1, offset=1) == ["B-retry-due"]
    assert _subjects(admin, status="held") == []
    everything = _subjects(admin)
    assert sorted(everything) == ["A", "B", "B-retry-due", "C"]


def test_replaying_the_dead_letters_counts_only_them(mixed):
    admin, _ = mixed
    dry = admin.post("/api/deliveries/replay", json={"status": "dead", "dry_run": True})
    assert dry.get_json() == {"matched": 1, "queued": 0}


def test_a_delivery_names_its_target_as_it_was_when_routed(app, delivered):
    admin = AdminClient(app)
    (target,) = admin.get("/api/targets").get_json()["items"]
    (item,) = admin.get("/api/deliveries").get_json()["items"]
    assert item["target_id"] == target["id"] and target["name"]
    assert item["target_name"] == target["name"]
    detail = admin.get(f"/api/deliveries/{item['id']}").get_json()
    assert detail["target_name"] == target["name"]
