"""What each operation answers: the pydantic models behind the OpenAPI response schemas.

A view declares its answers with `@responds(status, Model)` (routes/validation.py); the
OpenAPI builder (routes/openapi.py) emits every model under components/schemas, and
tests/integration/test_openapi_responses.py validates real answers against them. The models
describe, they do not build: the services still return plain JSON documents. Where a record
already has a typed home (a config document, `DeliveryRecord`, `Mailbox`, `MagicLink`, the
Redis durability reading) the model is derived from it rather than written a second time.

Answers are closed (`additionalProperties: false`) unless the data itself is open (a webhook
body, a trace entry, an audit value): a field added to an answer must be added here too.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from typing import Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, create_model

from config.durability import Durability
from services.access.magic_links import MagicLink
from services.delivery.ingest import InboundEmail
from services.delivery.record import INTERNAL_FIELDS, DeliveryRecord, State
from services.documents.targets import TargetOptions
from services.gmail.mailboxes import Mailbox

Json = dict[str, Any]
"""An open JSON object (webhook bodies, trace details, audit values)."""


class Answer(BaseModel):
    """A closed JSON object: every member is declared (a member's docstring is its
    description in the document)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class Success(Answer):
    success: Literal[True]


class ValidationDetail(Answer):
    loc: list[str | int]
    msg: str


class TargetUse(Answer):
    """A rule or the default route that names a target."""

    kind: Literal["rule", "default_route"]
    id: str | None = None
    name: str | None = None


class Error(Answer):
    """The one error shape (routes/errors.py): a stable code and a message, never an echo of
    the input."""

    error: str
    message: str
    details: list[ValidationDetail] | None = None
    """422 validation_error: where and what, without the value."""
    error_id: str | None = None
    """500 internal_error: the id of the logged error."""
    used_by: list[TargetUse] | None = None
    """409 target_in_use: the rules and the default route naming the target."""
    report: ImportReport | None = None
    """422 of an import of which nothing could be imported: the report."""


# -- probes ---------------------------------------------------------------------------------


class Health(Answer):
    status: Literal["ok"]
    version: str


class Ping(Answer):
    success: Literal[True]
    status: Literal["ok"]
    message: Literal["pong"]
    version: str


class QueueDepth(Answer):
    due: int
    scheduled: int
    in_flight: int
    dead: int
    waiting_for_target: int
    parked_emails: int
    oldest_due_age_seconds: float


class Ready(Answer):
    status: Literal["ready"]
    redis: Literal["ok"]
    queue: QueueDepth
    durability: Durability


class NotReady(Answer):
    status: Literal["degraded"]
    redis: Literal["unreachable"]
    error: str
    """The class of the connection error."""
    config: str
    durability: Durability


# -- sign-in --------------------------------------------------------------------------------


class SessionInfo(Answer):
    user: str
    csrf_token: str
    """Send it as `X-CSRF-Token` on every state-changing request."""
    created_at: float
    expires_at: float


class LoggedOutEverywhere(Success):
    magic_links_revoked: int


class MagicLinks(Answer):
    items: list[MagicLink]
    one_shot_minutes: int


class MagicLinkCreated(Answer):
    url: str
    """The sign-in URL, shown this once."""
    link: MagicLink


# -- ingress --------------------------------------------------------------------------------


class IngressDelivery(Answer):
    id: str
    target: str
    deliver_at: str | None
    """ISO 8601, UTC."""
    state: State
    hold_reason: str | None = None


class LinkView(Answer):
    provider: str
    raw_url: str
    direct_url: str | None = None


class TraceEntry(Answer):
    rule_id: str
    name: str
    matched: bool
    skipped: str | None
    failed_condition: int | None
    reason: str
    why: Json | None


class Decision(Answer):
    targets: list[str]
    matched_rules: list[str]
    used_default: bool
    dropped: bool
    priority: str
    window_policy: str | None
    trace: list[TraceEntry]


class ScheduleEntry(Answer):
    action: str
    deliver_at: str | None
    reason: str
    webhooks_time_start: str | None = None
    webhooks_time_end: str | None = None


class Analysis(Answer):
    """What the pipeline found in an email and where it sends it."""

    detector: Json | None
    """`{"detector": name, ...annotations}`; null when no detector recognised the email."""
    links: list[LinkView]
    decision: Decision | None
    schedule: dict[str, ScheduleEntry]
    """Per target id."""
    notes: list[str]


class Ingested(Answer):
    success: Literal[True]
    status: Literal["accepted", "duplicate", "ignored"]
    email_id: str
    deliveries: list[IngressDelivery]
    reason: str | None = None
    """Why an email was ignored."""
    parked: bool | None = None
    """Stored, waiting for a target to exist (answered `accepted` for the Apps Script)."""
    detector: Json | None = None
    links: list[LinkView] | None = None
    decision: Decision | None = None
    schedule: dict[str, ScheduleEntry] | None = None
    notes: list[str] | None = None


class Reconciled(Success):
    unknown: list[str]
    """The ids Relais never accepted."""


class PushOutcome(Success):
    outcome: str
    """`recorded`, or why nothing was to be done (a mailbox that is not connected...)."""


# -- deliveries -----------------------------------------------------------------------------


def _delivery_view() -> type[BaseModel]:
    """`DeliveryRecord.to_api()`: every public field of the record, null when unset."""
    members: dict[str, Any] = {}
    types = get_type_hints(DeliveryRecord)
    for item in dataclass_fields(DeliveryRecord):
        if item.name in INTERNAL_FIELDS:
            continue
        kind: Any = types[item.name]
        if item.name in ("id", "state", "attempts", "total_attempts", "replays", "urgent"):
            members[item.name] = (kind, ...)
        else:
            members[item.name] = (kind | None, ...)
    return create_model(
        "DeliveryView",
        __config__=ConfigDict(extra="forbid"),
        __doc__="A delivery as stored (services/delivery/record.py, DeliveryRecord).",
        **members,
        waiting_reason=(str | None, ...),
    )


DeliveryView: type[BaseModel] = _delivery_view()


class Attempt(Answer):
    n: int
    at: float
    duration_ms: float | None
    status_code: int | None
    error: str | None
    response_snippet: str | None
    outcome: str
    next_at: float | None
    request_headers: dict[str, str]
    """As sent, signing secrets never included."""


class DeliveryDetail(DeliveryView):  # type: ignore[misc,valid-type]
    decision: dict[str, str]
    """The routing decision's fields of the webhook body that are set."""
    attempts_log: list[Attempt]
    payload: Json | None = None
    """With `include_payload=true`: the JSON body the target receives (null: email expired)."""


class Page(Answer):
    offset: int
    next_offset: int | None
    total: int
    total_exact: bool
    """False: `total` is an estimate (the count stopped at its budget)."""


class DeliveryPage(Page):
    items: list[DeliveryView]  # type: ignore[valid-type]


class ReplayOne(Answer):
    outcome: Literal["queued"]


class ReplayRefused(Answer):
    outcome: str
    """Why not: `not_finished` (still waiting or in flight)..."""


class ReplayedMany(Answer):
    matched: int
    queued: int
    skipped: int | None = None


class Released(Answer):
    outcome: Literal["released"]


class ReleasedMany(Answer):
    matched: int
    released: int
    skipped: dict[str, int]
    """Per reason not released."""


# -- emails ---------------------------------------------------------------------------------


class DeliverySummary(Answer):
    id: str
    target: str
    deliver_at: float | None
    state: State
    hold_reason: str | None


class EmailRow(Answer):
    email_id: str
    subject: str | None
    sender: str | None
    sender_email: str | None
    date: str | None
    ingested_at: float | None
    status: str | None
    reason: str | None
    labels: list[str] | None
    gmail_message_id: str | None
    deliveries: list[DeliverySummary] | None
    detector: str | None
    links: int
    """How many file links were found."""
    matched_rules: list[str]


class EmailPage(Page):
    items: list[EmailRow]


def _stored_email_fields() -> dict[str, Any]:
    """The pushed email's fields as stored (InboundEmail without its bodies, unset ones
    absent)."""
    members: dict[str, Any] = {}
    for name, info in InboundEmail.model_fields.items():
        kind: Any = info.annotation
        if name not in ("body", "plain_body"):
            members[name] = (kind | None, None)
    return members


class ExpiredDelivery(Answer):
    id: str
    state: Literal["expired"]


StoredEmailFields: type[BaseModel] = create_model(
    "StoredEmailFields",
    __config__=ConfigDict(extra="forbid"),
    __doc__="The email as pushed (the ingress body without its bodies).",
    **_stored_email_fields(),
)


class EmailDetail(StoredEmailFields):
    email_id: str
    sender_email: str
    ingested_at: float
    request_id: str | None
    source: str
    status: str
    reason: str | None
    truncated: bool
    analysis: Analysis
    deliveries: list[DeliveryView | ExpiredDelivery]  # type: ignore[valid-type]
    preview: str
    """The body as text, at most 500 characters."""
    preview_truncated: bool
    body: str | None = None
    """With `include_body=true`."""
    plain_body: str | None = None


class RerouteNew(Answer):
    target: str
    state: State
    hold_reason: str | None
    deliver_at: float | None


class Rerouted(Answer):
    email_id: str
    status_before: str
    status: str
    reason: str | None
    applied: bool
    """False for a dry run, or when nothing changes."""
    new: list[RerouteNew]
    kept: list[DeliverySummary]
    cancelled: list[DeliverySummary]


class ReroutedMany(Answer):
    matched: int
    stopped_early: bool
    """True: the call stopped at its budget; call again for the rest."""
    emails: list[Rerouted]


# -- rules lab ------------------------------------------------------------------------------


class DryRunOne(Answer):
    email_id: str
    status: str
    reason: str | None
    targets: list[str]
    rules: list[str]
    detector: Json | None
    links: list[LinkView]
    decision: Decision | None
    schedule: dict[str, ScheduleEntry]
    notes: list[str]


class Outcome(Answer):
    status: str
    reason: str | None
    targets: list[str]
    rules: list[str]


class Change(Answer):
    email_id: str
    subject: str | None
    changed: bool
    before: Outcome
    after: Outcome


class DryRunReplay(Answer):
    requested: int
    evaluated: int
    stopped_early: bool
    changed: int
    changes: list[Change]


# -- targets --------------------------------------------------------------------------------


class TargetView(Answer):
    id: str
    name: str
    url: str
    enabled: bool
    disabled_reason: str | None
    options: TargetOptions
    secret_hint: str
    """The last characters of the signing secret, never the secret."""
    rotation_until: float | None
    """While the previous secret still signs (24 h after a rotation)."""
    previous_secret_active: bool
    managed_by_env: bool
    """The `default` target of WEBHOOK_URL: its URL comes from the environment."""


class Circuit(Answer):
    failures: int
    open_until: float | None


class TargetHealth(Answer):
    state: Literal["untested", "healthy", "failing", "circuit_open", "disabled"]
    reason: str | None = None
    until: float | None = None
    last_attempt_at: float | None
    last_ok_at: float | None
    last_error: str | None
    last_status_code: int | None


class Latency(Answer):
    count: int
    avg_ms: float | None
    p50_ms: float | None
    p95_ms: float | None


class AttemptSummary(Answer):
    attempts: int
    ok: int
    failed: int
    success_rate: float | None
    latency: Latency


class TargetListItem(TargetView):
    in_default_route: bool
    circuit: Circuit
    health: TargetHealth
    last_24h: AttemptSummary


class DefaultRouteSource(Answer):
    source: Literal["option", "rules", "drop"]


class TargetList(Answer):
    items: list[TargetListItem]
    default_route: DefaultRouteSource


class TargetWithSecret(Answer):
    target: TargetView
    secret: str
    """The signing secret, shown this once."""


class TargetDeleted(Success):
    detached: list[TargetUse]
    """What `detach=true` removed the target from."""


class TestRequest(Answer):
    url: str
    headers: dict[str, str]
    body: Json


class TestResult(Answer):
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: float
    response_snippet: str | None


class TestSent(Answer):
    mode: Literal["preview", "send"]
    request: TestRequest
    result: TestResult | None = None
    """With `mode: send`."""


class StatsBucket(AttemptSummary):
    start: int
    """Epoch seconds of the bucket's start."""


class TargetStats(Answer):
    target_id: str
    range: Literal["24h", "7d"]
    bucket_seconds: int
    now: float
    buckets: list[StatsBucket]
    total: AttemptSummary


# -- dashboard figures ----------------------------------------------------------------------


class Reason(Answer):
    code: str
    level: Literal["red", "amber", "green"]
    params: Json


class Banner(Answer):
    level: Literal["red", "amber", "green"]
    reasons: list[Reason]


class Counters(Answer):
    ingress: int
    accepted: int
    ignored: int
    parked: int
    duplicate: int
    delivered: int
    retrying: int
    dead: int


class Hour(Counters):
    hour: int
    """Epoch seconds of the hour's start."""


class LastDay(Counters):
    emails: int
    """Distinct emails (pushes minus duplicates)."""


class TargetOutcomes(Answer):
    delivered: int
    retrying: int
    dead: int


class States(Answer):
    scheduled: int
    held: int
    retrying: int
    in_flight: int
    dead: int


class Overview(Answer):
    now: float
    status: Banner
    hours: list[Hour]
    """7 days, oldest first."""
    per_target: dict[str, TargetOutcomes]
    last_24h: LastDay
    success_rate_24h: float | None
    queue: QueueDepth
    states: States
    waiting: dict[str, dict[str, int]]
    """Per target, per reason."""
    targets: dict[str, TargetHealth]
    last_ingress_at: float | None
    store: Literal["ok", "degraded"]
    durability: str | None


class AuditChange(Answer):
    path: str
    old: Any
    new: Any


class AuditEntry(Answer):
    at: float
    actor: str
    action: str
    resource: str
    changes: list[AuditChange]
    detail: str | None = None


class AuditPage(Answer):
    items: list[AuditEntry]


class Names(Answer):
    items: list[str]


class ConfigExport(Answer):
    format: Literal["relais-config"]
    version: int
    exported_at: float
    includes_secrets: bool
    documents: dict[str, Json]
    """Every config document by name (secrets masked unless `include_secrets`)."""


class ImportItem(Answer):
    field: str
    note: str
    text: str
    value: str | None = None
    becomes: str | None = None
    detail: str | None = None
    problem: bool | None = None


class ImportReport(Answer):
    dry_run: bool
    written: list[str] | None = None
    would_write: list[str] | None = None
    """A dry run's: what an import would write."""
    problems: list[ImportItem]
    mapped: list[ImportItem]
    not_mapped: list[ImportItem]
    generated_secrets: dict[str, str]
    """Secrets generated for imported targets (masked in a dry run)."""
    rules_effect: DryRunReplay | None = None


# -- Gmail ----------------------------------------------------------------------------------


def _mailbox_view() -> type[BaseModel]:
    """`Mailbox.to_api()`: the record without its sealed token, with health and lag."""
    types = get_type_hints(Mailbox)
    members: dict[str, Any] = {
        item.name: (types[item.name], ...)
        for item in dataclass_fields(Mailbox)
        if item.name != "sealed_token"
    }
    return create_model(
        "MailboxView",
        __config__=ConfigDict(extra="forbid"),
        __doc__="A connected mailbox (services/gmail/mailboxes.py, Mailbox); never its token.",
        health=(str, ...),
        lag_seconds=(float | None, ...),
        **members,
    )


MailboxView: type[BaseModel] = _mailbox_view()


class GmailSetup(Answer):
    oauth_client: bool
    encryption_key: bool
    topic: str | None
    labels: list[str]
    push_auth: bool
    push_audience: str | None
    poll_fallback_seconds: int
    label_processed: str | None


class Mailboxes(Answer):
    items: list[MailboxView]  # type: ignore[valid-type]
    setup: GmailSetup


class ConsentStart(Answer):
    url: str
    """Google's consent screen, to open in the browser."""
    redirect_uri: str


class SyncQueued(Success):
    queued: Literal[True]


# -- config documents -----------------------------------------------------------------------


class WindowStatus(Answer):
    """What happens now under the schedule."""

    now: str
    open: bool
    until: str | None
    next_opening: str | None
    absence_today: bool


DOCUMENT_EXTRAS: dict[str, dict[str, Any]] = {"time_windows": {"status": (WindowStatus, ...)}}
"""What a document's GET shows beside it (DocumentService.view_extra), by document name."""

Error.model_rebuild()
