"""The Apps Script's endpoints: push an email; ask which of its messages were never accepted."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from routes.errors import error_response
from routes.validation import json_body, responds
from services.app import get_services
from services.delivery.ingest import InboundEmail

bp = Blueprint("api_ingress", __name__, url_prefix="/api/ingress")

MAX_RECONCILE = 500
SIGNATURE_HEADERS = (
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "X-Relais-Timestamp",
    "X-Relais-Signature",
)


class ReconcileRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    gmail_message_ids: list[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]
    ] = Field(max_length=MAX_RECONCILE)


def require_ingress_token(view: Callable[..., Any]) -> Callable[..., Any]:
    """Bearer (or bare) token; plus a signature when INGRESS_SIGNING_SECRET (Standard
    Webhooks) or INGRESS_HMAC_SECRET (Relais's first scheme) is set."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        auth = get_services().access.ingress_auth
        if not auth.check(request.headers.get("Authorization")):
            return _unauthorized("missing or invalid ingress token")
        if auth.signing_required:
            headers = {name: request.headers.get(name, "") for name in SIGNATURE_HEADERS}
            problem = auth.check_request(headers, request.get_data(cache=True))
            if problem:
                return _unauthorized(problem)
        return view(*args, **kwargs)

    wrapper.relais_auth = "ingress"  # type: ignore[attr-defined]  # read by the OpenAPI builder
    return wrapper


@bp.after_request
def count(resp: Response) -> Response:
    """relais_ingress_requests{outcome, code}: the decision (or the class of the error) and
    the HTTP status, in two labels."""
    metrics = get_services().metrics
    metrics.count_ingress(resp.status_code, g.pop("ingress_status", None), request.endpoint)
    return resp


def _unauthorized(message: str) -> Any:
    return error_response(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


@bp.post("/gmail")
@responds(200, "Ingested")
@responds(409, "Error", description="ingress_disabled (with Retry-After)")
@responds(413, "Error", description="payload_too_large: above INGRESS_MAX_BYTES")
@require_ingress_token
@json_body(InboundEmail)
def gmail(body: InboundEmail) -> Any:
    """Push one email (the Apps Script's call): 200 accepted, duplicate or ignored."""
    result = get_services().delivery.ingest.ingest(body, request_id=g.get("request_id"))
    g.ingress_status = result.status
    return jsonify(result.to_dict())


@bp.post("/reconcile")
@responds(200, "Reconciled")
@require_ingress_token
@json_body(ReconcileRequest)
def reconcile(body: ReconcileRequest) -> Any:
    """Of these Gmail message ids, the ones Relais never accepted (the script pushes them again)."""
    unknown = get_services().delivery.queue.unknown_emails(
        list(dict.fromkeys(body.gmail_message_ids))
    )
    return jsonify({"success": True, "unknown": unknown})
