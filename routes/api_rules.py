"""The routing rules: versioned GET/PUT, and the dry run."""

from __future__ import annotations

from typing import Annotated, Any

from flask import jsonify
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from email_processing.inbound import InboundEmail
from email_processing.rules import RuleSet
from routes.admin_access import admin_required
from routes.api_documents import InvalidDocument, document_blueprint
from routes.validation import json_body
from services.app import Services, get_services
from services.documents.base import Requires
from services.documents.targets import TargetList
from services.errors import NotFound
from services.operator.rules_lab import MAX_REPLAY, stored_to_inbound


def check_targets(rules: RuleSet, targets: TargetList) -> None:
    """Every target a rule names must exist (422 names the rule)."""
    known = {t.id for t in targets.targets}
    for index, rule in enumerate(rules.rules):
        missing = [t for t in rule.actions.targets if t not in known]
        if missing:
            raise InvalidDocument(
                f"rule {index} ({rule.id!r}): unknown target {', '.join(map(repr, missing))}"
            )
    missing = [t for t in rules.default_route.targets if t not in known]
    if missing:
        raise InvalidDocument(f"default route: unknown target {', '.join(map(repr, missing))}")


bp = document_blueprint(
    "routing_rules",
    "routing_rules",
    lambda s: s.documents.rules,
    RuleSet,
    requires=lambda s: Requires(s.documents.targets, check_targets),
)


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
    raise InvalidDocument("give `email`, `email_id` or `replay_last`")
