"""The routing rules' dry run (their GET/PUT: routes/api_documents.py)."""

from __future__ import annotations

from typing import Annotated, Any

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from routes.admin_access import admin_required
from routes.validation import json_body, responds
from services.app import get_services
from services.delivery.ingest import InboundEmail
from services.documents.rules import RuleSet
from services.errors import InvalidInput
from services.operator.rules_lab import MAX_REPLAY

bp = Blueprint("api_rules_lab", __name__, url_prefix="/api/routing_rules")


class DryRun(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    email: InboundEmail | None = None
    """A sample email (as the Apps Script would push it)."""
    email_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    """Or a stored email, by id."""
    rules: RuleSet | None = None
    """A draft rule set; the saved one when absent."""
    replay_last: int | None = Field(None, ge=1, le=MAX_REPLAY)
    """Instead: for the last N stored emails, which decisions the draft would change."""
    include_unchanged: bool = False
    """With `replay_last`: list every evaluated email, not only the changed ones."""


@bp.post("/test")
@responds(200, "DryRunOne")
@responds(200, "DryRunReplay")
@responds(404, "Error", description="not_found: no stored email with this `email_id`")
@admin_required
@json_body(DryRun)
def dry_run(body: DryRun) -> Any:
    """Dry run: the decision and trace for one email, or before/after on recent emails."""
    services = get_services()
    if body.replay_last:
        draft = body.rules or services.documents.rules.get()
        return jsonify(
            services.operator.lab.replay_last(
                body.replay_last, draft, include_unchanged=body.include_unchanged
            )
        )
    lab = services.operator.lab
    if body.email is not None:
        return jsonify(lab.test(body.email, body.rules))
    if body.email_id:
        return jsonify(lab.test_stored(body.email_id, body.rules))
    raise InvalidInput("give `email`, `email_id` or `replay_last`")
