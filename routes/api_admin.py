"""Operator views: dashboard stats, the audit log, config export and import."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field

from routes.admin_access import actor, admin_required
from routes.validation import json_body, query_args, responds
from services.app import get_services

bp = Blueprint("api_admin", __name__, url_prefix="/api")


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offset: int = Field(0, ge=0, le=100_000)
    limit: int = Field(50, ge=1, le=500)


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_secrets: bool = False


class ImportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = False
    recent: int = Field(50, ge=0, le=1000)
    """Old router's rules: compare them with the current ones on this many recent emails."""


class ImportBody(BaseModel):
    """A Relais export (`format: relais-config`) or the old router's documents by name."""

    model_config = ConfigDict(extra="allow")


@bp.get("/stats")
@responds(200, "Overview")
@admin_required
def stats() -> Any:
    """Counts per status, per target and per hour (7 days), queue state, last ingress."""
    return jsonify(get_services().operator.stats.overview())


@bp.get("/audit")
@responds(200, "AuditPage")
@admin_required
@query_args(AuditQuery)
def audit(query: AuditQuery) -> Any:
    """Admin changes, newest first: who, when, what, old -> new (secrets masked)."""
    return jsonify({"items": get_services().access.audit.entries(query.offset, query.limit)})


@bp.get("/detectors")
@responds(200, "Names")
@admin_required
def detectors() -> Any:
    """The detectors' names, in the order they run (what rules and preferences may name)."""
    return jsonify({"items": get_services().operator.lab.detectors()})


@bp.get("/config/export")
@responds(200, "ConfigExport")
@admin_required
@query_args(ExportQuery)
def export_config(query: ExportQuery) -> Any:
    """Every config document as one JSON document (secrets only when asked)."""
    return jsonify(get_services().operator.config_io.export(query.include_secrets, actor()))


@bp.post("/config/import")
@responds(200, "ImportReport")
@responds(409, "Error", description="conflict: a document changed meanwhile")
@admin_required
@query_args(ImportQuery)
@json_body(ImportBody)
def import_config(query: ImportQuery, body: ImportBody) -> Any:
    """Import a Relais export or the old router's documents; report what was mapped.

    `dry_run=true` maps and validates everything and reports (`would_write`), but writes
    nothing. For the old router's rules, the report's `rules_effect` says what they would
    route differently on the last `recent` stored emails. What of the old router's documents
    cannot be imported is listed under `problems` and the rest imports; when nothing can be,
    the answer is 422 with the report.
    """
    report = get_services().operator.config_io.import_any(
        body.model_dump(), actor(), query.dry_run, query.recent
    )
    return jsonify(report)
