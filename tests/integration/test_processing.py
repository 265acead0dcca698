"""Detectors, rules, windows, policies and preferences applied to every pushed email."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from email_processing.rules import RuleSet
from services.documents.targets import TargetList, WebhookTarget
from services.documents.time_windows import TimeWindows
from services.errors import Conflict
from tests.conftest import FIXTURES, TEST_WHSEC, auth
from tests.support.clock import FakeClock

PARIS = ZoneInfo("Europe/Paris")
URL = "/api/ingress/gmail"
# Thursday 19 November 2026, 20:00 in Paris (19:00 UTC)
THURSDAY_8PM = datetime(2026, 11, 19, 20, 0, tzinfo=PARIS).timestamp()


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())["payload"]


@pytest.fixture
def clock():
    return FakeClock(THURSDAY_8PM)


@pytest.fixture
def app(make_app, sink, clock):
    return make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC, clock=clock)


@pytest.fixture
def services(app):
    return app.extensions["relais"]


def push(app, payload, **extra):
    resp = app.test_client().post(URL, json={**payload, **extra}, headers=auth())
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def set_window(services, start=None, end=None, **changes):
    doc = TimeWindows(timezone="Europe/Paris", window={"start": start, "end": end}, **changes)
    services.documents.windows.save(doc)


def add_targets(services, sink, *ids, default=False):
    current = services.documents.targets.get().targets
    extra = [
        WebhookTarget(
            id=i, name=i, url=sink.url(f"/{i}"), secret=TEST_WHSEC, options={"default": default}
        )
        for i in ids
    ]
    services.documents.targets.save(TargetList(targets=[*current, *extra]))


def set_rules(services, rules, default_route=None):
    doc = {"rules": rules}
    if default_route:
        doc["default_route"] = default_route
    services.documents.rules.save(RuleSet.model_validate(doc))


def set_prefs(services, **changes):
    current = services.documents.preferences.get().model_dump()
    services.documents.preferences.save(
        type(services.documents.preferences.get()).model_validate({**current, **changes})
    )


def paris(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=PARIS)


# -- detectors and links on every fixture ---------------------------------------------------


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_every_fixture_through_the_ingress(app, clock, path):
    case = json.loads(path.read_text())
    expect = case["expect"]
    body = push(app, case["payload"])
    detector = body["detector"]["detector"] if body.get("detector") else None
    assert detector == expect["detector"]
    assert [
        {"provider": link["provider"], "raw_url": link["raw_url"]} for link in body["links"]
    ] == [{"provider": link["provider"], "raw_url": link["raw_url"]} for link in expect["links"]]
    if expect.get("delivery_time"):
        wanted = expect["delivery_time"]
        if wanted == "now+1h":
            wanted = paris(clock() + 3600).strftime("%Hh%M")
        assert body["detector"]["delivery_time"] == wanted
    if detector is None and not expect["links"]:
        assert (body["status"], body["reason"]) == ("ignored", "no_links")
    else:
        assert body["status"] == "accepted"


def test_stored_email_and_payload_carry_detector_links_and_decision(app, services, sink):
    body = push(app, fixture("recadrage_time_only"))
    stored = services.delivery.queue.load_email(body["email_id"]).meta
    assert stored["analysis"]["detector"]["detector"] == "recadrage"
    assert stored["analysis"]["decision"]["used_default"] is True
    assert stored["analysis"]["links"][0]["direct_url"].endswith("dl=1&rlkey=k9k9k9")
    assert services.delivery.workers.run_once() == "delivered"
    payload = sink.wait_for(1)[0].json()
    assert payload["detector"] == "recadrage"
    assert payload["delivery_time"] == "14h30"
    assert payload["delivery_links"] == stored["analysis"]["links"]
    assert "webhooks_time_start" not in payload  # no window configured


# -- time windows and policies ----------------------------------------------------------------


def test_outside_the_window_plain_mail_is_held_until_it_opens(app, services, sink, clock):
    set_window(services, "09h00", "18:00")
    body = push(app, fixture("plain_wetransfer"))
    (delivery,) = body["deliveries"]
    assert delivery["state"] == "held"
    assert delivery["deliver_at"] == "2026-11-20T08:00:00.000Z"  # Friday 09:00 in Paris
    assert services.delivery.workers.run_once() is None
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=PARIS).timestamp())
    assert services.delivery.workers.run_once() == "delivered"
    payload = sink.wait_for(1)[0].json()
    assert (payload["webhooks_time_start"], payload["webhooks_time_end"]) == ("maintenant", "18:00")


def test_recadrage_outside_the_window_is_skipped(app, services):
    set_window(services, "09h00", "18h00")
    body = push(app, fixture("recadrage_time_only"))
    assert (body["status"], body["reason"], body["deliveries"]) == ("ignored", "outside_window", [])
    assert services.delivery.queue.depth()["scheduled"] == 0


def test_non_urgent_desabo_outside_is_sent_with_the_start_hint(app, services, sink):
    set_window(services, "09h00", "18h00")
    assert push(app, fixture("desabo_plain"))["deliveries"][0]["state"] == "scheduled"
    assert services.delivery.workers.run_once() == "delivered"
    payload = sink.wait_for(1)[0].json()
    assert payload["detector"] == "desabonnement_journee_tarifs"
    assert (payload["webhooks_time_start"], payload["webhooks_time_end"]) == ("09h00", "18h00")


def test_urgent_desabo_outside_is_held(app, services):
    set_window(services, "09h00", "18h00")
    body = push(app, fixture("desabo_dropbox_request_urgent"))
    assert body["deliveries"][0]["state"] == "held"


def test_window_across_midnight_is_open_at_night(app, services, clock):
    set_window(services, "19h00", "07h00")
    assert push(app, fixture("plain_wetransfer"))["deliveries"][0]["state"] == "scheduled"
    clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=PARIS).timestamp())
    body = push(app, fixture("plain_wetransfer"), subject="other")
    assert body["deliveries"][0]["deliver_at"] == "2026-11-20T18:00:00.000Z"


def test_absence_days_follow_the_configured_zone(app, services, clock):
    # 23:30 UTC on Thursday is already Friday 00:30 in Paris: Friday is a day off.
    clock.set(datetime(2026, 11, 19, 23, 30, tzinfo=UTC).timestamp())
    set_window(services, "09h00", "18h00", absence_days=["friday"])
    body = push(app, fixture("desabo_plain"))  # "send anyway" policy: absence still wins
    delivery = body["deliveries"][0]
    assert delivery["state"] == "held"
    assert paris_iso(delivery["deliver_at"]) == "2026-11-21 09:00 Saturday"


def paris_iso(iso: str) -> str:
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(PARIS)
    return moment.strftime("%Y-%m-%d %H:%M %A")


def test_per_target_window_replaces_the_global_one(app, services, sink):
    add_targets(services, sink, "night", default=True)
    set_window(services, "09h00", "18h00", per_target={"night": {"start": "19h00", "end": "23h00"}})
    states = {d["target"]: d["state"] for d in push(app, fixture("plain_wetransfer"))["deliveries"]}
    assert states == {"default": "held", "night": "scheduled"}


def test_policies_are_data_the_operator_can_change(app, services):
    set_window(services, "09h00", "18h00", policies={"recadrage": "hold", "default": "drop"})
    assert push(app, fixture("recadrage_time_only"))["deliveries"][0]["state"] == "held"
    assert push(app, fixture("plain_wetransfer"))["reason"] == "outside_window"


def test_dst_change_is_handled_in_the_zone(make_app, sink):
    # Saturday 28 March 2026, 20:00 CET; the window opens Monday 09:00 CEST (07:00 UTC).
    clock = FakeClock(datetime(2026, 3, 28, 20, 0, tzinfo=PARIS).timestamp())
    app = make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC, clock=clock)
    services = app.extensions["relais"]
    set_window(services, "09h00", "18h00", absence_days=["sunday"])
    body = push(app, fixture("plain_wetransfer"))
    assert body["deliveries"][0]["deliver_at"] == "2026-03-30T07:00:00.000Z"


# -- routing rules ----------------------------------------------------------------------------


def rule(rule_id, conditions, targets, **actions):
    return {
        "id": rule_id,
        "name": rule_id,
        "conditions": conditions,
        "actions": {"targets": targets, **actions},
    }


def test_a_matching_rule_routes_and_stops(app, services, sink):
    add_targets(services, sink, "compta")
    set_rules(
        services,
        [
            rule(
                "invoices",
                [{"field": "subject", "operator": "contains", "value": "FICHIERS"}],
                ["compta"],
            )
        ],
    )
    body = push(app, fixture("plain_wetransfer"))
    assert [d["target"] for d in body["deliveries"]] == ["compta"]
    trace = body["decision"]["trace"]
    assert trace == [{**trace[0], "rule_id": "invoices", "matched": True}]


def test_continue_lets_later_rules_add_targets(app, services, sink):
    add_targets(services, sink, "a", "b")
    set_rules(
        services,
        [
            rule(
                "r1",
                [{"field": "link_provider", "operator": "equals", "value": "wetransfer"}],
                ["a"],
                stop=False,
            ),
            rule(
                "r2",
                [{"field": "sender_domain", "operator": "equals", "value": "wetransfer.com"}],
                ["b"],
            ),
            rule("r3", [{"field": "has_links", "operator": "equals", "value": True}], ["default"]),
        ],
    )
    body = push(app, fixture("plain_wetransfer"))
    assert [d["target"] for d in body["deliveries"]] == ["a", "b"]
    assert [t["matched"] for t in body["decision"]["trace"]] == [True, True, False]
    assert body["decision"]["trace"][2]["skipped"] == "after_stop"


def test_default_route_can_drop(app, services):
    set_rules(services, [], default_route={"action": "drop"})
    body = push(app, fixture("plain_wetransfer"))
    assert (body["status"], body["reason"]) == ("ignored", "default_route_drop")


def test_a_rule_window_policy_overrides_the_default_policy(app, services, sink):
    set_window(services, "09h00", "18h00")
    set_rules(
        services,
        [
            rule(
                "rush",
                [{"field": "subject", "operator": "contains", "value": "fichiers"}],
                ["default"],
                window_policy="send",
            )
        ],
    )
    assert push(app, fixture("plain_wetransfer"))["deliveries"][0]["state"] == "scheduled"


def test_high_priority_deliveries_are_claimed_first(app, services, sink):
    set_rules(
        services,
        [
            rule(
                "vip",
                [{"field": "subject", "operator": "equals", "value": "VIP"}],
                ["default"],
                priority="high",
            )
        ],
    )
    push(app, fixture("plain_wetransfer"), subject="normal one")
    push(app, fixture("plain_wetransfer"), subject="VIP")
    services.delivery.workers.run_once()
    services.delivery.workers.run_once()
    assert [r.json()["subject"] for r in sink.wait_for(2)] == ["VIP", "normal one"]


def test_rules_are_versioned(services):
    first = services.documents.rules.save(RuleSet())
    dropping = RuleSet.model_validate({"default_route": {"action": "drop"}})
    second = services.documents.rules.save(dropping, expected_version=first.version)
    assert second.version == first.version + 1
    with pytest.raises(Conflict):
        services.documents.rules.save(RuleSet(), expected_version=first.version)
    again = services.documents.rules.save(dropping, expected_version=second.version)
    assert again.version == second.version, "a save that changes nothing keeps the version"


def test_a_rule_naming_a_disabled_target_holds_its_delivery_with_a_note(app, services, sink):
    add_targets(services, sink, "off")
    services.documents.targets.disable("off", "operator")
    set_rules(
        services,
        [
            rule(
                "r",
                [{"field": "has_links", "operator": "equals", "value": True}],
                ["off", "default"],
            )
        ],
    )
    body = push(app, fixture("plain_wetransfer"))
    assert [(d["target"], d["state"]) for d in body["deliveries"]] == [
        ("off", "held"),
        ("default", "scheduled"),
    ]
    assert body["deliveries"][0]["hold_reason"] == "target_disabled"
    assert body["notes"] == ["target off: target_disabled; its delivery waits for it"]


# -- preferences: each one changes what happens ----------------------------------------------


def test_exclusion_keywords_ignore_the_email(app, services):
    set_prefs(services, exclude_keywords=["Fichiers"])
    assert push(app, fixture("plain_wetransfer"))["reason"] == "excluded_keyword: Fichiers"


def test_exclusion_keywords_per_detector_apply_to_that_detector_only(app, services):
    set_prefs(services, exclude_keywords_per_detector={"recadrage": ["bonjour"]})
    assert push(app, fixture("recadrage_time_only"))["status"] == "ignored"
    assert push(app, fixture("desabo_plain"))["status"] == "accepted"  # says "Bonjour" too


def test_require_links_off_sends_plain_mail(app, services):
    assert push(app, fixture("plain_no_detector"))["reason"] == "no_links"
    set_prefs(services, require_links=False)
    assert push(app, fixture("plain_no_detector"), subject="again")["status"] == "accepted"


def test_max_email_size_ignores_larger_emails(app, services):
    set_prefs(services, max_email_size_kb=1)
    assert (
        push(app, fixture("plain_wetransfer"), body="<p>" + "x" * 2000 + "https://we.tl/t-a</p>")[
            "reason"
        ]
        == "too_large"
    )
    assert push(app, fixture("plain_wetransfer"), subject="small")["status"] == "accepted"


def test_a_detector_switched_off_never_matches(app, services):
    set_prefs(services, detectors={"recadrage": False, "desabonnement_journee_tarifs": True})
    body = push(app, fixture("recadrage_time_only"))
    assert body["detector"] is None and body["status"] == "accepted"


def test_rate_limit_defers_and_never_drops(app, services, sink, clock):
    set_prefs(services, rate_limit={"per_minute": 2})
    ids = [
        push(app, fixture("plain_wetransfer"), subject=f"s{n}")["deliveries"][0]["id"]
        for n in range(3)
    ]
    assert [services.delivery.workers.run_once() for _ in range(3)] == [
        "delivered",
        "delivered",
        None,
    ]
    records = [services.delivery.queue.get(i) for i in ids]
    assert sorted(r.state for r in records) == ["delivered", "delivered", "held"]
    deferred = next(r for r in records if r.state == "held")
    assert deferred.hold_reason == "rate_limited" and deferred.attempts == 0
    assert deferred.deliver_at == (clock() // 60 + 1) * 60
    clock.set(deferred.deliver_at)
    assert services.delivery.workers.run_once() == "delivered"
    assert len(sink.wait_for(3)) == 3


def test_rate_limit_per_target_overrides_the_default(app, services, sink):
    add_targets(services, sink, "slow", default=True)
    set_prefs(services, rate_limits_per_target={"slow": {"per_hour": 1}})
    for n in range(2):
        push(app, fixture("plain_wetransfer"), subject=f"s{n}")
    outcomes = [services.delivery.workers.run_once() for _ in range(4)]
    assert outcomes.count("delivered") == 3
    assert sorted(r.path for r in sink.requests) == ["/hook", "/hook", "/slow"]


# -- dry run ----------------------------------------------------------------------------------


def test_dry_run_with_a_draft_writes_nothing(app, services, redis_client):
    draft = RuleSet.model_validate(
        {
            "rules": [
                rule(
                    "r",
                    [{"field": "detector", "operator": "equals", "value": "recadrage"}],
                    ["compta"],
                )
            ]
        }
    )
    result = services.operator.lab.test(app_email(fixture("recadrage_time_only")), draft)
    assert result["decision"]["matched_rules"] == ["r"]
    # `compta` does not exist: the email would wait for it, and nothing is written.
    assert result["status"] == "accepted" and result["targets"] == ["compta"]
    assert redis_client.keys("relais:email:*") == []
    assert redis_client.keys("relais:delivery:*") == []


def test_replay_last_lists_decisions_a_draft_would_change(app, services, sink):
    add_targets(services, sink, "compta")
    push(app, fixture("recadrage_time_only"))
    push(app, fixture("plain_wetransfer"))
    draft = RuleSet.model_validate(
        {
            "rules": [
                rule(
                    "r",
                    [{"field": "detector", "operator": "equals", "value": "recadrage"}],
                    ["compta"],
                )
            ]
        }
    )
    report = services.operator.lab.replay_last(10, draft)
    assert (report["evaluated"], report["changed"]) == (2, 1)
    (change,) = report["changes"]
    assert change["before"]["targets"] == ["default"] and change["after"]["targets"] == ["compta"]


def app_email(payload):
    from email_processing.inbound import InboundEmail

    return InboundEmail.model_validate(payload)
