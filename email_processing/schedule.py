"""When to deliver: now, later (held until the window opens), or never (dropped).

What happens outside the window is data: `DEFAULT_OUTSIDE_WINDOW` maps a case key to an
action, and the caller may pass its own mapping (from the preferences). Case keys are
`"<detector>.urgent"` (urgent emails), `"<detector>"`, then `"default"`, looked up in that
order. A rule's `window_policy` beats the mapping; absence days beat everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from email_processing.detectors.base import DetectorMatch
from email_processing.windows import WEEKDAYS, Window, is_open, next_send_time

Action = Literal["send", "hold", "drop"]
DEFAULT_CASE = "default"
# Why a delivery is held, as a stable code the API and the dashboard show in words.
HELD_FOR_WINDOW, HELD_FOR_ABSENCE = "window", "absence_day"
NOW_HINT = "maintenant"

# The old router's behaviour, except that other mail is held instead of lost
# (docs/old-router.md, business rules; docs/decisions.md, outside the window).
DEFAULT_OUTSIDE_WINDOW: Mapping[str, Action] = {
    "recadrage": "drop",
    "desabonnement_journee_tarifs": "send",
    "desabonnement_journee_tarifs.urgent": "hold",
    DEFAULT_CASE: "hold",
}


@dataclass(frozen=True)
class ScheduleDecision:
    """The delivery plan for one email and target, with the payload's window hints."""

    action: Action
    deliver_at: datetime | None  # send: now; hold: the next opening (None: never, all days off)
    reason: str
    webhooks_time_start: str | None = None
    webhooks_time_end: str | None = None
    hold_code: str = ""  # HELD_FOR_WINDOW or HELD_FOR_ABSENCE when held

    def hints(self) -> dict[str, str]:
        """The `webhooks_time_*` payload fields that apply (docs/old-router.md, webhook body)."""
        found = {
            "webhooks_time_start": self.webhooks_time_start,
            "webhooks_time_end": self.webhooks_time_end,
        }
        return {name: value for name, value in found.items() if value is not None}

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "deliver_at": self.deliver_at.isoformat() if self.deliver_at else None,
            "reason": self.reason,
            **self.hints(),
        }


def case_keys(detector: str | None, urgent: bool) -> tuple[str, ...]:
    """Keys looked up in the policy mapping, most specific first."""
    keys = [] if detector is None else [f"{detector}.urgent"] * urgent + [detector]
    return (*keys, DEFAULT_CASE)


def _lookup(
    detector: str | None, urgent: bool, policies: Mapping[str, Action]
) -> tuple[Action, str]:
    """The mapping's action for this case and the key that gave it."""
    for key in case_keys(detector, urgent):
        if key in policies:
            return policies[key], key
    return "hold", DEFAULT_CASE


def outside_window_action(
    detector: str | None, urgent: bool, policies: Mapping[str, Action] = DEFAULT_OUTSIDE_WINDOW
) -> Action:
    """The mapping's action for this case; `hold` when the mapping says nothing."""
    return _lookup(detector, urgent, policies)[0]


def _end_hint(window: Window) -> str | None:
    return window.end_hint()


def _held(
    now: datetime,
    tz: ZoneInfo,
    window: Window,
    absence_days: frozenset[int],
    reason: str,
    code: str = HELD_FOR_WINDOW,
) -> ScheduleDecision:
    """Hold until sending is next allowed; the hints describe the window it will go in."""
    try:
        deliver_at: datetime | None = next_send_time(now, tz, window, absence_days)
    except ValueError:
        deliver_at, reason = None, f"{reason}; every weekday is an absence day"
    start = NOW_HINT if window.configured else None
    return ScheduleDecision("hold", deliver_at, reason, start, _end_hint(window), code)


def _outside(
    action: Action,
    source: str,
    now: datetime,
    tz: ZoneInfo,
    window: Window,
    absence: frozenset[int],
) -> ScheduleDecision:
    if action == "drop":
        return ScheduleDecision("drop", None, f"outside the window: dropped ({source})")
    if action == "hold":
        reason = f"outside the window: held until it opens ({source})"
        return _held(now, tz, window, absence, reason)
    start = window.start_hint()
    reason = f"outside the window: sent anyway ({source})"
    return ScheduleDecision("send", now, reason, start, _end_hint(window))


def schedule(
    *,
    detector: DetectorMatch | None,
    now: datetime,
    tz: ZoneInfo,
    window: Window,
    urgent: bool | None = None,
    target_window: Window | None = None,
    absence_days: frozenset[int] = frozenset(),
    window_policy: Action | None = None,
    policies: Mapping[str, Action] = DEFAULT_OUTSIDE_WINDOW,
) -> ScheduleDecision:
    """Send, hold or drop one delivery at `now` (aware). `urgent=None` takes the
    detector's annotation. A target's own window, when set, replaces the global one."""
    effective = target_window if target_window is not None else window
    local = now.astimezone(tz)
    if local.weekday() in absence_days:
        reason = f"absence day ({WEEKDAYS[local.weekday()]}): held to the next allowed day"
        return _held(now, tz, effective, absence_days, reason, HELD_FOR_ABSENCE)
    if is_open(effective, local):
        start = NOW_HINT if effective.configured else None
        return ScheduleDecision("send", now, "inside the window", start, _end_hint(effective))
    if urgent is None:
        urgent = detector.urgent if detector is not None else False
    if window_policy is not None:
        action, source = window_policy, "rule window_policy"
    else:
        name = detector.detector if detector is not None else None
        action, key = _lookup(name, urgent, policies)
        source = f"policy {key}"
    return _outside(action, source, now, tz, effective, absence_days)


def replan(
    *,
    detector: str | None,
    urgent: bool,
    now: datetime,
    tz: ZoneInfo,
    window: Window,
    target_window: Window | None = None,
    absence_days: frozenset[int] = frozenset(),
    window_policy: Action | None = None,
    policies: Mapping[str, Action] = DEFAULT_OUTSIDE_WINDOW,
) -> ScheduleDecision:
    """`schedule()` again for a delivery already accepted, after the schedule changed.

    Mail accepted earlier is never dropped later: where the policy now says drop, the
    delivery is held until the window opens instead.
    """
    match = DetectorMatch(detector, {"urgent": urgent}) if detector else None
    decision = schedule(
        detector=match,
        now=now,
        tz=tz,
        window=window,
        urgent=urgent,
        target_window=target_window,
        absence_days=absence_days,
        window_policy=window_policy,
        policies=policies,
    )
    if decision.action != "drop":
        return decision
    effective = target_window if target_window is not None else window
    reason = "outside the window: held until it opens (accepted before the change)"
    return _held(now, tz, effective, absence_days, reason)
