"""Domain errors raised by services; routes/errors.py turns each into the one JSON error shape."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A failure the caller can act on: an HTTP status, a stable code and a safe message.

    Keyword `fields` are machine-readable members added to the error body beside
    `error` and `message` (e.g. `used_by` of a target that rules still name).
    """

    http_status = 400
    code = "bad_request"

    def __init__(self, message: str, *, retry_after: int | None = None, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.fields = fields


class NotFound(ServiceError):
    http_status = 404
    code = "not_found"


class InvalidInput(ServiceError):
    """What the caller sent cannot be used (the message says where, never the value)."""

    http_status = 422
    code = "validation_error"


class Conflict(ServiceError):
    http_status = 409
    code = "conflict"


class IngressDisabled(ServiceError):
    http_status = 409
    code = "ingress_disabled"

    def __init__(self, message: str) -> None:
        super().__init__(message, retry_after=300)  # the script backs off instead of hammering


class Unavailable(ServiceError):
    """A dependency (Redis) is down: the caller should retry later."""

    http_status = 503
    code = "unavailable"
