"""Pub/Sub push authentication: the OIDC token Google attaches to each push.

The token's signature, expiry and audience are checked by google-auth (`jwt.decode`)
against Google's certificates (GOOGLE_OIDC_CERTS_URL, cached as long as Google's
Cache-Control allows); then the issuer, the service account (`email`) and
`email_verified`. Anything else is refused: 401 when there is no usable token, 403 when
a valid token is not the one this deployment expects.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import urllib3

# google-auth is imported where a token is checked (~0.1 s of a worker's start otherwise).

ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})
CLOCK_SKEW_SECONDS = 10
CERTS_TTL_DEFAULT = 3600
CERTS_TTL_MAX = 86400
MAX_AGE = re.compile(r"max-age=(\d{1,7})")


class PushRefused(Exception):
    """Not a push this deployment accepts; `status` is 401 or 403 (message safe to show)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class CertsUnavailable(Exception):
    """Google's certificates could not be read: answer 503 so Pub/Sub retries."""


@dataclass(frozen=True)
class Notification:
    """What a Gmail push says: this mailbox has changes up to this history id."""

    address: str
    history_id: str
    message_id: str


class GoogleCerts:
    """Google's signing certificates (key id -> PEM), fetched and cached."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self._url = url
        self._clock = clock
        self._http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=5, read=10), retries=False)
        self._certs: dict[str, str] = {}
        self._until = 0.0
        self._lock = threading.Lock()

    def get(self, refresh: bool = False) -> dict[str, str]:
        with self._lock:
            if refresh or not self._certs or self._clock() >= self._until:
                self._fetch()
            return dict(self._certs)

    def _fetch(self) -> None:
        try:
            resp = self._http.request("GET", self._url)
        except urllib3.exceptions.HTTPError as exc:
            raise CertsUnavailable("Google's certificates are unreachable") from exc
        if resp.status != 200:
            raise CertsUnavailable(f"Google's certificates answered {resp.status}")
        try:
            certs = json.loads(resp.data)
        except ValueError as exc:
            raise CertsUnavailable("Google's certificates are not JSON") from exc
        if not isinstance(certs, dict) or not certs:
            raise CertsUnavailable("Google's certificates are empty")
        self._certs = {str(k): str(v) for k, v in certs.items()}
        self._until = self._clock() + _max_age(resp.headers.get("Cache-Control", ""))


def _max_age(cache_control: str) -> int:
    found = MAX_AGE.search(cache_control)
    return min(CERTS_TTL_MAX, int(found.group(1))) if found else CERTS_TTL_DEFAULT


class PushVerifier:
    """Checks a push's `Authorization: Bearer <OIDC token>`."""

    def __init__(self, certs: GoogleCerts, audience: str | None, service_account: str | None):
        self._certs = certs
        self._audience = audience
        self._account = (service_account or "").lower()

    @property
    def configured(self) -> bool:
        return bool(self._audience and self._account)

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The token's claims; PushRefused otherwise (CertsUnavailable when Google cannot
        be asked)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise PushRefused(401, "missing bearer token")
        if not self.configured:
            raise PushRefused(403, "Pub/Sub push is not configured (PUBSUB_AUDIENCE)")
        claims = self._decode(token.strip())
        self._check_identity(claims)
        return claims

    def _decode(self, token: str) -> dict[str, Any]:
        import google.auth.exceptions
        from google.auth import jwt

        for refresh in (False, True):  # a new key id: Google rotated its keys, read again
            certs = self._certs.get(refresh=refresh)
            try:
                return dict(
                    jwt.decode(
                        token,
                        certs=certs,
                        audience=self._audience,
                        clock_skew_in_seconds=CLOCK_SKEW_SECONDS,
                    )
                )
            except (ValueError, google.auth.exceptions.GoogleAuthError) as exc:
                if refresh or "Certificate for key id" not in str(exc):
                    raise PushRefused(401, _why(exc)) from None
        raise PushRefused(401, "invalid token")  # pragma: no cover (the loop returns or raises)

    def _check_identity(self, claims: Mapping[str, Any]) -> None:
        if claims.get("iss") not in ISSUERS:
            raise PushRefused(401, "token not issued by Google")
        if str(claims.get("email", "")).lower() != self._account:
            raise PushRefused(403, "token of another service account")
        if claims.get("email_verified") is not True:
            raise PushRefused(403, "service account email not verified")


def _why(exc: Exception) -> str:
    text = str(exc)
    if "expired" in text.lower() or "too early" in text.lower():
        return "token expired or not yet valid"
    if "audience" in text.lower():
        return "token for another audience"
    if "signature" in text.lower() or "key id" in text.lower():
        return "token signature not valid"
    return "token not valid"


def parse_push(body: Mapping[str, Any]) -> Notification:
    """The standard push body -> the Gmail notification inside; ValueError if malformed."""
    message = body.get("message")
    if not isinstance(message, dict):
        raise ValueError("message: an object is required")
    doc = _data(message.get("data"))
    address = doc.get("emailAddress")
    history = doc.get("historyId")
    if not isinstance(address, str) or not 3 <= len(address) <= 320 or "@" not in address:
        raise ValueError("message.data.emailAddress: an address is required")
    if not re.fullmatch(r"\d{1,20}", str(history)):
        raise ValueError("message.data.historyId: a number is required")
    message_id = str(message.get("messageId") or message.get("message_id") or "")[:100]
    return Notification(address.lower(), str(history), message_id)


def _data(data: Any) -> dict[str, Any]:
    """message.data: base64 of a JSON object."""
    if not isinstance(data, str) or len(data) > 10_000:
        raise ValueError("message.data: base64 JSON is required")
    try:
        doc = json.loads(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValueError("message.data: not base64 JSON") from exc
    if not isinstance(doc, dict):
        raise ValueError("message.data: a JSON object is required")
    return doc
