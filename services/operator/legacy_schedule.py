"""The old router's window, time zone and absence days as Relais's schedule, and what saving
that schedule changes.

Three things the operator must read before saving, said in the report:
- the old dashboard's export holds the window twice (its `time_window`, which the old
  dashboard showed, and `webhook_config.webhook_time_*`): the first wins, the second is
  reported as such;
- a saved schedule takes precedence over TIMEZONE / WEBHOOKS_TIME_* (and their old names
  POLLING_TIMEZONE / WEBHOOK_TIME_*) for good: the zone saved is said, and where it came
  from when the old documents named none;
- the schedule carries the outside-window policies, written with it: each is said beside
  what the old router did with that mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from email_processing.schedule import DEFAULT_CASE
from services.operator.legacy_report import Notes

ENDS = ("start", "end")
ACTION_WORDS = {
    "send": "sent at once",
    "hold": "held, sent when the window opens",
    "drop": "not sent",
}
# What the old router did outside the window (docs/old-router.md, business rules), by
# policy case.
OLD_OUTSIDE_WINDOW = {
    "recadrage": "not sent (skipped, marked processed)",
    "desabonnement_journee_tarifs": "sent anyway, the window start as webhooks_time_start",
    "desabonnement_journee_tarifs.urgent": "not sent (lost)",
    DEFAULT_CASE: "not sent (lost)",
}


def schedule_from(
    webhook: Mapping[str, Any],
    wrapper: Mapping[str, Any] | None,
    data: dict[str, Any],
    notes: Notes,
) -> bool:
    """Fill `data` (the stored schedule, dumped) from the old documents; True when changed.
    When it changed, the report also says what saving it means (zone, policies)."""
    changed = _zone_from(wrapper, data, notes)
    for end in ENDS:
        changed = _window_end(end, webhook, wrapper, data, notes) or changed
    changed = _absence_from(webhook, data, notes) or changed
    if changed:
        _say_schedule_stored(wrapper, data, notes)
        _say_policies(data, notes)
    return changed


def _zone_from(wrapper: Mapping[str, Any] | None, data: dict[str, Any], notes: Notes) -> bool:
    if wrapper is None:
        return False
    known = {"webhooks_time_start", "webhooks_time_end", "timezone"}
    for key in sorted(set(wrapper) - known):
        notes.skip(f"time_window.{key}", "unknown_field", wrapper[key])
    if "timezone" not in wrapper:
        return False
    zone = wrapper["timezone"]
    if not zone:
        notes.skip("time_window.timezone", "not_applicable", zone, detail="empty: not used")
        return False
    data["timezone"] = str(zone)
    notes.map("time_window.timezone", "same_meaning", zone, "schedule time zone")
    return True


def _window_end(
    end: str,
    webhook: Mapping[str, Any],
    wrapper: Mapping[str, Any] | None,
    data: dict[str, Any],
    notes: Notes,
) -> bool:
    """One end of the window: the export's time_window, else webhook_config's."""
    shown_key, stored_key = f"webhooks_time_{end}", f"webhook_time_{end}"
    if wrapper is not None and shown_key in wrapper:
        if stored_key in webhook:
            notes.skip(f"webhook_config.{stored_key}", "overridden", webhook[stored_key])
        return _set_end(end, wrapper[shown_key], f"time_window.{shown_key}", data, notes)
    if stored_key in webhook:
        return _set_end(end, webhook[stored_key], f"webhook_config.{stored_key}", data, notes)
    return False


def _set_end(end: str, value: Any, name: str, data: dict[str, Any], notes: Notes) -> bool:
    data["window"] = {**data.get("window", {}), end: str(value) if value else None}
    becomes = f"delivery window {end} {value}" if value else f"no window {end} (open)"
    notes.map(name, "format_kept", value if value else "(empty)", becomes)
    return True


def _absence_from(webhook: Mapping[str, Any], data: dict[str, Any], notes: Notes) -> bool:
    """Absence days as the old router applied them: only while its pause was switched on."""
    if "absence_pause_enabled" not in webhook and "absence_pause_days" not in webhook:
        return False
    days = [str(d).lower() for d in webhook.get("absence_pause_days") or []]
    enabled = bool(webhook.get("absence_pause_enabled"))
    data["absence_days"] = days if enabled else []
    _say_absence(webhook, enabled, ",".join(days) or "(none)", notes)
    return True


def _say_absence(webhook: Mapping[str, Any], enabled: bool, listed: str, notes: Notes) -> None:
    if "absence_pause_enabled" in webhook:
        becomes = f"absence days {listed}" if enabled else "no absence day"
        notes.map("webhook_config.absence_pause_enabled", "same_meaning", enabled, becomes)
    if "absence_pause_days" not in webhook:
        return
    if enabled:
        notes.map("webhook_config.absence_pause_days", "same_meaning", listed, "absence days")
    else:
        notes.skip("webhook_config.absence_pause_days", "pause_off", listed)


def _say_schedule_stored(
    wrapper: Mapping[str, Any] | None, data: dict[str, Any], notes: Notes
) -> None:
    zone = data["timezone"]
    source = (
        "the export's time_window"
        if wrapper is not None and wrapper.get("timezone")
        else "no time zone in the old documents: the current schedule's, i.e. TIMEZONE "
        "(or POLLING_TIMEZONE) unless a schedule was saved before"
    )
    window = data.get("window") or {}
    saved = f"zone {zone}, window {window.get('start') or '…'}-{window.get('end') or '…'}"
    notes.map(
        "time_windows",
        "schedule_stored",
        None,
        f"stored schedule: {saved}",
        detail=(
            f"zone saved: {zone} ({source}). From now on the stored schedule takes precedence "
            "over TIMEZONE / POLLING_TIMEZONE and WEBHOOKS_TIME_START/END / WEBHOOK_TIME_* from "
            "the environment: change it under Schedule, not in the environment"
        ),
    )


def _say_policies(data: dict[str, Any], notes: Notes) -> None:
    """Each outside-window policy saved with the schedule, beside what the old router did."""
    for case, action in sorted((data.get("policies") or {}).items()):
        old = OLD_OUTSIDE_WINDOW.get(case, "no such case")
        notes.map(
            f"time_windows.policies.{case}",
            "window_policy",
            None,
            action,
            detail=f"outside the window: {ACTION_WORDS.get(action, action)}; the old router: {old}",
        )
