"""Switching from the old router without traps: its documents, its dashboard's export file and
its webhook contract, as an operator of the old router would bring them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, auth
from tests.support.admin import AdminClient
from tests.support.sink import Reply

INGRESS = "/api/ingress/gmail"

# The old router's stored documents as it wrote them by default (REFERENCE §8, §10).
OLD_WEBHOOK_CONFIG = {
    "webhook_url": "https://hook.eu2.make.com/oldtoken123456",
    "webhook_ssl_verify": True,
    "webhook_sending_enabled": True,
    "webhook_time_start": "08:00",
    "webhook_time_end": "23:30",
    "absence_pause_enabled": True,
    "absence_pause_days": ["sunday"],
    "webhook_delivery_mode": "json",
    "webhook_fallback_on_415": False,
    "global_time_start": "07:00",
    "global_time_end": "21:00",
}
OLD_PREFS = {
    "exclude_keywords": ["newsletter"],
    "retry_count": 0,
    "retry_delay_sec": 2,
    "webhook_timeout_sec": 30,
    "rate_limit_per_hour": 5,
}
OLD_FLAGS = {
    "gmail_ingress_enabled": True,
    "allow_custom_webhook_without_links": False,
    "disable_email_id_dedup": False,
}
OLD_RULES = {
    "rules": [
        {
            "id": "planning",
            "name": "Planning Média",
            "conditions": [
                {
                    "field": "sender",
                    "operator": "equals",
                    "value": "planning@media-solution.example",
                    "case_sensitive": False,
                }
            ],
            "actions": {
                "webhook_url": "https://hook.eu2.make.com/planningtoken99",
                "priority": "high",
                "stop_processing": True,
            },
        }
    ]
}


def old_export() -> dict[str, Any]:
    """The old dashboard's own export file: every document wrapped."""
    return {
        "exported_at": "2026-11-30T10:00:00Z",
        "webhook_config": {"success": True, "config": dict(OLD_WEBHOOK_CONFIG)},
        "time_window": {
            "success": True,
            "webhooks_time_start": "08:00",
            "webhooks_time_end": "20:00",
            "timezone": "Europe/Paris",
        },
        "processing_prefs": {"success": True, "prefs": dict(OLD_PREFS)},
        "ui_preferences": {},
    }


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())["payload"]


@pytest.fixture
def app(make_app, clock):
    return make_app(clock=clock)


@pytest.fixture
def admin(app):
    return AdminClient(app)


def reported_fields(report: dict[str, Any]) -> set[str]:
    return {item["field"] for item in report["mapped"] + report["not_mapped"]}


def test_every_field_of_every_old_document_is_in_the_report(admin):
    documents = {
        "webhook_config": OLD_WEBHOOK_CONFIG,
        "processing_prefs": OLD_PREFS,
        "runtime_flags": OLD_FLAGS,
        "routing_rules": OLD_RULES,
    }
    report = admin.post("/api/config/import?dry_run=true", json=documents).get_json()
    fields = reported_fields(report)
    text = " ".join(fields)
    for name, doc in documents.items():
        for key in doc:
            if name == "routing_rules":
                assert "routing_rules.rules[planning]" in fields
            elif name == "processing_prefs" and key == "retry_delay_sec":
                assert "processing_prefs.retry_count" in fields  # reported with retry_count
            elif key in ("webhook_time_start", "webhook_time_end"):
                assert "webhook_config.webhook_time_start/end" in fields
            elif key == "absence_pause_enabled":
                assert "webhook_config.absence_pause_days" in fields
            elif key == "allow_custom_webhook_without_links" or key in OLD_FLAGS:
                assert f"runtime_flags.{key}" in fields
            else:
                assert f"{name}.{key}" in fields, f"{name}.{key} missing from {text}"
    by_field = {item["field"]: item for item in report["mapped"] + report["not_mapped"]}
    assert by_field["processing_prefs.retry_count"]["note"] == "old_default_not_enforced"
    assert by_field["processing_prefs.rate_limit_per_hour"]["note"] == "never_enforced"
    assert by_field["webhook_config.global_time_start"]["note"] == "unknown_field"
    assert by_field["webhook_config.webhook_url"]["note"] == "require_success"
    assert "oldtoken123456" not in json.dumps(report)  # webhook URLs carry tokens


def test_the_old_defaults_do_not_become_limits(admin, app, sink):
    """Imported with its defaults, 7 pushes deliver 7, retried after a 500 answer."""
    imported = admin.post(
        "/api/config/import",
        json={"webhook_config": {"webhook_url": sink.url("/make")}, "processing_prefs": OLD_PREFS},
    ).get_json()
    assert "processing_prefs" in imported["written"]
    sink.script("/make", Reply(status=500), Reply(body=b'{"success": true}'))
    services = app.extensions["relais"]
    for n in range(7):
        payload = fixture("recadrage_time_only") | {"subject": f"Lot {n}", "date": f"d{n}"}
        app.test_client().post(INGRESS, json=payload, headers=auth())
    outcomes = []
    for _ in range(20):
        outcome = services.delivery.workers.run_once()
        if outcome is None:
            services.clock.advance(10)  # the next retry is due
            outcome = services.delivery.workers.run_once()
            if outcome is None:
                break
        outcomes.append(outcome)
    assert outcomes.count("delivered") == 7 and outcomes.count("retrying") == 1
    assert "dead" not in outcomes


def test_an_imported_sender_rule_matches_what_it_matched_in_the_old_router(admin, app, sink):
    rules = json.loads(json.dumps(OLD_RULES))
    rules["rules"][0]["actions"]["webhook_url"] = sink.url("/planning")
    report = admin.post("/api/config/import", json={"routing_rules": rules}).get_json()
    mapped = {item["field"]: item for item in report["mapped"]}
    assert mapped["routing_rules.rules[planning]"]["note"] == "sender_address"
    # The fixtures' sender is `Planning Média Solution <planning@media-solution.example>`.
    body = app.test_client().post(INGRESS, json=fixture("recadrage_time_only"), headers=auth())
    assert body.get_json()["decision"]["matched_rules"] == ["planning"]
    other = fixture("plain_wetransfer")
    assert (
        app.test_client()
        .post(INGRESS, json=other, headers=auth())
        .get_json()["decision"]["matched_rules"]
        == []
    )


def test_the_old_dashboards_export_file_restores_window_days_and_preferences(admin):
    report = admin.post("/api/config/import", json=old_export()).get_json()
    assert {"time_windows", "processing_prefs", "webhook_targets"} <= set(report["written"])
    windows = admin.get("/api/time_windows").get_json()["document"]
    assert windows["window"] == {"start": "08:00", "end": "20:00"}
    assert windows["absence_days"] == ["sunday"] and windows["timezone"] == "Europe/Paris"
    prefs = admin.get("/api/preferences").get_json()["document"]
    assert prefs["exclude_keywords"] == ["newsletter"] and prefs["webhook_timeout_sec"] == 30
    target = admin.get("/api/targets").get_json()["items"][0]
    assert target["options"]["default"] is True
    assert target["options"]["require_success_json"] is True  # the old router's contract
    skipped = {item["field"]: item["note"] for item in report["not_mapped"]}
    assert skipped["exported_at"] == skipped["ui_preferences"] == "not_applicable"


def test_a_dry_run_shows_what_the_imported_rules_would_route_differently(admin, app):
    for name in ("recadrage_time_only", "plain_wetransfer"):
        app.test_client().post(INGRESS, json=fixture(name), headers=auth())
    report = admin.post(
        "/api/config/import?dry_run=true&recent=10", json={"routing_rules": OLD_RULES}
    )
    effect = report.get_json()["rules_effect"]
    assert (effect["evaluated"], effect["changed"]) == (2, 1)
    (change,) = effect["changes"]
    assert change["after"]["rules"] == ["planning"]
    assert admin.get("/api/routing_rules").get_json()["version"] == 0  # nothing written


def test_the_whole_outbound_body_matches_the_old_routers_contract(make_app, sink, clock):
    """REFERENCE §3: every field the old router sent, with its value, for every fixture email."""
    app = make_app(
        clock=clock,
        webhook_url=sink.url(),
        webhook_secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        webhooks_time_start="00:00",
        webhooks_time_end="23:59",
        allow_custom_webhook_without_links=True,
    )
    services = app.extensions["relais"]
    for path in sorted(Path(FIXTURES).glob("*.json")):
        case = json.loads(path.read_text())
        resp = app.test_client().post(INGRESS, json=case["payload"], headers=auth())
        if resp.get_json()["status"] != "accepted":
            continue
        assert services.delivery.workers.run_once() == "delivered", path.name
        body = sink.requests[-1].json()
        assert_old_contract(body, case, path.name)
    assert len(sink.requests) >= 10  # most fixtures are accepted and compared


def assert_old_contract(body: dict[str, Any], case: dict[str, Any], name: str) -> None:
    payload, expect = case["payload"], case["expect"]
    from email_processing.identity import sender_email

    old = {
        "subject": payload["subject"],
        "receivedDateTime": payload["date"],
        "sender_address": payload["sender"],
        "bodyPreview": payload["body"][:200],
        "email_content": payload["body"],
        "source": "gmail_push",
        "sender_email": sender_email(payload["sender"]),
        "webhooks_time_start": "maintenant",
        "webhooks_time_end": "23:59",
    }
    assert {k: body.get(k) for k in old} == old, name
    assert body.get("detector") == expect.get("detector"), name
    links = [
        {k: link[k] for k in ("provider", "raw_url")} for link in body.get("delivery_links") or []
    ]
    assert links == expect.get("links", []), name
    if expect.get("delivery_time") and expect["delivery_time"] != "now+1h":
        assert body["delivery_time"] == expect["delivery_time"], name
    assert isinstance(body["microsoft_graph_email_id"], str) and body["microsoft_graph_email_id"]


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://example.com/x", "https://169.254.169.254/latest"]
)
def test_an_import_never_stores_a_url_saving_a_target_would_refuse(make_app, url):
    admin = AdminClient(make_app(allow_private_targets=False))
    legacy = admin.post("/api/config/import", json={"webhook_config": {"webhook_url": url}})
    assert legacy.status_code == 422
    exported = admin.get("/api/config/export").get_json()
    exported["documents"]["webhook_targets"] = {
        "targets": [
            {"id": "x", "name": "X", "url": url, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
        ]
    }
    assert admin.post("/api/config/import", json=exported).status_code == 422
    assert admin.get("/api/targets").get_json()["items"] == []
