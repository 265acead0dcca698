"""GET /metrics: Prometheus text format, behind METRICS_TOKEN (off when the token is unset)."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, request
from prometheus_client import CONTENT_TYPE_LATEST

from routes.errors import error_response
from routes.validation import responds
from services.app import get_services

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@responds(200, media="text/plain", description="Prometheus text exposition format")
@responds(401, "Error")
@responds(404, "Error", description="not_found: METRICS_TOKEN is not set")
def metrics() -> Any:
    """Counters of every worker process and the queue's gauges."""
    services = get_services()
    token = services.settings.metrics_token
    if token is None:
        return error_response(404, "not_found", "set METRICS_TOKEN to enable /metrics")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), token.get_secret_value().encode()
    ):
        return error_response(401, "unauthorized", "missing or invalid metrics token")

    def gauges() -> dict[str, Any]:
        return {
            "queue": services.delivery.queue.depth(),
            "states": services.operator.stats.states(),
            "degraded": 1 if services.documents.store.degraded else 0,
            "r2": services.offload.stats() if services.offload is not None else {},
        }

    body = services.metrics.exposition(gauges)
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0])
