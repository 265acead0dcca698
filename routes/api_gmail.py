"""Gmail API push: connected mailboxes (admin), the consent callback, the Pub/Sub push."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any
from urllib.parse import quote

from flask import Blueprint, jsonify, redirect, request
from pydantic import BaseModel, ConfigDict, StringConstraints

from routes.admin_access import actor, admin_required, current_session
from routes.errors import error_response
from routes.validation import json_body, query_args, responds
from services.app import get_services
from services.gmail.build import ConsentRefused, PushRefused
from services.gmail.push import CertsUnavailable

bp = Blueprint("api_gmail", __name__)

CALLBACK = "/api/gmail/oauth/callback"
CERTS_RETRY_AFTER = 30


class ConnectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login_hint: Annotated[str, StringConstraints(max_length=320)] = ""


class CallbackQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")  # Google adds scope, authuser, prompt, ...

    state: Annotated[str, StringConstraints(max_length=200)] = ""
    code: Annotated[str, StringConstraints(max_length=2000)] = ""
    error: Annotated[str, StringConstraints(max_length=200)] = ""


def _session_hash() -> str:
    session = current_session()
    return hashlib.sha256(session.csrf.encode()).hexdigest() if session else ""


@bp.get("/api/gmail/mailboxes")
@responds(200, "Mailboxes")
@admin_required
def list_mailboxes() -> Any:
    """Connected mailboxes (state, watch, last push, history id, lag) and what is set up."""
    gmail = get_services().gmail
    return jsonify({"items": gmail.mailboxes(), "setup": gmail.setup()})


@bp.post("/api/gmail/connect")
@responds(200, "ConsentStart")
@responds(409, "Error", description="the OAuth client or the encryption key is not set up")
@admin_required
@json_body(ConnectRequest)
def connect(body: ConnectRequest) -> Any:
    """Start connecting a mailbox: the Google consent URL to open (PKCE, state bound to this
    session)."""
    redirect_uri = request.host_url.rstrip("/") + CALLBACK
    url = get_services().gmail.start_consent(_session_hash(), redirect_uri, body.login_hint)
    return jsonify({"url": url, "redirect_uri": redirect_uri})


@bp.get(CALLBACK)
@responds(
    303, media="text/html", description="Back to the Mailboxes screen, with the outcome in the URL"
)
@admin_required
@query_args(CallbackQuery)
def oauth_callback(query: CallbackQuery) -> Any:
    """Where Google sends the browser back: finish the consent, then show the Mailboxes
    screen with the outcome."""
    if query.error or not query.code:
        return _back("error", "consent_denied" if query.error else "consent_refused")
    try:
        mailbox = get_services().gmail.finish_consent(
            _session_hash(), query.state, query.code, actor()
        )
    except ConsentRefused as exc:
        return _back("error", exc.code, exc.message)
    return _back("connected", mailbox["address"])


def _back(kind: str, value: str, message: str = "") -> Any:
    target = f"/#/mailboxes?{kind}={quote(value)}"
    if message:
        target += f"&message={quote(message)}"
    return redirect(target, code=303)


@bp.post("/api/gmail/mailboxes/<address>/sync")
@responds(202, "SyncQueued")
@responds(404, "Error")
@admin_required
def sync_mailbox(address: str) -> Any:
    """Sync this mailbox now (the sync thread takes it at once)."""
    get_services().gmail.sync_soon(address, actor())
    resp = jsonify({"success": True, "queued": True})
    resp.status_code = 202
    return resp


@bp.delete("/api/gmail/mailboxes/<address>")
@responds(200, "Success")
@responds(404, "Error")
@admin_required
def disconnect(address: str) -> Any:
    """Stop the watch and forget the mailbox (its token is deleted)."""
    get_services().gmail.disconnect(address, actor())
    return jsonify({"success": True})


@bp.post("/api/ingress/pubsub")
@responds(200, "PushOutcome")
@responds(400, "Error", description="bad_request: not a Pub/Sub push")
@responds(401, "Error", description="unauthorized: no Google token for this deployment")
@responds(403, "Error", description="forbidden: a token of another identity")
@responds(503, "Error", description="unavailable: come back later (Retry-After)")
def pubsub_push() -> Any:
    """The Pub/Sub push endpoint: 200 once the notification is durably recorded (or for a
    mailbox that is not connected, so Pub/Sub stops resending it); 401/403 for a push
    without Google's token for this deployment; 503 with Retry-After when it must come back."""
    body = request.get_json(silent=True)
    try:
        outcome = get_services().gmail.receive_push(
            request.headers.get("Authorization"), body if isinstance(body, dict) else {}
        )
    except PushRefused as exc:
        get_services().metrics.gmail_notifications.labels("refused").inc()
        code = "unauthorized" if exc.status == 401 else "forbidden"
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, code, exc.message, headers=headers)
    except CertsUnavailable:
        return error_response(
            503,
            "unavailable",
            "Google's certificates could not be read; Pub/Sub will retry",
            headers={"Retry-After": str(CERTS_RETRY_AFTER)},
        )
    except ValueError as exc:
        return error_response(400, "bad_request", str(exc))
    resp = jsonify({"success": True, "outcome": outcome})
    resp.status_code = 200
    return resp


pubsub_push.relais_auth = "pubsub"  # type: ignore[attr-defined]  # read by the OpenAPI builder
