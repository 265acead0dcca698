"""Connecting a mailbox from the dashboard: Google's OAuth consent with PKCE.

`start` builds the consent URL (google-auth-oauthlib's Flow: offline access, a PKCE
S256 challenge) and keeps the verifier and the admin session that asked, under a hash of
a random `state`, for 10 minutes. `finish` takes that record once (a replayed callback
finds nothing), checks that the same admin session came back, and exchanges the code
for tokens with the verifier.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from google_auth_oauthlib.flow import Flow

# google-auth-oauthlib (and requests, oauthlib) are imported when a consent starts or ends:
# they cost a worker ~0.1 s at start, and a consent is rare.

from config.keys import GMAIL_OAUTH_TTL
from services.errors import Conflict, InvalidInput
from services.gmail.google import MODIFY, READONLY
from services.gmail.mailboxes import MailboxStore

# Google may grant a scope set written differently from the one asked (and adds scopes
# granted earlier): compare what we need ourselves instead of oauthlib's strict check.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")


class GmailNotConfigured(Conflict):
    """No Google OAuth client: mailboxes cannot be connected from the dashboard."""

    code = "gmail_not_configured"


class ConsentRefused(InvalidInput):
    """The callback is not one we can accept (unknown or reused state, another session,
    the user said no, or Google refused the code)."""

    code = "consent_refused"


@dataclass(frozen=True)
class Grant:
    refresh_token: str
    access_token: str
    scope: str


@dataclass(frozen=True)
class ConsentConfig:
    client_id: str
    client_secret: str
    auth_uri: str
    token_uri: str
    labelling: bool  # gmail.modify is asked only when labelling after processing is on
    insecure_loopback: bool = False  # http:// Google endpoints (tests' loopback fakes)


def scopes(labelling: bool) -> list[str]:
    return [READONLY, MODIFY] if labelling else [READONLY]


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class ConsentFlow:
    def __init__(self, config: ConsentConfig | None, store: MailboxStore) -> None:
        self._config = config
        self._store = store

    @property
    def configured(self) -> bool:
        return self._config is not None

    def _flow(self, redirect_uri: str, verifier: str | None, state: str | None) -> Flow:
        from google_auth_oauthlib.flow import Flow

        c = self._require()
        client = {
            "web": {
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "auth_uri": c.auth_uri,
                "token_uri": c.token_uri,
            }
        }
        flow = Flow.from_client_config(
            client,
            scopes=scopes(c.labelling),
            redirect_uri=redirect_uri,
            code_verifier=verifier,
            autogenerate_code_verifier=verifier is None,
            state=state,
        )
        return flow

    def _require(self) -> ConsentConfig:
        if self._config is None:
            raise GmailNotConfigured(
                "set GMAIL_CLIENT_ID and GMAIL_CLIENT_SECRET (a Google OAuth web client) "
                "to connect a mailbox"
            )
        return self._config

    def start(self, session_id_hash: str, redirect_uri: str, login_hint: str = "") -> str:
        """The consent URL to send the admin's browser to."""
        state = secrets.token_urlsafe(32)
        flow = self._flow(redirect_uri, None, state)
        extra = {"login_hint": login_hint} if login_hint else {}
        with _transport(self._require()):
            url, _ = flow.authorization_url(
                access_type="offline", prompt="consent", include_granted_scopes="false", **extra
            )
        doc = {"verifier": flow.code_verifier, "session": session_id_hash, "redirect": redirect_uri}
        self._store.put_consent(_state_hash(state), doc, GMAIL_OAUTH_TTL)
        return str(url)

    def finish(self, session_id_hash: str, state: str, code: str) -> Grant:
        record = self._store.take_consent(_state_hash(state)) if state else None
        if record is None:
            raise ConsentRefused("this consent expired or was already used: connect again")
        if not secrets.compare_digest(str(record.get("session", "")), session_id_hash):
            raise ConsentRefused("this consent was started by another session: connect again")
        import oauthlib.oauth2.rfc6749.errors as oauth_errors
        import requests

        flow = self._flow(str(record["redirect"]), str(record["verifier"]), state)
        try:
            with _transport(self._require()):
                token = flow.fetch_token(code=code)
        except oauth_errors.OAuth2Error as exc:
            raise ConsentRefused(f"Google refused the code ({exc.error})") from None
        except requests.RequestException:
            raise ConsentRefused("Google's token endpoint could not be reached") from None
        return _grant(token)


def _grant(token: dict[str, Any]) -> Grant:
    refresh = token.get("refresh_token")
    if not refresh:
        raise ConsentRefused(
            "Google gave no refresh token: remove Relais' access in your Google account and "
            "connect again"
        )
    scope = token.get("scope", "")
    granted = " ".join(scope) if isinstance(scope, list) else str(scope)
    if READONLY not in granted.split() and MODIFY not in granted.split():
        raise ConsentRefused("the Gmail read permission was not granted: connect again")
    return Grant(str(refresh), str(token.get("access_token", "")), granted)


class _transport:
    """oauthlib refuses http:// endpoints; the tests' loopback fakes need it, only them."""

    def __init__(self, config: ConsentConfig) -> None:
        self._on = config.insecure_loopback

    def __enter__(self) -> None:
        if self._on:
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

    def __exit__(self, *exc: object) -> None:
        if self._on:
            os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
