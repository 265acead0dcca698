"""FakeGoogle over real HTTP: OAuth with PKCE, the Gmail subset, faults, OIDC push tokens."""

from __future__ import annotations

import base64
import email
import hashlib
import json
import time
from collections.abc import Iterator
from email.policy import default as default_policy
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from google.auth.transport.requests import Request
from google.oauth2 import id_token
from google_auth_oauthlib.flow import Flow

from tests.support.fake_google import (
    CLIENT_ID,
    CLIENT_SECRET,
    GMAIL_SCOPE,
    FakeGoogle,
    build_raw,
    new_private_key_pem,
)

REDIRECT = "http://127.0.0.1:5000/oauth/google/callback"
AUDIENCE = "https://relais.example.com/api/ingress/pubsub"
VERIFIER = "v" * 64


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle() as google:
        yield google


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _token(http: requests.Session, fake: FakeGoogle, **form: str) -> requests.Response:
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET} | form
    return http.post(fake.token_uri, data=form, timeout=5)


def _api(
    http: requests.Session, fake: FakeGoogle, method: str, path: str, token: str, **kw: Any
) -> requests.Response:
    url = f"{fake.api_root}/gmail/v1/users/me/{path}"
    headers = {"Authorization": f"Bearer {token}"}
    return http.request(method, url, headers=headers, timeout=5, **kw)


def _raw(n: int = 0) -> bytes:
    return build_raw(f"Subject {n}", "a@example.org", "owner@example.com", text=f"body {n}")


def _auth_url(fake: FakeGoogle, **overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": GMAIL_SCOPE,
        "state": "st4te",
        "code_challenge": _challenge(VERIFIER),
        "code_challenge_method": "S256",
        "access_type": "offline",
    } | overrides
    return f"{fake.auth_uri}?{urlencode(params)}"


# --- OAuth ----------------------------------------------------------------------------------


def test_urls_share_one_loopback_server(fake: FakeGoogle) -> None:
    assert fake.api_root.startswith("http://127.0.0.1:")
    assert fake.token_uri == f"{fake.api_root}/token"
    assert fake.auth_uri == f"{fake.api_root}/o/oauth2/v2/auth"
    assert fake.certs_url == f"{fake.api_root}/oauth2/v1/certs"


def test_consent_then_code_exchange_with_pkce(fake: FakeGoogle, http: requests.Session) -> None:
    callback = urlsplit(fake.consent(_auth_url(fake)))
    params = {k: v[0] for k, v in parse_qs(callback.query).items()}
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == REDIRECT
    assert params["state"] == "st4te"
    reply = _token(
        http,
        fake,
        grant_type="authorization_code",
        code=params["code"],
        redirect_uri=REDIRECT,
        code_verifier=VERIFIER,
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["expires_in"] == 3599 and body["token_type"] == "Bearer"
    assert body["scope"] == GMAIL_SCOPE and body["refresh_token"] and body["access_token"]
    assert _api(http, fake, "GET", "labels", body["access_token"]).status_code == 200


def test_code_is_single_use_and_pkce_mismatch_is_refused(
    fake: FakeGoogle, http: requests.Session
) -> None:
    code = fake.issue_code("owner@example.com", _challenge(VERIFIER), REDIRECT)
    exchange = {"grant_type": "authorization_code", "redirect_uri": REDIRECT}
    wrong = _token(http, fake, code=code, code_verifier="w" * 64, **exchange)
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant", "error_description": "Invalid code verifier."}
    again = _token(http, fake, code=code, code_verifier=VERIFIER, **exchange)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_code_exchange_checks_redirect_uri_and_verifier_presence(
    fake: FakeGoogle, http: requests.Session
) -> None:
    code = fake.issue_code("owner@example.com", _challenge(VERIFIER), REDIRECT)
    moved = _token(http, fake, grant_type="authorization_code", code=code, redirect_uri="x")
    assert moved.json()["error"] == "redirect_uri_mismatch"
    code = fake.issue_code("owner@example.com", _challenge(VERIFIER), REDIRECT)
    bare = _token(http, fake, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert bare.json()["error_description"] == "Missing code verifier."


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"code_challenge_method": "plain"}, "code_challenge_method"),
        ({"access_type": "online"}, "access_type"),
        ({"client_id": "other"}, "client_id"),
        ({"state": ""}, "state"),
        ({"code_challenge": ""}, "code_challenge"),
    ],
)
def test_consent_refuses_a_bad_authorization_url(
    fake: FakeGoogle, override: dict[str, str], problem: str
) -> None:
    with pytest.raises(AssertionError, match=problem):
        fake.consent(_auth_url(fake, **override))


def test_consent_can_be_denied(fake: FakeGoogle) -> None:
    params = parse_qs(urlsplit(fake.consent(_auth_url(fake), deny=True)).query)
    assert params == {"error": ["access_denied"], "state": ["st4te"]}


def test_refresh_then_revoke_gives_invalid_grant(fake: FakeGoogle, http: requests.Session) -> None:
    refresh = fake.refresh_token_for("owner@example.com")
    ok = _token(http, fake, grant_type="refresh_token", refresh_token=refresh)
    assert ok.status_code == 200 and "refresh_token" not in ok.json()
    access = ok.json()["access_token"]
    assert _api(http, fake, "GET", "labels", access).status_code == 200
    fake.revoke(refresh)
    gone = _token(http, fake, grant_type="refresh_token", refresh_token=refresh)
    assert gone.status_code == 400
    assert gone.json() == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }
    assert _api(http, fake, "GET", "labels", access).status_code == 401


def test_revoke_all_and_revoke_endpoint(fake: FakeGoogle, http: requests.Session) -> None:
    first, second = fake.refresh_token_for("a@x.com"), fake.refresh_token_for("b@x.com")
    assert http.post(fake.revoke_uri, data={"token": first}, timeout=5).status_code == 200
    assert http.post(fake.revoke_uri, data={"token": first}, timeout=5).status_code == 400
    fake.revoke_all()
    reply = _token(http, fake, grant_type="refresh_token", refresh_token=second)
    assert reply.json()["error"] == "invalid_grant"


def test_wrong_client_is_invalid_client_and_basic_auth_works(
    fake: FakeGoogle, http: requests.Session
) -> None:
    refresh = fake.refresh_token_for("owner@example.com")
    form = {"grant_type": "refresh_token", "refresh_token": refresh}
    bad = _token(http, fake, client_secret="nope", **form)
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    basic = http.post(fake.token_uri, data=form, auth=(CLIENT_ID, CLIENT_SECRET), timeout=5)
    assert basic.status_code == 200


def test_google_auth_oauthlib_flow_and_refresh_run_against_it(
    fake: FakeGoogle, http: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain http
    config = {
        "web": {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "auth_uri": fake.auth_uri,
            "token_uri": fake.token_uri,
        }
    }
    flow = Flow.from_client_config(config, scopes=[GMAIL_SCOPE], redirect_uri=REDIRECT)
    url, _ = flow.authorization_url(prompt="consent")
    flow.fetch_token(authorization_response=fake.consent(url))
    credentials = flow.credentials
    assert credentials.refresh_token
    first = credentials.token
    credentials.refresh(Request(session=http))
    assert credentials.token != first
    assert _api(http, fake, "GET", "labels", credentials.token).status_code == 200


# --- Gmail: auth, watch ---------------------------------------------------------------------


def test_gmail_requires_a_valid_bearer_token(fake: FakeGoogle, http: requests.Session) -> None:
    anonymous = http.get(f"{fake.api_root}/gmail/v1/users/me/labels", timeout=5)
    assert anonymous.status_code == 401
    error = anonymous.json()["error"]
    assert error["code"] == 401 and error["status"] == "UNAUTHENTICATED" and error["message"]
    token = fake.access_token_for("owner@example.com")
    assert _api(http, fake, "GET", "labels", token).status_code == 200
    fake.expire_access_tokens()
    assert _api(http, fake, "GET", "labels", token).status_code == 401


def test_user_id_may_be_the_address_but_not_another(
    fake: FakeGoogle, http: requests.Session
) -> None:
    token = fake.access_token_for("owner@example.com")
    headers = {"Authorization": f"Bearer {token}"}
    users = f"{fake.api_root}/gmail/v1/users"
    own = http.get(f"{users}/owner%40example.com/labels", headers=headers, timeout=5)
    assert own.status_code == 200
    other = http.get(f"{users}/else@example.com/labels", headers=headers, timeout=5)
    assert other.status_code == 403


def test_watch_and_stop_are_recorded(fake: FakeGoogle, http: requests.Session) -> None:
    token = fake.access_token_for("owner@example.com")
    body = {"topicName": "projects/p/topics/gmail", "labelIds": ["INBOX"]}
    reply = _api(http, fake, "POST", "watch", token, json=body)
    assert reply.status_code == 200
    assert reply.json()["historyId"] == str(fake.history_id())
    assert int(reply.json()["expiration"]) > (time.time() + 6 * 86400) * 1000
    assert fake.watch_calls[0].topic_name == "projects/p/topics/gmail"
    assert fake.watch_calls[0].label_ids == ["INBOX"]
    assert _api(http, fake, "POST", "watch", token, json={}).status_code == 400
    stop = _api(http, fake, "POST", "stop", token)
    assert stop.status_code == 204 and stop.content == b""
    assert fake.stop_calls == ["owner@example.com"]


# --- Gmail: history -------------------------------------------------------------------------


def _history(
    http: requests.Session, fake: FakeGoogle, token: str, **params: Any
) -> requests.Response:
    return _api(http, fake, "GET", "history", token, params=params)


def test_history_pages_through_added_messages(fake: FakeGoogle, http: requests.Session) -> None:
    token = fake.access_token_for("owner@example.com")
    start = fake.history_id()
    added = [fake.add_message(_raw(n)) for n in range(5)]
    assert [m.history_id for m in added] == sorted({m.history_id for m in added})
    seen, page_token, pages = [], None, 0
    while True:
        params = {"startHistoryId": start, "historyTypes": "messageAdded", "maxResults": 2}
        body = _history(http, fake, token, **params, pageToken=page_token or "").json()
        assert body["historyId"] == str(fake.history_id())
        seen += [r["messagesAdded"][0]["message"]["id"] for r in body["history"]]
        pages += 1
        page_token = body.get("nextPageToken")
        if not page_token:
            break
    assert seen == [m.id for m in added] and pages == 3
    record = _history(http, fake, token, startHistoryId=start).json()["history"][0]
    assert record["messages"] == [{"id": added[0].id, "threadId": added[0].thread_id}]
    assert record["messagesAdded"][0]["message"]["labelIds"] == ["INBOX", "UNREAD"]


def test_history_up_to_date_has_no_history_key(fake: FakeGoogle, http: requests.Session) -> None:
    token = fake.access_token_for("owner@example.com")
    fake.add_message(_raw())
    body = _history(http, fake, token, startHistoryId=fake.history_id()).json()
    assert body == {"historyId": str(fake.history_id())}


def test_history_filters_by_label(fake: FakeGoogle, http: requests.Session) -> None:
    token = fake.access_token_for("owner@example.com")
    start = fake.history_id()
    fake.add_message(_raw(1), labels=["SENT"])
    inbox = fake.add_message(_raw(2))
    body = _history(http, fake, token, startHistoryId=start, labelId="INBOX").json()
    assert [r["messages"][0]["id"] for r in body["history"]] == [inbox.id]


def test_forgotten_history_answers_404(fake: FakeGoogle, http: requests.Session) -> None:
    token = fake.access_token_for("owner@example.com")
    old = fake.history_id()
    fake.add_message(_raw(1))
    fake.forget_history_before(fake.history_id())
    gone = _history(http, fake, token, startHistoryId=old)
    assert gone.status_code == 404
    assert gone.json() == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }
    fake.add_message(_raw(2))
    fake.expire_history()
    assert _history(http, fake, token, startHistoryId=fake.history_id()).status_code == 200
    assert _history(http, fake, token, startHistoryId=fake.history_id() - 1).status_code == 404


# --- Gmail: messages, attachments, labels ---------------------------------------------------


def test_list_messages_newest_first_with_after_and_pages(
    fake: FakeGoogle, http: requests.Session
) -> None:
    token = fake.access_token_for("owner@example.com")
    msgs = [
        fake.add_message(_raw(n), internal_date_ms=(1_700_000_000 + n) * 1000) for n in range(4)
    ]
    fake.add_message(_raw(9), labels=["SENT"], internal_date_ms=1_800_000_000_000)
    listed = _api(http, fake, "GET", "messages", token, params={"labelIds": "INBOX"}).json()
    assert [m["id"] for m in listed["messages"]] == [m.id for m in reversed(msgs)]
    assert listed["resultSizeEstimate"] == 4 and "nextPageToken" not in listed
    params = {"q": "after:1700000002 in:inbox", "labelIds": "INBOX", "maxResults": 1}
    first = _api(http, fake, "GET", "messages", token, params=params).json()
    assert first["messages"] == [{"id": msgs[3].id, "threadId": msgs[3].thread_id}]
    params["pageToken"] = first["nextPageToken"]
    second = _api(http, fake, "GET", "messages", token, params=params).json()
    assert [m["id"] for m in second["messages"]] == [msgs[2].id]
    assert "nextPageToken" not in second
    none = _api(http, fake, "GET", "messages", token, params={"q": "after:1900000000"}).json()
    assert none == {"resultSizeEstimate": 0}


def test_get_message_raw_and_metadata(fake: FakeGoogle, http: requests.Session) -> None:
    token = fake.access_token_for("owner@example.com")
    raw = _raw(7)
    msg = fake.add_message(raw, internal_date_ms=1_700_000_000_123)
    assert len(msg.id) == 16 and int(msg.id, 16) >= 0
    body = _api(http, fake, "GET", f"messages/{msg.id}", token, params={"format": "raw"}).json()
    assert base64.urlsafe_b64decode(body["raw"]) == raw
    assert body["internalDate"] == "1700000000123" and body["sizeEstimate"] == len(raw)
    assert body["historyId"] == str(msg.history_id) and body["labelIds"] == ["INBOX", "UNREAD"]
    meta = _api(http, fake, "GET", f"messages/{msg.id}", token, params={"format": "metadata"})
    assert "raw" not in meta.json() and meta.json()["id"] == msg.id
    assert _api(http, fake, "GET", "messages/ffffffffffffffff", token).status_code == 404


def test_attachment_by_id(fake: FakeGoogle, http: requests.Session) -> None:
    token = fake.access_token_for("owner@example.com")
    msg = fake.add_message(_raw())
    attachment_id = fake.add_attachment(msg.id, b"\x00\xffpdf bytes")
    path = f"messages/{msg.id}/attachments/{attachment_id}"
    body = _api(http, fake, "GET", path, token).json()
    assert body["size"] == 11 and base64.urlsafe_b64decode(body["data"]) == b"\x00\xffpdf bytes"
    fake.pad_base64 = False
    assert "=" not in _api(http, fake, "GET", path, token).json()["data"]
    assert _api(http, fake, "GET", f"messages/{msg.id}/attachments/x", token).status_code == 404


def test_labels_create_and_modify(fake: FakeGoogle, http: requests.Session) -> None:
    token = fake.access_token_for("owner@example.com")
    names = {lb["id"]: lb for lb in _api(http, fake, "GET", "labels", token).json()["labels"]}
    assert names["INBOX"]["type"] == "system" and "UNREAD" in names
    created = _api(http, fake, "POST", "labels", token, json={"name": "Relais/Processed"}).json()
    assert created == {"id": "Label_1", "name": "Relais/Processed", "type": "user"}
    dup = _api(http, fake, "POST", "labels", token, json={"name": "relais/processed"})
    assert dup.status_code == 409
    msg = fake.add_message(_raw())
    start = fake.history_id()
    change = {"addLabelIds": ["Label_1"], "removeLabelIds": ["UNREAD"]}
    modified = _api(http, fake, "POST", f"messages/{msg.id}/modify", token, json=change).json()
    assert modified == {"id": msg.id, "threadId": msg.thread_id, "labelIds": ["INBOX", "Label_1"]}
    assert fake.message(msg.id).label_ids == ["INBOX", "Label_1"]
    added_only = _history(http, fake, token, startHistoryId=start, historyTypes="messageAdded")
    assert "history" not in added_only.json()
    kinds = [
        set(r) - {"id", "messages"}
        for r in _history(http, fake, token, startHistoryId=start).json()["history"]
    ]
    assert kinds == [{"labelsAdded"}, {"labelsRemoved"}]
    bad = {"addLabelIds": ["Label_99"]}
    assert _api(http, fake, "POST", f"messages/{msg.id}/modify", token, json=bad).status_code == 400


# --- faults and the request log -------------------------------------------------------------


def test_fail_next_and_calls(fake: FakeGoogle, http: requests.Session) -> None:
    token = fake.access_token_for("owner@example.com")
    fake.fail_next("/history", 503, times=2, headers={"Retry-After": "1"})
    start = fake.history_id()
    first = _history(http, fake, token, startHistoryId=start)
    assert first.status_code == 503 and first.headers["Retry-After"] == "1"
    assert first.json()["error"]["status"] == "UNAVAILABLE"
    assert _history(http, fake, token, startHistoryId=start).status_code == 503
    assert _history(http, fake, token, startHistoryId=start).status_code == 200
    assert _api(http, fake, "GET", "labels", token).status_code == 200
    assert fake.calls("/history") == 3 and fake.calls("/labels") == 1
    method, path, query = fake.requests[0]
    assert (method, path) == ("GET", "/gmail/v1/users/me/history")
    assert query == f"startHistoryId={start}"


# --- OIDC push tokens -----------------------------------------------------------------------


def _verify(http: requests.Session, fake: FakeGoogle, token: str) -> Any:
    request = Request(session=http)
    return id_token.verify_token(token, request, audience=AUDIENCE, certs_url=fake.certs_url)


def test_certs_endpoint_serves_the_certificate(fake: FakeGoogle, http: requests.Session) -> None:
    reply = http.get(fake.certs_url, timeout=5)
    assert reply.headers["Cache-Control"] == "public, max-age=3600"
    assert reply.json() == {fake.kid: fake.cert_pem}
    assert fake.cert_pem.startswith("-----BEGIN CERTIFICATE-----")


def test_push_token_is_accepted_by_google_auth(fake: FakeGoogle, http: requests.Session) -> None:
    token = fake.push_token(AUDIENCE)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "RS256", "kid": fake.kid, "typ": "JWT"}
    claims = _verify(http, fake, token)
    assert claims["email"] == "gmail-push@proj.iam.gserviceaccount.com"
    assert claims["email_verified"] is True and claims["iss"] == "https://accounts.google.com"
    assert claims["aud"] == AUDIENCE and claims["sub"] == claims["azp"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"audience": "https://elsewhere.example"}, "audience"),
        ({"expires_in": -120}, "expired"),
        ({"key": new_private_key_pem()}, "signature"),
        ({"kid": "0" * 40}, "Certificate for key id"),
    ],
)
def test_push_token_refusals(
    fake: FakeGoogle, http: requests.Session, kwargs: dict[str, Any], error: str
) -> None:
    token = fake.push_token(**({"audience": AUDIENCE} | kwargs))
    with pytest.raises(ValueError, match=error):
        _verify(http, fake, token)


def test_push_body_is_pubsub_shaped(fake: FakeGoogle) -> None:
    body = fake.push_body("owner@example.com", 4242, message_id="77")
    message = body["message"]
    assert json.loads(base64.b64decode(message["data"])) == {
        "emailAddress": "owner@example.com",
        "historyId": 4242,
    }
    assert message["messageId"] == message["message_id"] == "77"
    assert message["publishTime"] == message["publish_time"]
    assert message["publishTime"].endswith("Z")
    assert body["subscription"] == "projects/p/subscriptions/s"


# --- raw messages ---------------------------------------------------------------------------


def test_build_raw_encodes_and_parses_back() -> None:
    raw = build_raw(
        "Café ✓ réservation",
        "Zoë <zoe@example.org>",
        "owner@example.com",
        html="<p>Bonjour</p>",
        text="Bonjour",
        attachments=[("plan.pdf", b"%PDF-1.4"), ("n.bin", b"\x00", "application/x-thing")],
        message_id="<m1@example.org>",
    )
    assert b"=?utf-8?" in raw and b"\r\n" in raw and raw.isascii()
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert parsed["Subject"] == "Café ✓ réservation"
    assert parsed["Message-ID"] == "<m1@example.org>" and parsed["Date"]
    html = parsed.get_body(("html",))
    assert html is not None and html.get_content().strip() == "<p>Bonjour</p>"
    parts = [(p.get_filename(), p.get_content_type()) for p in parsed.iter_attachments()]
    assert parts == [("plan.pdf", "application/pdf"), ("n.bin", "application/x-thing")]
