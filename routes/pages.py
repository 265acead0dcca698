"""The dashboard's HTML entry points (the app itself is ES modules under /static)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, redirect

from routes.admin_access import current_session
from routes.validation import responds

bp = Blueprint("pages", __name__)


def _page(name: str) -> Any:
    """A small HTML entry point, read whole (no file handle outlives the request)."""
    html = (Path(current_app.static_folder or "static") / name).read_bytes()
    resp = Response(html, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/")
@responds(200, media="text/html", description="The dashboard")
@responds(302, media="text/html", description="Signed out: redirect to /login")
def dashboard() -> Any:
    """The dashboard; the login page when signed out."""
    if current_session() is None:
        return redirect("/login", code=302)
    return _page("index.html")


@bp.get("/login")
@responds(200, media="text/html", description="The login page")
@responds(302, media="text/html", description="Signed in: redirect to /")
def login_page() -> Any:
    """The login page (the dashboard when already signed in)."""
    if current_session() is not None:
        return redirect("/", code=302)
    return _page("login.html")
