"""The WEBHOOK_URL target's secrets: WEBHOOK_SECRET_PREVIOUS overlaps, the API rotates it."""

from __future__ import annotations

from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.conftest import TEST_WHSEC, auth, old_payload
from tests.support.admin import AdminClient

OLD_WHSEC = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="


def deliver_one(app, sink, subject):
    app.test_client().post("/api/ingress/gmail", json=old_payload(subject=subject), headers=auth())
    assert app.extensions["relais"].delivery.workers.run_once() == "delivered"
    return sink.requests[-1]


def signed(secret, request):
    """The signature `secret` gives this request (whatever its timestamp's age)."""
    moment = datetime.fromtimestamp(int(request.headers["webhook-timestamp"]), tz=UTC)
    return Webhook(secret).sign(request.webhook_id, moment, request.body.decode())


def verifies(secret, request):
    try:
        Webhook(secret).verify(request.body, request.headers)
    except WebhookVerificationError:
        return False
    return True


def test_the_previous_secret_signs_too_while_it_is_set(make_app, sink):
    app = make_app(
        webhook_url=sink.url(), webhook_secret=TEST_WHSEC, webhook_secret_previous=OLD_WHSEC
    )
    request = deliver_one(app, sink, "overlap")
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert verifies(TEST_WHSEC, request) and verifies(OLD_WHSEC, request)
    view = AdminClient(app).get("/api/targets/default").get_json()
    assert view["previous_secret_active"] is True and "secret" not in view


def test_the_default_target_rotates_through_the_api_with_an_overlap(make_app, sink, clock):
    app = make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC, clock=clock)
    admin = AdminClient(app)
    resp = admin.post("/api/targets/default/rotate_secret")
    assert resp.status_code == 200
    new = resp.get_json()["secret"]
    during = deliver_one(app, sink, "during")
    assert verifies(new, during) and verifies(TEST_WHSEC, during)
    audit = admin.get("/api/audit").get_json()["items"]
    assert any(e["resource"].startswith("webhook_targets@") for e in audit)
    clock.advance(24 * 3600 + 1)
    after = deliver_one(app, sink, "after")
    # A day later (the fake clock's): one signature, the new secret's.
    assert after.headers["webhook-signature"] == signed(new, after)


def test_a_new_webhook_secret_in_the_environment_wins_over_a_rotation(make_app, sink, clock):
    first = make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC, clock=clock)
    rotated = AdminClient(first).post("/api/targets/default/rotate_secret").get_json()["secret"]
    # The operator then sets a new WEBHOOK_SECRET and restarts: the environment wins again.
    restarted = make_app(webhook_url=sink.url(), webhook_secret=OLD_WHSEC, clock=clock)
    request = deliver_one(restarted, sink, "restarted")
    assert verifies(OLD_WHSEC, request) and not verifies(rotated, request)


def test_a_rotation_survives_a_restart_with_the_same_webhook_secret(make_app, sink, clock):
    first = make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC, clock=clock)
    rotated = AdminClient(first).post("/api/targets/default/rotate_secret").get_json()["secret"]
    restarted = make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC, clock=clock)
    request = deliver_one(restarted, sink, "restarted")
    assert verifies(rotated, request)
