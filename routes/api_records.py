"""Emails and deliveries: lists with filters, details, replays, the dead letters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from routes.admin_access import actor, admin_required
from routes.validation import json_body, query_args, responds
from services.app import get_services
from services.delivery.record import State
from services.operator.records import DeliveryFilter, EmailFilter

bp = Blueprint("api_records", __name__, url_prefix="/api")

Text = Annotated[str, StringConstraints(max_length=200)]
Search = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


def _search(value: str | None) -> str | None:
    """An empty search is no search."""
    return value or None


EmailStatus = Literal["accepted", "ignored", "parked"]


class Page(BaseModel):
    offset: int = Field(0, ge=0, le=1_000_000)
    limit: int = Field(50, ge=1, le=200)


class DeliveryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: State | None = None
    target: Text | None = None
    rule: Text | None = None
    detector: Text | None = None
    email_id: Text | None = None
    since: float | None = Field(None, ge=0)
    until: float | None = Field(None, ge=0)
    q: Search | None = None
    """Search: in the subject (any case), or exactly a delivery id, email id or webhook-id."""

    _q = field_validator("q")(_search)

    def filter(self) -> DeliveryFilter:
        return DeliveryFilter(**self.model_dump(include=set(DeliveryFilter.__dataclass_fields__)))


class DeliveryListQuery(DeliveryQuery, Page):
    pass


class ReplayMany(DeliveryQuery):
    dry_run: bool = False
    """True: only count what would be replayed (for the confirmation)."""


class ReleaseMany(DeliveryQuery):
    dry_run: bool = False
    """True: only count the waiting deliveries that would be released."""


class EmailMatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender: Text | None = None
    subject: Text | None = None
    status: EmailStatus | None = None
    reason: Text | None = None
    """`no_target`, `no_links`, `excluded_keyword`, `default_route_drop`, `outside_window`..."""
    since: float | None = Field(None, ge=0)
    until: float | None = Field(None, ge=0)
    q: Search | None = None
    """Search: in the subject (any case), or exactly an email id, or the id or webhook-id of
    one of its deliveries."""

    _q = field_validator("q")(_search)

    def filter(self) -> EmailFilter:
        return EmailFilter(**self.model_dump(include=set(EmailFilter.__dataclass_fields__)))


class EmailQuery(EmailMatch, Page):
    pass


class Reroute(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = False
    """True: say what the current rules would send where, without changing anything."""


class RerouteMany(EmailMatch):
    dry_run: bool = False


class DeliveryDetailQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_payload: bool = False
    """True: add the JSON body the target receives, rebuilt from the stored email."""


class EmailDetailQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_body: bool = False


@bp.get("/emails")
@responds(200, "EmailPage")
@admin_required
@query_args(EmailQuery)
def list_emails(query: EmailQuery) -> Any:
    """Recent emails with their decision, newest first (bodies never listed); `total` counts
    the matches (an estimate when `total_exact` is false)."""
    return jsonify(
        get_services().operator.records.list_emails(query.filter(), query.offset, query.limit)
    )


@bp.get("/emails/<email_id>")
@responds(200, "EmailDetail")
@responds(404, "Error")
@admin_required
@query_args(EmailDetailQuery)
def get_email(email_id: str, query: EmailDetailQuery) -> Any:
    """One email: detector, links, decision and trace, deliveries, a text preview of the body
    (`preview`, at most 500 characters); the body itself on request."""
    return jsonify(get_services().operator.records.email(email_id, query.include_body))


@bp.get("/deliveries")
@responds(200, "DeliveryPage")
@admin_required
@query_args(DeliveryListQuery)
def list_deliveries(query: DeliveryListQuery) -> Any:
    """Deliveries newest first, filtered; `status=dead` is the dead-letter view; `total` counts
    the matches (an estimate when `total_exact` is false)."""
    return jsonify(
        get_services().operator.records.list_deliveries(query.filter(), query.offset, query.limit)
    )


@bp.get("/deliveries/<delivery_id>")
@responds(200, "DeliveryDetail")
@responds(404, "Error")
@admin_required
@query_args(DeliveryDetailQuery)
def get_delivery(delivery_id: str, query: DeliveryDetailQuery) -> Any:
    """One delivery with every attempt (request headers minus secrets, code, snippet, time)."""
    return jsonify(get_services().operator.records.delivery(delivery_id, query.include_payload))


@bp.post("/deliveries/<delivery_id>/replay")
@responds(200, "ReplayOne")
@responds(404, "Error")
@responds(409, "ReplayRefused", description="Not replayed: `outcome` says why")
@admin_required
def replay_delivery(delivery_id: str) -> Any:
    """Send a dead or delivered delivery again, with the same webhook-id."""
    outcome = get_services().operator.records.replay(delivery_id, actor())
    resp = jsonify({"outcome": outcome})
    resp.status_code = 200 if outcome == "queued" else 409
    return resp


@bp.post("/deliveries/replay")
@responds(200, "ReplayedMany")
@admin_required
@json_body(ReplayMany)
def replay_deliveries(body: ReplayMany) -> Any:
    """Replay every dead or delivered delivery matching the filters (`dry_run` counts them)."""
    return jsonify(
        get_services().operator.records.replay_matching(body.filter(), actor(), body.dry_run)
    )


@bp.post("/deliveries/<delivery_id>/release")
@responds(200, "Released")
@responds(404, "Error")
@responds(409, "Error", description="not_waiting, target_missing, target_disabled or changed")
@admin_required
def release_delivery(delivery_id: str) -> Any:
    """Send a waiting delivery now, whatever the window or the absence day (audited).

    409 when it is not waiting, or when its target is missing or switched off."""
    return jsonify({"outcome": get_services().operator.waiting.release_now(delivery_id, actor())})


@bp.post("/deliveries/release")
@responds(200, "ReleasedMany")
@admin_required
@json_body(ReleaseMany)
def release_deliveries(body: ReleaseMany) -> Any:
    """Release every waiting delivery matching the filters (`dry_run` counts them)."""
    return jsonify(
        get_services().operator.waiting.release_matching(body.filter(), actor(), body.dry_run)
    )


@bp.post("/emails/<email_id>/reroute")
@responds(200, "Rerouted")
@responds(404, "Error")
@admin_required
@json_body(Reroute)
def reroute_email(email_id: str, body: Reroute) -> Any:
    """Run the current rules again on a stored email: new deliveries for the targets it now
    goes to, waiting untouched ones to other targets cancelled (`dry_run`: only say what)."""
    return jsonify(get_services().operator.waiting.reroute(email_id, actor(), body.dry_run))


@bp.post("/emails/reroute")
@responds(200, "ReroutedMany")
@admin_required
@json_body(RerouteMany)
def reroute_emails(body: RerouteMany) -> Any:
    """Re-route every stored email matching the filters (e.g. `status=parked`), at most 1,000
    per call within 20 s (`stopped_early` says to call again); `dry_run` previews."""
    return jsonify(
        get_services().operator.waiting.reroute_matching(body.filter(), actor(), body.dry_run)
    )
