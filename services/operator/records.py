"""Reading and acting on stored emails and deliveries for the admin API.

Lists scan the time indexes newest first, in batches, and filter as they go (server-side
pagination by offset). A delivery list reads only the fields its filters look at, then the
whole records of the page it shows. Every list says how many match (`total`): exact when it
is cheap (no filter: the index counts itself; a queued state: its queues are read whole; a
filtered scan that reached the end), else estimated from the share of matches in the first
`COUNT_BUDGET` entries looked at (`total_exact` false). The search (`q`) matches a subject
(any case), or exactly an email id, a delivery id or a webhook-id. Email bodies are never
part of a list; a detail has a short text preview, and the body on request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import redis

from config.keys import Keys
from email_processing.identity import webhook_id
from email_processing.normalize import html_to_text
from services.access.audit import AuditLog
from services.delivery.queue import DeliveryQueue
from services.delivery.record import (
    FINISHED_STATES,
    QUEUED_STATES,
    DeliveryRecord,
    Replayed,
    StoredEmail,
)
from services.delivery.request import WebhookRequests
from services.documents.runtime_flags import RuntimeFlagsService
from services.errors import NotFound
from services.operator.record_scan import BATCH, DeliveryScan, ScanFilter, Window, foldable

SCAN_BATCH = 500
SCRIPT_BATCH = BATCH
"""Index entries per call of the filter script (services/operator/record_scan.py)."""
COUNT_BUDGET = 20_000
"""Index entries a filtered list looks at to count its matches; beyond them (once its page is
found) the total is estimated from the share of matches so far."""
PREVIEW_CHARS = 500
# What a delivery filter or search reads of each record (the rest only for the page shown).
MATCH_FIELDS = (
    "id",
    "state",
    "target_id",
    "rules",
    "detector",
    "email_id",
    "subject",
    "webhook_id",
)
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


def delivery_found(q: str, rec: Mapping[str, Any]) -> bool:
    """The search: `q` in the subject (any case), or exactly its id, email id or webhook-id."""
    if q in (rec.get("id"), rec.get("email_id"), rec.get("webhook_id")):
        return True
    return q.lower() in str(rec.get("subject") or "").lower()


def email_found(q: str, meta: Mapping[str, Any]) -> bool:
    """The search: `q` in the subject (any case), or exactly its id (or Gmail's), the id of
    one of its deliveries or one of their webhook-ids."""
    if q.lower() in str(meta.get("subject") or "").lower():
        return True
    if q in (meta.get("email_id"), meta.get("gmail_message_id")):
        return True
    deliveries = meta.get("deliveries") or []
    if any(d.get("id") == q for d in deliveries):
        return True
    email = str(meta.get("email_id") or "")
    return q.startswith("msg_") and any(
        webhook_id(email, d.get("target", "")) == q for d in deliveries
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
    q: str | None = None

    @property
    def narrows(self) -> bool:
        """Whether it keeps only some of the deliveries created in its time range."""
        chosen = (self.status, self.target, self.rule, self.detector, self.email_id, self.q)
        return any(value is not None for value in chosen)

    def matches(self, rec: Mapping[str, Any]) -> bool:
        checks = (
            self.status is None or rec.get("state") == self.status,
            self.target is None or rec.get("target_id") == self.target,
            self.rule is None or self.rule in (rec.get("rules") or "").split(","),
            self.detector is None or rec.get("detector") == self.detector,
            self.email_id is None or rec.get("email_id") == self.email_id,
            self.q is None or delivery_found(self.q, rec),
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
    q: str | None = None

    @property
    def narrows(self) -> bool:
        """Whether it keeps only some of the emails received in its time range."""
        chosen = (self.sender, self.subject, self.status, self.reason, self.q)
        return any(value is not None for value in chosen)

    def matches(self, meta: dict[str, Any]) -> bool:
        sender = f"{meta.get('sender', '')} {meta.get('sender_email', '')}".lower()
        reason = str(meta.get("reason") or "")
        checks = (
            self.sender is None or self.sender.lower() in sender,
            self.subject is None or self.subject.lower() in str(meta.get("subject", "")).lower(),
            self.status is None or meta.get("status") == self.status,
            self.reason is None or reason == self.reason or reason.startswith(self.reason + ":"),
            self.q is None or email_found(self.q, meta),
        )
        return all(checks)


NextBatch = Callable[[int, int], tuple[int, int, list[Any]]]
"""The next batch of a scan, given how many matches to pass over and how many to keep at
most: (entries looked at, 0 at the end; matches; the matches kept)."""


@dataclass
class Tally:
    """A filtered scan's page and count: the matches at [offset, offset + limit) are kept,
    every match is counted, and `scanned` says how many index entries were looked at."""

    offset: int
    limit: int
    page: list[Any] = field(default_factory=list)
    matched: int = 0
    scanned: int = 0
    complete: bool = True

    @property
    def more(self) -> bool:
        """A match beyond the page was seen (there is a next page)."""
        return self.matched > self.offset + self.limit

    def counted(self, in_range: Callable[[], int]) -> tuple[int, bool]:
        """The total and whether it is exact: every match when the scan reached the end of
        the range, else the share of matches seen applied to the whole range."""
        if self.complete:
            return self.matched, True
        size = in_range()
        if self.scanned >= size:
            return self.matched, True
        return max(self.matched, round(self.matched * size / max(1, self.scanned))), False

    def doc(self, items: list[dict[str, Any]], in_range: Callable[[], int]) -> dict[str, Any]:
        following = self.offset + self.limit if self.more else None
        total, exact = self.counted(in_range)
        return _page_doc(items, self.offset, following, total, exact=exact)

    def run(self, next_batch: NextBatch) -> Tally:
        """Ask for batches until the scan ends or, once the page and a match beyond it are
        known, until COUNT_BUDGET entries were looked at."""
        while True:
            skip = max(0, self.offset - self.matched)
            seen, matched, items = next_batch(skip, self.limit - len(self.page))
            if not seen:
                return self
            self.page += items
            self.matched += matched
            self.scanned += seen
            if self.more and self.scanned >= COUNT_BUDGET:
                self.complete = False
                return self


def windowed(batches: Iterator[tuple[int, list[Any]]]) -> NextBatch:
    """Batches of (entries looked at, every match) as a NextBatch."""

    def next_batch(skip: int, take: int) -> tuple[int, int, list[Any]]:
        for seen, found in batches:
            return seen, len(found), found[skip : skip + take]
        return 0, 0, []

    return next_batch


def _page_doc(
    items: list[dict[str, Any]], offset: int, following: int | None, total: int, *, exact: bool
) -> dict[str, Any]:
    return {
        "items": items,
        "offset": offset,
        "next_offset": following,
        "total": total,
        "total_exact": exact,
    }


def _bounds(since: float | None, until: float | None) -> tuple[Any, Any]:
    """A time index's (high, low) scores for since/until."""
    return (until if until is not None else "+inf", since if since is not None else "-inf")


def _scan_filter(flt: DeliveryFilter) -> ScanFilter | None:
    """The filter as the Redis script applies it; None when its search needs Python."""
    if flt.q is not None and not foldable(flt.q):
        return None
    return ScanFilter(flt.status, flt.target, flt.rule, flt.detector, flt.email_id, flt.q)


def body_preview(stored: StoredEmail, limit: int = PREVIEW_CHARS) -> tuple[str, bool]:
    """The first `limit` characters of the email's text (its HTML as a browser shows it, else
    its plain part), cut at a word, and whether it was cut. Text only: never markup."""
    text = html_to_text(stored.body) if stored.body.strip() else stored.plain_body
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…", True


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
        self._scan = DeliveryScan(client, keys)

    # -- scanning -----------------------------------------------------------

    def _ids(self, index: str, since: float | None, until: float | None) -> Iterator[list[str]]:
        """Ids of a time index, newest first, in batches."""
        high, low = _bounds(since, until)
        start = 0
        while True:
            batch = self._redis.zrevrangebyscore(index, high, low, start=start, num=SCAN_BATCH)
            if not batch:
                return
            yield [str(i) for i in batch]
            start += len(batch)

    def _in_range(self, index: str, since: float | None, until: float | None) -> int:
        high, low = _bounds(since, until)
        return int(self._redis.zcount(index, low, high))

    def _recent(
        self, index: str, since: float | None, until: float | None, offset: int, limit: int
    ) -> tuple[list[str], int]:
        """One page of an index without a filter, newest first, and how many are in range."""
        high, low = _bounds(since, until)
        pipe = self._redis.pipeline(transaction=False)
        pipe.zrevrangebyscore(index, high, low, start=offset, num=limit)
        pipe.zcount(index, low, high)
        ids, total = pipe.execute()
        return [str(i) for i in ids], int(total)

    def _matching_ids(self, flt: DeliveryFilter, ids: list[str]) -> list[str]:
        """The ids whose record the filter matches, reading only what it looks at."""
        pipe = self._redis.pipeline(transaction=False)
        for delivery_id in ids:
            pipe.hmget(self._keys.delivery(delivery_id), MATCH_FIELDS)
        found = []
        for values in pipe.execute():
            if values[0] and flt.matches(dict(zip(MATCH_FIELDS, values, strict=True))):
                found.append(str(values[0]))
        return found

    def _delivery_batches(self, flt: DeliveryFilter) -> NextBatch:
        """The deliveries' index in batches, newest first, filtered inside Redis unless the
        search needs Python's case folding."""
        scan = _scan_filter(flt)
        if scan is None:
            index = self._keys.deliveries_index
            ids = self._ids(index, flt.since, flt.until)
            return windowed((len(batch), self._matching_ids(flt, batch)) for batch in ids)
        high, low = _bounds(flt.since, flt.until)
        start = 0

        def next_batch(skip: int, take: int) -> tuple[int, int, list[Any]]:
            nonlocal start
            window = Window(high, low, start, skip, take, count=SCRIPT_BATCH)
            found = self._scan.batch(scan, window)
            start += found[0]
            return found

        return next_batch

    def matching_deliveries(self, flt: DeliveryFilter) -> Iterator[dict[str, Any]]:
        """Deliveries the filter matches, newest first."""
        if flt.status in QUEUED_STATES:
            yield from self._queued(flt)
            return
        if not flt.narrows:
            for ids in self._ids(self._keys.deliveries_index, flt.since, flt.until):
                yield from self._fetch(ids)
            return
        next_batch = self._delivery_batches(flt)
        while True:
            seen, _, found = next_batch(0, BATCH)
            if not seen:
                return
            yield from self._fetch(found)

    def _fetch(self, ids: list[str]) -> Iterator[dict[str, Any]]:
        if not ids:
            return
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

    def _metas(self, ids: list[str]) -> Iterator[dict[str, Any]]:
        """The stored meta of each email still stored, in order."""
        pipe = self._redis.pipeline(transaction=False)
        for email_id in ids:
            pipe.hget(self._keys.email(email_id), "meta")
        for raw in pipe.execute():
            if raw:
                yield json.loads(raw)

    def matching_emails(self, flt: EmailFilter) -> Iterator[dict[str, Any]]:
        """Stored emails (their meta) the filter matches, newest first."""
        for ids in self._ids(self._keys.emails_index, flt.since, flt.until):
            yield from (meta for meta in self._metas(ids) if flt.matches(meta))

    # -- emails -------------------------------------------------------------

    def list_emails(self, flt: EmailFilter, offset: int, limit: int) -> dict[str, Any]:
        index = self._keys.emails_index
        if not flt.narrows:
            ids, total = self._recent(index, flt.since, flt.until, offset, limit)
            items = [_email_row(meta) for meta in self._metas(ids)]
            following = offset + limit if total > offset + limit else None
            return _page_doc(items, offset, following, total, exact=True)

        batches = (
            (len(ids), [meta for meta in self._metas(ids) if flt.matches(meta)])
            for ids in self._ids(index, flt.since, flt.until)
        )
        tally = Tally(offset, limit).run(windowed(batches))
        items = [_email_row(meta) for meta in tally.page]
        return tally.doc(items, lambda: self._in_range(index, flt.since, flt.until))

    def email(self, email_id: str, include_body: bool) -> dict[str, Any]:
        stored = self._queue.load_email(email_id)
        if stored is None:
            raise NotFound("no stored email with this id (it may have expired)")
        doc = dict(stored.meta)
        ids = [d["id"] for d in doc.get("deliveries", [])]
        doc["deliveries"] = [self._current(i) for i in ids]
        doc["preview"], doc["preview_truncated"] = body_preview(stored)
        if include_body:
            doc["body"] = stored.body
            doc["plain_body"] = stored.plain_body or None
        return doc

    def _current(self, delivery_id: str) -> dict[str, Any]:
        record = self._queue.get(delivery_id)
        return self._shown(record) if record else {"id": delivery_id, "state": "expired"}

    # -- deliveries ---------------------------------------------------------

    def list_deliveries(self, flt: DeliveryFilter, offset: int, limit: int) -> dict[str, Any]:
        if flt.status in QUEUED_STATES:
            rows = list(self._queued(flt))
            following = offset + limit if len(rows) > offset + limit else None
            return _page_doc(
                rows[offset : offset + limit], offset, following, len(rows), exact=True
            )
        index = self._keys.deliveries_index
        if not flt.narrows:
            ids, total = self._recent(index, flt.since, flt.until, offset, limit)
            following = offset + limit if total > offset + limit else None
            return _page_doc(list(self._fetch(ids)), offset, following, total, exact=True)

        tally = Tally(offset, limit).run(self._delivery_batches(flt))
        items = list(self._fetch(tally.page))
        return tally.doc(items, lambda: self._in_range(index, flt.since, flt.until))

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
