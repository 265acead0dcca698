"""Gmail API push end to end, against fakes of Google on loopback (tests/support/fake_google).

The real code runs everywhere: google-auth verifies the push tokens against the fake's
certificate, google-auth-oauthlib runs the consent with PKCE, the sync reads the fake's
history and messages and admits them through the ingest pipeline, and a delivery thread
signs the webhook to a loopback sink.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import redis

from tests.conftest import TEST_WHSEC, auth
from tests.support.admin import AdminClient
from tests.support.fake_google import (
    CLIENT_ID,
    CLIENT_SECRET,
    PUSH_ACCOUNT,
    FakeGoogle,
    build_raw,
    new_private_key_pem,
)

ADDRESS = "owner@example.com"
AUDIENCE = "https://relais.example/api/ingress/pubsub"
TOPIC = "projects/relais-test/topics/gmail"
PUSH = "/api/ingress/pubsub"
LINK = '<p>Lot prêt : <a href="https://we.tl/t-Lot42">we.tl</a></p>'


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle(default_email=ADDRESS) as fake:
        yield fake


def gmail_settings(google: FakeGoogle, **changes: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "gmail_client_id": CLIENT_ID,
        "gmail_client_secret": CLIENT_SECRET,
        "gmail_pubsub_topic": TOPIC,
        "pubsub_audience": AUDIENCE,
        "pubsub_service_account": PUSH_ACCOUNT,
        "google_api_root": google.api_root,
        "google_token_uri": google.token_uri,
        "google_auth_uri": google.auth_uri,
        "google_oidc_certs_url": google.certs_url,
    }
    settings.update(changes)
    return settings


@pytest.fixture
def app(make_app, google, sink, clock):
    return make_app(
        clock=clock,
        webhook_url=sink.url(),
        webhook_secret=TEST_WHSEC,
        gmail_address=ADDRESS,
        gmail_refresh_token=google.refresh_token_for(ADDRESS),
        **gmail_settings(google),
    )


def services(app: Any) -> Any:
    return app.extensions["relais"]


def sync(app: Any) -> Any:
    """What the sync thread does when the mailbox is due (None: nothing was due)."""
    return services(app).gmail.runner.run_due(wait=False)


def deliver_all(app: Any) -> None:
    while services(app).delivery.workers.run_once():
        pass


def push(app: Any, google: FakeGoogle, token: str | None = None, **body: Any) -> Any:
    token = token if token is not None else google.push_token(AUDIENCE)
    doc = body or google.push_body(ADDRESS, google.history_id(ADDRESS))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().post(PUSH, json=doc, headers=headers)


def new_mail(google: FakeGoogle, subject: str, **kwargs: Any) -> Any:
    raw = build_raw(subject, "Planning <planning@media-solution.example>", ADDRESS, html=LINK)
    return google.add_message(raw, **kwargs)


@pytest.fixture
def connected(app, google):
    """The env mailbox after its first sync: watching, at the mailbox's current history."""
    assert sync(app) is not None
    return services(app).gmail.store.get(ADDRESS)


def test_the_first_sync_watches_the_topic_and_starts_from_now(app, google, connected):
    new_mail(google, "already there before")  # the first sync does not resend old mail
    assert connected.history_id
    (call,) = google.watch_calls
    assert call.topic_name == TOPIC and call.label_ids == ["INBOX"]
    assert connected.watch_expires_at and connected.watch_expires_at > services(app).clock()
    view = AdminClient(app).get("/api/gmail/mailboxes").get_json()
    (item,) = view["items"]
    assert item["address"] == ADDRESS and item["state"] == "connected"
    assert "sealed_token" not in item and "refresh" not in str(item).lower()
    assert view["setup"]["topic"] == TOPIC


def test_a_push_brings_the_new_message_to_the_webhook(app, google, sink, connected):
    msg = new_mail(google, "Lot 42 prêt")
    resp = push(app, google)
    assert resp.status_code == 200 and resp.get_json()["outcome"] == "recorded"
    report = sync(app)
    assert report.admitted == 1 and not report.error
    deliver_all(app)
    (received,) = sink.wait_for(1)
    body = received.json()
    assert body["subject"] == "Lot 42 prêt"
    assert body["gmail_message_id"] == msg.id and body["email_id"] == msg.id
    assert services(app).gmail.store.get(ADDRESS).history_id == str(google.history_id(ADDRESS))
    stored = AdminClient(app).get(f"/api/emails/{msg.id}").get_json()
    assert stored["source"] == "gmail_api"


@pytest.mark.parametrize(
    "case",
    [
        "none",
        "not_bearer",
        "wrong_audience",
        "expired",
        "unknown_key",
        "bad_signature",
        "other_issuer",
    ],
)
def test_a_push_without_googles_token_for_us_is_refused(app, google, connected, case):
    token = {
        "none": "",
        "not_bearer": None,
        "wrong_audience": google.push_token("https://other.example/push"),
        "expired": google.push_token(AUDIENCE, expires_in=-600),
        "unknown_key": google.push_token(AUDIENCE, kid="0123456789abcdef"),
        "bad_signature": google.push_token(AUDIENCE, key=new_private_key_pem()),
        "other_issuer": google.push_token(AUDIENCE, issuer="https://evil.example"),
    }[case]
    if case == "not_bearer":
        resp = app.test_client().post(
            PUSH, json=google.push_body(ADDRESS, 1), headers={"Authorization": "Basic eDp5"}
        )
    else:
        resp = push(app, google, token=token)
    assert resp.status_code == 401, resp.get_json()
    assert resp.get_json()["error"] == "unauthorized"
    assert services(app).gmail.store.get(ADDRESS).last_notification_at is None


@pytest.mark.parametrize(
    "claims", [{"email": "someone@proj.iam.gserviceaccount.com"}, {"email_verified": False}]
)
def test_a_valid_token_of_another_identity_is_forbidden(app, google, connected, claims):
    resp = push(app, google, token=google.push_token(AUDIENCE, **claims))
    assert resp.status_code == 403
    assert resp.get_json()["error"] == "forbidden"


def test_a_push_for_a_mailbox_not_connected_is_acknowledged(app, google, connected):
    resp = push(app, google, **google.push_body("stranger@example.com", 5))
    assert resp.status_code == 200 and resp.get_json()["outcome"] == "unknown_mailbox"


def test_a_malformed_push_is_a_client_error(app, google, connected):
    resp = push(app, google, message={"data": "%%%"})
    assert resp.status_code == 400 and resp.get_json()["error"] == "bad_request"


def test_a_history_gap_is_filled_by_a_full_sync_without_loss_or_double(
    app, google, sink, connected
):
    first = new_mail(google, "Lot 1")
    push(app, google)
    assert sync(app).admitted == 1
    later = [new_mail(google, f"Lot {n}") for n in (2, 3, 4)]
    google.expire_history(ADDRESS)  # the stored history id is gone
    push(app, google)
    report = sync(app)
    assert report.full and report.admitted == 3 and report.duplicates >= 1
    deliver_all(app)
    ids = sorted(r.json()["gmail_message_id"] for r in sink.wait_for(4))
    assert ids == sorted([first.id, *(m.id for m in later)])
    new_mail(google, "Lot 5")
    push(app, google)
    assert sync(app).admitted == 1  # back on the history


def test_a_lost_push_is_caught_by_the_fallback_sync(app, google, sink, clock, connected):
    new_mail(google, "Lot perdu")  # its push never comes
    assert sync(app) is None  # not due yet
    clock.advance(services(app).settings.gmail_poll_fallback_seconds + 1)
    assert sync(app).admitted == 1
    deliver_all(app)
    assert sink.wait_for(1)[0].json()["subject"] == "Lot perdu"


def test_the_apps_script_and_the_gmail_api_together_accept_an_email_once(
    app, google, sink, connected
):
    msg = new_mail(google, "Lot partagé", internal_date_ms=1_795_000_000_123)
    new_script = {
        "subject": "Lot partagé",
        "sender": "Planning <planning@media-solution.example>",
        "date": "2026-11-18T11:06:40.123Z",
        "body": LINK,
        "gmail_message_id": msg.id,
    }
    first = app.test_client().post("/api/ingress/gmail", json=new_script, headers=auth())
    assert first.get_json()["status"] == "accepted"
    old_mail = new_mail(google, "Lot ancien", internal_date_ms=1_795_000_100_000)
    old_script = {  # the old script's five fields: its id is the old formula
        "subject": "Lot ancien",
        "sender": "Planning <planning@media-solution.example>",
        "date": "2026-11-18T11:08:20.000Z",
        "body": LINK,
        "snippet": "",
    }
    second = app.test_client().post("/api/ingress/gmail", json=old_script, headers=auth())
    assert second.get_json()["status"] == "accepted"
    push(app, google)
    report = sync(app)
    assert report.admitted == 0 and report.duplicates == 2
    deliver_all(app)
    assert len(sink.wait_for(2)) == 2
    assert old_mail.id not in [r.json().get("gmail_message_id") for r in sink.requests]


def test_a_revoked_grant_puts_the_mailbox_in_needs_reconnect_and_stops_calling(
    app, google, connected
):
    google.revoke_all()
    google.expire_access_tokens()
    new_mail(google, "Lot après révocation")
    push(app, google)
    report = sync(app)
    assert report.error == "needs_reconnect"
    mailbox = services(app).gmail.store.get(ADDRESS)
    assert mailbox.state == "needs_reconnect"
    calls = len(google.requests)
    push(app, google)
    again = sync(app)
    assert again is None or (again.admitted == 0 and not again.error)
    assert len(google.requests) == calls  # no retry storm
    banner = AdminClient(app).get("/api/stats").get_json()["status"]
    assert banner["level"] == "red"
    assert {
        "code": "mailbox_needs_reconnect",
        "level": "red",
        "params": {"mailbox": ADDRESS},
    } in banner["reasons"]


def test_a_watch_close_to_expiry_is_renewed(app, google, clock, connected):
    assert len(google.watch_calls) == 1
    clock.advance(6.5 * 86400)  # within a day of the 7-day expiry
    services(app).gmail.store.make_due(ADDRESS)
    sync(app)
    assert len(google.watch_calls) == 2
    renewed = services(app).gmail.store.get(ADDRESS).watch_expires_at
    assert renewed > connected.watch_expires_at


def test_redis_down_during_a_push_answers_503_so_pubsub_retries(app, google, connected):
    gmail = services(app).gmail
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    store = gmail.store
    gmail.store = type(store)(dead, services(app).keys, _NoFsync(), services(app).clock)
    try:
        resp = push(app, google)
    finally:
        gmail.store = store
    assert resp.status_code == 503
    assert resp.headers.get("Retry-After")


class _NoFsync:
    """Runs the script as is (the dead client fails it before any fsync question)."""

    def run(self, script: Any, keys: Any, args: Any, needed: Any = None) -> Any:
        return script(keys=keys, args=args)


def test_a_multipart_email_with_encoded_subject_latin1_part_and_attachment(
    app, google, sink, connected
):
    raw = (
        b"From: =?iso-8859-1?q?Agn=E8s_M=E9dia?= <agnes@media-solution.example>\r\n"
        b"To: owner@example.com\r\n"
        b"Subject: =?utf-8?b?TGl2cmFpc29uIMOpdMOpIOKAkyBsb3QgOQ==?=\r\n"
        b"Message-ID: <lot9@media-solution.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
        b"--outer\r\n"
        b'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
        b"--alt\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Voici le lot =E0 livrer : https://we.tl/t-Lot9\r\n"
        b"--alt\r\n"
        b"Content-Type: text/html; charset=iso-8859-1\r\n\r\n"
        b'<p>Voici le lot \xe0 livrer : <a href="https://we.tl/t-Lot9">we.tl</a></p>\r\n'
        b"--alt--\r\n"
        b"--outer\r\n"
        b'Content-Type: application/pdf; name="bon.pdf"\r\n'
        b'Content-Disposition: attachment; filename="bon.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERi0xLjQKJcfsj6IK\r\n"
        b"--outer--\r\n"
    )
    google.add_message(raw)
    push(app, google)
    assert sync(app).admitted == 1
    deliver_all(app)
    body = sink.wait_for(1)[0].json()
    assert body["subject"] == "Livraison été \u2013 lot 9"
    assert "Agnès Média" in body["sender_address"]
    assert "Voici le lot à livrer" in body["email_content"]
    assert body["attachments"] == [
        {"name": "bon.pdf", "size": 15, "content_type": "application/pdf"}
    ]


def test_connecting_a_mailbox_through_the_consent_screen(make_app, google, sink, clock):
    app = make_app(clock=clock, webhook_url=sink.url(), **gmail_settings(google))
    admin = AdminClient(app)
    assert admin.get("/api/gmail/mailboxes").get_json()["items"] == []
    started = admin.post("/api/gmail/connect", json={}).get_json()
    query = parse_qs(urlsplit(started["url"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["access_type"] == ["offline"]
    assert query["scope"] == ["https://www.googleapis.com/auth/gmail.readonly"]
    callback = google.consent(started["url"])
    back = urlsplit(callback)
    other = AdminClient(app)  # another admin session cannot finish this consent
    refused = other.get(f"{back.path}?{back.query}")
    assert refused.status_code == 303 and "error=consent_refused" in refused.location
    resp = admin.get(f"{back.path}?{back.query}")
    # The state is single use: the other session's attempt consumed it.
    assert resp.status_code == 303 and "error=consent_refused" in resp.location
    started = admin.post("/api/gmail/connect", json={}).get_json()
    back = urlsplit(google.consent(started["url"]))
    resp = admin.get(f"{back.path}?{back.query}")
    assert resp.status_code == 303 and resp.location.endswith(
        f"connected={ADDRESS}".replace("@", "%40")
    )
    (item,) = admin.get("/api/gmail/mailboxes").get_json()["items"]
    assert item["address"] == ADDRESS and item["source"] == "oauth"
    entries = admin.get("/api/audit").get_json()["items"]
    assert any(e["action"] == "gmail_connect" for e in entries)
    assert admin.get(f"{back.path}?{back.query}").location.find("consent_refused") > 0  # replay


def test_disconnecting_stops_the_watch_and_forgets_the_token(app, google, connected):
    admin = AdminClient(app)
    assert admin.delete(f"/api/gmail/mailboxes/{ADDRESS}").status_code == 200
    assert google.stop_calls == [ADDRESS]
    assert admin.get("/api/gmail/mailboxes").get_json()["items"] == []
    assert admin.delete(f"/api/gmail/mailboxes/{ADDRESS}").status_code == 404


def test_labels_reach_the_payload_as_names_of_user_labels_like_the_apps_script(
    app, google, sink, connected
):
    labels = google.mailbox(ADDRESS).labels
    labels["Label_7"] = {"id": "Label_7", "name": "Clients/Média", "type": "user"}
    new_mail(google, "Lot étiqueté", labels=("INBOX", "UNREAD", "Label_7"))
    push(app, google)
    assert sync(app).admitted == 1
    deliver_all(app)
    assert sink.wait_for(1)[0].json()["labels"] == ["Clients/Média"]


def test_admitted_messages_are_labelled_when_asked(make_app, google, sink, clock):
    app = make_app(
        clock=clock,
        webhook_url=sink.url(),
        gmail_address=ADDRESS,
        gmail_refresh_token=google.refresh_token_for(ADDRESS),
        gmail_label_processed="Relais/envoyé",
        **gmail_settings(google),
    )
    sync(app)
    msg = new_mail(google, "Lot à étiqueter")
    push(app, google)
    assert sync(app).admitted == 1
    names = {v["id"]: v["name"] for v in google.mailbox(ADDRESS).labels.values()}
    assert "Relais/envoyé" in [names[i] for i in google.message(msg.id).label_ids]
