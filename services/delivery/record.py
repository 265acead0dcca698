"""The delivery record: its fields, its states, its encoding, and every queue script's call.

A delivery is one Redis hash (`delivery:<id>`), which is also the queue item
(services/delivery/queue.py). This module is the record's one schema:

- `State` and `Hold`: where a delivery is and why it waits;
- `DeliveryRecord`: every field, typed; `from_hash` / `to_hash` / `to_api` encode and
  decode it, so a new field is one line here (plus wherever its value is known);
- the builders of each Lua script's call (`ScriptCall`: its `KEYS` and one JSON argument
  with named members, see services/delivery/scripts.py), and the scripts' replies decoded
  into named outcomes (`Admitted`, `Completed`, `Replayed`).

Key names come from config/keys.py only: fixed keys are passed as `KEYS`, keys built
inside a script from an id it reads come from `Keys.lua_templates`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import cached_property
from typing import Any

from config.keys import (
    HEALTH_TTL,
    STATS_TTL,
    TARGET_STATS_DAY_TTL,
    TARGET_STATS_HOUR_TTL,
    WAKE_LIST_MAX,
    Keys,
)
from services.delivery.json_text import compact

ATTEMPTS_KEPT = 50  # attempt documents kept per delivery (replays add more)


class State(StrEnum):
    """Where a delivery is. A waiting one is in a due-time queue or on the waitlist."""

    SCHEDULED = "scheduled"
    HELD = "held"
    IN_FLIGHT = "in_flight"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    DEAD = "dead"
    CANCELLED = "cancelled"


WAITING_STATES = frozenset({State.SCHEDULED, State.HELD, State.RETRYING})
FINISHED_STATES = frozenset({State.DELIVERED, State.DEAD, State.CANCELLED})
QUEUED_STATES = frozenset({*WAITING_STATES, State.IN_FLIGHT, State.DEAD})
"""States whose deliveries are all in a queue (dead letters, scheduled, waitlist, leased)."""


class Hold(StrEnum):
    """Why a held delivery waits (`hold_reason`). The schedule's own codes (window,
    absence_day) come from email_processing.schedule; the queue sets the rest."""

    TARGET_MISSING = "target_missing"
    TARGET_DISABLED = "target_disabled"
    RATE_LIMITED = "rate_limited"
    CIRCUIT_OPEN = "circuit_open"


TARGET_HOLDS = frozenset({Hold.TARGET_MISSING, Hold.TARGET_DISABLED})
"""Reasons that put a delivery on the waitlist rather than in a due-time queue."""
PAUSED = "paused"
"""Why a due delivery waits while sending is switched off (the runtime flag)."""

# Fields of the routing decision the webhook body copies when set (docs/old-router.md,
# webhook body); the detector's name is the record's own `detector` field.
HINT_FIELDS = ("webhooks_time_start", "webhooks_time_end")
INTERNAL_FIELDS = frozenset({"lease"})
"""Fields never shown by the API (the lease token proves who holds the delivery)."""


@dataclass(frozen=True)
class DeliveryRecord:
    """One delivery, as stored. Empty text and absent times are stored as absent."""

    id: str
    email_id: str = ""
    target_id: str = ""
    target_name: str = ""  # the target's name when routed: kept if it is renamed or deleted
    webhook_id: str = ""
    state: State = State.SCHEDULED
    hold_reason: str = ""
    created_at: float | None = None
    deliver_at: float | None = None
    attempts: int = 0  # in this cycle (a replay starts a new one)
    total_attempts: int = 0
    replays: int = 0
    # Copied from the email at ingest: what the lists show and a re-plan reads.
    request_id: str = ""
    subject: str = ""
    sender_email: str = ""
    priority: str = "normal"
    detector: str = ""
    urgent: bool = False
    window_policy: str = ""
    rules: str = ""  # the matched rules, comma-separated
    schedule_note: str = ""
    # The routing decision's fields of the webhook body (stored here only).
    delivery_time: str = ""
    webhooks_time_start: str = ""
    webhooks_time_end: str = ""
    # Written by the queue scripts and operator actions.
    lease: str = ""
    lease_until: float | None = None
    claimed_at: float | None = None
    last_attempt_at: float | None = None
    last_status_code: str = ""
    last_error: str = ""
    finished_at: float | None = None
    replayed_at: float | None = None
    released_by: str = ""
    released_at: float | None = None
    cancel_reason: str = ""

    @classmethod
    def from_hash(cls, raw: Mapping[str, str | None]) -> DeliveryRecord:
        """Decode a stored hash (or part of one: missing fields take their defaults)."""
        values: dict[str, Any] = {}
        for name, decode in _DECODERS.items():
            value = raw.get(name)
            if value not in (None, ""):
                values[name] = decode(str(value))
        values.update(_legacy_decision(raw))
        return cls(**values)

    @classmethod
    def from_values(cls, names: Iterable[str], values: Iterable[Any]) -> DeliveryRecord | None:
        """Decode an HMGET reply (None when the record does not exist: `id` is absent)."""
        raw = dict(zip(names, values, strict=True))
        return cls.from_hash(raw) if raw.get("id") else None

    def to_hash(self) -> dict[str, str]:
        """The stored form: every field that is set, as text."""
        encoded = {name: _encode(getattr(self, name)) for name in FIELDS}
        return {name: value for name, value in encoded.items() if value != ""}

    def to_api(self) -> dict[str, Any]:
        """As the admin API shows it: every public field, None when unset."""
        shown: dict[str, Any] = {}
        for name in FIELDS:
            if name in INTERNAL_FIELDS:
                continue
            value = getattr(self, name)
            shown[name] = None if value == "" else value
        shown["state"] = str(self.state)
        return shown

    def payload_fields(self) -> dict[str, str]:
        """The routing decision's fields of the webhook body, those that are set."""
        found = {
            "detector": self.detector,
            "delivery_time": self.delivery_time,
            "webhooks_time_start": self.webhooks_time_start,
            "webhooks_time_end": self.webhooks_time_end,
        }
        return {name: value for name, value in found.items() if value}

    @property
    def waitlisted(self) -> bool:
        """Waiting for its target (missing or switched off) rather than for a time."""
        return self.hold_reason in TARGET_HOLDS

    def waiting_reason(self, now: float, paused: bool) -> str | None:
        """Why it has not left, as one code: a held one's hold reason, `paused` for a due
        one while sending is switched off, else None (not waiting, or due and on its way)."""
        if self.state == State.HELD:
            return self.hold_reason or None
        due = (self.deliver_at or 0.0) <= now
        waiting = self.state in (State.SCHEDULED, State.RETRYING)
        return PAUSED if waiting and due and paused else None

    @property
    def manual(self) -> bool:
        """Released or replayed by hand: the operator chose to send it whatever the schedule."""
        return bool(self.released_by) or self.replays > 0

    def to_summary(self) -> dict[str, Any]:
        """As listed in the stored email and the ingress answer's store."""
        return {
            "id": self.id,
            "target": self.target_id,
            "deliver_at": self.deliver_at,
            "state": str(self.state),
            "hold_reason": self.hold_reason or None,
        }


def _decode_bool(value: str) -> bool:
    return value == "1"


def _decode_float(value: str) -> float:
    return float(value)


_TYPE_DECODERS: dict[str, Callable[[str], Any]] = {
    "str": str,
    "int": int,
    "bool": _decode_bool,
    "float | None": _decode_float,
    "State": State,
}
FIELDS: tuple[str, ...] = tuple(f.name for f in fields(DeliveryRecord))
"""Every field of the record, in a stable order (what HMGET asks for)."""
_DECODERS = {f.name: _TYPE_DECODERS[str(f.type)] for f in fields(DeliveryRecord)}


def _encode(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _legacy_decision(raw: Mapping[str, str | None]) -> dict[str, str]:
    """Records written before the decision's fields were the record's own kept them as one
    JSON field (`decision`); read it while no newer write has set them."""
    legacy = raw.get("decision")
    if not legacy or any(name in raw for name in (*HINT_FIELDS, "delivery_time")):
        return {}
    try:
        doc = json.loads(legacy)
    except ValueError:
        return {}
    wanted = (*HINT_FIELDS, "delivery_time")
    return {name: str(doc[name]) for name in wanted if isinstance(doc, dict) and doc.get(name)}


def new_delivery_id() -> str:
    return "dlv_" + secrets.token_hex(12)


def hour_bucket(ts: float) -> int:
    return int(ts // 3600 * 3600)


def day_bucket(ts: float) -> int:
    """The start of the UTC day of `ts`."""
    return int(ts // 86400 * 86400)


# Upper bounds (ms) of the per-target latency histogram's buckets; a last one, `le_inf`,
# takes the rest. Fixed: changing them leaves old buckets unreadable for up to 8 days.
LATENCY_BOUNDS_MS = (10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000)


def latency_field(ms: float) -> str:
    """The histogram counter an attempt of `ms` milliseconds adds to: `le_<bound>`."""
    for bound in LATENCY_BOUNDS_MS:
        if ms <= bound:
            return f"le_{bound}"
    return "le_inf"


# -- what the scripts are told -------------------------------------------------


@dataclass(frozen=True)
class Breaker:
    """What one attempt tells the target's circuit breaker, and its settings."""

    signal: str  # "ok" closes it; "failed" counts towards opening; "" leaves it alone
    threshold: int
    cooldown: int
    cooldown_max: int

    def to_arg(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "threshold": self.threshold,
            "cooldown": self.cooldown,
            "cooldown_max": self.cooldown_max,
        }


NO_BREAKER = Breaker("", 1, 1, 1)


@dataclass(frozen=True)
class Health:
    """What a target's last real attempt said (delivery or test send), for its health."""

    ok: bool | None  # None: no verdict on the receiver (our own problem)
    error: str = ""
    status_code: int | None = None
    latency_ms: float | None = None  # how long the receiver took to answer (or to time out)

    def to_arg(self) -> dict[str, Any]:
        ok = "" if self.ok is None else ("1" if self.ok else "0")
        code = "" if self.status_code is None else str(self.status_code)
        arg: dict[str, Any] = {"ok": ok, "error": self.error, "status_code": code}
        if self.latency_ms is not None:
            arg["latency_ms"] = max(0, round(self.latency_ms))
            arg["latency_field"] = latency_field(self.latency_ms)
        return arg


@dataclass(frozen=True)
class Move:
    """A re-plan of one waiting delivery, applied only if it is still as the caller saw it."""

    delivery_id: str
    expected_state: str
    expected_reason: str
    state: State
    hold_reason: str = ""
    deliver_at: float | None = None  # None: to the waitlist
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredEmail:
    meta: dict[str, Any]
    body: str
    plain_body: str

    @property
    def delivery_links(self) -> list[dict[str, Any]] | None:
        """The file links found at ingest (None when there were none)."""
        links: list[dict[str, Any]] | None = self.meta.get("analysis", {}).get("links") or None
        return links


def stored_email(fields: Mapping[str, str]) -> StoredEmail | None:
    """An email's hash as stored at ingest; None when it is gone (past its retention)."""
    if "meta" not in fields:
        return None
    return StoredEmail(
        json.loads(fields["meta"]), fields.get("body", ""), fields.get("plain_body", "")
    )


@dataclass(frozen=True)
class Claimed:
    """A delivery leased by a worker: its record, the lease token that proves it, and its
    email as the claim read it (None: the email is gone, past its retention)."""

    record: DeliveryRecord
    token: str
    # Never in a repr (a logged lease must not print mail) nor in comparisons.
    email: StoredEmail | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def email_id(self) -> str:
        return self.record.email_id

    @property
    def target_id(self) -> str:
        return self.record.target_id

    @property
    def webhook_id(self) -> str:
        return self.record.webhook_id

    @property
    def attempts(self) -> int:
        """Attempts already made in this cycle (reset by a replay)."""
        return self.record.attempts


@dataclass(frozen=True)
class ClaimResult:
    delivery: Claimed | None
    next_due: float | None
    # Nothing claimed because every due delivery seen waits for a target at its cap of
    # attempts under way: only a finished attempt can change that, not a new email, and
    # no due time says when (next_due is None).
    busy: bool = False


class Admitted(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"


class Completed(StrEnum):
    """What recording an attempt did."""

    LEASE_LOST = "lease_lost"  # the lease expired and was reclaimed: nothing recorded
    RECORDED = "recorded"
    CIRCUIT_OPENED = "circuit_opened"  # recorded, and this failure opened the breaker


class Replayed(StrEnum):
    QUEUED = "queued"
    MISSING = "missing"
    NOT_FINISHED = "not_finished"
    EMAIL_EXPIRED = "email_expired"


@dataclass(frozen=True)
class ScriptCall:
    """One script invocation: its `KEYS`, its JSON argument (`ARGV[1]`) and, after it, texts
    the script only stores (`ARGV[2]`...): an email's bodies, which Lua's JSON decoder would
    otherwise read in full (0.73 ms of Redis for 200 KB of HTML, against 0.28 ms as is)."""

    keys: list[str]
    arg: str
    texts: tuple[str, ...] = ()

    @property
    def args(self) -> list[str]:
        return [self.arg, *self.texts]


def _t(value: float) -> str:
    """A time as the scripts store it: exact text."""
    return repr(float(value))


@dataclass(frozen=True)
class Calls:
    """Builds every queue script's call from named values. One per queue."""

    keys: Keys
    dedup_ttl: int
    retention: int

    @cached_property
    def _base(self) -> str:
        """The members every call carries (key templates, queue names), encoded once: an
        object's JSON without its closing brace, so a call's own members follow it."""
        k = self.keys
        queues = {
            "high": k.queue_scheduled_high,
            "normal": k.queue_scheduled,
            "held": k.queue_held,
            "wake": k.queue_wake,
            "dead": k.queue_dead,
        }
        base = {"t": k.lua_templates, "queues": queues, "stats_ttl": STATS_TTL}
        return compact({**base, "wake_max": WAKE_LIST_MAX})[:-1]

    def _common(self, **members: Any) -> str:
        if not members:
            return self._base + "}"
        return self._base + "," + compact(members)[1:]

    def admit(
        self,
        now: float,
        *,
        email_id: str,
        meta: Mapping[str, Any],
        body: str,
        plain_body: str,
        status: str,
        dedup: bool,
        deliveries: Iterable[DeliveryRecord],
        aliases: Iterable[str],
    ) -> ScriptCall:
        k = self.keys
        keys = [
            k.seen(email_id),
            k.email(email_id),
            k.emails_index,
            k.deliveries_index,
            k.last_ingress,
            k.stats_hour(hour_bucket(now)),
            k.parked,
            *(k.seen(alias) for alias in aliases if alias != email_id),
        ]
        arg = self._common(
            now=_t(now),
            dedup_ttl=self.dedup_ttl,
            retention=self.retention,
            dedup=dedup,
            email_id=email_id,
            meta=compact(meta),
            status=status,
            deliveries=_planned(deliveries),
        )
        return ScriptCall(keys, arg, (body, plain_body))  # ARGV[2], ARGV[3]

    def seen(self, now: float, email_id: str, aliases: Iterable[str]) -> ScriptCall:
        k = self.keys
        keys = [
            k.stats_hour(hour_bucket(now)),
            k.seen(email_id),
            *(k.seen(alias) for alias in aliases if alias != email_id),
        ]
        return ScriptCall(keys, self._common(now=_t(now), dedup_ttl=self.dedup_ttl))

    def claim(
        self,
        now: float,
        *,
        lease_seconds: float,
        token: str,
        max_attempts: int,
        limits: Mapping[str, tuple[int, int]],
        max_in_flight: int,
        targets: Mapping[str, bool] | None,
    ) -> ScriptCall:
        k = self.keys
        lease_error = {"at": now, "outcome": "lease_expired", "error": "lease_expired"}
        members: dict[str, Any] = {
            "now": _t(now),
            "lease_until": _t(now + lease_seconds),
            "token": token,
            "max_attempts": max_attempts,
            "retention": self.retention,
            "lease_error": compact(lease_error),
            "limits": {target: list(v) for target, v in limits.items()},
            "max_in_flight": max_in_flight,
        }
        if targets is not None:  # absent: no check (a JSON null would be truthy in Lua)
            members["targets"] = {t: "ok" if on else "disabled" for t, on in targets.items()}
        keys = [k.queue_leased, k.queue_dead, k.stats_hour(hour_bucket(now))]
        return ScriptCall(keys, self._common(**members))

    def complete(
        self,
        now: float,
        claimed: Claimed,
        *,
        outcome: State,
        attempt: Mapping[str, Any],
        next_at: float | None,
        fields: Mapping[str, str],
        breaker: Breaker,
        health: Health,
    ) -> ScriptCall:
        k, target = self.keys, claimed.target_id
        keys = [
            k.delivery(claimed.id),
            k.delivery_attempts(claimed.id),
            k.queue_leased,
            k.queue_dead,
            k.stats_hour(hour_bucket(now)),
            k.circuit(target),
            k.target_health(target),
            k.in_flight(target),
            k.target_stats_hour(target, hour_bucket(now)),
            k.target_stats_day(target, day_bucket(now)),
        ]
        arg = self._common(
            id=claimed.id,
            token=claimed.token,
            outcome=str(outcome),
            now=_t(now),
            next_at="" if next_at is None else _t(next_at),
            attempt=compact(attempt),
            fields=dict(fields),
            target=target,
            retention=self.retention,
            attempts_kept=ATTEMPTS_KEPT,
            breaker=breaker.to_arg(),
            health=health.to_arg(),
            health_ttl=HEALTH_TTL,
            target_stats_ttls=[TARGET_STATS_HOUR_TTL, TARGET_STATS_DAY_TTL],
        )
        return ScriptCall(keys, arg)

    def release(self, now: float, claimed: Claimed, hold_reason: str) -> ScriptCall:
        k = self.keys
        keys = [
            k.delivery(claimed.id),
            k.queue_leased,
            k.in_flight(claimed.target_id),
            k.circuit(claimed.target_id),
        ]
        arg = self._common(id=claimed.id, token=claimed.token, now=_t(now), hold_reason=hold_reason)
        return ScriptCall(keys, arg)

    def replay(self, now: float, delivery_id: str) -> ScriptCall:
        k = self.keys
        keys = [k.delivery(delivery_id), k.delivery_attempts(delivery_id), k.queue_dead]
        arg = self._common(id=delivery_id, now=_t(now), retention=self.retention)
        return ScriptCall(keys, arg)

    def move(self, now: float, move: Move) -> ScriptCall:
        arg = self._common(
            id=move.delivery_id,
            now=_t(now),
            expected_state=move.expected_state,
            expected_reason=move.expected_reason,
            state=str(move.state),
            hold_reason=move.hold_reason,
            deliver_at="" if move.deliver_at is None else _t(move.deliver_at),
            fields=dict(move.fields),
        )
        return ScriptCall([self.keys.delivery(move.delivery_id)], arg)

    def cancel(self, now: float, delivery_id: str, reason: str) -> ScriptCall:
        arg = self._common(id=delivery_id, now=_t(now), retention=self.retention, reason=reason)
        return ScriptCall([self.keys.delivery(delivery_id)], arg)

    def reroute(
        self,
        now: float,
        *,
        email_id: str,
        meta: Mapping[str, Any],
        status: str,
        deliveries: Iterable[DeliveryRecord],
    ) -> ScriptCall:
        k = self.keys
        arg = self._common(
            now=_t(now),
            retention=self.retention,
            meta=compact(meta),
            status=status,
            email_id=email_id,
            deliveries=_planned(deliveries),
        )
        return ScriptCall([k.email(email_id), k.deliveries_index, k.parked], arg)


def _planned(deliveries: Iterable[DeliveryRecord]) -> list[dict[str, Any]]:
    """New deliveries as the admit and re-route scripts take them."""
    planned = []
    for d in deliveries:
        at = "" if d.waitlisted or d.deliver_at is None else _t(d.deliver_at)
        planned.append({"id": d.id, "at": at, "fields": d.to_hash()})
    return planned


def completed(reply: Any) -> Completed:
    return (Completed.LEASE_LOST, Completed.RECORDED, Completed.CIRCUIT_OPENED)[int(reply)]


def claimed(reply: list[Any], token: str) -> ClaimResult:
    """The claim script's reply: a leased record, or when the next delivery falls due."""
    if not reply[0]:
        busy = len(reply) > 2 and reply[2] == "busy"
        return ClaimResult(None, float(reply[1]) if reply[1] else None, busy)
    size = int(reply[1])  # the delivery's fields, then its email's (read in the same call)
    record, email = _pairs(reply[2 : 2 + size]), _pairs(reply[2 + size :])
    return ClaimResult(Claimed(DeliveryRecord.from_hash(record), token, stored_email(email)), None)


def _pairs(flat: list[Any]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2], strict=True))
