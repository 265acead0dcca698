"""Sign in and out: password login, sessions, "log out everywhere", magic links."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from flask import Blueprint, jsonify, make_response, redirect, render_template, request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from routes.admin_access import (
    DEVICE_COOKIE,
    actor,
    admin_required,
    check_state_change,
    clear_session_cookie,
    current_session,
    foreign_origin,
    note_refused_login,
    refuse_origin,
    set_device_cookie,
    set_session_cookie,
)
from routes.errors import error_response
from routes.validation import json_body, responds
from services.access.admin_auth import AdminSession
from services.app import get_services
from services.errors import ServiceError

logger = logging.getLogger(__name__)

bp = Blueprint("api_auth", __name__)


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    username: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class MagicLinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    days: int | None = Field(None, ge=1, le=365)
    """None: a one-shot link valid a few minutes; a number: a named link valid that many days."""


def session_doc(session: AdminSession) -> dict[str, Any]:
    return {
        "user": session.user,
        "csrf_token": session.csrf,
        "created_at": session.created_at,
        "expires_at": session.expires_at,
    }


def _signed_in(sid: str, session: AdminSession, resp: Any) -> Any:
    max_age = int(session.expires_at - session.created_at)
    return set_session_cookie(resp, sid, max_age)


@bp.post("/api/auth/login")
@responds(200, "SessionInfo")
@responds(401, "Error", description="invalid_credentials")
@responds(403, "Error", description="forbidden: cross-origin request")
@responds(429, "Error", description="too_many_attempts (with Retry-After)")
@json_body(LoginRequest)
def login(body: LoginRequest) -> Any:
    """Open a session (cookie) with the admin user name and password."""
    if foreign_origin():
        return refuse_origin()
    services = get_services()
    ip = request.remote_addr or "unknown"
    try:
        result = services.access.login(
            body.username, body.password, ip, request.cookies.get(DEVICE_COOKIE)
        )
    except ServiceError as exc:
        note_refused_login(exc, ip)
        raise
    services.metrics.auth_events.labels("login_ok").inc()
    resp = _signed_in(result.sid, result.session, jsonify(session_doc(result.session)))
    return set_device_cookie(resp, result.device) if result.device else resp


@bp.get("/api/auth/session")
@responds(200, "SessionInfo")
@responds(401, "Error", description="unauthorized: signed out")
def session() -> Any:
    """The current session and its CSRF token; 401 when signed out."""
    current = current_session()
    if current is None:
        return error_response(401, "unauthorized", "sign in first")
    return jsonify(session_doc(current))


@bp.post("/api/auth/logout")
@responds(200, "Success")
@admin_required
def logout() -> Any:
    """Close this session."""
    get_services().access.admin_auth.logout(request.cookies.get("relais_session"))
    return clear_session_cookie(jsonify({"success": True}))


@bp.post("/api/auth/logout_all")
@responds(200, "LoggedOutEverywhere")
@admin_required
def logout_all() -> Any:
    """Close every session of this user, in every instance (old cookies stop working), and
    revoke every magic link, named ones included: nothing signed in before still works."""
    revoked = get_services().access.logout_everywhere(actor())
    return clear_session_cookie(jsonify({"success": True, "magic_links_revoked": revoked}))


@bp.get("/api/magic_links")
@responds(200, "MagicLinks")
@admin_required
def list_magic_links() -> Any:
    """Magic links that still work (tokens are never shown again), and how many minutes a
    one-shot link lasts (MAGIC_LINK_TTL_MINUTES), for the form to say."""
    services = get_services()
    return jsonify(
        {
            "items": [link.to_dict() for link in services.access.magic_links.list()],
            "one_shot_minutes": services.settings.magic_link_ttl_minutes,
        }
    )


@bp.post("/api/magic_links")
@responds(201, "MagicLinkCreated")
@admin_required
@json_body(MagicLinkRequest)
def create_magic_link(body: MagicLinkRequest) -> Any:
    """A new link: its URL is shown once, now."""
    token, link = get_services().access.create_link(actor(), body.name, body.days)
    url = f"{request.host_url.rstrip('/')}/auth/magic/{token}"
    resp = jsonify({"url": url, "link": link.to_dict()})
    resp.status_code = 201
    return resp


@bp.delete("/api/magic_links/<link_id>")
@responds(200, "Success")
@responds(404, "Error")
@admin_required
def revoke_magic_link(link_id: str) -> Any:
    """Revoke a link at once."""
    get_services().access.revoke_link(actor(), link_id)
    return jsonify({"success": True})


@bp.get("/auth/magic/<token>")
@responds(200, media="text/html", description="The confirmation page")
@responds(404, media="text/html", description="Unknown, used or expired link")
def magic_confirm(token: str) -> Any:
    """The confirmation page: a GET (as link scanners send) consumes nothing."""
    link = get_services().access.magic_links.peek(token)
    status = 200 if link else 404
    return render_template("magic_confirm.html", token=token if link else None, link=link), status


@bp.post("/auth/magic")
@responds(303, media="text/html", description="Signed in: redirect to the dashboard")
@responds(400, media="text/html", description="Unknown, used or expired link")
@responds(403, "Error", description="forbidden: cross-origin request")
def magic_consume() -> Any:
    """Use a magic link (form POST from the confirmation page): open a session."""
    refused = check_state_change(None)
    if refused is not None:
        return refused
    token = request.form.get("token", "")
    services = get_services()
    opened = services.access.login_with_link(token, services.settings.dashboard_user)
    if opened is None:
        services.metrics.auth_events.labels("magic_link_refused").inc()
        logger.warning("magic link refused (unknown, used or expired) from %s", request.remote_addr)
        return render_template("magic_confirm.html", token=None, link=None), 400
    services.metrics.auth_events.labels("magic_link_ok").inc()
    sid, session = opened
    return _signed_in(sid, session, make_response(redirect("/", code=303)))
