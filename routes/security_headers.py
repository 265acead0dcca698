"""Security headers on every response (strict CSP: no inline script or style)."""

from __future__ import annotations

from flask import Flask, Response, request

from config.http_headers import CSP, SECURITY_HEADERS

__all__ = ["CSP", "init_security_headers"]

# Answers that may carry a token (API answers, magic-link pages) are never stored by a cache.
NO_STORE_PREFIXES = ("/api/", "/auth/")


def _secure(resp: Response) -> Response:
    headers = resp.headers
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith(NO_STORE_PREFIXES):
        headers.setdefault("Cache-Control", "no-store")
    return resp


def init_security_headers(app: Flask) -> None:
    app.after_request(_secure)
