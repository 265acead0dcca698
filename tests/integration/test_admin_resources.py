"""The admin resources: targets, versioned documents, emails, deliveries, config, audit, stats."""

from __future__ import annotations

import json
import logging

import pytest
from standardwebhooks.webhooks import Webhook

from tests.conftest import FIXTURES, TEST_PASSWORD, TEST_TOKEN, TEST_WHSEC, auth
from tests.support.admin import AdminClient

INGRESS = "/api/ingress/gmail"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())["payload"]


@pytest.fixture
def app(make_app, sink, clock):
    return make_app(clock=clock)


@pytest.fixture
def admin(app):
    return AdminClient(app)


def create_target(admin, sink, name="Make", path="/make", **extra):
    resp = admin.post("/api/targets", json={"name": name, "url": sink.url(path), **extra})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def push(app, payload, **extra):
    resp = app.test_client().post(INGRESS, json={**payload, **extra}, headers=auth())
    assert resp.status_code == 200
    return resp.get_json()


# -- targets ----------------------------------------------------------------------------------


def test_target_secret_is_shown_once_then_masked(admin, sink):
    created = create_target(admin, sink)
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert created["target"]["id"] == "make"
    listed = admin.get("/api/targets").get_data(as_text=True)
    single = admin.get("/api/targets/make").get_data(as_text=True)
    for text in (listed, single):
        assert secret not in text and secret[6:] not in text
    assert admin.get("/api/targets/make").get_json()["secret_hint"] == "whsec_…" + secret[-4:]


def test_make_shorthand_and_url_rules(make_app, sink):
    admin = AdminClient(make_app(allow_private_targets=False))
    short = admin.post(
        "/api/targets", json={"name": "Make", "url": "abcdef123456@hook.eu2.make.com"}
    )
    assert short.status_code == 201
    assert short.get_json()["target"]["url"] == "https://hook.eu2.make.com/abcdef123456"
    for url in (
        "http://hook.example.com/x",
        "https://127.0.0.1/x",
        "https://localhost/x",
        "ftp://x",
    ):
        resp = admin.post("/api/targets", json={"name": "bad", "url": url})
        assert resp.status_code == 422, url
        assert url not in resp.get_data(as_text=True)


def test_duplicate_target_id_is_409(admin, sink):
    create_target(admin, sink, id="ops")
    again = admin.post("/api/targets", json={"id": "ops", "name": "x", "url": sink.url()})
    assert again.status_code == 409


def test_patch_disable_enable_and_delete(admin, sink):
    create_target(admin, sink)
    assert admin.patch("/api/targets/make", json={"enabled": False}).get_json()["enabled"] is False
    patched = admin.patch("/api/targets/make", json={"name": "Make EU", "enabled": True})
    assert patched.get_json()["name"] == "Make EU" and patched.get_json()["enabled"] is True
    assert admin.delete("/api/targets/make").status_code == 200
    assert admin.get("/api/targets/make").status_code == 404


def test_env_target_url_and_secret_belong_to_the_environment(make_app, sink):
    admin = AdminClient(make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC))
    target = admin.get("/api/targets/default").get_json()
    assert target["managed_by_env"] is True
    assert admin.patch("/api/targets/default", json={"url": sink.url("/x")}).status_code == 409
    assert admin.delete("/api/targets/default").status_code == 409
    assert admin.patch("/api/targets/default", json={"name": "Main"}).status_code == 200


def test_rotation_signs_with_old_and_new_secrets_for_24_hours(app, admin, sink, clock):
    old = create_target(admin, sink, options={"default": True})["secret"]
    rotated = admin.post("/api/targets/make/rotate_secret").get_json()
    new = rotated["secret"]
    assert new != old and rotated["target"]["rotation_until"] == pytest.approx(clock() + 86400)
    push(app, fixture("plain_wetransfer"))
    app.extensions["relais"].delivery.workers.run_once()
    req = sink.wait_for(1)[0]
    assert len(req.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(req.body, req.headers)
    Webhook(new).verify(req.body, req.headers)
    clock.advance(86401)
    later = AdminClient(app)  # the first session has outlived its 24 hours too
    assert later.get("/api/targets/make").get_json()["rotation_until"] is None


def test_test_send_preview_and_real_send(admin, sink):
    secret = create_target(admin, sink, options={"headers": {"X-Api-Key": "k-123456"}})["secret"]
    preview = admin.post("/api/targets/make/test", json={"mode": "preview"}).get_json()
    assert preview["request"]["headers"]["X-Api-Key"] == "***"
    assert preview["request"]["headers"]["webhook-signature"].startswith("v1,")
    assert preview["request"]["body"]["event"] == "relais.test"
    assert sink.requests == []
    sent = admin.post("/api/targets/make/test", json={"mode": "send"}).get_json()
    assert sent["result"]["ok"] is True and sent["result"]["status_code"] == 200
    req = sink.wait_for(1)[0]
    assert Webhook(secret).verify(req.body, req.headers)["event"] == "relais.test"
    assert secret not in json.dumps([preview, sent])


# -- versioned documents ------------------------------------------------------------------------


def test_rules_put_with_a_stale_version_is_409(admin, sink):
    create_target(admin, sink)
    doc = admin.get("/api/routing_rules").get_json()
    rules = {
        "rules": [
            {
                "id": "r1",
                "name": "wetransfer",
                "conditions": [
                    {"field": "link_provider", "operator": "equals", "value": "wetransfer"}
                ],
                "actions": {"targets": ["make"]},
            }
        ]
    }
    first = admin.put("/api/routing_rules", json={"version": doc["version"], "document": rules})
    assert first.status_code == 200 and first.get_json()["version"] == doc["version"] + 1
    stale = admin.put("/api/routing_rules", json={"version": doc["version"], "document": rules})
    assert stale.status_code == 409 and stale.get_json()["error"] == "conflict"


def test_invalid_regex_is_422_naming_rule_and_condition_without_echo(admin, sink):
    create_target(admin, sink)
    pattern = "secret(unclosed"
    rules = {
        "rules": [
            {
                "id": "bad-one",
                "name": "Broken",
                "conditions": [
                    {"field": "subject", "operator": "contains", "value": "x"},
                    {"field": "body", "operator": "regex", "value": pattern},
                ],
                "actions": {"targets": ["make"]},
            }
        ]
    }
    resp = admin.put("/api/routing_rules", json={"document": rules})
    assert resp.status_code == 422
    text = resp.get_data(as_text=True)
    assert "bad-one" in text and "condition 1" in text
    assert pattern not in text


def test_rules_naming_an_unknown_target_are_422(admin):
    rules = {
        "rules": [
            {
                "id": "r",
                "conditions": [{"field": "subject", "operator": "contains", "value": "x"}],
                "actions": {"targets": ["ghost"]},
            }
        ]
    }
    resp = admin.put("/api/routing_rules", json={"document": rules})
    assert resp.status_code == 422 and "ghost" in resp.get_json()["message"]


def test_dry_run_through_the_api(app, admin, sink):
    create_target(admin, sink)
    push(app, fixture("plain_wetransfer"))
    draft = {
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
    one = admin.post(
        "/api/routing_rules/test", json={"email": fixture("plain_wetransfer"), "rules": draft}
    )
    assert one.status_code == 200 and one.get_json()["decision"]["matched_rules"] == ["r"]
    replay = admin.post(
        "/api/routing_rules/test", json={"replay_last": 5, "rules": draft}
    ).get_json()
    assert replay["evaluated"] == 1
    assert admin.post("/api/routing_rules/test", json={}).status_code == 422


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("/api/runtime_flags", {"gmail_ingress_enabled": False}),
        ("/api/preferences", {"require_links": False}),
        ("/api/time_windows", {"window": {"start": "09h00", "end": "18:00"}}),
    ],
)
def test_documents_read_and_write_with_versions(admin, path, change):
    doc = admin.get(path).get_json()
    updated = {**doc["document"], **change}
    resp = admin.put(path, json={"version": doc["version"], "document": updated})
    assert resp.status_code == 200
    assert admin.get(path).get_json()["document"] == {**updated, **resp.get_json()["document"]}
    assert admin.put(path, json={"version": doc["version"], "document": updated}).status_code == 409


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ("/api/time_windows", {"timezone": "Mars/Base", "window": {}}),
        ("/api/time_windows", {"timezone": "Europe/Paris", "window": {"start": "25h99"}}),
        ("/api/preferences", {"retry_schedule": [], "webhook_timeout_sec": 5}),
        ("/api/runtime_flags", {"unknown_flag": True}),
    ],
)
def test_invalid_documents_are_422(admin, path, bad):
    assert admin.put(path, json={"document": bad}).status_code == 422


def test_time_windows_answer_the_status_now(admin):
    status = admin.get("/api/time_windows").get_json()["status"]
    assert status["open"] is True and status["next_opening"] is None


# -- emails and deliveries -------------------------------------------------------------------------


@pytest.fixture
def traffic(app, admin, sink, clock):
    """Three emails: two delivered to `make`, one dead at `broken`."""
    create_target(admin, sink, options={"default": True})
    create_target(admin, sink, name="Broken", path="/broken", options={"default": False})
    sink.script("/broken", 500)
    rules = {
        "rules": [
            {
                "id": "desabo",
                "conditions": [
                    {
                        "field": "detector",
                        "operator": "equals",
                        "value": "desabonnement_journee_tarifs",
                    }
                ],
                "actions": {"targets": ["broken"]},
            }
        ]
    }
    assert admin.put("/api/routing_rules", json={"document": rules}).status_code == 200
    prefs = admin.get("/api/preferences").get_json()
    prefs["document"]["retry_schedule"] = [0]
    assert admin.put("/api/preferences", json=prefs).status_code == 200
    push(app, fixture("plain_wetransfer"))
    push(app, fixture("recadrage_time_only"))
    push(app, fixture("desabo_plain"))
    services = app.extensions["relais"]
    while services.delivery.workers.run_once():
        pass
    return services


def test_emails_list_search_and_detail(admin, traffic):
    listed = admin.get("/api/emails").get_json()["items"]
    assert len(listed) == 3 and all("body" not in e for e in listed)
    found = admin.get("/api/emails", query_string={"sender": "wetransfer"}).get_json()["items"]
    assert [e["subject"] for e in found] == ["Vos fichiers"]
    email_id = found[0]["email_id"]
    detail = admin.get(f"/api/emails/{email_id}").get_json()
    assert "body" not in detail and detail["analysis"]["links"]
    assert detail["deliveries"][0]["state"] == "delivered"
    with_body = admin.get(f"/api/emails/{email_id}", query_string={"include_body": "true"})
    assert "we.tl" in with_body.get_json()["body"]
    assert admin.get("/api/emails/nope").status_code == 404


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({}, 3),
        ({"status": "dead"}, 1),
        ({"status": "delivered"}, 2),
        ({"target": "broken"}, 1),
        ({"rule": "desabo"}, 1),
        ({"detector": "recadrage"}, 1),
        ({"since": 0, "until": 1}, 0),
        ({"limit": 2}, 2),
    ],
)
def test_delivery_filters(admin, traffic, query, count):
    resp = admin.get("/api/deliveries", query_string=query)
    assert resp.status_code == 200
    assert len(resp.get_json()["items"]) == count


def test_delivery_pages_do_not_overlap(admin, traffic):
    first = admin.get("/api/deliveries", query_string={"limit": 2}).get_json()
    second = admin.get(
        "/api/deliveries", query_string={"limit": 2, "offset": first["next_offset"]}
    ).get_json()
    ids = [d["id"] for d in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 3 and second["next_offset"] is None


def test_bad_filters_are_422(admin):
    assert admin.get("/api/deliveries", query_string={"status": "lost"}).status_code == 422
    assert admin.get("/api/deliveries", query_string={"limit": 10_000}).status_code == 422
    assert admin.get("/api/deliveries", query_string={"colour": "red"}).status_code == 422


def test_delivery_detail_has_every_attempt_without_secrets(admin, traffic):
    (dead,) = admin.get("/api/deliveries", query_string={"status": "dead"}).get_json()["items"]
    detail = admin.get(f"/api/deliveries/{dead['id']}").get_json()
    (attempt,) = detail["attempts_log"]
    assert attempt["status_code"] == 500 and attempt["outcome"] == "dead"
    assert attempt["request_headers"]["webhook-id"] == detail["webhook_id"]


def test_replay_one_and_replay_many_by_filter(app, admin, sink, traffic):
    (dead,) = admin.get("/api/deliveries", query_string={"status": "dead"}).get_json()["items"]
    sink.script("/broken", 200)
    assert admin.post(f"/api/deliveries/{dead['id']}/replay").get_json() == {"outcome": "queued"}
    assert admin.post(f"/api/deliveries/{dead['id']}/replay").status_code == 409  # queued already
    assert traffic.delivery.workers.run_once() == "delivered"
    count = admin.post(
        "/api/deliveries/replay", json={"target": "make", "dry_run": True}
    ).get_json()
    assert count == {"matched": 2, "queued": 0}
    assert sink.requests and len(sink.requests) == 4  # nothing re-sent by the dry run
    done = admin.post("/api/deliveries/replay", json={"target": "make"}).get_json()
    assert done == {"matched": 2, "queued": 2, "skipped": 0}
    assert admin.post("/api/deliveries/nope/replay").status_code == 404


# -- config, audit, stats --------------------------------------------------------------


def test_export_import_round_trip(make_app, admin, sink):
    secret = create_target(admin, sink, options={"headers": {"X-Key": "v-1"}})["secret"]
    prefs = admin.get("/api/preferences").get_json()
    prefs["document"]["exclude_keywords"] = ["spam"]
    admin.put("/api/preferences", json=prefs)
    exported = admin.get("/api/config/export").get_json()
    text = json.dumps(exported)
    assert secret not in text and "v-1" not in text
    # Into a fresh instance (same Redis flushed by nothing: use another prefix)
    other = AdminClient(make_app(redis_key_prefix="other:"))
    report = other.post("/api/config/import", json=exported).get_json()
    assert "webhook_targets" in report["written"]
    assert set(report["generated_secrets"]) == {"make"}
    assert other.get("/api/preferences").get_json()["document"]["exclude_keywords"] == ["spam"]
    with_secrets = admin.get(
        "/api/config/export", query_string={"include_secrets": "true"}
    ).get_json()
    assert secret in json.dumps(with_secrets)
    # Re-importing our own export keeps the current secret and header values.
    report = admin.post("/api/config/import", json=exported).get_json()
    assert report["generated_secrets"] == {}


def test_legacy_import_maps_and_reports(admin):
    legacy = {
        "webhook_config": {
            "webhook_url": "tok123456789@hook.eu2.make.com",
            "webhook_ssl_verify": True,
            "webhook_sending_enabled": True,
            "webhook_time_start": "09h00",
            "webhook_time_end": "18h00",
            "absence_pause_enabled": True,
            "absence_pause_days": ["sunday"],
        },
        "routing_rules": {
            "rules": [
                {
                    "id": "1",
                    "name": "Factures",
                    "conditions": [
                        {
                            "field": "subject",
                            "operator": "contains",
                            "value": "facture",
                            "case_sensitive": False,
                        }
                    ],
                    "actions": {
                        "webhook_url": "https://hook.eu2.make.com/compta",
                        "priority": "high",
                        "stop_processing": True,
                    },
                }
            ]
        },
        "processing_prefs": {
            "exclude_keywords": ["newsletter"],
            "retry_count": 3,
            "retry_delay_sec": 60,
            "webhook_timeout_sec": 30,
            "rate_limit_per_hour": 100,
            "mystery": 1,
        },
        "runtime_flags": {
            "gmail_ingress_enabled": True,
            "allow_custom_webhook_without_links": True,
            "disable_email_id_dedup": False,
        },
    }
    report = admin.post("/api/config/import", json=legacy).get_json()
    assert set(report["written"]) >= {
        "webhook_targets",
        "routing_rules",
        "processing_prefs",
        "time_windows",
        "runtime_flags",
    }
    skipped = {item["field"]: item for item in report["not_mapped"]}
    assert skipped["processing_prefs.mystery"]["note"] == "unknown_field"
    assert skipped["webhook_config.webhook_ssl_verify"]["note"] == "always_verified"
    # The old router never enforced its rate limit: not applied, and said so.
    assert skipped["processing_prefs.rate_limit_per_hour"]["note"] == "never_enforced"
    targets = {t["url"]: t for t in admin.get("/api/targets").get_json()["items"]}
    assert targets["https://hook.eu2.make.com/tok123456789"]["options"]["default"] is True
    rules = admin.get("/api/routing_rules").get_json()["document"]["rules"]
    assert rules[0]["actions"]["targets"] == [targets["https://hook.eu2.make.com/compta"]["id"]]
    assert rules[0]["actions"]["priority"] == "high"
    prefs = admin.get("/api/preferences").get_json()["document"]
    assert prefs["retry_schedule"] == [0, 60, 60, 60] and prefs["require_links"] is False
    assert prefs["rate_limit"] == {"per_minute": None, "per_hour": None}
    windows = admin.get("/api/time_windows").get_json()["document"]
    assert windows["window"] == {"start": "09h00", "end": "18h00"} and windows["absence_days"] == [
        "sunday"
    ]


def test_import_of_garbage_is_422_and_writes_nothing(admin):
    assert admin.post("/api/config/import", json={"hello": 1}).status_code == 422
    bad = {"format": "relais-config", "documents": {"processing_prefs": {"retry_schedule": "x"}}}
    assert admin.post("/api/config/import", json=bad).status_code == 422
    assert admin.get("/api/preferences").get_json()["version"] == 0


def test_audit_log_records_changes_with_secrets_masked(admin, sink):
    secret = create_target(admin, sink, options={"headers": {"X-Key": "hidden-1"}})["secret"]
    admin.patch("/api/targets/make", json={"enabled": False})
    entries = admin.get("/api/audit").get_json()["items"]
    text = json.dumps(entries)
    assert secret not in text and "hidden-1" not in text
    change = entries[0]
    assert change["actor"] == "admin" and change["resource"].startswith("webhook_targets@")
    assert {"path": "targets.0.enabled", "old": True, "new": False} in change["changes"]
    assert any(e["action"] == "login" for e in entries)


def test_stats_for_the_dashboard(admin, traffic):
    stats = admin.get("/api/stats").get_json()
    assert len(stats["hours"]) == 168
    assert stats["last_24h"]["delivered"] == 2 and stats["last_24h"]["dead"] == 1
    assert stats["per_target"]["broken"] == {"delivered": 0, "retrying": 0, "dead": 1}
    assert stats["success_rate_24h"] == pytest.approx(2 / 3, abs=1e-3)
    assert stats["last_ingress_at"] is not None and stats["store"] == "ok"
    assert stats["states"]["dead"] == 1


def test_no_secret_in_any_response_or_log(app, admin, sink, caplog, traffic):
    caplog.set_level(logging.DEBUG)
    secret = create_target(admin, sink, name="Leak", path="/leak")["secret"]
    bodies = [
        admin.get(path).get_data(as_text=True)
        for path in (
            "/api/targets",
            "/api/targets/leak",
            "/api/audit",
            "/api/config/export",
            "/api/deliveries",
            "/api/stats",
            "/api/emails",
        )
    ]
    bodies.append(
        admin.post("/api/targets/leak/test", json={"mode": "preview"}).get_data(as_text=True)
    )
    logs = caplog.text
    for value in (secret, TEST_TOKEN, TEST_PASSWORD, admin.csrf):
        assert all(value not in body for body in bodies)
        assert value not in logs
