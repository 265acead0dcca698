"""Security headers on every response (strict CSP: no inline script or style)."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# Answers that may carry a token (API answers, magic-link pages) are never stored by a cache.
NO_STORE_PREFIXES = ("/api/", "/auth/")


def _secure(resp: Response) -> Response:
    headers = resp.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith(NO_STORE_PREFIXES):
        headers.setdefault("Cache-Control", "no-store")
    return resp


def init_security_headers(app: Flask) -> None:
    app.after_request(_secure)
