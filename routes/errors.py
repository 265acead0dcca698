"""One JSON error shape for every error: {"error": code, "message": text, ...}.

Its schema, with every member an error may add, is `Error` in routes/responses.py.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any, cast

from flask import Flask, Response, current_app, jsonify
from werkzeug.exceptions import HTTPException

from config.redis_conn import REDIS_DOWN_ERRORS, REDIS_DOWN_RETRY_AFTER
from services.errors import ServiceError

logger = logging.getLogger(__name__)


def error_response(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    resp = jsonify({"error": code, "message": message, **extra})
    resp.status_code = status
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def _code_for(exc: HTTPException) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (exc.name or "error").lower()).strip("_")


def handle_http(exc: HTTPException) -> Response:
    """Werkzeug's 404/405/413/...: keep the status, speak JSON."""
    status = exc.code or 500
    resp = error_response(status, _code_for(exc), exc.description or exc.name or "error")
    if status == 405 and exc.response is None:
        allowed = getattr(exc, "valid_methods", None)
        if allowed:
            resp.headers["Allow"] = ", ".join(allowed)
    return resp


def handle_service(exc: ServiceError) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return error_response(exc.http_status, exc.code, exc.message, headers=headers, **exc.fields)


def handle_redis_down(exc: Exception) -> Response:
    logger.error("request failed: Redis unreachable (%s)", type(exc).__name__)
    services = current_app.extensions.get("relais")
    if services is not None:
        services.metrics.redis_errors.labels("api").inc()
    return error_response(
        503,
        "unavailable",
        "storage is unavailable; retry later",
        headers={"Retry-After": str(REDIS_DOWN_RETRY_AFTER)},
    )


def handle_unexpected(exc: Exception) -> Response:
    """Log with an id; answer only that id."""
    error_id = secrets.token_hex(6)
    logger.exception("unexpected error %s", error_id)
    return error_response(500, "internal_error", "unexpected error", error_id=error_id)


def init_errors(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(ServiceError, handle_service)
    for exc_type in REDIS_DOWN_ERRORS:
        app.register_error_handler(cast(type[Exception], exc_type), handle_redis_down)
    app.register_error_handler(Exception, handle_unexpected)
