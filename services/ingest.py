"""The ingest pipeline: from a validated pushed email to queued deliveries, in one transaction.

Steps run in order over one context; each is a small function. Nothing here
makes an outbound network call: the only I/O is reading cached config
documents and the final Redis transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from config.redis_conn import REDIS_DOWN_ERRORS
from email_processing.identity import email_id, sender_email, webhook_id
from email_processing.inbound import InboundEmail
from services.delivery_queue import DeliveryQueue, NewDelivery, new_delivery_id
from services.errors import IngressDisabled, Unavailable
from services.runtime_flags import RuntimeFlags, RuntimeFlagsService
from services.webhook_targets import WebhookTarget, WebhookTargetsService

logger = logging.getLogger(__name__)

ACCEPTED, DUPLICATE, IGNORED = "accepted", "duplicate", "ignored"
REDIS_DOWN_RETRY_AFTER = 30


@dataclass
class IngestContext:
    """What the pipeline knows about one email so far."""

    email: InboundEmail
    now: float
    flags: RuntimeFlags
    request_id: str | None = None
    email_id: str = ""
    targets: list[WebhookTarget] = field(default_factory=list)
    deliveries: list[NewDelivery] = field(default_factory=list)
    status: str = ACCEPTED
    reason: str | None = None


@dataclass(frozen=True)
class IngestResult:
    status: str
    email_id: str
    deliveries: list[NewDelivery]
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "success": True,
            "status": self.status,
            "email_id": self.email_id,
            "deliveries": [
                {"id": d.id, "target": d.target_id, "deliver_at": iso_utc(d.deliver_at)}
                for d in self.deliveries
            ],
        }
        if self.reason:
            doc["reason"] = self.reason
        return doc


def iso_utc(ts: float) -> str:
    return (
        datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


Step = Callable[[IngestContext], None]


class IngestService:
    """Runs the pipeline steps, then admits the email and its deliveries atomically."""

    def __init__(
        self,
        flags: RuntimeFlagsService,
        targets: WebhookTargetsService,
        queue: DeliveryQueue,
        clock: Callable[[], float],
    ) -> None:
        self._flags = flags
        self._targets = targets
        self._queue = queue
        self._clock = clock
        self.steps: list[Step] = [identify, self.route, plan_deliveries]

    def ingest(self, email: InboundEmail, request_id: str | None = None) -> IngestResult:
        flags = self._flags.get()
        if not flags.gmail_ingress_enabled:
            raise IngressDisabled("ingress is switched off (runtime flag gmail_ingress_enabled)")
        ctx = IngestContext(email=email, now=self._clock(), flags=flags, request_id=request_id)
        for step in self.steps:
            step(ctx)
        status = self._admit(ctx)
        if status == DUPLICATE:
            logger.info("ingress duplicate: %s", ctx.email_id)
            return IngestResult(DUPLICATE, ctx.email_id, [])
        logger.info("ingress %s: %s (%d deliveries)", ctx.status, ctx.email_id, len(ctx.deliveries))
        return IngestResult(ctx.status, ctx.email_id, ctx.deliveries, ctx.reason)

    def route(self, ctx: IngestContext) -> None:
        """Every accepted email goes to the default targets (rules come later)."""
        ctx.targets = self._targets.default_targets()
        if not ctx.targets:
            ctx.status, ctx.reason = IGNORED, "no_enabled_target"

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
            )
        except REDIS_DOWN_ERRORS as exc:
            logger.error("ingress refused: Redis unreachable (%s)", type(exc).__name__)
            raise Unavailable(
                "storage is unavailable; retry later", retry_after=REDIS_DOWN_RETRY_AFTER
            ) from exc


def identify(ctx: IngestContext) -> None:
    ctx.email_id = email_id(ctx.email)


def plan_deliveries(ctx: IngestContext) -> None:
    """One delivery per target, due now."""
    ctx.deliveries = [
        NewDelivery(
            id=new_delivery_id(),
            target_id=target.id,
            webhook_id=webhook_id(ctx.email_id, target.id),
            deliver_at=ctx.now,
            extra={"request_id": ctx.request_id or ""},
        )
        for target in ctx.targets
    ]


def email_meta(ctx: IngestContext) -> dict[str, Any]:
    """The stored email without its bodies (those are stored beside it)."""
    email = ctx.email
    meta = email.model_dump(exclude={"body", "plain_body"}, exclude_none=True)
    meta.update(
        email_id=ctx.email_id,
        sender_email=sender_email(email.sender),
        ingested_at=ctx.now,
        request_id=ctx.request_id,
        status=ctx.status,
        reason=ctx.reason,
        deliveries=[
            {"id": d.id, "target": d.target_id, "deliver_at": d.deliver_at} for d in ctx.deliveries
        ],
    )
    return meta
