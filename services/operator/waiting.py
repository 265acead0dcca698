"""Mail that waits, and what releases it: the reconciler, "release now" and re-routing.

Every accepted email ends delivered, dead-lettered, ignored by an explicit policy, or
waiting with a reason the operator can see. This service keeps the waiting ones
honest when the configuration changes:

- `reconcile()` runs after every config write and, from an idle delivery thread, each
  time the configuration's fingerprint (targets that can take mail, rules, schedule,
  preferences) differs from the one its last pass applied, whichever process wrote it.
  It re-plans every waiting delivery (services/delivery/replan.py): held or scheduled ones move
  with the window and the absence days in both directions, waitlisted ones leave when
  their target can take them, and deliveries to a target that went away are
  waitlisted. Then it re-routes the parked emails (no target at all), which leave as
  soon as the current rules and targets give them one.
- `release_now()` sends held deliveries at once, whatever the window (audited).
- `reroute()` runs the current rules again on stored emails (parked, ignored, or
  accepted), with a dry run that says what would be sent where.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import redis

from config.keys import EMAIL_LOCK_TTL, RECONCILE_LOCK_TTL, Keys
from services.access.audit import AuditLog
from services.delivery.ingest import IngestContext, IngestService, analysis_doc
from services.delivery.queue import DeliveryQueue
from services.delivery.record import (
    TARGET_HOLDS,
    WAITING_STATES,
    DeliveryRecord,
    Move,
    State,
    StoredEmail,
)
from services.delivery.replan import WAITING_FIELDS, Snapshot, plan_waiting
from services.documents.build import Documents
from services.errors import Conflict, NotFound, ServiceError
from services.operator.records import DeliveryFilter, EmailFilter, Records
from services.operator.rules_lab import stored_to_inbound

logger = logging.getLogger(__name__)

RECONCILE_CHECK_SECONDS = 2.0  # how often an idle worker compares the fingerprint
PARKED_BATCH = 500  # parked emails re-routed per reconcile pass (the next pass goes on)
LOCK_WAIT_SECONDS = 10.0  # how long an admin write waits for another process's pass
MAX_BULK = 1000  # emails or deliveries one bulk action touches (the rest: call again)
BULK_BUDGET_SECONDS = 20.0  # a bulk action stops early past this and says so
CURSOR = "parked_cursor"


class NotReleasable(ServiceError):
    """The delivery cannot be released now; the code says why."""

    http_status = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


WHY_NOT = {
    "not_waiting": "only a waiting delivery (scheduled, held or retrying) can be released",
    "target_missing": "its target no longer exists: create it again or re-route the email",
    "target_disabled": "its target is switched off: switch it on or re-route the email",
    "changed": "the delivery changed meanwhile; reload it",
}


@dataclass
class ReconcileReport:
    """What one reconcile pass did."""

    moved: int = 0
    released_parked: int = 0
    complete: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "moved": self.moved,
            "released_parked": self.released_parked,
            "complete": self.complete,
        }


@dataclass
class RerouteResult:
    """One email's re-route: where it goes now, and what that changes."""

    email_id: str
    before: str
    status: str
    reason: str | None
    new: list[DeliveryRecord] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)
    cancelled: list[dict[str, Any]] = field(default_factory=list)
    applied: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "email_id": self.email_id,
            "status_before": self.before,
            "status": self.status,
            "reason": self.reason,
            "applied": self.applied,
            "new": [
                {
                    "target": d.target_id,
                    "state": str(d.state),
                    "hold_reason": d.hold_reason or None,
                    "deliver_at": d.deliver_at,
                }
                for d in self.new
            ],
            "kept": self.kept,
            "cancelled": self.cancelled,
        }


class WaitingMail:
    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        queue: DeliveryQueue,
        ingest: IngestService,
        documents: Documents,
        records: Records,
        audit: AuditLog,
        clock: Callable[[], float],
    ) -> None:
        self._redis = client
        self._keys = keys
        self._queue = queue
        self._ingest = ingest
        self._targets = documents.targets
        self._rules = documents.rules
        self._windows = documents.windows
        self._prefs = documents.preferences
        self._records = records
        self._audit = audit
        self._clock = clock
        self._next_check = 0.0

    # -- the reconciler -------------------------------------------------------

    def fingerprint(self) -> dict[str, str]:
        """What the waiting mail depends on, one short value per part."""
        targets = self._targets.get().targets
        usable = sorted((t.id, t.enabled, t.options.default) for t in targets)
        return {
            "targets": hashlib.sha256(json.dumps(usable).encode()).hexdigest()[:16],
            "rules": str(self._rules.get_versioned().version),
            "schedule": str(self._windows.get_versioned().version),
            "preferences": str(self._prefs.get_versioned().version),
        }

    def reconcile_if_due(self) -> None:
        """From an idle delivery thread: reconcile when the configuration changed anywhere."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + RECONCILE_CHECK_SECONDS
        self.reconcile(wait=0.0)

    def reconcile(self, *, force: bool = False, wait: float = LOCK_WAIT_SECONDS) -> ReconcileReport:
        """Re-plan waiting deliveries and release parked emails if the configuration changed
        since the last complete pass (or `force`). One process at a time. It reads the
        documents afresh and leaves no copy behind: the next request reads them afresh too."""
        self._forget_documents()
        try:
            return self._reconcile(force, wait)
        finally:
            self._forget_documents()

    def _forget_documents(self) -> None:
        for document in (self._targets, self._rules, self._windows, self._prefs):
            document.invalidate()

    def _reconcile(self, force: bool, wait: float) -> ReconcileReport:
        wanted = self.fingerprint()
        seen: dict[str, str] = self._redis.hgetall(self._keys.reconcile_versions)  # type: ignore[assignment]
        if not force and all(seen.get(k) == v for k, v in wanted.items()) and CURSOR not in seen:
            return ReconcileReport()
        token = self._lock(wait)
        if token is None:
            return ReconcileReport(complete=False)  # another process is at it
        try:
            return self._pass(wanted, seen)
        finally:
            self._unlock(token)

    def _pass(self, wanted: Mapping[str, str], seen: Mapping[str, str]) -> ReconcileReport:
        report = ReconcileReport(moved=self.replan_waiting())
        released, cursor = self._release_parked(float(seen.get(CURSOR) or "-inf"))
        report.released_parked = released
        pipe = self._redis.pipeline(transaction=True)
        if cursor is None:
            pipe.hdel(self._keys.reconcile_versions, CURSOR)
            pipe.hset(self._keys.reconcile_versions, mapping=dict[Any, Any](wanted))
        else:
            report.complete = False
            pipe.hset(self._keys.reconcile_versions, CURSOR, repr(cursor))
        pipe.execute()
        if report.moved or report.released_parked:
            logger.info(
                "reconcile: %d waiting deliveries re-planned, %d parked emails released",
                report.moved,
                report.released_parked,
            )
        return report

    def snapshot(self) -> Snapshot:
        return Snapshot(self._targets.usable(), self._windows.get(), self._clock())

    def replan_waiting(self) -> int:
        """Move every waiting delivery to where the current configuration puts it."""
        snap = self.snapshot()
        moved = 0
        for rec in self._queue.waiting(WAITING_FIELDS):
            if rec.state not in WAITING_STATES:
                continue
            move = plan_waiting(rec, snap)
            if move is not None and self._queue.move(move):
                moved += 1
        return moved

    def _release_parked(self, after: float) -> tuple[int, float | None]:
        """Re-route parked emails oldest first: (released, where to go on, or None: all done)."""
        low = "-inf" if after == float("-inf") else f"({after!r}"
        ids: list[tuple[str, float]] = self._redis.zrangebyscore(  # type: ignore[assignment]
            self._keys.parked, low, "+inf", start=0, num=PARKED_BATCH, withscores=True
        )
        if not any(self._targets.usable().values()):
            return 0, None  # nothing could take them
        released = 0
        for email_id, _ in ids:
            try:
                result = self._reroute_one(str(email_id), "system", dry_run=False, automatic=True)
            except NotFound:
                # Expired with the retention: nothing left to send; it no longer waits.
                self._redis.zrem(self._keys.parked, email_id)
                logger.warning("parked email %s expired before a target existed", email_id)
                continue
            released += bool(result and result.applied)
        if len(ids) < PARKED_BATCH:
            return released, None
        return released, float(ids[-1][1])

    def _lock(self, wait: float) -> str | None:
        token = secrets.token_hex(8)
        deadline = time.monotonic() + wait
        while True:
            if self._redis.set(self._keys.reconcile_lock, token, nx=True, ex=RECONCILE_LOCK_TTL):
                return token
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def _unlock(self, token: str) -> None:
        key = self._keys.reconcile_lock
        if self._redis.get(key) == token:
            self._redis.delete(key)

    # -- release now ------------------------------------------------------------

    def release_now(self, delivery_id: str, actor: str) -> str:
        """Send one waiting delivery at once, whatever the window (409 saying why not)."""
        rec = self._queue.get(delivery_id)
        if rec is None:
            raise NotFound("no delivery with this id (it may have expired)")
        outcome = self._release(rec, actor)
        if outcome != "released":
            raise NotReleasable(outcome, WHY_NOT[outcome])
        self._audit.record(actor, "release", f"delivery:{delivery_id}")
        return outcome

    def _release(self, rec: DeliveryRecord, actor: str) -> str:
        if rec.state not in WAITING_STATES:
            return "not_waiting"
        if rec.hold_reason in TARGET_HOLDS:
            return rec.hold_reason  # the target must come back (or the email be re-routed) first
        now = self._clock()
        fields = {"released_by": actor, "released_at": repr(now)}
        state = _released_state(rec.state)
        move = Move(rec.id, rec.state, rec.hold_reason, state, "", now, fields)
        return "released" if self._queue.move(move) else "changed"

    def release_matching(self, flt: DeliveryFilter, actor: str, dry_run: bool) -> dict[str, Any]:
        """Release every waiting delivery the filter matches (`dry_run`: count them)."""
        outcomes: dict[str, int] = {}
        matched = 0
        for rec in _bounded(self._records.matching_deliveries(flt), self._clock):
            if rec["state"] not in WAITING_STATES:
                continue
            matched += 1
            if dry_run:
                continue
            current = self._queue.get(rec["id"])
            outcome = self._release(current, actor) if current else "missing"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        released = outcomes.pop("released", 0)
        if released:
            self._audit.record(actor, "release_many", "deliveries", detail=f"{released} released")
        return {"matched": matched, "released": released, "skipped": outcomes}

    # -- re-route ---------------------------------------------------------------

    def reroute(self, email_id: str, actor: str, dry_run: bool) -> dict[str, Any]:
        """Run the current rules again on one stored email (`dry_run`: only say what)."""
        result = self._reroute_one(email_id, actor, dry_run=dry_run, automatic=False)
        if result is None:
            raise Conflict("this email is being re-routed right now; try again in a moment")
        return result.to_dict()

    def reroute_matching(self, flt: EmailFilter, actor: str, dry_run: bool) -> dict[str, Any]:
        """Re-route every stored email the filter matches, within a bound and a time budget."""
        rows: list[dict[str, Any]] = []
        started = self._clock()
        stopped_early = False
        for meta in self._records.matching_emails(flt):
            if len(rows) >= MAX_BULK or self._clock() - started > BULK_BUDGET_SECONDS:
                stopped_early = True
                break
            result = self._reroute_one(meta["email_id"], actor, dry_run=dry_run, automatic=False)
            if result is not None:
                rows.append(result.to_dict())
        return {"matched": len(rows), "stopped_early": stopped_early, "emails": rows}

    def _reroute_one(
        self, email_id: str, actor: str, *, dry_run: bool, automatic: bool
    ) -> RerouteResult | None:
        """None when another re-route of this email holds its lock."""
        lock = self._keys.email_lock(email_id)
        if not dry_run and not self._redis.set(lock, actor, nx=True, ex=EMAIL_LOCK_TTL):
            return None
        try:
            return self._reroute_locked(email_id, actor, dry_run=dry_run, automatic=automatic)
        finally:
            if not dry_run:
                self._redis.delete(lock)

    def _reroute_locked(
        self, email_id: str, actor: str, *, dry_run: bool, automatic: bool
    ) -> RerouteResult:
        stored = self._queue.load_email(email_id)
        if stored is None:
            raise NotFound("no stored email with this id (it may have expired)")
        ctx = self._evaluate(stored, email_id)
        existing = self._current_deliveries(stored)
        result = plan_reroute(stored, ctx, existing)
        worth_it = result.new or result.cancelled or result.status != result.before
        if dry_run or not worth_it or (automatic and not result.new):
            return result
        self._apply(stored, ctx, result, actor)
        return result

    def _evaluate(self, stored: StoredEmail, email_id: str) -> IngestContext:
        email = stored_to_inbound(stored)
        received = float(stored.meta.get("ingested_at") or 0) or None
        return self._ingest.evaluate(email, received_at=received, email_id=email_id)

    def _current_deliveries(self, stored: StoredEmail) -> list[DeliveryRecord]:
        ids = [d["id"] for d in stored.meta.get("deliveries", [])]
        return [rec for rec in self._queue.get_many(ids) if rec]

    def _apply(
        self, stored: StoredEmail, ctx: IngestContext, result: RerouteResult, actor: str
    ) -> None:
        for rec in result.cancelled:
            self._queue.cancel(rec["id"], "rerouted")
        meta = rerouted_meta(stored, ctx, result, actor, self._clock())
        added = self._queue.reroute(result.email_id, meta, result.status, result.new)
        if added < 0:
            raise NotFound("the email expired while it was re-routed")
        result.applied = True
        detail = f"{result.before} -> {result.status}, {added} new deliveries"
        if result.cancelled:
            detail += f", {len(result.cancelled)} cancelled"
        self._audit.record(actor, "reroute", f"email:{result.email_id}", detail=detail)
        logger.info("email %s re-routed by %s: %s", result.email_id, actor, detail)


def _released_state(state: State) -> State:
    """A released held delivery is scheduled; a retry keeps its state (attempts go on)."""
    return State.SCHEDULED if state == State.HELD else state


def _bounded(
    rows: Iterator[dict[str, Any]], clock: Callable[[], float]
) -> Iterator[dict[str, Any]]:
    started = clock()
    for count, row in enumerate(rows):
        if count >= MAX_BULK or clock() - started > BULK_BUDGET_SECONDS:
            return
        yield row


def reroute_delivery_id(email_id: str, target_id: str, generation: int) -> str:
    """The same for two concurrent re-routes of one email: the second adds nothing."""
    digest = hashlib.sha256(f"{email_id}|{target_id}|{generation}".encode()).hexdigest()
    return "dlv_" + digest[:24]


def plan_reroute(
    stored: StoredEmail, ctx: IngestContext, existing: list[DeliveryRecord]
) -> RerouteResult:
    """New deliveries for the targets the email lacks, kept ones, and cancelled ones."""
    result = RerouteResult(ctx.email_id, str(stored.meta.get("status", "")), ctx.status, ctx.reason)
    live = [rec for rec in existing if rec.state != State.CANCELLED]
    for delivery in ctx.deliveries:
        same = [rec.to_summary() for rec in live if rec.target_id == delivery.target_id]
        if same:
            result.kept += same
        else:
            result.new.append(_fresh(delivery, ctx.email_id, existing))
    result.cancelled = _cancellable(live, {d.target_id for d in ctx.deliveries})
    return result


def _cancellable(live: list[DeliveryRecord], chosen: set[str]) -> list[dict[str, Any]]:
    """Untouched deliveries to targets the email no longer goes to."""
    return [r.to_summary() for r in live if r.target_id not in chosen and _untouched(r)]


def _fresh(
    delivery: DeliveryRecord, email_id: str, existing: list[DeliveryRecord]
) -> DeliveryRecord:
    """The planned delivery under an id two concurrent re-routes agree on."""
    generation = sum(1 for rec in existing if rec.target_id == delivery.target_id)
    return replace(delivery, id=reroute_delivery_id(email_id, delivery.target_id, generation))


def _untouched(rec: DeliveryRecord) -> bool:
    """Waiting and never attempted: cancelling it loses nothing a receiver has seen."""
    return rec.state in (State.HELD, State.SCHEDULED) and rec.total_attempts == 0


def rerouted_meta(
    stored: StoredEmail, ctx: IngestContext, result: RerouteResult, actor: str, now: float
) -> dict[str, Any]:
    """The stored email with its new decision and the whole list of its deliveries."""
    meta = dict(stored.meta)
    deliveries = list(meta.get("deliveries", []))
    deliveries += [d.to_summary() for d in result.new]
    meta.update(
        status=ctx.status,
        reason=ctx.reason,
        analysis=analysis_doc(ctx),
        deliveries=deliveries,
        rerouted_at=now,
        rerouted_by=actor,
    )
    return meta
