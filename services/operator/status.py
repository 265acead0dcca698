"""What the status screens say: each target's health and the overall banner. Pure.

Both are computed from the current state only (queues, the waitlist, the last real
attempt of each target), never from a 24-hour history: replaying the dead letters
turns the banner green at once, and a target never tried is `untested`, not healthy.
Each reason is a stable code with parameters; the dashboard words it in English and
French.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.delivery.record import PAUSED, TARGET_HOLDS, Hold
from services.documents.targets import WebhookTarget

RED, AMBER, GREEN = "red", "amber", "green"
QUIET_INGRESS_SECONDS = 24 * 3600  # amber when no email arrived for this long
BACKLOG_SECONDS = 5 * 60  # amber when a due delivery has waited this long
WEAK_DURABILITY = frozenset({"none", "snapshots_only"})


def target_health(
    target: WebhookTarget,
    last: Mapping[str, str],
    circuit: Mapping[str, Any],
    now: float,
) -> dict[str, Any]:
    """`untested`, `healthy`, `failing` (with the last error), `circuit_open` (until when)
    or `disabled` (why), from the target and its last real attempt."""
    seen = {
        "last_attempt_at": _float(last.get("last_attempt_at")),
        "last_ok_at": _float(last.get("last_ok_at")),
        "last_error": last.get("last_error") or None,
        "last_status_code": int(last["last_status_code"]) if last.get("last_status_code") else None,
    }
    if not target.enabled:
        return {"state": "disabled", "reason": target.disabled_reason, **seen}
    open_until = circuit.get("open_until") or 0
    if open_until > now:
        return {"state": "circuit_open", "until": open_until, **seen}
    if seen["last_attempt_at"] is None:
        return {"state": "untested", **seen}
    return {"state": "healthy" if last.get("last_ok") == "1" else "failing", **seen}


def _float(value: str | None) -> float | None:
    return float(value) if value else None


@dataclass(frozen=True)
class Waiting:
    """Deliveries waiting now, counted by target and reason (`paused`: due, sending off)."""

    by_target: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def total(self, reason: str) -> int:
        return sum(counts.get(reason, 0) for counts in self.by_target.values())

    def for_target(self, target_id: str, reasons: frozenset[str]) -> int:
        counts = self.by_target.get(target_id, {})
        return sum(n for reason, n in counts.items() if reason in reasons)


@dataclass(frozen=True)
class Facts:
    """Everything the banner reads, gathered by services/operator/stats.py."""

    now: float
    store_degraded: bool
    parked: int
    dead: int
    waiting: Waiting
    targets: list[tuple[WebhookTarget, dict[str, Any]]]  # each with its health
    oldest_due_age: float
    last_ingress_at: float | None
    retrying: int = 0
    durability: str | None = None
    mailboxes: list[tuple[str, str]] = field(default_factory=list)  # (address, health)


MAILBOX_AMBER = frozenset({"watch_expired", "sync_failing", "no_notification"})


def reason(code: str, level: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "level": level, "params": params}


def banner(facts: Facts) -> dict[str, Any]:
    """Green, amber or red, with every reason; red first."""
    reasons = _red(facts) + _amber(facts)
    if any(r["level"] == RED for r in reasons):
        level = RED
    elif reasons:
        level = AMBER
    else:
        level, reasons = GREEN, [reason("all_good", GREEN)]
    return {"level": level, "reasons": reasons}


def _red(facts: Facts) -> list[dict[str, Any]]:
    found = []
    if facts.store_degraded:
        found.append(reason("store_degraded", RED))
    if facts.parked:
        found.append(reason("parked", RED, count=facts.parked))
    found += _unusable_targets(facts)
    if facts.dead:
        found.append(reason("dead_letters", RED, count=facts.dead))
    found += [
        reason("mailbox_needs_reconnect", RED, mailbox=address)
        for address, health in facts.mailboxes
        if health == "needs_reconnect"
    ]
    return found


def _unusable_targets(facts: Facts) -> list[dict[str, Any]]:
    """A target mail waits for (missing or off), or one switched off by a receiver's 410."""
    found = []
    known = {target.id for target, _ in facts.targets}
    for target_id in sorted(facts.waiting.by_target):
        count = facts.waiting.for_target(target_id, TARGET_HOLDS)
        if count and target_id not in known:
            found.append(reason("held_target_missing", RED, target=target_id, count=count))
    for target, _ in facts.targets:
        count = facts.waiting.for_target(target.id, TARGET_HOLDS)
        if not target.enabled and (count or target.disabled_reason):
            found.append(
                reason(
                    "held_target_disabled",
                    RED,
                    target=target.id,
                    name=target.name,
                    count=count,
                    why=target.disabled_reason,
                )
            )
    return found


def _amber(facts: Facts) -> list[dict[str, Any]]:
    found = _target_trouble(facts)
    waiting = facts.waiting
    for code in (PAUSED, "window", "absence_day", Hold.RATE_LIMITED):
        if waiting.total(code):
            found.append(reason(f"waiting_{code}", AMBER, count=waiting.total(code)))
    explained = any(r["code"] == "target_failing" for r in found)
    if facts.retrying and not explained:
        found.append(reason("retrying", AMBER, count=facts.retrying))
    if facts.oldest_due_age >= BACKLOG_SECONDS:
        found.append(reason("backlog", AMBER, minutes=int(facts.oldest_due_age // 60)))
    found += _quiet(facts)
    found += [
        reason(f"mailbox_{health}", AMBER, mailbox=address)
        for address, health in facts.mailboxes
        if health in MAILBOX_AMBER
    ]
    if facts.durability in WEAK_DURABILITY:
        found.append(reason("no_persistence", AMBER, durability=facts.durability))
    return found


def _target_trouble(facts: Facts) -> list[dict[str, Any]]:
    """Each target failing or with its circuit open, named."""
    found = []
    for target, health in facts.targets:
        state = health["state"]
        if state == Hold.CIRCUIT_OPEN:
            waiting = facts.waiting.for_target(target.id, frozenset({Hold.CIRCUIT_OPEN}))
            found.append(
                reason(
                    "circuit_open",
                    AMBER,
                    target=target.id,
                    name=target.name,
                    until=health.get("until"),
                    count=waiting,
                )
            )
        elif state == "failing":
            found.append(
                reason(
                    "target_failing",
                    AMBER,
                    target=target.id,
                    name=target.name,
                    error=health.get("last_error"),
                    status_code=health.get("last_status_code"),
                )
            )
    return found


def _quiet(facts: Facts) -> list[dict[str, Any]]:
    if facts.last_ingress_at is None:
        return [reason("no_ingress", AMBER)]
    quiet_for = facts.now - facts.last_ingress_at
    if quiet_for >= QUIET_INGRESS_SECONDS:
        return [reason("quiet", AMBER, hours=int(quiet_for // 3600))]
    return []
