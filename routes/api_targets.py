"""Webhook targets: list, create, change, delete, rotate the secret, test send."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict

from routes.admin_access import actor, admin_required
from routes.validation import json_body, query_args, responds
from services.app import get_services
from services.operator.targets import TargetCreate, TargetPatch, TestSend

bp = Blueprint("api_targets", __name__, url_prefix="/api/targets")


@bp.get("")
@responds(200, "TargetList")
@admin_required
def list_targets() -> Any:
    """Every target; secrets are never shown (only a hint of the last characters).

    Each says whether mail that no rule claims goes to it (`in_default_route`);
    `default_route.source` says what decides that: `option` (each target's
    `options.default`), `rules` (the targets the rules' default route names) or `drop`.
    """
    admin = get_services().operator.targets
    return jsonify({"items": admin.list(), "default_route": admin.default_route()})


@bp.post("")
@responds(201, "TargetWithSecret")
@responds(409, "Error", description="conflict: a target with this id or name exists")
@admin_required
@json_body(TargetCreate)
def create_target(body: TargetCreate) -> Any:
    """Create a target; its signing secret is in this answer only."""
    admin = get_services().operator.targets
    target, secret = admin.create(body, actor())
    resp = jsonify({"target": admin.view(target), "secret": secret})
    resp.status_code = 201
    return resp


@bp.get("/<target_id>")
@responds(200, "TargetView")
@responds(404, "Error")
@admin_required
def get_target(target_id: str) -> Any:
    """One target."""
    admin = get_services().operator.targets
    return jsonify(admin.view(admin.get(target_id)))


@bp.patch("/<target_id>")
@responds(200, "TargetView")
@responds(404, "Error")
@responds(
    409, "Error", description="conflict: the name is taken, or the URL comes from WEBHOOK_URL"
)
@admin_required
@json_body(TargetPatch)
def patch_target(target_id: str, body: TargetPatch) -> Any:
    """Change name, URL, options, or switch the target on or off."""
    admin = get_services().operator.targets
    return jsonify(admin.view(admin.patch(target_id, body, actor())))


class DeleteQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    detach: bool = False
    """Also remove the target from the rules and the default route that name it."""


@bp.delete("/<target_id>")
@responds(200, "TargetDeleted")
@responds(404, "Error")
@responds(
    409,
    "Error",
    description="target_in_use: `used_by` lists the rules and the default route naming it",
)
@admin_required
@query_args(DeleteQuery)
def delete_target(target_id: str, query: DeleteQuery) -> Any:
    """Delete a target; its queued deliveries are held, never dropped.

    While rules or the default route name the target: 409 `target_in_use`, whose
    `used_by` lists them (`{"kind": "rule", "id", "name"}`, `{"kind": "default_route"}`).
    With `detach=true` the target is first removed from them (audited): a rule left
    with no target is switched off and kept; a default route left with none sends to
    the targets marked default. `detached` lists what was changed.
    """
    detached = get_services().operator.targets.delete(target_id, actor(), detach=query.detach)
    return jsonify({"success": True, "detached": detached})


@bp.post("/<target_id>/rotate_secret")
@responds(200, "TargetWithSecret")
@responds(404, "Error")
@admin_required
def rotate_secret(target_id: str) -> Any:
    """A new secret, shown once; the previous one keeps signing for 24 hours."""
    admin = get_services().operator.targets
    target, secret = admin.rotate_secret(target_id, actor())
    return jsonify({"target": admin.view(target), "secret": secret})


@bp.post("/<target_id>/test")
@responds(200, "TestSent")
@responds(404, "Error")
@admin_required
@json_body(TestSend)
def test_target(target_id: str, body: TestSend) -> Any:
    """Preview the signed request, or send it for real (through the SSRF guard)."""
    return jsonify(get_services().operator.targets.test_send(target_id, body, actor()))


class StatsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    range: Literal["24h", "7d"] = "24h"
    """`24h`: 24 hourly buckets; `7d`: 7 daily buckets (UTC days), the current one last."""


@bp.get("/<target_id>/stats")
@responds(200, "TargetStats")
@responds(404, "Error")
@admin_required
@query_args(StatsQuery)
def target_stats(target_id: str, query: StatsQuery) -> Any:
    """A target's delivery attempts over time: per bucket and in total, the attempts,
    successes (`ok`), failures, `success_rate` (null without an attempt) and the latency
    (`count` of timed attempts, `avg_ms`, and `p50_ms` / `p95_ms` estimated from a fixed
    histogram). Test sends are not counted. 404 for an unknown target.
    """
    return jsonify(get_services().operator.targets.stats(target_id, query.range))
