"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from config.version import VERSION
from routes.validation import responds
from services.app import get_services

bp = Blueprint("health", __name__)


@bp.get("/health")
@responds(200, "Health")
def health() -> Any:
    """The process is alive; checks no dependency."""
    return jsonify({"status": "ok", "version": VERSION})


@bp.get("/ready")
@responds(200, "Ready")
@responds(503, "NotReady", description="Redis unreachable (with Retry-After)")
def ready() -> Any:
    """Redis reachable and queue state; 503 when not ready."""
    ok, report = get_services().operator.readiness.check()
    resp = jsonify(report)
    if not ok:
        resp.status_code = 503
        resp.headers["Retry-After"] = "10"
    return resp


@bp.get("/api/ping")
@responds(200, "Ping")
def ping() -> Any:
    """The old router's liveness URL, kept for the monitors pointed at it (like /health)."""
    return jsonify({"success": True, "status": "ok", "message": "pong", "version": VERSION})
