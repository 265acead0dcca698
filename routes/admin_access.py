"""The admin guard: a live session, and for every state change a CSRF token and our own Origin."""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Response, g, request

from routes.errors import error_response
from services.access.admin_auth import DEVICE_TTL, AdminSession, TooManyAttempts
from services.app import get_services
from services.errors import ServiceError

logger = logging.getLogger(__name__)

SESSION_COOKIE = "relais_session"
DEVICE_COOKIE = "relais_device"  # a browser that signed in before (services/access/admin_auth.py)
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def foreign_origin() -> bool:
    """A browser request from another site (Origin, else Sec-Fetch-Site, tells)."""
    origin = request.headers.get("Origin")
    if origin:
        own = urlsplit(request.host_url)
        theirs = urlsplit(origin)
        return (theirs.scheme, theirs.netloc) != (own.scheme, own.netloc)
    return request.headers.get("Sec-Fetch-Site") == "cross-site"


def current_session() -> AdminSession | None:
    if "admin_session" not in g:
        cookie = request.cookies.get(SESSION_COOKIE)
        g.admin_session = get_services().access.admin_auth.session(cookie)
    session: AdminSession | None = g.admin_session
    return session


def actor() -> str:
    session = current_session()
    return session.user if session else "anonymous"


def check_state_change(session: AdminSession | None) -> Response | None:
    """403 for a foreign Origin or a missing/wrong CSRF token on a state-changing request."""
    if request.method in SAFE_METHODS:
        return None
    if foreign_origin():
        return refuse_origin()
    if session is not None:
        given = request.headers.get(CSRF_HEADER, "").encode("utf-8", "surrogatepass")
        if not hmac.compare_digest(given, session.csrf.encode()):
            _note("csrf_refused", "CSRF token missing or wrong")
            return error_response(403, "csrf_failed", f"missing or wrong {CSRF_HEADER} header")
    return None


def refuse_origin() -> Response:
    _note("origin_refused", "cross-origin request refused")
    return error_response(403, "forbidden", "cross-origin request refused")


def note_refused_login(exc: ServiceError, client_ip: str) -> None:
    """A failed or rate-limited login: one log line (no user name, no password) and a count."""
    event = "login_limited" if isinstance(exc, TooManyAttempts) else "login_failed"
    get_services().metrics.auth_events.labels(event).inc()
    logger.warning("%s from %s", event.replace("_", " "), client_ip)


def _note(event: str, what: str) -> None:
    get_services().metrics.auth_events.labels(event).inc()
    logger.warning("%s: %s %s from %s", what, request.method, request.path, request.remote_addr)


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """401 without a session; 403 for a foreign Origin or a bad CSRF token on changes."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session = current_session()
        if session is None:
            return error_response(401, "unauthorized", "sign in first")
        refused = check_state_change(session)
        if refused is not None:
            return refused
        return view(*args, **kwargs)

    wrapper.relais_auth = "admin"  # type: ignore[attr-defined]  # read by the OpenAPI builder
    return wrapper


def set_session_cookie(resp: Response, sid: str, max_age: int) -> Response:
    settings = get_services().settings
    resp.set_cookie(
        SESSION_COOKIE,
        sid,
        max_age=max_age,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="Lax",
        path="/",
    )
    return resp


def set_device_cookie(resp: Response, token: str) -> Response:
    """The device cookie: only the login endpoint ever reads it."""
    resp.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=DEVICE_TTL,
        httponly=True,
        secure=get_services().settings.secure_cookies,
        samesite="Strict",
        path="/api/auth/login",
    )
    return resp


def clear_session_cookie(resp: Response) -> Response:
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp
