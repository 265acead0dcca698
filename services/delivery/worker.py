"""Delivery workers: claim a due delivery, sign, POST, record the attempt, decide what next."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from config.log import request_id_var
from config.redis_conn import REDIS_DOWN_ERRORS
from preferences import ProcessingPreferences
from services.delivery.queue import DeliveryQueue
from services.delivery.record import (
    Breaker,
    Claimed,
    ClaimResult,
    Completed,
    Health,
    Hold,
    State,
    StoredEmail,
)
from services.delivery.request import SignedRequest, WebhookRequests
from services.documents.preferences import PreferencesService
from services.documents.runtime_flags import RuntimeFlagsService
from services.documents.targets import WebhookTarget, WebhookTargetsService
from services.metrics import Metrics
from services.net.http import HttpResponse, OutboundError, OutboundHttp

logger = logging.getLogger(__name__)

SNIPPET_BYTES = 500
IDLE_WAIT_MAX = 1.0
# How long a thread whose due deliveries all wait for busy targets sleeps before it looks
# again: what a delivery to another target may wait then, and at most 20 scans a second.
BUSY_WAIT = 0.05
# Errors no retry can fix: the delivery goes to the dead letters at once (replayable).
# A target that is missing or switched off is not one of them: its deliveries wait for it.
# A failed DNS lookup is not either: it is retried like a refused connection; only a host
# that resolved to addresses the SSRF guard refuses is permanent (blocked_address).
PERMANENT_ERRORS = frozenset({"email_expired", "invalid_url", "blocked_address"})
GONE_REASON = "receiver answered 410 Gone"


class LinkOffload(Protocol):
    """Durable copies of delivery links (services/offload/service.py)."""

    def enrich(self, email_id: str, links: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The links with `r2_url`/`original_filename` or `r2_error`; never raises."""
        ...

    def housekeeping(self) -> None:
        """Periodic work run from an idle delivery thread."""
        ...


@dataclass(frozen=True)
class WorkerConfig:
    threads: int
    lease_seconds: float
    grace_seconds: float
    connect_timeout: float
    jitter: float
    retry_after_max: float
    user_agent: str
    max_in_flight: int = 0
    breaker_failures: int = 5
    breaker_cooldown: int = 30
    breaker_cooldown_max: int = 600


@dataclass(frozen=True)
class Verdict:
    """How one attempt went, from the receiver's answer or the transport error."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    gone: bool = False
    retry_after: float | None = None
    snippet: str = ""
    duration: float = 0.0


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def _success_json(body: bytes) -> bool:
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("success") is True


def judge(resp: HttpResponse, require_success_json: bool, now: float) -> Verdict:
    """2xx (and `"success": true` when required) is delivered; 410 is gone; the rest retries."""
    snippet = resp.body[:SNIPPET_BYTES].decode("utf-8", errors="replace")
    base: dict[str, Any] = {
        "status_code": resp.status,
        "snippet": snippet,
        "duration": resp.elapsed,
    }
    if 200 <= resp.status < 300:
        if require_success_json and not _success_json(resp.body):
            return Verdict(ok=False, error="success_not_true", **base)
        return Verdict(ok=True, **base)
    if resp.status == 410:
        return Verdict(ok=False, gone=True, error="gone", **base)
    retry_after = parse_retry_after(resp.headers.get("retry-after"), now)
    return Verdict(ok=False, error=f"http_{resp.status}", retry_after=retry_after, **base)


def next_step(
    attempts_done: int,
    schedule: list[int],
    verdict: Verdict,
    *,
    now: float,
    jitter: float,
    retry_after_max: float,
    rng: random.Random,
) -> tuple[State, float | None]:
    """(outcome, next attempt time) after an attempt."""
    if verdict.ok:
        return State.DELIVERED, None
    if verdict.gone or attempts_done >= len(schedule):
        return State.DEAD, None
    delay = schedule[attempts_done] * (1 + rng.uniform(-jitter, jitter))
    if verdict.retry_after is not None:
        delay = max(delay, min(verdict.retry_after, retry_after_max))
    return State.RETRYING, now + max(0.0, delay)


class Deliverer:
    """Makes one attempt of one claimed delivery and records it."""

    def __init__(
        self,
        queue: DeliveryQueue,
        targets: WebhookTargetsService,
        preferences: PreferencesService,
        http: OutboundHttp,
        clock: Callable[[], float],
        config: WorkerConfig,
        metrics: Metrics,
        rng: random.Random | None = None,
        offload: LinkOffload | None = None,
    ) -> None:
        self.requests = WebhookRequests(clock, config.user_agent)
        self._queue = queue
        self._targets = targets
        self._prefs = preferences
        self._http = http
        self._clock = clock
        self._config = config
        self._metrics = metrics
        self._rng = rng or random.Random()
        self._offload = offload

    def attempt(self, claimed: Claimed) -> State:
        """Deliver once; return the outcome recorded (delivered, retrying, dead, held)."""
        token = request_id_var.set(claimed.record.request_id or None)
        try:
            return self._attempt(claimed)
        finally:
            request_id_var.reset(token)

    def _attempt(self, claimed: Claimed) -> State:
        prefs = self._prefs.get()
        target = self._targets.find(claimed.target_id)
        if target is None or not target.enabled:
            return self._wait_for_target(claimed, target)
        email = claimed.email
        if email is None:
            return self._record(claimed, prefs, Verdict(ok=False, error="email_expired"), {})
        links = self._links(claimed, email)
        payload = self.requests.payload(claimed.record, email, links)
        request = self.requests.signed(target, claimed.webhook_id, payload)
        verdict = self.send(target, request, prefs)
        if verdict.gone:
            self._targets.disable(target.id, GONE_REASON)
        note = _offload_note(self._offload, links)
        return self._record(claimed, prefs, verdict, request.headers, note)

    def _wait_for_target(self, claimed: Claimed, target: WebhookTarget | None) -> State:
        """The target went away since the claim: back to the waitlist, no attempt counted."""
        reason = Hold.TARGET_MISSING if target is None else Hold.TARGET_DISABLED
        if self._queue.release(claimed, hold_reason=reason):
            logger.warning("delivery %s held: target %s %s", claimed.id, claimed.target_id, reason)
        return State.HELD

    def housekeeping(self) -> None:
        """Periodic work an idle worker thread runs (the R2 clean-up when it is due)."""
        if self._offload is not None:
            self._offload.housekeeping()

    def _links(self, claimed: Claimed, email: StoredEmail) -> list[dict[str, Any]] | None:
        """The email's delivery links, with their R2 copies when offload is on."""
        links = email.delivery_links
        if links and self._offload is not None:
            return self._offload.enrich(claimed.email_id, links)
        return links

    def _breaker(self, verdict: Verdict) -> Breaker:
        config = self._config
        return Breaker(
            breaker_signal(verdict),
            config.breaker_failures,
            config.breaker_cooldown,
            config.breaker_cooldown_max,
        )

    def send(
        self,
        target: WebhookTarget,
        request: SignedRequest,
        prefs: ProcessingPreferences,
    ) -> Verdict:
        """POST a signed request to a target (the guarded path) and judge the answer."""
        started = time.monotonic()
        try:
            resp = self._http.post(
                target.url,
                request.body.encode("utf-8"),
                request.headers,
                connect_timeout=self._config.connect_timeout,
                read_timeout=target.options.timeout_sec or prefs.webhook_timeout_sec,
            )
        except OutboundError as exc:
            return Verdict(ok=False, error=exc.kind, duration=time.monotonic() - started)
        return judge(resp, target.options.require_success_json, self._clock())

    def _record(
        self,
        claimed: Claimed,
        prefs: ProcessingPreferences,
        verdict: Verdict,
        headers: Mapping[str, str],
        note: Mapping[str, Any] | None = None,
    ) -> State:
        now = self._clock()
        attempts_done = claimed.attempts + 1
        outcome: State
        if verdict.gone:
            outcome, next_at = State.HELD, None  # the target is switched off: wait for it
        elif verdict.error in PERMANENT_ERRORS:
            outcome, next_at = State.DEAD, None
        else:
            outcome, next_at = next_step(
                attempts_done,
                prefs.retry_schedule,
                verdict,
                now=now,
                jitter=self._config.jitter,
                retry_after_max=self._config.retry_after_max,
                rng=self._rng,
            )
        attempt = {
            "n": attempts_done,
            "at": now,
            "duration_ms": round(verdict.duration * 1000, 1),
            "status_code": verdict.status_code,
            "error": verdict.error,
            "response_snippet": verdict.snippet,
            "outcome": outcome,
            "next_at": next_at,
            "request_headers": recordable_headers(headers),
            **(note or {}),
        }
        fields = {
            "last_status_code": "" if verdict.status_code is None else str(verdict.status_code),
            "last_error": verdict.error or "",
        }
        if outcome == State.HELD:
            fields["hold_reason"] = Hold.TARGET_DISABLED
        self._metrics.deliveries.labels(outcome, claimed.target_id).inc()
        self._metrics.attempt_seconds.labels(outcome).observe(verdict.duration)
        done = self._queue.complete(
            claimed,
            outcome,
            attempt,
            next_at=next_at,
            fields=fields,
            breaker=self._breaker(verdict),
            health=health_of(verdict),
        )
        if done == Completed.LEASE_LOST:
            logger.warning("delivery %s: lease lost before the attempt was recorded", claimed.id)
        elif done == Completed.CIRCUIT_OPENED:
            logger.warning(
                "circuit open: target %s after %d failed attempts in a row",
                claimed.target_id,
                self._config.breaker_failures,
            )
        _log_outcome(claimed, outcome, verdict)
        return outcome


UNREACHABLE = frozenset({"timeout", "connection_error", "dns_error"})


def breaker_signal(verdict: Verdict) -> str:
    """A receiver that answered or failed to: ok or failed; our own problems: no signal."""
    if verdict.ok:
        return "ok"
    if verdict.gone:
        return ""  # the target is switched off anyway
    if verdict.status_code is not None or verdict.error in UNREACHABLE:
        return "failed"
    return ""


def health_of(verdict: Verdict) -> Health:
    """What this attempt says of the target's health (nothing when no request was made)."""
    if verdict.error == "email_expired":
        return Health(None)
    # Latency: until the receiver answered, or until we stopped waiting for it; an attempt
    # that never reached it (refused, no such host) says nothing of its speed.
    answered = verdict.status_code is not None or verdict.error == "timeout"
    latency = verdict.duration * 1000 if answered else None
    return Health(verdict.ok, verdict.error or "", verdict.status_code, latency)


def _offload_note(
    offload: LinkOffload | None, links: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """For the attempt record: what became of each link's copy (no URLs: they carry tokens)."""
    if offload is None or not links:
        return {}
    kept = ("provider", "original_filename", "r2_error")
    return {"r2": [{k: link[k] for k in kept if k in link} for link in links]}


def recordable_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """What was sent, for the attempt record: our headers as is, static ones masked."""
    ours = {"webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent"}
    return {k: (v if k.lower() in ours else "***") for k, v in headers.items()}


def _log_outcome(claimed: Claimed, outcome: State, verdict: Verdict) -> None:
    if outcome == State.HELD:
        logger.error(
            "delivery held: %s, target %s switched off (%s)",
            claimed.id,
            claimed.target_id,
            GONE_REASON,
        )
    elif outcome == State.DEAD:
        logger.error(
            "delivery dead: %s to target %s (%s)", claimed.id, claimed.target_id, verdict.error
        )
    elif outcome == State.RETRYING:
        logger.info("delivery retrying: %s (%s)", claimed.id, verdict.error)
    else:
        logger.info("delivery delivered: %s to target %s", claimed.id, claimed.target_id)


def claim_limits(
    prefs: ProcessingPreferences, targets: WebhookTargetsService
) -> dict[str, tuple[int, int]]:
    """Per target (per minute, per hour) for the claim script; targets without a limit omitted."""
    limits = {}
    for target in targets.get().targets:
        limit = prefs.rate_limit_for(target.id)
        if limit.active:
            limits[target.id] = (limit.per_minute or 0, limit.per_hour or 0)
    return limits


class Reconciler(Protocol):
    """Keeps waiting mail in step with the configuration (services/operator/waiting.py)."""

    def reconcile_if_due(self) -> object:
        """Reconcile when the configuration changed since the last pass, anywhere."""
        ...


class WorkerPool:
    """Delivery threads in this process; stop() drains them within the grace period."""

    def __init__(
        self,
        queue: DeliveryQueue,
        deliverer: Deliverer,
        preferences: PreferencesService,
        targets: WebhookTargetsService,
        flags: RuntimeFlagsService,
        config: WorkerConfig,
        clock: Callable[[], float],
        metrics: Metrics,
        reconciler: Reconciler | None = None,
    ) -> None:
        self._metrics = metrics
        self.reconciler = reconciler
        self._queue = queue
        self._deliverer = deliverer
        self._prefs = preferences
        self._targets = targets
        self._flags = flags
        self._config = config
        self._clock = clock
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._in_flight: dict[int, Claimed] = {}
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        if self._threads or self._config.threads == 0:
            return
        for slot in range(self._config.threads):
            thread = threading.Thread(
                target=self._loop, args=(slot,), name=f"relais-delivery-{slot}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        logger.info("delivery workers started: %d threads", self._config.threads)

    def begin_stop(self) -> None:
        """Stop claiming; attempts under way go on."""
        self._stopping.set()

    def stop(self, grace: float | None = None) -> None:
        """Stop claiming, let attempts finish within `grace`, release whatever is left."""
        self.begin_stop()
        deadline = time.monotonic() + (self._config.grace_seconds if grace is None else grace)
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            leftovers = list(self._in_flight.values())
        for claimed in leftovers:
            if self._queue.release(claimed):
                logger.warning("shutdown: released delivery %s for another worker", claimed.id)
        if self._threads:  # a process that never started any (a command) has nothing to say
            logger.info("delivery workers stopped (%d released)", len(leftovers))

    def run_once(self) -> State | None:
        """Claim and attempt one due delivery; None if nothing is due."""
        result = self._claim()
        if result.delivery is None:
            return None
        return self._deliverer.attempt(result.delivery)

    def _claim(self) -> ClaimResult:
        if not self._flags.get().webhook_sending_enabled:
            return ClaimResult(None, None)  # sending paused: deliveries wait, nothing is lost
        prefs = self._prefs.get()
        limits = claim_limits(prefs, self._targets)
        return self._queue.claim(
            self._config.lease_seconds,
            prefs.max_attempts(),
            limits,
            self._config.max_in_flight,
            targets=self._targets.usable(),
        )

    def _loop(self, slot: int) -> None:
        backoff = 0.0
        while not self._stopping.is_set():
            try:
                self._step(slot)
                backoff = 0.0
            except REDIS_DOWN_ERRORS:
                self._metrics.redis_errors.labels("worker").inc()
                backoff = min(5.0, backoff * 2 or 0.25)
                logger.warning(
                    "delivery worker %d: Redis unreachable, retrying in %.2fs", slot, backoff
                )
                self._stopping.wait(backoff)
            except Exception:
                logger.exception("delivery worker %d: unexpected error", slot)
                self._stopping.wait(1.0)

    def _idle(self, result: ClaimResult) -> None:
        """Wait for work after a claim that found none."""
        if result.busy:
            # A new email's doorbell cannot free a slot: answering each one would scan the
            # same waiting deliveries again (found at saturation: ~60 Redis reads per
            # delivery). The threads holding the slots claim again as they finish (in due
            # order, so mostly the capped target's next); a delivery to another target
            # arriving meanwhile waits for this thread: BUSY_WAIT at most.
            self._stopping.wait(BUSY_WAIT)
            return
        wait = IDLE_WAIT_MAX
        if result.next_due is not None:
            wait = min(wait, max(0.0, result.next_due - self._clock()))
        self._queue.wait_for_work(wait)

    def _step(self, slot: int) -> None:
        result = self._claim()
        if result.delivery is None:
            if slot == 0:
                self._deliverer.housekeeping()
                if self.reconciler is not None:
                    self.reconciler.reconcile_if_due()
            self._idle(result)
            return
        with self._lock:
            self._in_flight[slot] = result.delivery
        try:
            self._deliverer.attempt(result.delivery)
        finally:
            with self._lock:
                self._in_flight.pop(slot, None)
