"""The old router's settings keep their meaning in a running Relais."""

from __future__ import annotations

from werkzeug.security import generate_password_hash

from tests.conftest import TEST_WHSEC, auth, old_payload
from tests.support.admin import AdminClient

INGRESS = "/api/ingress/gmail"


def test_the_old_dashboard_password_hash_signs_in(make_app):
    app = make_app(dashboard_password=generate_password_hash("the-old-password"))
    AdminClient(app, password="the-old-password")  # asserts a 200
    wrong = app.test_client().post(
        "/api/auth/login", json={"username": "admin", "password": "not-it"}
    )
    assert wrong.status_code == 401


def test_senders_outside_the_allowlist_are_ignored_with_why(make_app, sink):
    app = make_app(
        webhook_url=sink.url(),
        webhook_secret=TEST_WHSEC,
        gmail_sender_allowlist="planning@media-solution.example",
    )
    client = app.test_client()
    allowed = client.post(INGRESS, json=old_payload(), headers=auth()).get_json()
    assert allowed["status"] == "accepted"
    other = old_payload(sender="Someone <someone@else.example>", subject="x")
    refused = client.post(INGRESS, json=other, headers=auth()).get_json()
    assert (refused["status"], refused["reason"]) == ("ignored", "sender_not_allowed")


def test_sending_switched_off_by_the_old_variable_until_a_flag_is_saved(make_app, sink):
    app = make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC, webhook_sending_enabled=False)
    services = app.extensions["relais"]
    assert services.documents.flags.get().webhook_sending_enabled is False
    app.test_client().post(INGRESS, json=old_payload(), headers=auth())
    assert services.delivery.workers.run_once() is None  # held: sending is off


def test_the_old_window_is_the_default_schedule_and_its_hints_keep_their_form(make_app):
    app = make_app(webhooks_time_start="00:00", webhooks_time_end="23:59")
    window = app.extensions["relais"].documents.windows.get().window
    assert (window.start, window.end) == ("00:00", "23:59")


def test_an_imported_schedule_says_it_now_wins_over_the_environment(make_app):
    """No time zone in the old documents: the environment's is saved for good, and said so."""
    app = make_app(timezone="America/Montreal", webhooks_time_start="09:00")
    admin = AdminClient(app)
    old = {"webhook_config": {"absence_pause_enabled": True, "absence_pause_days": ["sunday"]}}
    report = admin.post("/api/config/import", json=old).get_json()
    (item,) = [i for i in report["mapped"] if i["field"] == "time_windows"]
    assert item["note"] == "schedule_stored"
    assert item["becomes"] == "stored schedule: zone America/Montreal, window 09:00-…"
    assert item["detail"].startswith("zone saved: America/Montreal (no time zone in the old")
    assert (
        "the stored schedule takes precedence over TIMEZONE / POLLING_TIMEZONE and "
        "WEBHOOKS_TIME_START/END / WEBHOOK_TIME_* from the environment"
    ) in item["detail"]
    assert app.extensions["relais"].documents.windows.get().timezone == "America/Montreal"
