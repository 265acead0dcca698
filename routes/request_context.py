"""A request id per request: taken from X-Request-ID when sane, else generated; echoed back."""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, g, request

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _begin() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _SANE_ID.match(given) else secrets.token_hex(8)


def _finish(resp: Response) -> Response:
    if "request_id" in g:
        resp.headers["X-Request-ID"] = g.request_id
    return resp


def init_request_context(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
