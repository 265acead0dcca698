"""Re-planning one waiting delivery against the current targets and schedule. Pure.

A delivery waits in its queue until a time (scheduled, or held for the window, an
absence day, a rate limit, an open circuit) or on the waitlist until its target can
take it (missing, switched off). When the configuration changes, `plan_waiting`
says where each waiting delivery should be now, as a `Move` the queue applies
atomically (only if the delivery is still as it was read), or None to leave it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from email_processing.schedule import ScheduleDecision, replan
from services.delivery.queue import (
    CIRCUIT_OPEN,
    HELD,
    RETRYING,
    SCHEDULED,
    TARGET_DISABLED,
    TARGET_HOLDS,
    TARGET_MISSING,
    Move,
)
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
    "decision",
)
HINT_FIELDS = ("webhooks_time_start", "webhooks_time_end")
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
            return TARGET_MISSING
        return "" if self.usable[target_id] else TARGET_DISABLED


def plan_waiting(rec: Mapping[str, str | None], snap: Snapshot) -> Move | None:
    """Where one waiting delivery should be under the current configuration."""
    state, reason = str(rec["state"]), rec.get("hold_reason") or ""
    problem = snap.problem(str(rec["target_id"]))
    if problem:
        return _to_waitlist(rec, problem)
    if state == RETRYING or reason == CIRCUIT_OPEN:
        return None  # in the hands of the retry schedule and the circuit breaker
    if manual(rec):
        return _due_now(rec, snap.now) if reason in TARGET_HOLDS else None
    return _rescheduled(rec, snap)


def manual(rec: Mapping[str, str | None]) -> bool:
    """Released or replayed by hand: the operator chose to send it whatever the schedule."""
    return bool(rec.get("released_by")) or int(rec.get("replays") or 0) > 0


def _to_waitlist(rec: Mapping[str, str | None], problem: str) -> Move | None:
    state, reason = str(rec["state"]), rec.get("hold_reason") or ""
    if state == RETRYING or (state == HELD and reason == problem):
        return None  # a retry is held by the claim when it falls due
    return Move(str(rec["id"]), state, reason, HELD, problem, None)


def _due_now(rec: Mapping[str, str | None], now: float) -> Move:
    state, reason = str(rec["state"]), rec.get("hold_reason") or ""
    return Move(str(rec["id"]), state, reason, SCHEDULED, "", now)


def decide(rec: Mapping[str, str | None], snap: Snapshot) -> ScheduleDecision:
    """The schedule's decision for this delivery now (never a drop: it was accepted)."""
    windows = snap.windows
    policy = rec.get("window_policy") or None
    return replan(
        detector=rec.get("detector") or None,
        urgent=rec.get("urgent") == "1",
        now=datetime.fromtimestamp(snap.now, tz=windows.zone),
        tz=windows.zone,
        window=windows.window.window(),
        target_window=windows.target_window(str(rec["target_id"])),
        absence_days=windows.absence(),
        window_policy=policy,  # type: ignore[arg-type]
        policies=windows.policies,
    )


def _rescheduled(rec: Mapping[str, str | None], snap: Snapshot) -> Move | None:
    state, reason = str(rec["state"]), rec.get("hold_reason") or ""
    current_at = float(rec.get("deliver_at") or snap.now)
    decision = decide(rec, snap)
    new_state, new_reason, at = _placement(decision, state, current_at, snap.now)
    old_decision = json.loads(rec.get("decision") or "{}")
    new_decision = with_hints(old_decision, decision)
    unchanged = (new_state, new_reason) == (state, reason) and abs(at - current_at) < SAME_TIME
    if unchanged and new_decision == old_decision:
        return None
    fields = {
        "decision": json.dumps(new_decision, ensure_ascii=False),
        "schedule_note": decision.reason,
    }
    return Move(str(rec["id"]), state, reason, new_state, new_reason, at, fields)


def _placement(
    decision: ScheduleDecision, state: str, current_at: float, now: float
) -> tuple[str, str, float]:
    """(state, hold reason, due time) the decision gives; one already due keeps its place."""
    if decision.action == "hold" and decision.deliver_at is not None:
        return HELD, decision.hold_code, decision.deliver_at.timestamp()
    due_already = state == SCHEDULED and current_at <= now
    return SCHEDULED, "", current_at if due_already else now


def with_hints(stored: Mapping[str, str], decision: ScheduleDecision) -> dict[str, str]:
    """The stored payload decision with the schedule's hints replaced by the new ones."""
    fields = {k: v for k, v in stored.items() if k not in HINT_FIELDS}
    fields.update(decision.hints())
    return fields
