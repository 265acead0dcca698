"""A request id per request: taken from X-Request-ID when sane, else generated; echoed back."""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, g, request

from config.log import request_id_var

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _begin() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _SANE_ID.match(given) else secrets.token_hex(8)
    g.request_id_token = request_id_var.set(g.request_id)


def _finish(resp: Response) -> Response:
    if "request_id" in g:
        resp.headers["X-Request-ID"] = g.request_id
    return resp


def _forget(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        request_id_var.reset(token)


def init_request_context(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_forget)
