"""Reading and acting on stored emails and deliveries for the admin API.

Lists scan the time indexes newest first, in batches, fetching only the fields
a list shows, and filter as they go (server-side pagination by offset). Email
bodies are never part of a list; a detail includes the body only on request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import redis

from config.keys import Keys
from services.access.audit import AuditLog
from services.delivery.queue import DeliveryQueue
from services.delivery.record import FINISHED_STATES, QUEUED_STATES, DeliveryRecord, Replayed
from services.delivery.request import WebhookRequests
from services.documents.runtime_flags import RuntimeFlagsService
from services.errors import NotFound

SCAN_BATCH = 500
# Listed from the stored meta; the analysis is reduced to what a list shows.
EMAIL_LIST_FIELDS = (
    "email_id",
    "subject",
    "sender",
    "sender_email",
    "date",
    "ingested_at",
    "status",
    "reason",
    "labels",
    "gmail_message_id",
    "deliveries",
)


@dataclass(frozen=True)
class DeliveryFilter:
    status: str | None = None
    target: str | None = None
    rule: str | None = None
    detector: str | None = None
    email_id: str | None = None
    since: float | None = None
    until: float | None = None

    def matches(self, rec: dict[str, Any]) -> bool:
        checks = (
            self.status is None or rec.get("state") == self.status,
            self.target is None or rec.get("target_id") == self.target,
            self.rule is None or self.rule in (rec.get("rules") or "").split(","),
            self.detector is None or rec.get("detector") == self.detector,
            self.email_id is None or rec.get("email_id") == self.email_id,
        )
        return all(checks)

    def in_range(self, rec: dict[str, Any]) -> bool:
        """Created within since/until (the index applies them itself when it is scanned)."""
        created = rec.get("created_at") or 0.0
        return (self.since is None or created >= self.since) and (
            self.until is None or created <= self.until
        )


@dataclass(frozen=True)
class EmailFilter:
    sender: str | None = None
    subject: str | None = None
    status: str | None = None
    reason: str | None = None
    since: float | None = None
    until: float | None = None

    def matches(self, meta: dict[str, Any]) -> bool:
        sender = f"{meta.get('sender', '')} {meta.get('sender_email', '')}".lower()
        reason = str(meta.get("reason") or "")
        checks = (
            self.sender is None or self.sender.lower() in sender,
            self.subject is None or self.subject.lower() in str(meta.get("subject", "")).lower(),
            self.status is None or meta.get("status") == self.status,
            self.reason is None or reason == self.reason or reason.startswith(self.reason + ":"),
        )
        return all(checks)


def _email_row(meta: dict[str, Any]) -> dict[str, Any]:
    row = {name: meta.get(name) for name in EMAIL_LIST_FIELDS}
    analysis = meta.get("analysis") or {}
    detector = analysis.get("detector") or {}
    decision = analysis.get("decision") or {}
    row["detector"] = detector.get("detector")
    row["links"] = len(analysis.get("links") or [])
    row["matched_rules"] = decision.get("matched_rules", [])
    return row


class Records:
    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        queue: DeliveryQueue,
        audit: AuditLog,
        clock: Callable[[], float],
        flags: RuntimeFlagsService,
        requests: WebhookRequests,
    ) -> None:
        self._requests = requests
        self._redis = client
        self._keys = keys
        self._queue = queue
        self._audit = audit
        self._clock = clock
        self._flags = flags

    # -- scanning -----------------------------------------------------------

    def _ids(self, index: str, since: float | None, until: float | None) -> Iterator[list[str]]:
        """Ids of a time index, newest first, in batches."""
        high: Any = until if until is not None else "+inf"
        low: Any = since if since is not None else "-inf"
        start = 0
        while True:
            batch = self._redis.zrevrangebyscore(index, high, low, start=start, num=SCAN_BATCH)
            if not batch:
                return
            yield [str(i) for i in batch]
            start += len(batch)

    def matching_deliveries(self, flt: DeliveryFilter) -> Iterator[dict[str, Any]]:
        """Deliveries the filter matches, newest first."""
        if flt.status in QUEUED_STATES:
            yield from self._queued(flt)
            return
        for ids in self._ids(self._keys.deliveries_index, flt.since, flt.until):
            for rec in self._fetch(ids):
                if flt.matches(rec):
                    yield rec

    def _fetch(self, ids: list[str]) -> Iterator[dict[str, Any]]:
        paused = self._paused()
        for record in self._queue.get_many(ids):
            if record is not None:
                yield self._shown(record, paused)

    def _queued(self, flt: DeliveryFilter) -> Iterator[dict[str, Any]]:
        """Dead or unfinished deliveries, read from their queues rather than the whole index.

        The dead letters and the queues are usually small beside the index, which a
        filter matching nothing (the dead-letter view on a healthy day) scans to its end.
        """
        k = self._keys
        queues = (
            (k.queue_dead,)
            if flt.status == "dead"
            else (k.queue_scheduled, k.queue_scheduled_high, k.queue_held, k.queue_leased)
        )
        pipe = self._redis.pipeline(transaction=False)
        for queue in queues:
            pipe.zrange(queue, 0, -1)
        ordered = sorted({str(i) for members in pipe.execute() for i in members})
        found: list[dict[str, Any]] = []
        for start in range(0, len(ordered), SCAN_BATCH):
            batch = ordered[start : start + SCAN_BATCH]
            found += [r for r in self._fetch(batch) if flt.matches(r) and flt.in_range(r)]
        found.sort(key=lambda r: (r["created_at"] or 0.0, r["id"]), reverse=True)
        yield from found

    def matching_emails(self, flt: EmailFilter) -> Iterator[dict[str, Any]]:
        """Stored emails (their meta) the filter matches, newest first."""
        for ids in self._ids(self._keys.emails_index, flt.since, flt.until):
            pipe = self._redis.pipeline(transaction=False)
            for email_id in ids:
                pipe.hget(self._keys.email(email_id), "meta")
            for raw in pipe.execute():
                if raw:
                    meta = json.loads(raw)
                    if flt.matches(meta):
                        yield meta

    @staticmethod
    def _page(rows: Iterator[dict[str, Any]], offset: int, limit: int) -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        for position, row in enumerate(rows):
            if position < offset:
                continue
            if len(items) == limit:
                return {"items": items, "offset": offset, "next_offset": offset + limit}
            items.append(row)
        return {"items": items, "offset": offset, "next_offset": None}

    # -- emails -------------------------------------------------------------

    def list_emails(self, flt: EmailFilter, offset: int, limit: int) -> dict[str, Any]:
        return self._page((_email_row(m) for m in self.matching_emails(flt)), offset, limit)

    def email(self, email_id: str, include_body: bool) -> dict[str, Any]:
        stored = self._queue.load_email(email_id)
        if stored is None:
            raise NotFound("no stored email with this id (it may have expired)")
        doc = dict(stored.meta)
        ids = [d["id"] for d in doc.get("deliveries", [])]
        doc["deliveries"] = [self._current(i) for i in ids]
        if include_body:
            doc["body"] = stored.body
            doc["plain_body"] = stored.plain_body or None
        return doc

    def _current(self, delivery_id: str) -> dict[str, Any]:
        record = self._queue.get(delivery_id)
        return self._shown(record) if record else {"id": delivery_id, "state": "expired"}

    # -- deliveries ---------------------------------------------------------

    def list_deliveries(self, flt: DeliveryFilter, offset: int, limit: int) -> dict[str, Any]:
        return self._page(self.matching_deliveries(flt), offset, limit)

    def _paused(self) -> bool:
        return not self._flags.get().webhook_sending_enabled

    def _shown(self, record: DeliveryRecord, paused: bool | None = None) -> dict[str, Any]:
        """A record as the API shows it, with `waiting_reason` (DeliveryRecord.waiting_reason)."""
        rec = record.to_api()
        rec["waiting_reason"] = record.waiting_reason(self._clock(), self._is_paused(paused))
        return rec

    def _is_paused(self, known: bool | None) -> bool:
        return self._paused() if known is None else known

    def delivery(self, delivery_id: str, include_payload: bool = False) -> dict[str, Any]:
        record = self._queue.get(delivery_id)
        if record is None:
            raise NotFound("no delivery with this id (it may have expired)")
        rec = self._shown(record)
        rec["decision"] = record.payload_fields()
        rec["attempts_log"] = self._queue.attempts(delivery_id)
        if include_payload:
            rec["payload"] = self._payload(record)
        return rec

    def _payload(self, record: DeliveryRecord) -> dict[str, Any] | None:
        """The body the target receives, rebuilt as the worker does (R2 copies aside)."""
        stored = self._queue.load_email(record.email_id)
        return None if stored is None else self._requests.payload(record, stored)

    def replay(self, delivery_id: str, actor: str) -> Replayed:
        """Re-queue one finished delivery (same webhook-id), audited: the API's and the CLI's."""
        outcome = self._queue.replay(delivery_id)
        if outcome == Replayed.MISSING:
            raise NotFound("no delivery with this id (it may have expired)")
        if outcome == Replayed.QUEUED:
            self._audit.record(actor, "replay", f"delivery:{delivery_id}")
        return outcome

    def replay_matching(self, flt: DeliveryFilter, actor: str, dry_run: bool) -> dict[str, Any]:
        """Replay every finished delivery the filter matches (or count them)."""
        rows = self.matching_deliveries(flt)
        candidates = [r["id"] for r in rows if r["state"] in FINISHED_STATES]
        if dry_run:
            return {"matched": len(candidates), "queued": 0}
        outcomes = [self._queue.replay(delivery_id) for delivery_id in candidates]
        queued = outcomes.count(Replayed.QUEUED)
        self._audit.record(actor, "replay_many", "deliveries", detail=f"{queued} re-queued")
        return {"matched": len(candidates), "queued": queued, "skipped": len(candidates) - queued}
