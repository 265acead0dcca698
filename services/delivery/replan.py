"""Re-planning one waiting delivery against the current targets and schedule. Pure.

A delivery waits in its queue until a time (scheduled, or held for the window, an
absence day, a rate limit, an open circuit) or on the waitlist until its target can
take it (missing, switched off). When the configuration changes, `plan_waiting`
says where each waiting delivery should be now, as a `Move` the queue applies
atomically (only if the delivery is still as it was read), or None to leave it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from email_processing.schedule import ScheduleDecision, replan
from services.delivery.record import HINT_FIELDS, TARGET_HOLDS, DeliveryRecord, Hold, Move, State
from services.documents.time_windows import TimeWindows

# What the re-plan reads of each waiting delivery record.
WAITING_FIELDS = (
    "target_id",
    "state",
    "hold_reason",
    "deliver_at",
    "detector",
    "urgent",
    "window_policy",
    "released_by",
    "replays",
    *HINT_FIELDS,
    "decision",  # records written before the hints were fields of their own
)
SAME_TIME = 1.0  # seconds under which two due times are the same plan


@dataclass(frozen=True)
class Snapshot:
    """The configuration a re-plan reads: which targets can take mail, and the schedule."""

    usable: Mapping[str, bool]
    windows: TimeWindows
    now: float

    def problem(self, target_id: str) -> str:
        """Why this target cannot take mail now ('' when it can)."""
        if target_id not in self.usable:
            return Hold.TARGET_MISSING
        return "" if self.usable[target_id] else Hold.TARGET_DISABLED


def plan_waiting(rec: DeliveryRecord, snap: Snapshot) -> Move | None:
    """Where one waiting delivery should be under the current configuration."""
    problem = snap.problem(rec.target_id)
    if problem:
        return _to_waitlist(rec, problem)
    if rec.state == State.RETRYING or rec.hold_reason == Hold.CIRCUIT_OPEN:
        return None  # in the hands of the retry schedule and the circuit breaker
    if rec.manual:
        return _due_now(rec, snap.now) if rec.hold_reason in TARGET_HOLDS else None
    return _rescheduled(rec, snap)


def _to_waitlist(rec: DeliveryRecord, problem: str) -> Move | None:
    if rec.state == State.RETRYING or (rec.state == State.HELD and rec.hold_reason == problem):
        return None  # a retry is held by the claim when it falls due
    return Move(rec.id, rec.state, rec.hold_reason, State.HELD, problem, None)


def _due_now(rec: DeliveryRecord, now: float) -> Move:
    return Move(rec.id, rec.state, rec.hold_reason, State.SCHEDULED, "", now)


def decide(rec: DeliveryRecord, snap: Snapshot) -> ScheduleDecision:
    """The schedule's decision for this delivery now (never a drop: it was accepted)."""
    windows = snap.windows
    return replan(
        detector=rec.detector or None,
        urgent=rec.urgent,
        now=datetime.fromtimestamp(snap.now, tz=windows.zone),
        tz=windows.zone,
        window=windows.window.window(),
        target_window=windows.target_window(rec.target_id),
        absence_days=windows.absence(),
        window_policy=rec.window_policy or None,  # type: ignore[arg-type]
        policies=windows.policies,
    )


def _rescheduled(rec: DeliveryRecord, snap: Snapshot) -> Move | None:
    current_at = rec.deliver_at if rec.deliver_at is not None else snap.now
    decision = decide(rec, snap)
    new_state, new_reason, at = _placement(decision, rec.state, current_at, snap.now)
    hints = hint_fields(decision)
    same_place = (new_state, new_reason) == (rec.state, rec.hold_reason)
    unchanged = same_place and abs(at - current_at) < SAME_TIME
    if unchanged and hints == {name: getattr(rec, name) for name in HINT_FIELDS}:
        return None
    fields = {**hints, "schedule_note": decision.reason}
    return Move(rec.id, rec.state, rec.hold_reason, new_state, new_reason, at, fields)


def _placement(
    decision: ScheduleDecision, state: State, current_at: float, now: float
) -> tuple[State, str, float]:
    """(state, hold reason, due time) the decision gives; one already due keeps its place."""
    if decision.action == "hold" and decision.deliver_at is not None:
        return State.HELD, decision.hold_code, decision.deliver_at.timestamp()
    due_already = state == State.SCHEDULED and current_at <= now
    return State.SCHEDULED, "", current_at if due_already else now


def hint_fields(decision: ScheduleDecision) -> dict[str, str]:
    """The record's window-hint fields under this decision, every one written (an empty one
    clears the hint)."""
    hints = decision.hints()
    return {name: hints.get(name) or "" for name in HINT_FIELDS}
