"""Security headers on every response (strict CSP: no inline script or style)."""

from __future__ import annotations

from flask import Flask, Response, request

from config.http_headers import CSP, SECURITY_HEADERS

__all__ = ["CSP", "init_security_headers"]

# Answers that may carry a token (API answers, magic-link pages) are never stored by a cache.
NO_STORE_PREFIXES = ("/api/", "/auth/")


def _secure(resp: Response) -> Response:
    """Each header the view did not set, added (`add` appends; `setdefault` re-validated and
    searched the list once more per header)."""
    headers = resp.headers
    present = {name.lower() for name in headers.keys()}  # noqa: SIM118 (Headers, not a dict)
    wanted = dict(SECURITY_HEADERS)
    if request.is_secure:
        wanted["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.path.startswith(NO_STORE_PREFIXES):
        wanted["Cache-Control"] = "no-store"
    for name, value in wanted.items():
        if name.lower() not in present:
            headers.add(name, value)
    return resp


def init_security_headers(app: Flask) -> None:
    app.after_request(_secure)
