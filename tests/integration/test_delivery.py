"""Delivery worker against a real sink: payload, signature, retries, dead, 410, replay, leases."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from services.delivery.record import Completed, State
from services.documents.targets import TargetList, TargetOptions, WebhookTarget
from tests.conftest import TEST_WHSEC, auth, old_payload
from tests.support.sink import Reply

URL = "/api/ingress/gmail"
SCHEDULE = [0, 5, 300, 1800]


@pytest.fixture
def app(make_app, sink, clock):
    return make_app(
        webhook_url=sink.url(), webhook_secret=TEST_WHSEC, clock=clock, retry_schedule=SCHEDULE
    )


@pytest.fixture
def services(app):
    return app.extensions["relais"]


def push(app, **changes):
    resp = app.test_client().post(URL, json=old_payload(**changes), headers=auth())
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def record(services, delivery_id):
    return services.delivery.queue.get(delivery_id)


def test_delivered_payload_has_every_old_field_and_ours(app, services, sink):
    accepted = push(app, gmail_message_id="gm1", labels=["INBOX"])
    assert services.delivery.workers.run_once() == "delivered"
    (req,) = sink.wait_for(1)
    body = req.json()
    old = old_payload()
    assert body == {
        "microsoft_graph_email_id": "gm1",
        "subject": old["subject"],
        "receivedDateTime": old["date"],
        "sender_address": old["sender"],
        "bodyPreview": old["body"][:200],
        "email_content": old["body"],
        "source": "gmail_push",
        "sender_email": "planning@media-solution.example",
        "email_id": "gm1",
        "event": "email.routed",
        "target": "default",
        "detector": "recadrage",
        "delivery_time": "14h30",
        "delivery_links": [
            {
                "provider": "dropbox",
                "raw_url": "https://www.dropbox.com/scl/fo/abc123/AAAxyz?rlkey=k9&dl=0",
                "direct_url": "https://www.dropbox.com/scl/fo/abc123/AAAxyz?dl=1&rlkey=k9",
            }
        ],
        "gmail_message_id": "gm1",
        "labels": ["INBOX"],
    }
    assert record(services, accepted["deliveries"][0]["id"]).state == "delivered"


def test_signature_verifies_with_standardwebhooks(app, services, sink):
    push(app)
    services.delivery.workers.run_once()
    (req,) = sink.wait_for(1)
    assert req.headers["webhook-id"].startswith("msg_")
    assert req.headers["user-agent"].startswith("Relais/")
    assert req.headers["content-type"] == "application/json"
    assert Webhook(TEST_WHSEC).verify(req.body, req.headers)["email_id"]


def test_webhook_id_is_stable_per_email_and_target(app, services, sink):
    flags = services.documents.flags
    flags.save(flags.get().model_copy(update={"disable_email_id_dedup": True}))
    push(app)
    push(app)
    services.delivery.workers.run_once()
    services.delivery.workers.run_once()
    first, second = sink.wait_for(2)
    assert first.webhook_id == second.webhook_id
    assert push(app, subject="other")["email_id"] != first.json()["email_id"]
    services.delivery.workers.run_once()
    assert sink.wait_for(3)[2].webhook_id != first.webhook_id


def test_retries_follow_the_schedule_then_deliver(app, services, sink, clock):
    sink.script("/hook", 500, 503, 200)
    delivery_id = push(app)["deliveries"][0]["id"]
    start = clock()
    assert services.delivery.workers.run_once() == "retrying"
    assert record(services, delivery_id).deliver_at == pytest.approx(start + 5)
    assert services.delivery.workers.run_once() is None  # not due yet
    clock.advance(5)
    assert services.delivery.workers.run_once() == "retrying"
    assert record(services, delivery_id).deliver_at == pytest.approx(start + 5 + 300)
    clock.advance(300)
    assert services.delivery.workers.run_once() == "delivered"
    attempts = services.delivery.queue.attempts(delivery_id)
    assert [a["status_code"] for a in attempts] == [500, 503, 200]
    assert [a["outcome"] for a in attempts] == ["retrying", "retrying", "delivered"]
    assert len({r.webhook_id for r in sink.wait_for(3)}) == 1


def test_jitter_spreads_retries_within_bounds(make_app, sink, clock):
    app = make_app(
        webhook_url=sink.url(),
        webhook_secret=TEST_WHSEC,
        clock=clock,
        retry_jitter=0.2,
        retry_schedule=[0, 100, 100],
        circuit_breaker_failures=100,  # eight failures in a row: keep the breaker out of it
    )
    services = app.extensions["relais"]
    sink.script("/hook", 500)
    delays = set()
    for n in range(8):
        delivery_id = push(app, subject=f"s{n}")["deliveries"][0]["id"]
        services.delivery.workers.run_once()
        delays.add(round(record(services, delivery_id).deliver_at - clock(), 3))
    assert all(80 <= d <= 120 for d in delays)
    assert len(delays) > 1


def test_dead_after_the_last_attempt(app, services, sink, clock):
    sink.script("/hook", 500)
    delivery_id = push(app)["deliveries"][0]["id"]
    outcomes = []
    for _ in SCHEDULE:
        outcomes.append(services.delivery.workers.run_once())
        clock.advance(3600)
    assert outcomes == ["retrying", "retrying", "retrying", "dead"]
    rec = record(services, delivery_id)
    assert rec.state == "dead"
    assert rec.last_status_code == "500"
    assert services.delivery.queue.depth()["dead"] == 1
    assert services.delivery.workers.run_once() is None


def test_retry_after_is_honoured(app, services, sink, clock):
    sink.script("/hook", Reply(status=429, headers={"Retry-After": "120"}), 200)
    delivery_id = push(app)["deliveries"][0]["id"]
    assert services.delivery.workers.run_once() == "retrying"
    assert record(services, delivery_id).deliver_at == pytest.approx(clock() + 120)
    clock.advance(119)
    assert services.delivery.workers.run_once() is None
    clock.advance(1)
    assert services.delivery.workers.run_once() == "delivered"


def test_410_holds_the_delivery_and_disables_the_target(app, services, sink, clock):
    sink.script("/hook", 410)
    first = push(app, subject="a")["deliveries"][0]["id"]
    assert services.delivery.workers.run_once() == "held"
    target = services.documents.targets.find("default")
    assert target.enabled is False and "410" in target.disabled_reason
    held = record(services, first)
    assert (held.state, held.hold_reason, held.last_error) == (
        "held",
        "target_disabled",
        "gone",
    )
    # Emails accepted meanwhile wait for the target too, not sent to it.
    later = push(app, subject="b")
    assert later["status"] == "accepted"
    assert later["deliveries"][0]["hold_reason"] == "target_disabled"
    assert services.delivery.workers.run_once() is None


def test_delivery_to_a_target_disabled_after_acceptance_waits_unsent(app, services, sink):
    delivery_id = push(app)["deliveries"][0]["id"]
    services.documents.targets.disable("default", "operator")
    assert services.delivery.workers.run_once() is None
    rec = record(services, delivery_id)
    assert (rec.state, rec.hold_reason, rec.total_attempts) == (
        "held",
        "target_disabled",
        0,
    )
    assert sink.requests == []


def test_read_timeout_is_retried(app, services, sink):
    prefs = services.documents.preferences
    prefs.save(prefs.get().model_copy(update={"webhook_timeout_sec": 0.2}))
    sink.script("/hook", Reply(delay=1.0), 200)
    delivery_id = push(app)["deliveries"][0]["id"]
    assert services.delivery.workers.run_once() == "retrying"
    assert services.delivery.queue.attempts(delivery_id)[0]["error"] == "timeout"


def test_connection_refused_is_retried(make_app, clock):
    app = make_app(webhook_url="http://127.0.0.1:9/hook", webhook_secret=TEST_WHSEC, clock=clock)
    services = app.extensions["relais"]
    delivery_id = push(app)["deliveries"][0]["id"]
    assert services.delivery.workers.run_once() == "retrying"
    assert services.delivery.queue.attempts(delivery_id)[0]["error"] == "connection_error"


def test_redirects_are_not_followed(app, services, sink):
    sink.script("/hook", Reply(status=302, headers={"Location": sink.url("/elsewhere")}))
    push(app)
    assert services.delivery.workers.run_once() == "retrying"
    assert [r.path for r in sink.wait_for(1)] == ["/hook"]


def save_targets(services, *targets):
    services.documents.targets.save(TargetList(targets=list(targets)))


def test_success_json_can_be_required(make_app, sink, clock):
    app = make_app(clock=clock)
    services = app.extensions["relais"]
    save_targets(
        services,
        WebhookTarget(
            id="make",
            name="Make",
            url=sink.url("/make"),
            secret=TEST_WHSEC,
            options=TargetOptions(require_success_json=True),
        ),
    )
    sink.script("/make", Reply(body=b"Accepted"), Reply(body=b'{"success": false}'), Reply())
    push(app)
    outcomes = [services.delivery.workers.run_once()]
    for _ in range(2):
        clock.advance(3600)
        outcomes.append(services.delivery.workers.run_once())
    assert outcomes == ["retrying", "retrying", "delivered"]


def test_static_headers_are_sent_and_masked_in_records(make_app, sink, clock):
    app = make_app(clock=clock)
    services = app.extensions["relais"]
    save_targets(
        services,
        WebhookTarget(
            id="n8n",
            name="n8n",
            url=sink.url("/n8n"),
            secret=TEST_WHSEC,
            options=TargetOptions(headers={"X-Api-Key": "sekret-key-1"}),
        ),
    )
    delivery_id = push(app)["deliveries"][0]["id"]
    services.delivery.workers.run_once()
    assert sink.wait_for(1)[0].headers["x-api-key"] == "sekret-key-1"
    recorded = services.delivery.queue.attempts(delivery_id)[0]["request_headers"]
    assert recorded["X-Api-Key"] == "***"
    assert recorded["webhook-id"].startswith("msg_")


def test_every_default_target_gets_its_own_signed_delivery(make_app, sink, clock):
    app = make_app(clock=clock)
    services = app.extensions["relais"]
    other_secret = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
    save_targets(
        services,
        WebhookTarget(id="a", name="A", url=sink.url("/a"), secret=TEST_WHSEC),
        WebhookTarget(id="b", name="B", url=sink.url("/b"), secret=other_secret),
        WebhookTarget(id="c", name="C", url=sink.url("/c"), secret=TEST_WHSEC, enabled=False),
        WebhookTarget(
            id="d",
            name="D",
            url=sink.url("/d"),
            secret=TEST_WHSEC,
            options=TargetOptions(default=False),
        ),
    )
    deliveries = push(app)["deliveries"]
    assert [d["target"] for d in deliveries] == ["a", "b", "c"]
    assert deliveries[2]["hold_reason"] == "target_disabled"  # waits for C to be switched on
    services.delivery.workers.run_once()
    services.delivery.workers.run_once()
    assert services.delivery.workers.run_once() is None
    by_path = {r.path: r for r in sink.wait_for(2)}
    Webhook(TEST_WHSEC).verify(by_path["/a"].body, by_path["/a"].headers)
    Webhook(other_secret).verify(by_path["/b"].body, by_path["/b"].headers)
    assert by_path["/a"].webhook_id != by_path["/b"].webhook_id


def test_replay_requeues_dead_and_delivered_with_the_same_webhook_id(app, services, sink, clock):
    sink.script("/hook", 500, 500, 500, 500, 200)
    delivery_id = push(app)["deliveries"][0]["id"]
    for _ in SCHEDULE:
        services.delivery.workers.run_once()
        clock.advance(3600)
    assert record(services, delivery_id).state == "dead"
    assert services.delivery.queue.replay(delivery_id) == "queued"
    assert services.delivery.queue.depth()["dead"] == 0
    assert services.delivery.workers.run_once() == "delivered"
    assert services.delivery.queue.replay(delivery_id) == "queued"
    assert services.delivery.workers.run_once() == "delivered"
    received = sink.wait_for(6)
    assert len({r.webhook_id for r in received}) == 1
    rec = record(services, delivery_id)
    assert rec.replays == 2 and rec.total_attempts == 6


@pytest.mark.parametrize("state_setup", ["missing", "scheduled"])
def test_replay_refuses_what_is_not_finished(app, services, state_setup):
    delivery_id = "dlv_nope" if state_setup == "missing" else push(app)["deliveries"][0]["id"]
    assert services.delivery.queue.replay(delivery_id) == (
        "missing" if state_setup == "missing" else "not_finished"
    )


def test_expired_lease_puts_the_delivery_back(app, services, sink, clock):
    delivery_id = push(app)["deliveries"][0]["id"]
    crashed = services.delivery.queue.claim(lease_seconds=60, max_attempts=4).delivery
    assert crashed.id == delivery_id
    assert services.delivery.queue.claim(60, 4).delivery is None  # leased, not due
    clock.advance(61)
    assert services.delivery.workers.run_once() == "delivered"
    rec = record(services, delivery_id)
    assert rec.attempts == 2
    assert services.delivery.queue.attempts(delivery_id)[0]["error"] == "lease_expired"
    # The crashed worker's late completion is refused: its lease is gone.
    lost = services.delivery.queue.complete(crashed, State.DELIVERED, {"n": 1})
    assert lost == Completed.LEASE_LOST


def test_release_gives_the_lease_back_without_counting_an_attempt(app, services):
    delivery_id = push(app)["deliveries"][0]["id"]
    claimed = services.delivery.queue.claim(60, 4).delivery
    assert services.delivery.queue.release(claimed) is True
    rec = record(services, delivery_id)
    assert (rec.state, rec.attempts) == ("scheduled", 0)
    assert services.delivery.queue.claim(60, 4).delivery.id == delivery_id


def test_private_target_is_refused_when_not_allowed(make_app, sink, clock):
    app = make_app(
        webhook_url=sink.url(), webhook_secret=TEST_WHSEC, clock=clock, allow_private_targets=False
    )
    services = app.extensions["relais"]
    delivery_id = push(app)["deliveries"][0]["id"]
    assert services.delivery.workers.run_once() == "dead"
    assert record(services, delivery_id).last_error == "invalid_url"
    assert sink.requests == []


def test_the_claim_reads_the_email_with_its_delivery(app, services):
    accepted = push(app, gmail_message_id="gm-claim")
    claimed = services.delivery.queue.claim(60, 8).delivery
    assert claimed.id == accepted["deliveries"][0]["id"]
    assert claimed.email == services.delivery.queue.load_email("gm-claim")
    assert claimed.email.body == old_payload()["body"]


def test_an_email_gone_before_its_attempt_is_dead_letter_not_sent(app, services, sink):
    accepted = push(app, gmail_message_id="gm-gone")
    services.redis.delete(services.keys.email("gm-gone"))  # past its retention
    assert services.delivery.workers.run_once() == "dead"
    gone = record(services, accepted["deliveries"][0]["id"])
    assert gone.state == "dead" and gone.last_error == "email_expired"
    assert sink.requests == []
