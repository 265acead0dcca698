"""The routing rules' dry run (their GET/PUT: routes/api_documents.py)."""

from __future__ import annotations

from typing import Annotated, Any

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from email_processing.inbound import InboundEmail
from email_processing.rules import RuleSet
from routes.admin_access import admin_required
from routes.validation import json_body
from services.app import Services, get_services
from services.errors import InvalidInput, NotFound
from services.operator.rules_lab import MAX_REPLAY, stored_to_inbound

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
    return jsonify(services.operator.lab.test(_sample(services, body), body.rules))


def _sample(services: Services, body: DryRun) -> InboundEmail:
    if body.email is not None:
        return body.email
    if body.email_id:
        stored = services.delivery.queue.load_email(body.email_id)
        if stored is None:
            raise NotFound("no stored email with this id")
        return stored_to_inbound(stored)
    raise InvalidInput("give `email`, `email_id` or `replay_last`")
