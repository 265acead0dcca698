"""POST /api/ingress/gmail: the old script's contract, the extended fields, every refusal."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import pytest

from tests.conftest import TEST_TOKEN, TEST_WHSEC, auth, old_payload
from tests.support.admin import AdminClient

URL = "/api/ingress/gmail"


@pytest.fixture
def app(make_app, sink):
    return make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC)


@pytest.fixture
def client(app):
    return app.test_client()


def test_an_attachment_size_beyond_64_bits_is_stored(app, client):
    # The schema bounds the size below only; the stored JSON (and the webhook's) must still be
    # written (the fast writer does not take such integers: the standard one does).
    size = 2**70
    payload = old_payload(gmail_message_id="big1", attachments=[{"name": "f.pdf", "size": size}])
    resp = client.post(URL, json=payload, headers=auth())
    assert resp.status_code == 200, resp.get_data(as_text=True)
    stored = app.extensions["relais"].delivery.queue.load_email("big1")
    assert stored.meta["attachments"][0]["size"] == size


@pytest.mark.parametrize(
    "header",
    [f"Bearer {TEST_TOKEN}", TEST_TOKEN, f"bearer   {TEST_TOKEN}  "],
    ids=["bearer", "bare-token", "lowercase-bearer-spaces"],
)
def test_old_script_payload_is_accepted(client, header):
    resp = client.post(
        URL, json=old_payload(), headers={"Authorization": header, "X-Source": "GoogleAppsScript"}
    )
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["success"] is True
    assert body["status"] == "accepted"
    assert [d["target"] for d in body["deliveries"]] == ["default"]
    assert body["deliveries"][0]["id"].startswith("dlv_")
    assert body["deliveries"][0]["deliver_at"].endswith("Z")


def test_second_push_is_a_duplicate_with_200(client):
    first = client.post(URL, json=old_payload(), headers=auth())
    second = client.post(URL, json=old_payload(), headers=auth())
    assert second.status_code == 200
    assert second.get_json() == {
        "success": True,
        "status": "duplicate",
        "email_id": first.get_json()["email_id"],
        "deliveries": [],
    }


def test_legacy_email_id_is_the_old_formula(client):
    payload = old_payload(sender="Planning <Planning@Media-Solution.example >")
    resp = client.post(URL, json=payload, headers=auth())
    key = f"{payload['subject']}|planning@media-solution.example|{payload['date']}"
    assert resp.get_json()["email_id"] == hashlib.md5(key.encode()).hexdigest()


def test_gmail_message_id_wins_over_message_id_and_formula(client):
    payload = old_payload(gmail_message_id="18c2f0a9b1d2e3f4", message_id="<a@b>")
    assert (
        client.post(URL, json=payload, headers=auth()).get_json()["email_id"] == "18c2f0a9b1d2e3f4"
    )


def test_rfc_message_id_gives_a_stable_safe_id(client):
    first = client.post(
        URL, json=old_payload(message_id="<CAF+x=1@mail.gmail.com>"), headers=auth()
    )
    again = client.post(
        URL, json=old_payload(message_id=" CAF+x=1@mail.gmail.com ", date="other"), headers=auth()
    )
    email_id = first.get_json()["email_id"]
    assert email_id.startswith("mid-") and email_id.replace("-", "").isalnum()
    assert again.get_json() == {**again.get_json(), "status": "duplicate", "email_id": email_id}


def test_extended_fields_are_stored(app, client):
    payload = old_payload(
        gmail_message_id="abc123",
        thread_id="thr456",
        to=["a@x.example", "B <b@y.example>"],
        cc="c@z.example",
        reply_to="r@x.example",
        plain_body="plain text",
        labels=["A_TRANSFERER_WEBHOOK", "INBOX"],
        attachments=[{"name": "f.pdf", "size": 1234, "content_type": "application/pdf"}],
        received_at="2026-11-20T09:14:05Z",
        unknown_future_field={"ignored": True},
    )
    assert client.post(URL, json=payload, headers=auth()).status_code == 200
    stored = app.extensions["relais"].delivery.queue.load_email("abc123")
    assert stored.plain_body == "plain text"
    assert stored.meta["to"] == "a@x.example, B <b@y.example>"
    assert stored.meta["labels"] == ["A_TRANSFERER_WEBHOOK", "INBOX"]
    assert stored.meta["attachments"][0]["name"] == "f.pdf"
    assert "unknown_future_field" not in stored.meta


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong-token-000000", "Bearer ", "Bearer tökén-ünicode", "Basic abc"],
    ids=["missing", "wrong", "empty", "non-ascii", "basic"],
)
def test_bad_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    resp = client.post(URL, json=old_payload(), headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "unauthorized"


def test_non_json_is_415(client):
    resp = client.post(URL, data="subject=x", headers={**auth(), "Content-Type": "text/plain"})
    assert resp.status_code == 415
    assert resp.get_json()["error"] == "unsupported_media_type"


def test_malformed_json_is_400(client):
    resp = client.post(
        URL, data="{not json", headers={**auth(), "Content-Type": "application/json"}
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_json"


def test_invalid_payload_is_422_and_echoes_nothing(client):
    secret_body = "<p>confidential-content-xyz</p>"
    resp = client.post(
        URL, json={"body": secret_body, "subject": ["not", "a", "string"]}, headers=auth()
    )
    assert resp.status_code == 422
    doc = resp.get_json()
    assert doc["error"] == "validation_error"
    assert {tuple(d["loc"]) for d in doc["details"]} >= {("sender",), ("subject",)}
    assert "confidential" not in resp.get_data(as_text=True)


def test_email_without_any_identity_is_422(client):
    resp = client.post(URL, json=old_payload(date=""), headers=auth())
    assert resp.status_code == 422


def test_body_over_the_limit_is_413(make_app):
    client = make_app(ingress_max_bytes=2048).test_client()
    resp = client.post(URL, json=old_payload(body="x" * 4096), headers=auth())
    assert resp.status_code == 413
    assert resp.get_json()["error"] == "request_entity_too_large"


def test_switched_off_ingress_is_409(app, client):
    flags = app.extensions["relais"].documents.flags
    flags.save(flags.get().model_copy(update={"gmail_ingress_enabled": False}))
    resp = client.post(URL, json=old_payload(), headers=auth())
    assert resp.status_code == 409
    assert resp.get_json()["error"] == "ingress_disabled"


def test_dedup_can_be_switched_off(app, client):
    flags = app.extensions["relais"].documents.flags
    flags.save(flags.get().model_copy(update={"disable_email_id_dedup": True}))
    first = client.post(URL, json=old_payload(), headers=auth()).get_json()
    second = client.post(URL, json=old_payload(), headers=auth()).get_json()
    assert first["status"] == second["status"] == "accepted"
    assert first["deliveries"][0]["id"] != second["deliveries"][0]["id"]


def test_no_target_at_all_parks_the_email(make_app):
    client = make_app().test_client()  # no WEBHOOK_URL, no stored target
    resp = client.post(URL, json=old_payload(), headers=auth())
    assert resp.status_code == 200
    body = resp.get_json()
    # Deployed Apps Scripts know accepted, duplicate and ignored: a parked email is accepted.
    assert (body["status"], body["parked"], body["reason"]) == ("accepted", True, "no_target")
    assert body["deliveries"] == []
    assert client.post(URL, json=old_payload(), headers=auth()).get_json()["status"] == "duplicate"


def test_accept_writes_claim_email_and_delivery_together(app, client, redis_client):
    body = client.post(URL, json=old_payload(), headers=auth()).get_json()
    keys = app.extensions["relais"].keys
    delivery_id = body["deliveries"][0]["id"]
    assert redis_client.exists(keys.seen(body["email_id"]))
    assert redis_client.hget(keys.delivery(delivery_id), "state") == "scheduled"
    assert redis_client.zscore(keys.queue_scheduled, delivery_id) is not None
    assert 29 * 86400 < redis_client.ttl(keys.seen(body["email_id"])) <= 30 * 86400


@pytest.mark.parametrize(("method", "path", "status"), [("GET", URL, 405), ("GET", "/nope", 404)])
def test_http_errors_keep_their_code_in_json(client, method, path, status):
    resp = client.open(path, method=method)
    assert resp.status_code == status
    assert set(resp.get_json()) == {"error", "message"}


def test_request_id_is_echoed_or_generated(client):
    given = client.post(URL, json=old_payload(), headers={**auth(), "X-Request-ID": "req-42"})
    assert given.headers["X-Request-ID"] == "req-42"
    generated = client.post(URL, json=old_payload(), headers={**auth(), "X-Request-ID": "bad id!"})
    assert generated.headers["X-Request-ID"] not in ("", "bad id!")


def test_response_is_json_utf8(client):
    resp = client.post(URL, json=old_payload(), headers=auth())
    assert resp.mimetype == "application/json"
    assert json.loads(resp.get_data())["success"] is True


def test_previous_token_is_accepted_during_a_rotation(make_app):
    client = make_app(process_api_token_previous="old-token-987654").test_client()
    assert client.post(URL, json=old_payload(), headers=auth("old-token-987654")).status_code == 200
    assert client.post(URL, json=old_payload(), headers=auth("other-token-00")).status_code == 401


def test_reconcile_answers_the_ids_never_accepted(client):
    client.post(URL, json=old_payload(gmail_message_id="seen1"), headers=auth())
    resp = client.post(
        "/api/ingress/reconcile",
        json={"gmail_message_ids": ["seen1", "never2", "never3", "never2"]},
        headers=auth(),
    )
    assert resp.status_code == 200
    assert resp.get_json() == {"success": True, "unknown": ["never2", "never3"]}


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, {"gmail_message_ids": []}, 401),
        (auth(), {"gmail_message_ids": ["bad id"]}, 422),
        (auth(), {"gmail_message_ids": ["x"] * 501}, 422),
    ],
    ids=["no-token", "bad-id", "too-many"],
)
def test_reconcile_refusals(client, headers, body, status):
    assert client.post("/api/ingress/reconcile", json=body, headers=headers).status_code == status


def signed(body: bytes, secret: str, ts: int) -> dict[str, str]:
    import hmac as hmac_mod

    digest = hmac_mod.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        **auth(),
        "Content-Type": "application/json",
        "X-Relais-Timestamp": str(ts),
        "X-Relais-Signature": f"v1={digest}",
    }


def test_hmac_signed_ingress(make_app, clock):
    secret = "hmac-secret-for-tests"
    client = make_app(ingress_hmac_secret=secret, clock=clock).test_client()
    body = json.dumps(old_payload()).encode()
    now = int(clock())
    assert client.post(URL, data=body, headers=signed(body, secret, now)).status_code == 200
    unsigned = client.post(URL, data=body, headers={**auth(), "Content-Type": "application/json"})
    assert unsigned.status_code == 401
    tampered = client.post(URL, data=body + b" ", headers=signed(body, secret, now))
    assert tampered.status_code == 401
    stale = client.post(URL, data=body, headers=signed(body, secret, now - 301))
    assert stale.status_code == 401 and "window" in stale.get_json()["message"]
    wrong_key = client.post(URL, data=body, headers=signed(body, "other-secret", now))
    assert wrong_key.status_code == 401


SIGNING = "whsec_" + base64.b64encode(b"ingress-signing-key-of-32-bytes!").decode()


def standard_signed(body: bytes, secret: str, ts: int, msg_id: str = "msg_1") -> dict[str, str]:
    from datetime import UTC, datetime

    from standardwebhooks.webhooks import Webhook

    moment = datetime.fromtimestamp(ts, tz=UTC)
    return {
        **auth(),
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": Webhook(secret).sign(msg_id, moment, body.decode()),
    }


def test_standard_webhooks_signed_ingress(make_app, clock):
    client = make_app(ingress_signing_secret=SIGNING, clock=clock).test_client()
    body = json.dumps(old_payload()).encode()
    now = int(time.time())
    assert (
        client.post(URL, data=body, headers=standard_signed(body, SIGNING, now)).status_code == 200
    )
    unsigned = client.post(URL, data=body, headers={**auth(), "Content-Type": "application/json"})
    assert unsigned.status_code == 401 and "webhook-signature" in unsigned.get_json()["message"]
    tampered = client.post(URL, data=body + b" ", headers=standard_signed(body, SIGNING, now))
    assert tampered.status_code == 401
    stale = client.post(URL, data=body, headers=standard_signed(body, SIGNING, now - 600))
    assert stale.status_code == 401 and "window" in stale.get_json()["message"]
    other = "whsec_" + base64.b64encode(b"another-key-another-key-another!").decode()
    assert client.post(URL, data=body, headers=standard_signed(body, other, now)).status_code == 401
    garbled = {**standard_signed(body, SIGNING, now), "webhook-signature": "v1"}
    assert client.post(URL, data=body, headers=garbled).status_code == 401


def test_both_schemes_are_accepted_while_scripts_move_to_standard_webhooks(make_app, clock):
    secret = "hmac-secret-for-tests"
    client = make_app(
        ingress_signing_secret=SIGNING, ingress_hmac_secret=secret, clock=clock
    ).test_client()
    now = int(time.time())
    first = json.dumps(old_payload(date="d1")).encode()
    second = json.dumps(old_payload(date="d2")).encode()
    assert client.post(URL, data=first, headers=signed(first, secret, now)).status_code == 200
    headers = standard_signed(second, SIGNING, now)
    assert client.post(URL, data=second, headers=headers).status_code == 200


def test_old_and_new_script_pushes_of_one_email_are_one_email(client):
    """Switching scripts mid-thread: the old one sends no Gmail id, the new one does."""
    old = client.post(URL, json=old_payload(), headers=auth()).get_json()
    new = client.post(
        URL, json=old_payload(gmail_message_id="gm-switch-1"), headers=auth()
    ).get_json()
    assert (old["status"], new["status"]) == ("accepted", "duplicate")


def test_an_email_the_old_script_sent_is_known_to_reconcile_once_pushed_again(client):
    """Sent by the old script (no Gmail id), it is known by the old formula only: the first
    reconcile asks for it, the push answers duplicate, and no later reconcile asks again."""
    client.post(URL, json=old_payload(), headers=auth())

    def unknown():
        resp = client.post(
            "/api/ingress/reconcile", json={"gmail_message_ids": ["gm-old-1"]}, headers=auth()
        )
        return resp.get_json()["unknown"]

    assert unknown() == ["gm-old-1"]
    again = client.post(URL, json=old_payload(gmail_message_id="gm-old-1"), headers=auth())
    assert again.get_json()["status"] == "duplicate"
    assert unknown() == []


def test_new_then_old_script_is_a_duplicate_too(client):
    new = client.post(
        URL, json=old_payload(gmail_message_id="gm-switch-2"), headers=auth()
    ).get_json()
    old = client.post(URL, json=old_payload(), headers=auth()).get_json()
    assert (new["status"], old["status"]) == ("accepted", "duplicate")


def test_switched_off_ingress_tells_the_script_when_to_come_back(app, client):
    flags = app.extensions["relais"].documents.flags
    flags.save(flags.get().model_copy(update={"gmail_ingress_enabled": False}))
    assert client.post(URL, json=old_payload(), headers=auth()).headers["Retry-After"] == "300"


def test_a_duplicate_is_answered_before_any_analysis(app, client, monkeypatch):
    import services.delivery.ingest

    analysed: list[str] = []
    real = services.delivery.ingest.normalize_email

    def counting(email, **kwargs):
        analysed.append(email.subject)
        return real(email, **kwargs)

    monkeypatch.setattr(services.delivery.ingest, "normalize_email", counting)
    first = client.post(URL, json=old_payload(), headers=auth()).get_json()
    again = client.post(URL, json=old_payload(), headers=auth()).get_json()
    assert (first["status"], again["status"]) == ("accepted", "duplicate")
    assert len(analysed) == 1
    counts = AdminClient(app).get("/api/stats").get_json()["last_24h"]
    assert (counts["ingress"], counts["duplicate"], counts["emails"]) == (2, 1, 1)
