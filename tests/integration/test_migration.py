"""Switching from the old router without traps: its documents, its dashboard's export file and
its webhook contract, as an operator of the old router would bring them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, TEST_WHSEC, auth, old_payload
from tests.support.admin import AdminClient
from tests.support.sink import Reply

INGRESS = "/api/ingress/gmail"

# The old router's stored documents as it wrote them by default (docs/old-router.md).
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
    for name, doc in documents.items():
        for key in doc:
            expected = "routing_rules.rules[planning]" if key == "rules" else f"{name}.{key}"
            assert expected in fields, f"{expected} missing from {sorted(fields)}"
    by_field = {item["field"]: item for item in report["mapped"] + report["not_mapped"]}
    assert by_field["processing_prefs.retry_count"]["note"] == "old_default_not_enforced"
    assert by_field["processing_prefs.retry_delay_sec"]["note"] == "old_default_not_enforced"
    assert by_field["processing_prefs.rate_limit_per_hour"]["note"] == "never_enforced"
    assert by_field["processing_prefs.exclude_keywords"]["value"] == "newsletter"  # not secret
    assert by_field["webhook_config.global_time_start"]["note"] == "unknown_field"
    assert by_field["webhook_config.webhook_url"]["note"] == "require_success"
    assert by_field["webhook_config.absence_pause_enabled"]["becomes"] == "absence days sunday"
    assert "oldtoken123456" not in json.dumps(report)  # webhook URLs carry tokens
    # A rule imported as it was is mapped, and nothing about it is "not mapped".
    assert not [i for i in report["not_mapped"] if i["field"].startswith("routing_rules")]
    assert report["problems"] == []


def test_every_field_of_the_old_dashboards_export_is_in_the_report(admin):
    """Wrappers included, and the window given twice says which one was used."""
    exported = old_export()
    report = admin.post("/api/config/import?dry_run=true", json=exported).get_json()
    fields = reported_fields(report)
    for name, doc in exported.items():
        if not isinstance(doc, dict) or not doc:
            assert name in fields
            continue
        inner = doc.get("config") or doc.get("prefs") or doc
        for key in inner:
            assert f"{name}.{key}" in fields, f"{name}.{key} missing from {sorted(fields)}"
        assert f"{name}.success" in fields
    by_field = {item["field"]: item for item in report["mapped"] + report["not_mapped"]}
    assert by_field["webhook_config.webhook_time_end"]["note"] == "overridden"
    assert by_field["time_window.webhooks_time_end"]["becomes"] == "delivery window end 20:00"
    assert by_field["time_window.success"]["note"] == "wrapper"
    assert "exported_at: exported_at" not in json.dumps(report)


def test_the_report_states_each_window_policy_written_beside_the_old_behaviour(admin):
    report = admin.post("/api/config/import?dry_run=true", json=old_export()).get_json()
    policies = {
        item["field"].removeprefix("time_windows.policies."): item
        for item in report["mapped"]
        if item["field"].startswith("time_windows.policies.")
    }
    assert set(policies) == {
        "recadrage",
        "desabonnement_journee_tarifs",
        "desabonnement_journee_tarifs.urgent",
        "default",
    }
    urgent = policies["desabonnement_journee_tarifs.urgent"]
    assert urgent["becomes"] == "hold"
    assert urgent["text"].endswith(
        "outside the window: held, sent when the window opens; the old router: not sent (lost)"
    )
    assert "the old router: sent anyway" in policies["desabonnement_journee_tarifs"]["text"]


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
    said = report.get_json()
    assert said["would_write"] == ["webhook_targets", "routing_rules"]
    assert "written" not in said  # nothing was


def test_rules_renamed_but_routed_the_same_do_not_count_as_a_change(admin, app):
    """The rules in Relais carry other names than the old router's: only a different
    destination is a change."""
    admin.post("/api/config/import", json={"routing_rules": OLD_RULES})
    rules = admin.get("/api/routing_rules").get_json()
    renamed = rules["document"]
    renamed["rules"][0]["id"] = "planning-in-relais"
    saved = admin.put("/api/routing_rules", json={"version": rules["version"], "document": renamed})
    assert saved.status_code == 200, saved.get_json()
    app.test_client().post(INGRESS, json=fixture("recadrage_time_only"), headers=auth())
    report = admin.post(
        "/api/config/import?dry_run=true&recent=10", json={"routing_rules": OLD_RULES}
    ).get_json()
    assert (report["rules_effect"]["evaluated"], report["rules_effect"]["changed"]) == (1, 0)


def test_the_whole_outbound_body_matches_the_old_routers_contract(make_app, sink, clock):
    """Every field the old router sent (docs/old-router.md, webhook body), with its value, for
    every fixture email."""
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
    report = legacy.get_json()["report"]  # the operator sees why nothing was imported
    assert report["problems"] and report["not_mapped"][0]["field"] == "webhook_config.webhook_url"


STORED_HOOK = "https://hook.eu2.make.com/storedtoken1234a1b2"


def test_the_old_webhook_url_never_doubles_the_default_target(make_app, sink):
    """WEBHOOK_URL wins: the stored webhook_url is not made a second default (the old router
    sent one webhook per email); the report says which URL is the default, masked."""
    app = make_app(webhook_url=sink.url("/env"), webhook_secret=TEST_WHSEC)
    admin = AdminClient(app)
    config = OLD_WEBHOOK_CONFIG | {"webhook_url": STORED_HOOK, "absence_pause_enabled": False}
    rules = json.loads(json.dumps(OLD_RULES))
    rules["rules"][0]["actions"]["webhook_url"] = STORED_HOOK
    report = admin.post(
        "/api/config/import", json={"webhook_config": config, "routing_rules": rules}
    ).get_json()
    unmatched = old_payload(sender="Someone <someone@else.example>", subject="Bonjour")
    answer = app.test_client().post(INGRESS, json=unmatched, headers=auth()).get_json()
    assert [d["target"] for d in answer["deliveries"]] == ["default"]  # one webhook, not two
    targets = admin.get("/api/targets").get_json()["items"]
    assert [t["id"] for t in targets if t["options"]["default"]] == ["default"]
    (item,) = [i for i in report["not_mapped"] if i["field"] == "webhook_config.webhook_url"]
    assert item["note"] == "default_kept" and item["value"] == "https://hook.eu2.make.com/…a1b2"
    port = sink.url().split(":")[2].split("/")[0]
    assert item["detail"] == (
        f"the default target stays default (http://127.0.0.1:{port}/…, from WEBHOOK_URL, "
        "which wins); the old router sent one webhook per email, so this URL is not made a "
        "second default: it stays target hook-eu2-make-com (rules send to it), off the "
        "default route"
    )


def test_without_a_rule_for_it_the_other_url_makes_no_target(make_app, sink):
    app = make_app(webhook_url=sink.url("/env"), webhook_secret=TEST_WHSEC)
    admin = AdminClient(app)
    config = {"webhook_url": STORED_HOOK, "webhook_sending_enabled": True}
    report = admin.post("/api/config/import", json={"webhook_config": config}).get_json()
    (item,) = [i for i in report["not_mapped"] if i["field"] == "webhook_config.webhook_url"]
    assert item["detail"].endswith("second default: no target was made for it")
    assert [t["id"] for t in admin.get("/api/targets").get_json()["items"]] == ["default"]


def test_a_wrapped_rules_file_imports_its_rules_and_never_shows_a_token(admin):
    wrapped = {"success": True, "config": OLD_RULES}
    report = admin.post("/api/config/import", json={"routing_rules": wrapped}).get_json()
    mapped = {item["field"] for item in report["mapped"]}
    assert "routing_rules.rules[planning]" in mapped
    assert "routing_rules.success" in reported_fields(report)
    assert [r["id"] for r in admin.get("/api/routing_rules").get_json()["document"]["rules"]] == [
        "planning"
    ]
    assert "planningtoken99" not in json.dumps(report)


def test_a_rules_document_without_rules_is_a_problem_and_shows_no_token(admin, app, tmp_path):
    """A shape the import does not know: its content is shown by its size only, and an import
    that imported nothing fails (422, the CLI exits 1) with the report."""
    odd = {"success": True, "data": OLD_RULES, "count": 1}
    answer = admin.post("/api/config/import?dry_run=true", json={"routing_rules": odd})
    assert answer.status_code == 422
    report = answer.get_json()["report"]
    assert "routing_rules: no rules list in the document: no rule imported" in report["problems"]
    data = next(i for i in report["not_mapped"] if i["field"] == "routing_rules.data")
    assert data["value"] == "(an object of 1 field(s), not shown)"
    assert "planningtoken99" not in json.dumps(report)
    (tmp_path / "routing_rules.json").write_text(json.dumps({"success": True, "rules": []}))
    result = app.test_cli_runner().invoke(args=["import-legacy", str(tmp_path), "--dry-run"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "nothing could be imported" in result.output
    printed = json.loads(result.stdout)
    assert printed["problems"] == ["routing_rules: no rule imported (0 in the document)"]


BAD_RULES = {
    "rules": [
        {
            "id": "local",
            "name": "Old localhost hook",
            "conditions": [{"field": "subject", "operator": "contains", "value": "Lot"}],
            "actions": {"webhook_url": "http://localhost:5000/hook/oldsecretpath"},
        },
        {
            "id": "malformed",
            "name": "Malformed token",
            "conditions": [{"field": "subject", "operator": "contains", "value": "Lot"}],
            "actions": {"webhook_url": "abc@hook.eu2.make.com"},
        },
        OLD_RULES["rules"][0],
    ]
}


def test_a_rule_the_import_cannot_take_is_reported_and_the_rest_imports(make_app, tmp_path):
    app = make_app(allow_private_targets=False)
    admin = AdminClient(app)
    documents = {"routing_rules": BAD_RULES, "processing_prefs": OLD_PREFS}
    answer = admin.post("/api/config/import?dry_run=true", json=documents)
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert report["would_write"] == ["webhook_targets", "routing_rules", "processing_prefs"]
    assert report["problems"] == [
        "routing_rules: rule 'local' (Old localhost hook): not imported, its webhook "
        "http://localhost:5000/…path: https is required unless private targets are allowed",
        "routing_rules: rule 'malformed' (Malformed token): not imported, its webhook "
        "(not a URL: ….com): URL must be absolute http(s) with a host",
    ]
    assert "oldsecretpath" not in json.dumps(report)
    for name, doc in documents.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    result = app.test_cli_runner().invoke(args=["import-legacy", str(tmp_path)])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "2 problem(s), left out of the import:" in result.stderr
    rules = app.extensions["relais"].documents.rules.get().rules
    assert [rule.id for rule in rules] == ["planning"]


def test_only_rules_the_import_cannot_take_fail_cleanly_in_the_cli(make_app, tmp_path):
    app = make_app(allow_private_targets=False)
    bad_only = {"rules": BAD_RULES["rules"][:2]}
    (tmp_path / "routing_rules.json").write_text(json.dumps(bad_only))
    result = app.test_cli_runner().invoke(args=["import-legacy", str(tmp_path), "--dry-run"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Error: nothing could be imported from the old router's documents" in result.stderr
    assert len(json.loads(result.stdout)["problems"]) == 3  # two rules, and no rule at all


def test_targets_on_one_host_stay_distinguishable_in_the_report(admin):
    rules = json.loads(json.dumps(OLD_RULES))
    second = json.loads(json.dumps(OLD_RULES["rules"][0])) | {"id": "second"}
    second["actions"]["webhook_url"] = "https://hook.eu2.make.com/anothertoken77c3d4"
    rules["rules"].append(second)
    report = admin.post("/api/config/import?dry_run=true", json={"routing_rules": rules})
    new = {i["field"]: i["value"] for i in report.get_json()["mapped"] if "targets." in i["field"]}
    assert new == {
        "webhook_targets.hook-eu2-make-com": "https://hook.eu2.make.com/…en99",
        "webhook_targets.hook-eu2-make-com-2": "https://hook.eu2.make.com/…c3d4",
    }
