"""One loopback HTTP server that plays Google for Relais: OAuth, a Gmail API subset, OIDC certs.

Tests own the state: they add messages, revoke tokens, forget history, inject failures, and sign
Pub/Sub push tokens that Relais' real google-auth verification accepts (or, on purpose, refuses).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import mimetypes
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formatdate, make_msgid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, unquote_plus, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.modify"
CLIENT_ID = "relais-test.apps.googleusercontent.com"
CLIENT_SECRET = "fake-client-secret"
PUSH_ACCOUNT = "gmail-push@proj.iam.gserviceaccount.com"
SYSTEM_LABELS = ("INBOX", "UNREAD", "SENT", "SPAM", "TRASH", "STARRED", "IMPORTANT")
ACCESS_TTL = 3599
WATCH_TTL_MS = 7 * 24 * 3600 * 1000
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_CHANGE_KEYS = {"labelAdded": "labelsAdded", "labelRemoved": "labelsRemoved"}
_UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential."
)

# --- keys and raw messages ------------------------------------------------------------------


def new_private_key_pem() -> bytes:
    """A fresh RSA 2048 private key (PEM): sign a push token with it to get a bad signature."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _self_signed_cert(key_pem: bytes) -> str:
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-google-oidc")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@functools.cache
def _signing_material() -> tuple[bytes, str, str]:
    """(private key PEM, certificate PEM, kid), made once per test process (RSA is slow)."""
    key_pem = new_private_key_pem()
    cert_pem = _self_signed_cert(key_pem)
    return key_pem, cert_pem, hashlib.sha1(cert_pem.encode()).hexdigest()


def build_raw(
    subject: str,
    sender: str,
    to: str,
    html: str | None = None,
    text: str | None = None,
    attachments: Iterable[tuple[str, bytes] | tuple[str, bytes, str]] = (),
    date: dt.datetime | str | None = None,
    message_id: str | None = None,
) -> bytes:
    """An RFC 822 message (CRLF); attachments are (filename, data[, content_type])."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    if isinstance(date, dt.datetime):
        date = format_datetime(date)
    msg["Date"] = date or formatdate(localtime=False)
    msg["Message-ID"] = message_id or make_msgid(domain="fake-google.test")
    if text is not None or html is None:
        msg.set_content(text or "")
        if html is not None:
            msg.add_alternative(html, subtype="html")
    else:
        msg.set_content(html, subtype="html")
    for filename, data, *rest in attachments:
        ctype = rest[0] if rest else mimetypes.guess_type(filename)[0]
        maintype, _, subtype = (ctype or "application/octet-stream").partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=SMTP)


# --- state ----------------------------------------------------------------------------------


@dataclass
class Message:
    """A message in a fake mailbox; the object is live (modify updates `label_ids`)."""

    id: str
    thread_id: str
    email: str
    raw: bytes
    label_ids: list[str]
    internal_date_ms: int
    history_id: int
    attachments: dict[str, bytes] = field(default_factory=dict)

    def minimal(self) -> dict[str, Any]:
        return {"id": self.id, "threadId": self.thread_id, "labelIds": list(self.label_ids)}


@dataclass(frozen=True)
class WatchCall:
    email: str
    topic_name: str
    label_ids: list[str]
    label_filter_behavior: str | None
    body: dict[str, Any]


class Seen(NamedTuple):
    method: str
    path: str
    query: str


@dataclass(frozen=True)
class _HistoryRecord:
    id: int
    kind: str  # messageAdded, labelAdded, labelRemoved
    message: dict[str, Any]  # the message's minimal form when the record was written
    label_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(self.id),
            "messages": [{"id": self.message["id"], "threadId": self.message["threadId"]}],
        }
        if self.kind == "messageAdded":
            out["messagesAdded"] = [{"message": self.message}]
        else:
            change = {"message": self.message, "labelIds": list(self.label_ids)}
            out[_CHANGE_KEYS[self.kind]] = [change]
        return out


@dataclass
class Mailbox:
    """One account's messages, history and labels (history ids grow by 3 per change)."""

    email: str
    history_id: int = 1000
    oldest_history_id: int = 0
    messages: dict[str, Message] = field(default_factory=dict)
    history: list[_HistoryRecord] = field(default_factory=list)
    labels: dict[str, dict[str, str]] = field(
        default_factory=lambda: {n: {"id": n, "name": n, "type": "system"} for n in SYSTEM_LABELS}
    )

    def record(self, kind: str, message: Message, label_ids: Iterable[str] = ()) -> None:
        self.history_id += 3  # increasing but not contiguous, as Gmail's
        message.history_id = self.history_id
        self.history.append(_HistoryRecord(self.history_id, kind, message.minimal(), (*label_ids,)))


@dataclass
class _Grant:
    email: str
    scope: str
    revoked: bool = False


@dataclass
class _Access:
    grant: _Grant
    expires_at: float


@dataclass(frozen=True)
class _Code:
    email: str
    challenge: str
    redirect_uri: str
    scope: str


@dataclass
class _Fault:
    needle: str
    status: int
    times: int
    body: dict[str, Any]
    headers: dict[str, str]


class _Fail(Exception):
    """Raised inside a route: answer `status` with `body` (Google's JSON shapes)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def google_error(status: int, message: str) -> dict[str, Any]:
    """The error shape of Google's JSON APIs: {"error": {"code", "message", "status"}}."""
    return {"error": {"code": status, "message": message, "status": _STATUS.get(status, "UNKNOWN")}}


def _api_fail(status: int, message: str) -> _Fail:
    return _Fail(status, google_error(status, message))


def _oauth_fail(status: int, error: str, description: str) -> _Fail:
    return _Fail(status, {"error": error, "error_description": description})


def _b64url(data: bytes, pad: bool) -> str:
    text = base64.urlsafe_b64encode(data).decode()
    return text if pad else text.rstrip("=")


def _first(query: Mapping[str, list[str]], name: str, default: str = "") -> str:
    return query.get(name, [default])[0]


def _int_param(query: Mapping[str, list[str]], name: str, default: int, cap: int) -> int:
    try:
        value = int(_first(query, name) or default)
    except ValueError:
        raise _api_fail(400, f"Invalid value for {name}") from None
    return max(1, min(value, cap))


# --- HTTP -----------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The head and the body go out in two writes: without this, Nagle's algorithm holds the
    # body until the client's delayed ACK (40 ms per call), which Google does not do.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload, extra = self.server.fake.handle(method, self.path, headers, body)
        data = b"" if payload is None else json.dumps(payload).encode()
        try:
            self.send_response(status)
            if payload is not None:
                self.send_header("Content-Type", "application/json; charset=UTF-8")
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr line."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGoogle


_Reply = tuple[int, dict[str, Any] | None, dict[str, str]]

_GMAIL_ROUTES = (
    ("GET", r"profile", "_profile"),
    ("POST", r"watch", "_watch"),
    ("POST", r"stop", "_stop"),
    ("GET", r"history", "_history"),
    ("GET", r"messages", "_list_messages"),
    ("GET", r"messages/([^/]+)", "_get_message"),
    ("GET", r"messages/([^/]+)/attachments/([^/]+)", "_get_attachment"),
    ("POST", r"messages/([^/]+)/modify", "_modify"),
    ("GET", r"labels", "_list_labels"),
    ("POST", r"labels", "_create_label"),
)


class FakeGoogle:
    """Start with `FakeGoogle()` (or `with FakeGoogle() as g`); point Relais at its URLs."""

    def __init__(
        self,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        default_email: str = "owner@example.com",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.default_email = default_email
        self.pad_base64 = True  # set False to send base64url without "=" padding
        self._now = now
        self._lock = threading.RLock()
        self._mailboxes: dict[str, Mailbox] = {}
        self._codes: dict[str, _Code] = {}
        self._grants: dict[str, _Grant] = {}
        self._access: dict[str, _Access] = {}
        self._faults: list[_Fault] = []
        self._delays: dict[str, float] = {}
        self.requests: list[Seen] = []
        self.watch_calls: list[WatchCall] = []
        self.stop_calls: list[str] = []
        self.key_pem, self.cert_pem, self.kid = _signing_material()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # URLs Relais is configured with

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_root(self) -> str:
        return self.base_url

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    @property
    def auth_uri(self) -> str:
        return f"{self.base_url}/o/oauth2/v2/auth"

    @property
    def certs_url(self) -> str:
        return f"{self.base_url}/oauth2/v1/certs"

    @property
    def revoke_uri(self) -> str:
        return f"{self.base_url}/revoke"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeGoogle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # OAuth state

    def issue_code(
        self, email: str, code_challenge: str, redirect_uri: str, scope: str = GMAIL_SCOPE
    ) -> str:
        """An authorization code as Google's consent page would hand the browser."""
        code = "4/0" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(email, code_challenge, redirect_uri, scope)
        return code

    def consent(self, auth_url: str, email: str | None = None, deny: bool = False) -> str:
        """Check an authorization URL as Google would; return the callback URL it redirects to."""
        parts = urlsplit(auth_url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == self.auth_uri, auth_url
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        expected = {"response_type": "code", "client_id": self.client_id, "access_type": "offline"}
        expected["code_challenge_method"] = "S256"
        for name, value in expected.items():
            assert params.get(name) == value, f"{name}={params.get(name)!r}, wanted {value!r}"
        for name in ("redirect_uri", "scope", "state", "code_challenge"):
            assert params.get(name), f"authorization URL lacks {name}"
        if deny:
            reply = {"error": "access_denied", "state": params["state"]}
        else:
            code = self.issue_code(
                email or self.default_email,
                params["code_challenge"],
                params["redirect_uri"],
                params["scope"],
            )
            reply = {"code": code, "state": params["state"], "scope": params["scope"]}
        return f"{params['redirect_uri']}?{urlencode(reply)}"

    def refresh_token_for(self, email: str, scope: str = GMAIL_SCOPE) -> str:
        """A valid refresh token for `email`, as if consent had happened (GMAIL_REFRESH_TOKEN)."""
        token = "1//0" + secrets.token_urlsafe(32)
        with self._lock:
            self._grants[token] = _Grant(email, scope)
        return token

    def access_token_for(self, email: str) -> str:
        """A valid access token for `email`, to call the Gmail routes directly."""
        return self._new_access(self._grants[self.refresh_token_for(email)])

    def revoke(self, refresh_token: str) -> None:
        """Revoke a refresh token and the access tokens it gave (as Google's revoke does)."""
        with self._lock:
            self._grants[refresh_token].revoked = True

    def revoke_all(self) -> None:
        with self._lock:
            for grant in self._grants.values():
                grant.revoked = True

    def expire_access_tokens(self) -> None:
        with self._lock:
            for access in self._access.values():
                access.expires_at = float("-inf")

    def _new_access(self, grant: _Grant) -> str:
        token = "ya29." + secrets.token_urlsafe(32)
        with self._lock:
            self._access[token] = _Access(grant, self._now() + ACCESS_TTL)
        return token

    # Mailbox state

    def mailbox(self, email: str | None = None) -> Mailbox:
        email = (email or self.default_email).lower()
        with self._lock:
            return self._mailboxes.setdefault(email, Mailbox(email))

    def history_id(self, email: str | None = None) -> int:
        return self.mailbox(email).history_id

    def add_message(
        self,
        raw: bytes,
        email: str | None = None,
        labels: Iterable[str] = ("INBOX", "UNREAD"),
        internal_date_ms: int | None = None,
        thread_id: str | None = None,
    ) -> Message:
        """Deliver a message: a new history id and a messagesAdded record."""
        box = self.mailbox(email)
        with self._lock:
            msg_id = secrets.token_hex(8)
            when = int(self._now() * 1000) if internal_date_ms is None else internal_date_ms
            msg = Message(msg_id, thread_id or msg_id, box.email, raw, list(labels), when, 0)
            box.messages[msg_id] = msg
            box.record("messageAdded", msg)
            return msg

    def message(self, message_id: str, email: str | None = None) -> Message:
        return self.mailbox(email).messages[message_id]

    def add_attachment(self, message_id: str, data: bytes, email: str | None = None) -> str:
        attachment_id = "ANGjdJ" + secrets.token_urlsafe(30)
        with self._lock:
            self.message(message_id, email).attachments[attachment_id] = data
        return attachment_id

    def forget_history_before(self, history_id: int, email: str | None = None) -> None:
        """startHistoryId below `history_id` now answers 404, as Gmail's after about a week."""
        box = self.mailbox(email)
        with self._lock:
            box.oldest_history_id = history_id
            box.history = [r for r in box.history if r.id >= history_id]

    def expire_history(self, email: str | None = None) -> None:
        """Only the current history id remains a valid startHistoryId."""
        self.forget_history_before(self.history_id(email), email)

    # Faults and the request log

    def fail_next(
        self,
        path_substring: str,
        status: int,
        times: int = 1,
        body: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """The next `times` requests whose path contains `path_substring` get this error."""
        body = body if body is not None else google_error(status, "Injected failure")
        with self._lock:
            self._faults.append(_Fault(path_substring, status, times, body, dict(headers or {})))

    def slow_down(self, path_substring: str, seconds: float) -> None:
        """Requests whose path contains `path_substring` are answered after `seconds` (a
        Google that takes its time; 0 removes it)."""
        with self._lock:
            self._delays[path_substring] = seconds

    def calls(self, path_substring: str) -> int:
        with self._lock:
            return sum(path_substring in seen.path for seen in self.requests)

    # OIDC for Pub/Sub push

    def push_token(
        self,
        audience: str,
        email: str = PUSH_ACCOUNT,
        email_verified: bool = True,
        issuer: str = "https://accounts.google.com",
        expires_in: int = 3600,
        kid: str | None = None,
        key: bytes | str | None = None,
    ) -> str:
        """An RS256 ID token as Pub/Sub puts in a push's Authorization header."""
        now = int(self._now())
        exp = now + expires_in
        subject = str(int(hashlib.sha256(email.encode()).hexdigest()[:15], 16))
        claims = {
            "aud": audience,
            "azp": subject,
            "email": email,
            "email_verified": email_verified,
            "exp": exp,
            "iat": min(now, exp - 60),
            "iss": issuer,
            "sub": subject,
        }
        signer = crypt.RSASigner.from_string(key or self.key_pem, key_id=kid or self.kid)
        return jwt.encode(signer, claims).decode()

    def push_body(
        self,
        email: str,
        history_id: int,
        message_id: str = "1",
        subscription: str = "projects/p/subscriptions/s",
    ) -> dict[str, Any]:
        """The JSON body Pub/Sub posts for a Gmail notification."""
        data = json.dumps({"emailAddress": email, "historyId": history_id}).encode()
        published = (
            dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )
        message = {
            "data": base64.b64encode(data).decode(),
            "messageId": message_id,
            "message_id": message_id,
            "publishTime": published,
            "publish_time": published,
        }
        return {"message": message, "subscription": subscription}

    # Dispatch

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Reply:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            delay = max((d for needle, d in self._delays.items() if needle in path), default=0)
        if delay:
            time.sleep(delay)
        with self._lock:
            self.requests.append(Seen(method, path, parts.query))
            fault = next((f for f in self._faults if f.needle in path), None)
            if fault:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault.status, fault.body, fault.headers
            try:
                return self._route(method, path, query, headers, body)
            except _Fail as fail:
                return fail.status, fail.body, {}

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> _Reply:
        if method == "POST" and path == "/token":
            return 200, self._token(_form(body, headers)), {"Cache-Control": "no-store"}
        if method == "POST" and path == "/revoke":
            return 200, self._revoke_endpoint(_form(body, headers) | _flat(query)), {}
        if method == "GET" and path == "/oauth2/v1/certs":
            return 200, {self.kid: self.cert_pem}, {"Cache-Control": "public, max-age=3600"}
        match = re.fullmatch(r"/gmail/v1/users/([^/]+)/(.+)", path)
        if not match:
            raise _api_fail(404, f"No route for {method} {path}")
        box = self._authorize(headers, unquote(match[1]))
        for verb, pattern, name in _GMAIL_ROUTES:
            route = re.fullmatch(pattern, match[2])
            if verb == method and route:
                answer = getattr(self, name)(box, query, _json(body), *route.groups())
                return (204, None, {}) if answer is None else (200, answer, {})
        raise _api_fail(404, f"No route for {method} {path}")

    # OAuth endpoints

    def _token(self, form: dict[str, str]) -> dict[str, Any]:
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            raise _oauth_fail(401, "invalid_client", "Unauthorized")
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            grant = self._grants.get(form.get("refresh_token", ""))
            if grant is None or grant.revoked:
                raise _oauth_fail(400, "invalid_grant", "Token has been expired or revoked.")
            return self._token_reply(grant)
        raise _oauth_fail(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _exchange_code(self, form: dict[str, str]) -> dict[str, Any]:
        code = self._codes.pop(form.get("code", ""), None)
        if code is None:
            raise _oauth_fail(400, "invalid_grant", "Bad Request")
        if form.get("redirect_uri") != code.redirect_uri:
            raise _oauth_fail(400, "redirect_uri_mismatch", "Bad Request")
        verifier = form.get("code_verifier")
        if not verifier:
            raise _oauth_fail(400, "invalid_grant", "Missing code verifier.")
        if _b64url(hashlib.sha256(verifier.encode()).digest(), pad=False) != code.challenge:
            raise _oauth_fail(400, "invalid_grant", "Invalid code verifier.")
        refresh = self.refresh_token_for(code.email, code.scope)
        return self._token_reply(self._grants[refresh]) | {"refresh_token": refresh}

    def _token_reply(self, grant: _Grant) -> dict[str, Any]:
        return {
            "access_token": self._new_access(grant),
            "expires_in": ACCESS_TTL,
            "scope": grant.scope,
            "token_type": "Bearer",
        }

    def _revoke_endpoint(self, form: dict[str, str]) -> dict[str, Any]:
        token = form.get("token", "")
        grant = self._grants.get(token) or getattr(self._access.get(token), "grant", None)
        if grant is None or grant.revoked:
            raise _oauth_fail(400, "invalid_token", "Token expired or revoked")
        grant.revoked = True
        return {}

    def _authorize(self, headers: dict[str, str], user_id: str) -> Mailbox:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        access = self._access.get(token) if scheme.lower() == "bearer" else None
        if access is None or access.grant.revoked or access.expires_at <= self._now():
            raise _api_fail(401, _UNAUTHENTICATED)
        email = access.grant.email
        if user_id != "me" and user_id.lower() != email.lower():
            raise _api_fail(403, f"Delegation denied for {email}")
        return self.mailbox(email)

    # Gmail routes: (mailbox, query, JSON body, *path groups) -> JSON, or None for 204

    def _watch(self, box: Mailbox, query: Any, body: dict[str, Any]) -> dict[str, Any]:
        topic = body.get("topicName", "")
        if not re.fullmatch(r"projects/[^/]+/topics/[^/]+", topic):
            raise _api_fail(400, "Invalid topicName does not match projects/PROJECT/topics/TOPIC")
        call = WatchCall(
            box.email, topic, list(body.get("labelIds", [])), body.get("labelFilterBehavior"), body
        )
        self.watch_calls.append(call)
        expiration = int(self._now() * 1000) + WATCH_TTL_MS
        return {"historyId": str(box.history_id), "expiration": str(expiration)}

    def _stop(self, box: Mailbox, query: Any, body: Any) -> None:
        self.stop_calls.append(box.email)

    def _history(self, box: Mailbox, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
        try:
            start = int(_first(query, "startHistoryId"))
        except ValueError:
            raise _api_fail(400, "Invalid startHistoryId") from None
        if start < box.oldest_history_id:
            raise _api_fail(404, "Requested entity was not found.")
        after = max(start, int(_first(query, "pageToken") or 0))
        kinds = query.get("historyTypes")
        label = _first(query, "labelId")
        records = [
            r
            for r in box.history
            if r.id > after
            and (not kinds or r.kind in kinds)
            and (not label or label in box.messages[r.message["id"]].label_ids)
        ]
        size = _int_param(query, "maxResults", 100, 500)
        out: dict[str, Any] = {"historyId": str(box.history_id)}
        if records[:size]:
            out["history"] = [r.to_json() for r in records[:size]]
        if len(records) > size:
            out["nextPageToken"] = str(records[size - 1].id)
        return out

    def _list_messages(
        self, box: Mailbox, query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        after = re.search(r"\bafter:(\d+)\b", _first(query, "q"))
        since_ms = int(after[1]) * 1000 if after else 0  # inclusive, like Gmail's date search
        wanted = query.get("labelIds", [])
        found = [
            m
            for m in box.messages.values()
            if m.internal_date_ms >= since_ms and all(x in m.label_ids for x in wanted)
        ]
        found.reverse()  # newest delivered first (stable for equal dates)
        found.sort(key=lambda m: m.internal_date_ms, reverse=True)
        offset = int(_first(query, "pageToken") or 0)
        size = _int_param(query, "maxResults", 100, 500)
        page = found[offset : offset + size]
        out: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if page:
            out["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if offset + size < len(found):
            out["nextPageToken"] = str(offset + size)
        return out

    def _find(self, box: Mailbox, message_id: str) -> Message:
        msg = box.messages.get(message_id)
        if msg is None:
            raise _api_fail(404, "Requested entity was not found.")
        return msg

    def _get_message(
        self, box: Mailbox, query: dict[str, list[str]], body: Any, message_id: str
    ) -> dict[str, Any]:
        msg = self._find(box, message_id)
        out = msg.minimal() | {
            "historyId": str(msg.history_id),
            "internalDate": str(msg.internal_date_ms),
            "sizeEstimate": len(msg.raw),
        }
        if _first(query, "format") == "raw":
            out["raw"] = _b64url(msg.raw, self.pad_base64)
        return out

    def _get_attachment(
        self, box: Mailbox, query: Any, body: Any, message_id: str, attachment_id: str
    ) -> dict[str, Any]:
        data = self._find(box, message_id).attachments.get(attachment_id)
        if data is None:
            raise _api_fail(404, "Requested entity was not found.")
        encoded = _b64url(data, self.pad_base64)
        return {"attachmentId": attachment_id, "size": len(data), "data": encoded}

    def _modify(
        self, box: Mailbox, query: Any, body: dict[str, Any], message_id: str
    ) -> dict[str, Any]:
        msg = self._find(box, message_id)
        add, remove = body.get("addLabelIds", []), body.get("removeLabelIds", [])
        for label in (*add, *remove):
            if label not in box.labels:
                raise _api_fail(400, f"Invalid label: {label}")
        before = list(msg.label_ids)
        msg.label_ids = [x for x in before if x not in remove] + [
            x for x in dict.fromkeys(add) if x not in before and x not in remove
        ]
        added = [x for x in msg.label_ids if x not in before]
        removed = [x for x in before if x not in msg.label_ids]
        if added:
            box.record("labelAdded", msg, added)
        if removed:
            box.record("labelRemoved", msg, removed)
        return msg.minimal()

    def _profile(self, box: Mailbox, query: Any, body: Any) -> dict[str, Any]:
        return {
            "emailAddress": box.email,
            "messagesTotal": len(box.messages),
            "threadsTotal": len({m.thread_id for m in box.messages.values()}),
            "historyId": str(box.history_id),
        }

    def _list_labels(self, box: Mailbox, query: Any, body: Any) -> dict[str, Any]:
        return {"labels": [dict(label) for label in box.labels.values()]}

    def _create_label(self, box: Mailbox, query: Any, body: dict[str, Any]) -> dict[str, Any]:
        name = str(body.get("name", "")).strip()
        if not name:
            raise _api_fail(400, "Invalid label name")
        if any(label["name"].lower() == name.lower() for label in box.labels.values()):
            raise _api_fail(409, "Label name exists or conflicts")
        label_id = f"Label_{sum(lb['type'] == 'user' for lb in box.labels.values()) + 1}"
        box.labels[label_id] = {"id": label_id, "name": name, "type": "user"}
        return dict(box.labels[label_id])


def _flat(query: Mapping[str, list[str]]) -> dict[str, str]:
    return {name: values[0] for name, values in query.items()}


def _form(body: bytes, headers: Mapping[str, str]) -> dict[str, str]:
    """A token request's form, with HTTP Basic client credentials folded in (both are Google's)."""
    form = _flat(parse_qs(body.decode(), keep_blank_values=True))
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
        form["client_id"], form["client_secret"] = unquote_plus(client_id), unquote_plus(secret)
    return form


def _json(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        raise _api_fail(400, "Invalid JSON payload received.") from None
    if not isinstance(value, dict):
        raise _api_fail(400, "Invalid JSON payload received.")
    return value
