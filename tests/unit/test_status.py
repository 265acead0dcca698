"""The banner and target health, from the current state only."""

from __future__ import annotations

from services.documents.targets import WebhookTarget
from services.operator.status import Facts, Waiting, banner, target_health

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = 1_800_000_000.0


def target(tid="make", **extra):
    return WebhookTarget(
        id=tid, name=tid.title(), url="https://example.com/h", secret=SECRET, **extra
    )


def facts(**changes):
    base = {
        "now": NOW,
        "store_degraded": False,
        "parked": 0,
        "dead": 0,
        "waiting": Waiting(),
        "targets": [],
        "oldest_due_age": 0.0,
        "last_ingress_at": NOW - 60,
    }
    base.update(changes)
    return Facts(**base)


def codes(result):
    return [r["code"] for r in result["reasons"]]


def test_green_only_when_nothing_waits():
    assert banner(facts()) == {
        "level": "green",
        "reasons": [{"code": "all_good", "level": "green", "params": {}}],
    }
    held = facts(waiting=Waiting({"make": {"window": 2}}))
    assert (banner(held)["level"], codes(banner(held))) == ("amber", ["waiting_window"])


def test_dead_letters_are_red_while_they_exist_whatever_their_age():
    assert banner(facts(dead=1))["level"] == "red"


def test_mail_held_for_a_target_switched_off_names_it_in_red():
    off = target(enabled=False, disabled_reason="receiver answered 410 Gone")
    result = banner(
        facts(
            targets=[(off, {"state": "disabled"})],
            waiting=Waiting({"make": {"target_disabled": 3}}),
        )
    )
    assert result["level"] == "red"
    (reason,) = result["reasons"]
    assert reason["params"] == {
        "target": "make",
        "name": "Make",
        "count": 3,
        "why": "receiver answered 410 Gone",
    }


def test_a_target_switched_off_by_hand_with_nothing_waiting_is_not_a_problem():
    off = target(enabled=False)
    assert banner(facts(targets=[(off, {"state": "disabled"})]))["level"] == "green"


def test_one_failing_target_is_named_and_explains_the_retries():
    failing = {"state": "failing", "last_error": "http_503", "last_status_code": 503}
    result = banner(
        facts(targets=[(target("dev"), failing), (target(), {"state": "healthy"})], retrying=2)
    )
    assert codes(result) == ["target_failing"]
    assert result["reasons"][0]["params"]["name"] == "Dev"


def test_parked_mail_and_a_degraded_store_are_red_and_come_first():
    result = banner(facts(parked=2, store_degraded=True, last_ingress_at=None))
    assert result["level"] == "red"
    assert codes(result) == ["store_degraded", "parked", "no_ingress"]


def test_no_persistence_is_flagged():
    assert "no_persistence" in codes(banner(facts(durability="none")))


def test_health_untested_failing_healthy_circuit_disabled():
    assert target_health(target(), {}, {}, NOW)["state"] == "untested"
    failed = {
        "last_attempt_at": str(NOW),
        "last_ok": "0",
        "last_error": "timeout",
        "last_status_code": "",
    }
    assert target_health(target(), failed, {}, NOW)["state"] == "failing"
    ok = {"last_attempt_at": str(NOW), "last_ok": "1", "last_ok_at": str(NOW)}
    assert target_health(target(), ok, {}, NOW)["state"] == "healthy"
    circuit = target_health(target(), failed, {"open_until": NOW + 30}, NOW)
    assert (circuit["state"], circuit["until"]) == ("circuit_open", NOW + 30)
    off = target_health(target(enabled=False, disabled_reason="x"), ok, {}, NOW)
    assert (off["state"], off["reason"]) == ("disabled", "x")
