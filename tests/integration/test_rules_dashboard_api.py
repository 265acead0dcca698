"""The dry-run API as the Rules screen uses it: the before/after table over recent emails."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES, auth
from tests.support.admin import AdminClient

INGRESS = "/api/ingress/gmail"
WETRANSFER_RULE = {
    "rules": [
        {
            "id": "r",
            "conditions": [
                {"field": "sender_domain", "operator": "equals", "value": "wetransfer.com"}
            ],
            "actions": {"targets": ["make"]},
        }
    ]
}


@pytest.fixture
def admin(make_app, sink, clock):
    app = make_app(clock=clock)
    client = AdminClient(app)
    resp = client.post("/api/targets", json={"name": "Make", "url": sink.url("/make")})
    assert resp.status_code == 201
    for name in ("plain_wetransfer", "desabo_plain"):
        payload = json.loads((FIXTURES / f"{name}.json").read_text())["payload"]
        pushed = app.test_client().post(INGRESS, json=payload, headers=auth())
        assert pushed.status_code == 200
    return client


def replay(admin, **extra):
    resp = admin.post(
        "/api/routing_rules/test", json={"replay_last": 10, "rules": WETRANSFER_RULE, **extra}
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_the_replay_lists_only_changed_emails_by_default(admin):
    report = replay(admin)
    assert (report["evaluated"], report["changed"]) == (2, 1)
    (row,) = report["changes"]
    assert row["changed"] is True
    assert row["after"]["rules"] == ["r"] and row["before"]["rules"] == []


def test_the_replay_can_list_every_evaluated_email_for_a_full_before_after_table(admin):
    report = replay(admin, include_unchanged=True)
    assert (report["evaluated"], report["changed"]) == (2, 1)
    assert sorted(row["changed"] for row in report["changes"]) == [False, True]
    same = next(row for row in report["changes"] if not row["changed"])
    assert same["before"] == same["after"]


def test_include_unchanged_must_be_a_boolean(admin):
    resp = admin.post(
        "/api/routing_rules/test",
        json={"replay_last": 5, "rules": WETRANSFER_RULE, "include_unchanged": "lots"},
    )
    assert resp.status_code == 422


def test_rules_stored_in_the_first_format_keep_matching_the_raw_header(make_app, redis_client):
    """Before `sender` meant the parsed address, it meant the From header: such a saved rule
    becomes a `sender_header` rule and routes exactly as before."""
    old = {
        "rules": [
            {
                "id": "planning",
                "conditions": [
                    {"field": "sender", "operator": "starts_with", "value": "planning media"}
                ],
                "actions": {"targets": ["make"]},
            }
        ]
    }
    redis_client.hset(
        "relais:config:routing_rules",
        mapping={"version": 3, "updated_at": 0, "data": json.dumps(old)},
    )
    app = make_app()
    document = AdminClient(app).get("/api/routing_rules").get_json()["document"]
    assert document["format"] == 2
    assert document["rules"][0]["conditions"][0]["field"] == "sender_header"
    payload = json.loads((FIXTURES / "recadrage_time_only.json").read_text())["payload"]
    body = app.test_client().post(INGRESS, json=payload, headers=auth()).get_json()
    assert body["decision"]["matched_rules"] == ["planning"]


def test_what_would_change_stops_at_its_time_budget_and_says_so(admin):
    services = admin.client.application.extensions["relais"]
    ticks = iter(range(100))
    services.operator.lab._timer = lambda: float(next(ticks)) * 6  # each email "takes" 6 s
    report = replay(admin)
    assert (report["requested"], report["evaluated"], report["stopped_early"]) == (2, 1, True)


def _rule_audits(admin):
    items = admin.get("/api/audit", query_string={"limit": 200}).get_json()["items"]
    return [item for item in items if str(item.get("resource", "")).startswith("routing_rules@")]


def test_a_save_that_changes_nothing_writes_no_version_and_no_audit_entry(admin):
    first = admin.put("/api/routing_rules", json={"version": 0, "document": WETRANSFER_RULE})
    assert first.status_code == 200, first.get_json()
    saved = first.get_json()
    assert saved["version"] == 1 and len(_rule_audits(admin)) == 1
    again = admin.put("/api/routing_rules", json={"version": 1, "document": saved["document"]})
    assert again.status_code == 200
    assert again.get_json()["version"] == 1, "no new version for a save that changes nothing"
    assert len(_rule_audits(admin)) == 1, "and no audit entry"
    stale = admin.put("/api/routing_rules", json={"version": 0, "document": saved["document"]})
    assert stale.status_code == 409, "a stale version is still refused"
