"""The ingest pipeline: from a validated pushed email to queued deliveries, in one transaction.

Steps run in order over one context; each is a small function, and an email
that a step marks `ignored` (an intentional policy: exclusion, drop, no links)
or `parked` (no target at all) skips the rest; it is still stored, with why.
A routed target that cannot take the email (missing, switched off) still gets
its delivery, held on the waitlist until the target is back: nothing accepted
is dropped because of a configuration state.
Nothing here makes an outbound network call: the only I/O is reading cached
config documents and the final Redis transaction. `evaluate()` runs the same
steps without writing anything (the rules dry run).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from config.redis_conn import REDIS_DOWN_ERRORS, REDIS_DOWN_RETRY_AFTER
from email_processing.detectors import DetectorMatch, run_detectors
from email_processing.exclusions import excluded
from email_processing.identity import email_id, legacy_email_id, sender_email, webhook_id
from email_processing.inbound import InboundEmail as InboundEmail  # the ingress contract
from email_processing.links import Link, extract_links
from email_processing.normalize import NormalizedEmail, normalize_email
from email_processing.rules import CompiledRules, RoutingDecision, evaluate
from email_processing.schedule import ScheduleDecision, schedule
from preferences import ProcessingPreferences
from services.delivery.queue import DeliveryQueue
from services.delivery.record import DeliveryRecord, Hold, State, new_delivery_id
from services.documents.preferences import PreferencesService
from services.documents.rules import RoutingRulesService
from services.documents.runtime_flags import RuntimeFlags, RuntimeFlagsService
from services.documents.targets import WebhookTarget, WebhookTargetsService
from services.documents.time_windows import TimeWindows, TimeWindowsService
from services.errors import IngressDisabled, Unavailable
from services.metrics import Metrics

logger = logging.getLogger(__name__)

ACCEPTED, DUPLICATE, IGNORED, PARKED = "accepted", "duplicate", "ignored", "parked"
APPS_SCRIPT, GMAIL_API = "apps_script", "gmail_api"  # the sources an email arrives by
NO_TARGET = "no_target"


@dataclass(frozen=True)
class Route:
    """One target the routing chose, and why it cannot take the email now ('' if it can)."""

    target_id: str
    problem: str = ""
    target_name: str = ""


@dataclass
class IngestContext:
    """What the pipeline knows about one email so far."""

    email: InboundEmail
    now: float
    flags: RuntimeFlags
    prefs: ProcessingPreferences
    windows: TimeWindows
    rules: CompiledRules
    request_id: str | None = None
    received_at: float | None = None  # when the email first arrived (a re-route runs later)
    email_id: str = ""
    source: str = "apps_script"  # how it reached Relais: apps_script or gmail_api
    normalized: NormalizedEmail | None = None
    links: list[Link] = field(default_factory=list)
    detector: DetectorMatch | None = None
    routing: RoutingDecision | None = None
    routes: list[Route] = field(default_factory=list)
    plans: list[tuple[Route, ScheduleDecision]] = field(default_factory=list)
    deliveries: list[DeliveryRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    status: str = ACCEPTED
    reason: str | None = None

    def ignore(self, reason: str) -> None:
        self.status, self.reason = IGNORED, reason

    def park(self, reason: str) -> None:
        self.status, self.reason = PARKED, reason

    def local_now(self) -> datetime:
        return datetime.fromtimestamp(self.now, tz=self.windows.zone)

    def local_received(self) -> datetime:
        """The arrival time, in the schedule's zone: what detectors read ("urgent: in 1 h")."""
        moment = self.now if self.received_at is None else self.received_at
        return datetime.fromtimestamp(moment, tz=self.windows.zone)


@dataclass(frozen=True)
class IngestResult:
    status: str
    email_id: str
    deliveries: list[DeliveryRecord]
    reason: str | None = None
    context: IngestContext | None = None

    def to_dict(self) -> dict[str, Any]:
        # A parked email is stored and will leave once a target exists: for the Apps Script
        # (whose deployed copies know accepted, duplicate and ignored) it is accepted.
        doc: dict[str, Any] = {
            "success": True,
            "status": ACCEPTED if self.status == PARKED else self.status,
            "email_id": self.email_id,
            "deliveries": [
                {
                    "id": d.id,
                    "target": d.target_id,
                    "deliver_at": None if d.deliver_at is None else iso_utc(d.deliver_at),
                    "state": str(d.state),
                    **({"hold_reason": d.hold_reason} if d.hold_reason else {}),
                }
                for d in self.deliveries
            ],
        }
        if self.status == PARKED:
            doc["parked"] = True
        if self.reason:
            doc["reason"] = self.reason
        if self.context is not None and self.status != DUPLICATE:
            doc.update(analysis_doc(self.context))
        return doc


def iso_utc(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


Step = Callable[[IngestContext], None]


class IngestService:
    """Runs the pipeline steps, then admits the email and its deliveries atomically."""

    def __init__(
        self,
        flags: RuntimeFlagsService,
        targets: WebhookTargetsService,
        rules: RoutingRulesService,
        windows: TimeWindowsService,
        preferences: PreferencesService,
        queue: DeliveryQueue,
        clock: Callable[[], float],
        match_body_max_chars: int,
        metrics: Metrics,
        sender_allowlist: Iterable[str] = (),
    ) -> None:
        self._flags = flags
        self._targets = targets
        self._rules = rules
        self._windows = windows
        self._prefs = preferences
        self._queue = queue
        self._clock = clock
        self._max_chars = match_body_max_chars
        self._metrics = metrics
        self._allowlist = frozenset(address.lower() for address in sender_allowlist)
        self.steps: list[Step] = [
            identify,
            self.check_sender,
            check_size,
            self.analyse,
            check_exclusions,
            self.route,
            check_links,
            check_targets,
            plan_schedule,
            plan_deliveries,
        ]

    def ingest(
        self, email: InboundEmail, request_id: str | None = None, source: str = APPS_SCRIPT
    ) -> IngestResult:
        """Admit one email (`source`: apps_script or gmail_api): its analysis, its deliveries
        and its dedup claim in one transaction."""
        flags = self._flags.get()
        if not flags.gmail_ingress_enabled:
            raise IngressDisabled("ingress is switched off (runtime flag gmail_ingress_enabled)")
        if not flags.disable_email_id_dedup and self._seen_already(email):
            return IngestResult(DUPLICATE, email_id(email), [])
        ctx = self.evaluate(email, request_id=request_id, flags=flags)
        ctx.source = source
        if ctx.normalized is not None and ctx.normalized.truncated:
            logger.warning(
                "email %s: body truncated to %d chars for matching", ctx.email_id, self._max_chars
            )
        if self._admit(ctx) == DUPLICATE:
            logger.info("ingress duplicate: %s", ctx.email_id)
            return IngestResult(DUPLICATE, ctx.email_id, [])
        self._metrics.messages_admitted.labels(source).inc()
        logger.info(
            "ingress %s: %s (%d deliveries%s)",
            ctx.status,
            ctx.email_id,
            len(ctx.deliveries),
            f", {ctx.reason}" if ctx.reason else "",
        )
        return IngestResult(ctx.status, ctx.email_id, ctx.deliveries, ctx.reason, ctx)

    def _seen_already(self, email: InboundEmail) -> bool:
        """A duplicate costs one Redis round trip, never an analysis."""
        known_as = email_id(email)
        try:
            seen = self._queue.seen(known_as, other_ids(email))
        except REDIS_DOWN_ERRORS as exc:
            raise self._unavailable(exc) from exc
        if seen:
            logger.info("ingress duplicate: %s", known_as)
        return seen

    def _unavailable(self, exc: BaseException) -> Unavailable:
        self._metrics.redis_errors.labels("ingress").inc()
        logger.error("ingress refused: Redis unreachable (%s)", type(exc).__name__)
        return Unavailable(
            "storage is unavailable; retry later", retry_after=REDIS_DOWN_RETRY_AFTER
        )

    def evaluate(
        self,
        email: InboundEmail,
        *,
        request_id: str | None = None,
        flags: RuntimeFlags | None = None,
        rules: CompiledRules | None = None,
        now: float | None = None,
        received_at: float | None = None,
        email_id: str = "",
    ) -> IngestContext:
        """Run every step without writing: what would happen to this email (a stored one
        keeps its `email_id`)."""
        ctx = IngestContext(
            email=email,
            now=self._clock() if now is None else now,
            flags=flags or self._flags.get(),
            prefs=self._prefs.get(),
            windows=self._windows.get(),
            rules=rules or self._rules.compiled(),
            request_id=request_id,
            received_at=received_at,
            email_id=email_id,
        )
        for step in self.steps:
            step(ctx)
            if ctx.status != ACCEPTED:
                break
        return ctx

    def check_sender(self, ctx: IngestContext) -> None:
        """GMAIL_SENDER_ALLOWLIST (the old router's): other senders are ignored, with why."""
        if self._allowlist and sender_email(ctx.email.sender) not in self._allowlist:
            ctx.ignore("sender_not_allowed")

    def analyse(self, ctx: IngestContext) -> None:
        """Normalise, find links, run the detectors that are switched on."""
        ctx.normalized = normalized = normalize_email(ctx.email, max_body_chars=self._max_chars)
        ctx.links = extract_links(normalized.body_html, normalized.plain_body)
        enabled = ctx.prefs.enabled_detectors()
        ctx.detector = run_detectors(normalized, ctx.links, ctx.local_received(), enabled)

    def route(self, ctx: IngestContext) -> None:
        """Evaluate the rules; note which chosen targets cannot take the email now."""
        assert ctx.normalized is not None
        defaults = [t.id for t in self._targets.default_targets()]
        ctx.routing = decision = evaluate(
            ctx.rules, ctx.normalized, ctx.links, ctx.detector, default_targets=defaults
        )
        if decision.dropped:
            ctx.ignore("default_route_drop")
            return
        for target_id in decision.targets:
            target = self._targets.find(target_id)
            route = Route(target_id, self._problem(target), target.name if target else "")
            ctx.routes.append(route)
            if route.problem:
                ctx.notes.append(f"target {target_id}: {route.problem}; its delivery waits for it")

    @staticmethod
    def _problem(target: WebhookTarget | None) -> str:
        if target is None:
            return Hold.TARGET_MISSING
        return "" if target.enabled else Hold.TARGET_DISABLED

    def _admit(self, ctx: IngestContext) -> str:
        email = ctx.email
        try:
            return self._queue.admit(
                ctx.email_id,
                email_meta(ctx),
                email.body,
                email.plain_body or "",
                ctx.deliveries,
                dedup=not ctx.flags.disable_email_id_dedup,
                status=ctx.status,
                aliases=other_ids(email),
            )
        except REDIS_DOWN_ERRORS as exc:
            raise self._unavailable(exc) from exc


def identify(ctx: IngestContext) -> None:
    ctx.email_id = ctx.email_id or email_id(ctx.email)


def other_ids(email: InboundEmail) -> list[str]:
    """The id the old script would have given this email: a push from either is the same mail."""
    return [legacy_email_id(email.subject, email.sender, email.date)] if email.date else []


def check_size(ctx: IngestContext) -> None:
    limit = ctx.prefs.max_email_size_kb
    if limit is not None and len(ctx.email.body.encode("utf-8")) > limit * 1024:
        ctx.ignore("too_large")


def check_exclusions(ctx: IngestContext) -> None:
    assert ctx.normalized is not None
    name = ctx.detector.detector if ctx.detector else None
    keyword = excluded(
        ctx.normalized,
        name,
        ctx.prefs.exclude_keywords,
        ctx.prefs.exclude_keywords_per_detector,
    )
    if keyword is not None:
        ctx.ignore(f"excluded_keyword: {keyword}")


def check_links(ctx: IngestContext) -> None:
    """Mail that nothing claimed (no detector, no rule) and without links is not sent."""
    unclaimed = ctx.detector is None and ctx.routing is not None and ctx.routing.used_default
    if ctx.prefs.require_links and unclaimed and not ctx.links:
        ctx.ignore("no_links")


def check_targets(ctx: IngestContext) -> None:
    """No target at all (none configured, or none in the default route): park the email."""
    if not ctx.routes:
        ctx.park(NO_TARGET)


def plan_schedule(ctx: IngestContext) -> None:
    """Send now, hold until the window opens, or drop, per target."""
    windows = ctx.windows
    policy = ctx.routing.window_policy if ctx.routing else None
    for route in ctx.routes:
        decision = schedule(
            detector=ctx.detector,
            now=ctx.local_now(),
            tz=windows.zone,
            window=windows.window.window(),
            target_window=windows.target_window(route.target_id),
            absence_days=windows.absence(),
            window_policy=policy,
            policies=windows.policies,
        )
        if decision.action == "drop" or decision.deliver_at is None:
            ctx.notes.append(f"target {route.target_id}: {decision.reason}")
        else:
            ctx.plans.append((route, decision))
    if not ctx.plans:
        ctx.ignore("outside_window")


def plan_deliveries(ctx: IngestContext) -> None:
    """One delivery per planned target, with what its payload and a re-plan need."""
    for route, decision in ctx.plans:
        assert decision.deliver_at is not None
        held = decision.action == "hold"
        hold_reason = route.problem or (decision.hold_code if held else "")
        ctx.deliveries.append(
            DeliveryRecord(
                id=new_delivery_id(),
                email_id=ctx.email_id,
                target_id=route.target_id,
                target_name=route.target_name,
                webhook_id=webhook_id(ctx.email_id, route.target_id),
                state=State.HELD if hold_reason else State.SCHEDULED,
                hold_reason=hold_reason,
                created_at=ctx.now,
                # Exactly `now` when sent at once: a datetime round trip may round it up.
                deliver_at=decision.deliver_at.timestamp() if held else ctx.now,
                **copied_fields(ctx, decision),
            )
        )


def copied_fields(ctx: IngestContext, decision: ScheduleDecision) -> dict[str, Any]:
    """What the record copies from the email's analysis: for the lists, a later re-plan, and
    the decision fields of the webhook body (docs/old-router.md, webhook body)."""
    routing, detector = ctx.routing, ctx.detector
    delivery_time = detector.annotations.get("delivery_time") if detector else None
    return {
        "request_id": ctx.request_id or "",
        "subject": ctx.email.subject[:200],
        "sender_email": sender_email(ctx.email.sender),
        "priority": routing.priority if routing else "normal",
        "detector": detector.detector if detector else "",
        "urgent": detector is not None and detector.urgent,
        "window_policy": (routing.window_policy or "") if routing else "",
        "rules": ",".join(routing.matched_rules) if routing else "",
        "schedule_note": decision.reason,
        "delivery_time": str(delivery_time or ""),
        **decision.hints(),
    }


def analysis_doc(ctx: IngestContext) -> dict[str, Any]:
    """Detector, links, routing decision with its trace, and the schedule: stored and answered."""
    return {
        "detector": ctx.detector.to_dict() if ctx.detector else None,
        "links": [link.to_dict() for link in ctx.links],
        "decision": ctx.routing.to_dict() if ctx.routing else None,
        "schedule": {route.target_id: d.to_dict() for route, d in ctx.plans},
        "notes": ctx.notes,
    }


def email_meta(ctx: IngestContext) -> dict[str, Any]:
    """The stored email without its bodies (those are stored beside it)."""
    email = ctx.email
    meta = email.model_dump(exclude={"body", "plain_body"}, exclude_none=True)
    meta.update(
        email_id=ctx.email_id,
        sender_email=sender_email(email.sender),
        ingested_at=ctx.now,
        request_id=ctx.request_id,
        source=ctx.source,
        status=ctx.status,
        reason=ctx.reason,
        truncated=bool(ctx.normalized and ctx.normalized.truncated),
        analysis=analysis_doc(ctx),
        deliveries=[d.to_summary() for d in ctx.deliveries],
    )
    return meta
