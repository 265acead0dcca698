"""POST /api/ingress/gmail: token, size, JSON, model; then the ingest service."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, jsonify, request

from email_processing.inbound import InboundEmail
from routes.errors import error_response
from routes.validation import json_body
from services import get_services

bp = Blueprint("api_ingress", __name__, url_prefix="/api/ingress")


def require_ingress_token(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not get_services().ingress_auth.check(request.headers.get("Authorization")):
            return error_response(
                401,
                "unauthorized",
                "missing or invalid ingress token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return view(*args, **kwargs)

    return wrapper


@bp.post("/gmail")
@require_ingress_token
@json_body(InboundEmail)
def gmail(body: InboundEmail) -> Any:
    result = get_services().ingest.ingest(body, request_id=g.get("request_id"))
    return jsonify(result.to_dict())
