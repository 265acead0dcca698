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
    while services.workers.run_once():
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
