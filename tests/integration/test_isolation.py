"""Per-target isolation: a cap on attempts under way, and a circuit breaker per target."""

from __future__ import annotations

import pytest

from services.delivery.record import State
from services.documents.targets import TargetList, WebhookTarget
from tests.conftest import TEST_WHSEC, auth, old_payload
from tests.support.admin import AdminClient


@pytest.fixture
def app(make_app, sink, clock):
    app = make_app(
        clock=clock,
        retry_schedule=[0, 1, 1, 1, 1, 1, 1, 1],
        circuit_breaker_failures=3,
        circuit_breaker_cooldown_seconds=30,
        target_max_in_flight=1,
    )
    services = app.extensions["relais"]
    services.documents.targets.save(
        TargetList(
            targets=[
                WebhookTarget(id="a", name="A", url=sink.url("/a"), secret=TEST_WHSEC),
                WebhookTarget(id="b", name="B", url=sink.url("/b"), secret=TEST_WHSEC),
            ]
        )
    )
    return app


@pytest.fixture
def services(app):
    return app.extensions["relais"]


def push(app, n):
    resp = app.test_client().post(
        "/api/ingress/gmail", json=old_payload(subject=f"s{n}"), headers=auth()
    )
    return {d["target"]: d["id"] for d in resp.get_json()["deliveries"]}


def claim(services):
    return services.delivery.queue.claim(60, 8, max_in_flight=1).delivery


def test_a_target_at_its_cap_is_skipped_not_moved(app, services):
    first, second = push(app, 1), push(app, 2)
    one = claim(services)
    assert one.target_id in ("a", "b")
    other = claim(services)
    assert other.target_id != one.target_id  # the same target's next delivery waits its turn
    assert claim(services) is None  # both targets busy: nothing else may go
    waiting = {first[one.target_id], second[one.target_id]} - {one.id}
    assert services.delivery.queue.get(waiting.pop()).state == "scheduled"  # left queued, untouched
    services.delivery.queue.complete(one, State.DELIVERED, {"n": 1})
    assert claim(services).target_id == one.target_id


def test_a_failing_target_opens_its_circuit_and_holds_without_attempts(app, services, sink, clock):
    sink.script("/a", 500)
    ids = [push(app, n)["a"] for n in range(5)]
    outcomes = drain(services)
    assert sorted(outcomes) == ["delivered"] * 5 + ["retrying"] * 3  # b unaffected
    held = [services.delivery.queue.get(i) for i in ids]
    circuit_held = [r for r in held if r.hold_reason == "circuit_open"]
    assert circuit_held and all(r.state == "held" for r in circuit_held)
    assert all(r.attempts == 0 for r in circuit_held)  # holding is not an attempt
    open_until = services.delivery.queue.circuits(["a"])["a"]["open_until"]
    assert open_until == pytest.approx(clock() + 30)
    assert sorted({r.path for r in sink.requests}) == ["/a", "/b"]
    attempts_at_a = len([r for r in sink.requests if r.path == "/a"])
    assert attempts_at_a == 3


def drain(services, limit=50):
    outcomes = []
    for _ in range(limit):
        outcome = services.delivery.workers.run_once()
        if outcome is None:
            break
        outcomes.append(outcome)
    return outcomes


def test_half_open_probe_success_closes_the_circuit(app, services, sink, clock):
    sink.script("/a", 500, 500, 500, 200)
    ids = [push(app, n)["a"] for n in range(4)]
    drain(services)
    assert services.delivery.queue.circuits(["a"])["a"]["open_until"] is not None
    clock.advance(30)
    drain(services)
    assert services.delivery.queue.circuits(["a"])["a"] == {"failures": 0, "open_until": None}
    assert {services.delivery.queue.get(i).state for i in ids} == {"delivered"}


def test_half_open_probe_failure_reopens_with_a_longer_cooldown(app, services, sink, clock):
    sink.script("/a", 500)
    for n in range(4):
        push(app, n)
    drain(services)
    clock.advance(30)
    drain(services)  # the probe fails
    assert services.delivery.queue.circuits(["a"])["a"]["open_until"] == pytest.approx(clock() + 60)


def test_only_one_probe_at_a_time_when_half_open(app, services, sink, clock):
    sink.script("/a", 500)
    a_ids = [push(app, n)["a"] for n in range(5)]
    drain(services)
    clock.advance(30)
    probe = services.delivery.queue.claim(60, 8, max_in_flight=10).delivery
    assert probe is not None and probe.target_id == "a"
    assert services.delivery.queue.claim(60, 8, max_in_flight=10).delivery is None
    states = {services.delivery.queue.get(i).hold_reason for i in a_ids if i != probe.id}
    assert states <= {"circuit_probe", "circuit_open", ""}  # deferred, not lost


def test_the_dashboard_sees_the_circuit(app, services, sink):
    sink.script("/a", 500)
    for n in range(3):
        push(app, n)
    drain(services)
    targets = {t["id"]: t for t in AdminClient(app).get("/api/targets").get_json()["items"]}
    assert targets["a"]["circuit"]["open_until"] is not None
    assert targets["b"]["circuit"] == {"failures": 0, "open_until": None}


def test_a_claim_that_finds_only_busy_targets_says_so(app, services):
    assert services.delivery.queue.claim(60, 8, max_in_flight=1).busy is False  # nothing due
    push(app, 1), push(app, 2)
    claim(services), claim(services)  # one delivery of each target under way
    result = services.delivery.queue.claim(60, 8, max_in_flight=1)
    assert result.delivery is None and result.busy is True and result.next_due is None
    assert services.delivery.queue.claim(60, 8, max_in_flight=2).busy is False  # room again


def test_a_worker_waiting_for_a_busy_target_leaves_the_doorbell_alone(app, services):
    """A new email cannot free a slot: the thread waits for the slots' holders to finish
    instead of taking the doorbell and scanning the same waiting deliveries again."""
    push(app, 1), push(app, 2)
    claim(services), claim(services)
    redis, wake = services.redis, services.keys.queue_wake
    rung = redis.llen(wake)
    assert rung > 0  # each accepted delivery rang it
    services.delivery.workers._step(slot=1)
    assert redis.llen(wake) == rung
