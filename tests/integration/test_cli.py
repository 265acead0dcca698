"""Operator commands through Flask's CLI runner, on the real services."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest

from routes.cli import parse_since
from services.documents.targets import TargetList, WebhookTarget
from services.documents.time_windows import WindowSpec
from tests.conftest import TEST_WHSEC, auth, old_payload


@pytest.fixture
def app(make_app, sink, clock):
    return make_app(
        webhook_url=sink.url(), webhook_secret=TEST_WHSEC, clock=clock, retry_schedule=[0]
    )


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_check_config_ok_and_problems(app, redis_client):
    lines = invoke(app, "check-config").output.strip().splitlines()
    assert lines[-1] == "configuration OK"
    # What a 200 survives, read off the server (AOF and fsync settings, WAITAOF or not).
    assert re.fullmatch(r"Redis durability: \w+ \(.*appendfsync \w+.*WAITAOF .*\)", lines[0])
    redis_client.hset(
        "relais:config:routing_rules",
        mapping={"version": 1, "updated_at": 0, "data": '{"rules": 5}'},
    )
    result = invoke(app, "check-config")
    assert result.exit_code == 1
    assert "stored document routing_rules is invalid at: rules" in result.output


def test_replay_by_filter_and_by_id(app, sink):
    sink.script("/hook", 500, 200)
    client = app.test_client()
    for n in range(3):
        client.post("/api/ingress/gmail", json=old_payload(subject=f"s{n}"), headers=auth())
    services = app.extensions["relais"]
    while services.delivery.workers.run_once():
        pass
    counted = invoke(app, "replay", "--status", "dead", "--since", "1h", "--dry-run")
    assert json.loads(counted.output) == {"matched": 1, "queued": 0}
    done = invoke(app, "replay", "--status", "dead")
    assert json.loads(done.output)["queued"] == 1
    assert services.delivery.workers.run_once() == "delivered"
    assert invoke(app, "replay").exit_code != 0  # neither ids nor a filter


def test_parse_since():
    assert parse_since("2h", 10_000.0) == 10_000.0 - 7200
    assert parse_since("2026-11-20T08:00:00Z", 0) == 1795161600.0
    with pytest.raises(Exception, match="ISO"):
        parse_since("yesterday", 0)


def test_import_legacy_from_a_folder(app, tmp_path):
    (tmp_path / "processing_prefs.json").write_text(json.dumps({"exclude_keywords": ["pub"]}))
    (tmp_path / "runtime_flags.json").write_text(json.dumps({"gmail_ingress_enabled": False}))
    result = invoke(app, "import-legacy", str(tmp_path))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["written"]) >= {"processing_prefs", "runtime_flags"}
    services = app.extensions["relais"]
    assert services.documents.preferences.get().exclude_keywords == ["pub"]
    assert services.documents.flags.get().gmail_ingress_enabled is False
    assert invoke(app, "import-legacy", str(tmp_path / "empty-nope")).exit_code != 0


def test_replay_by_id_is_audited_and_an_unknown_id_fails(app, sink):
    sink.script("/hook", 500, 200)
    body = app.test_client().post("/api/ingress/gmail", json=old_payload(), headers=auth())
    delivery_id = body.get_json()["deliveries"][0]["id"]
    services = app.extensions["relais"]
    assert services.delivery.workers.run_once() == "dead"
    done = invoke(app, "replay", delivery_id)
    assert (done.exit_code, done.output.strip()) == (0, f"{delivery_id}: queued")
    audit = services.access.audit.entries()
    assert audit[0]["actor"] == "cli" and audit[0]["resource"] == f"delivery:{delivery_id}"
    unknown = invoke(app, "replay", "dlv_nope")
    assert (unknown.exit_code, unknown.output.strip()) == (1, "dlv_nope: not_found")


def test_release_sends_held_mail_now_and_says_why_it_cannot(app, sink):
    services = app.extensions["relais"]
    windows = services.documents.windows
    # A window opening in 2 h and closing an hour later: closed now, whatever the time of day
    # (a window with no end closes at midnight, so late in the evening it would be open).
    start = datetime.fromtimestamp(services.clock(), windows.get().zone) + timedelta(hours=2)
    end = start + timedelta(hours=1)
    spec = WindowSpec(start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))
    windows.save(windows.get().model_copy(update={"window": spec}))
    client = app.test_client()
    body = client.post("/api/ingress/gmail", json=old_payload(subject="Facture"), headers=auth())
    delivery_id = body.get_json()["deliveries"][0]["id"]
    assert services.delivery.queue.get(delivery_id).hold_reason == "window"
    counted = invoke(app, "release", "--status", "held", "--dry-run")
    assert json.loads(counted.output) == {"matched": 1, "released": 0, "skipped": {}}
    done = invoke(app, "release", delivery_id)
    assert (done.exit_code, done.output.strip()) == (0, f"{delivery_id}: released")
    assert services.delivery.workers.run_once() == "delivered"
    again = invoke(app, "release", delivery_id)
    assert (again.exit_code, again.output.strip()) == (1, f"{delivery_id}: not_waiting")
    assert invoke(app, "release").exit_code != 0  # neither ids nor a filter


def test_reroute_parked_mail_once_a_target_exists(make_app, sink, clock):
    bare = make_app(clock=clock)
    client = bare.test_client()
    email_id = client.post("/api/ingress/gmail", json=old_payload(), headers=auth()).get_json()[
        "email_id"
    ]
    preview = invoke(bare, "reroute", "--status", "parked", "--dry-run")
    assert json.loads(preview.output)["emails"][0]["status"] == "parked"
    missing = invoke(bare, "reroute", "nope")
    assert (
        missing.exit_code == 1 and json.loads(missing.output)["emails"][0]["error"] == "not_found"
    )
    services = bare.extensions["relais"]
    target = WebhookTarget(id="make", name="Make", url=sink.url("/m"), secret=TEST_WHSEC)
    services.documents.targets.update(
        lambda doc: TargetList(targets=[target])
    )  # reconciles by itself
    assert services.delivery.workers.run_once() == "delivered"
    again = invoke(bare, "reroute", email_id)
    assert json.loads(again.output)["emails"][0]["kept"][0]["state"] == "delivered"


def test_import_legacy_takes_the_old_dashboards_export_file_and_dry_runs(app, tmp_path):
    exported = {
        "exported_at": "2026-11-30T10:00:00Z",
        "time_window": {
            "success": True,
            "webhooks_time_start": "08:00",
            "webhooks_time_end": "20:00",
        },
        "processing_prefs": {"success": True, "prefs": {"exclude_keywords": ["pub"]}},
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(exported))
    dry = invoke(app, "import-legacy", str(path), "--dry-run")
    assert dry.exit_code == 0 and json.loads(dry.output)["dry_run"] is True
    services = app.extensions["relais"]
    assert services.documents.preferences.get().exclude_keywords == []
    done = json.loads(invoke(app, "import-legacy", str(path)).output)
    assert {"time_windows", "processing_prefs"} <= set(done["written"])
    assert services.documents.windows.get().window.start == "08:00"
    (tmp_path / "broken.json").write_text("{nope")
    broken = invoke(app, "import-legacy", str(tmp_path / "broken.json"))
    assert broken.exit_code != 0 and "not a readable JSON file" in broken.output
