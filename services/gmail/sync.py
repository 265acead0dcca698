"""One mailbox's sync: from its stored history id to now, every new message admitted once.

The history is read page by page (`history.list`, messages added to the watched labels);
each new message is fetched raw, parsed (email_processing/mime.py) and handed to the same
ingest pipeline as the Apps Script's pushes (source `gmail_api`). The stored history id
only moves past a page once every message of that page is admitted, so a crash, a Redis
outage or a Google error mid-way makes the next sync read the page again, and dedup
absorbs what was already admitted. When Gmail no longer has the stored history id, a
bounded full sync (`messages.list` since the last good sync) takes over.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from email_processing.mime import AttachmentPart, MimeError, ParsedMessage, parse_message
from services.delivery.ingest import DUPLICATE, GMAIL_API, InboundEmail, IngestResult
from services.errors import IngressDisabled
from services.gmail.google import (
    GmailApi,
    GoogleError,
    GoogleUnavailable,
    GrantRevoked,
    HistoryGone,
    MessageRef,
)
from services.gmail.mailboxes import Mailbox, MailboxState, MailboxStore
from services.gmail.tokens import TokenBox, TokenUnreadable
from services.metrics import Metrics

logger = logging.getLogger(__name__)

WATCH_RENEW_BEFORE = 86400.0  # renew a watch a day before its 7-day expiry
FULL_SYNC_MAX = 2000  # messages read by one full sync
FULL_SYNC_MARGIN = 3600.0  # a full sync reads from an hour before the last good sync
FULL_SYNC_WINDOW = 7 * 86400.0  # and never further back than this
LABELS_TTL = 600.0  # label names are read again after this (or when an unknown id shows up)


class AttachmentStore(Protocol):
    def copy_attachment(
        self, email_id: str, part_id: str, name: str, content_type: str, data: bytes
    ) -> dict[str, str]: ...


class Ingest(Protocol):
    def ingest(
        self, email: InboundEmail, request_id: str | None = None, source: str = ...
    ) -> IngestResult: ...


@dataclass(frozen=True)
class SyncConfig:
    topic: str | None
    labels: Sequence[str]
    label_processed: str | None
    attachment_max_bytes: int = 0  # copied into R2 up to this size (0: never)


@dataclass
class SyncReport:
    """What one sync did; `error` is set when it stopped early (it will be tried again)."""

    admitted: int = 0
    duplicates: int = 0
    skipped: int = 0
    full: bool = False
    error: str = ""


def fingerprint(token: str) -> str:
    """Tells two refresh tokens apart without keeping either in clear."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class MailboxSync:
    def __init__(
        self,
        store: MailboxStore,
        api: GmailApi,
        tokens: TokenBox,
        ingest: Ingest,
        config: SyncConfig,
        clock: Callable[[], float],
        metrics: Metrics,
        attachments: AttachmentStore | None = None,
    ) -> None:
        self._attachments = attachments
        self._store = store
        self._api = api
        self._tokens = tokens
        self._ingest = ingest
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._label_ids: dict[str, str] = {}
        self._label_names: dict[str, tuple[float, dict[str, tuple[str, str]]]] = {}

    @property
    def can_run(self) -> bool:
        """This process can read mailboxes: it has the OAuth client and the token key (a
        process without them leaves the mailboxes to those that have them)."""
        return self._api.has_client and self._tokens.usable

    def sync(
        self, address: str, keep_alive: Callable[[], bool], renew_watch: bool = False
    ) -> SyncReport:
        """Read the mailbox up to now. `keep_alive()` renews the caller's lock between
        pages (False: the lock was lost, stop without writing more)."""
        report = SyncReport()
        mailbox = self._store.get(address)
        if mailbox is None or mailbox.state != MailboxState.CONNECTED:
            return report
        now = self._clock()
        self._store.update(address, last_sync_at=now)
        try:
            self._load(mailbox)
            self._keep_watch(mailbox, renew_watch)
            self._read(mailbox, report, keep_alive)
        except (GrantRevoked, TokenUnreadable) as exc:
            self._needs_reconnect(address, _grant_lost(exc))
            report.error = "needs_reconnect"
            self._metrics.gmail_syncs.labels("needs_reconnect").inc()
            return report
        except (GoogleError, IngressDisabled) as exc:
            report.error = _safe(exc)
            self._store.update(address, last_error=report.error)
            self._metrics.gmail_syncs.labels("error").inc()
            logger.warning("gmail sync of %s stopped: %s", address, report.error)
            return report
        self._store.update(address, last_sync_ok_at=self._clock(), last_error=None)
        self._metrics.gmail_syncs.labels("full" if report.full else "ok").inc()
        return report

    def _load(self, mailbox: Mailbox) -> None:
        token = self._tokens.open(mailbox.sealed_token)
        self._api.use(mailbox.address, token)

    def _needs_reconnect(self, address: str, why: str) -> None:
        self._store.update(address, state=MailboxState.NEEDS_RECONNECT, last_error=why)
        self._api.forget(address)
        logger.error("gmail mailbox %s needs to be reconnected: %s", address, why)

    # -- watch ------------------------------------------------------------------------------

    def renew_watch(self, address: str) -> str:
        """`users.watch` now, whatever the expiry (an operator's renewal). "" when renewed,
        else why not: Google's error (also stored as the mailbox's `watch_error`),
        `needs_reconnect` when the grant is gone, `not_connected`."""
        mailbox = self._store.get(address)
        if mailbox is None or mailbox.state != MailboxState.CONNECTED:
            return "not_connected"
        try:
            self._load(mailbox)
            self._keep_watch(mailbox, force=True)
        except (GrantRevoked, TokenUnreadable) as exc:
            self._needs_reconnect(address, _grant_lost(exc))
            return "needs_reconnect"
        current = self._store.get(address)
        return current.watch_error if current is not None else "not_connected"

    def _keep_watch(self, mailbox: Mailbox, force: bool) -> None:
        """users.watch when the topic is set and the watch is missing, expiring or `force`."""
        topic = self._config.topic
        if not topic:
            return
        expires = mailbox.watch_expires_at
        if not force and expires is not None and expires - self._clock() > WATCH_RENEW_BEFORE:
            return
        try:
            answer = self._api.watch(mailbox.address, topic, self._config.labels)
        except GrantRevoked:
            raise
        except GoogleError as exc:
            # The mailbox is still read (by the fallback poll): say why pushes do not come.
            self._store.update(mailbox.address, watch_error=_safe(exc))
            logger.warning("gmail watch of %s failed: %s", mailbox.address, _safe(exc))
            return
        expiration = float(answer.get("expiration", 0)) / 1000 or None
        self._store.update(mailbox.address, watch_expires_at=expiration, watch_error=None)
        if not mailbox.history_id and answer.get("historyId"):
            self._store.update(mailbox.address, history_id=str(answer["historyId"]))

    # -- reading ----------------------------------------------------------------------------

    def _read(self, mailbox: Mailbox, report: SyncReport, keep_alive: Callable[[], bool]) -> None:
        current = self._store.get(mailbox.address)
        start = current.history_id if current else ""
        if not start:
            # First sync: start from now (mail already in the box is not sent again).
            profile = self._api.profile(mailbox.address)
            self._store.update(mailbox.address, history_id=str(profile.get("historyId", "")))
            return
        try:
            self._read_history(mailbox.address, start, report, keep_alive)
        except HistoryGone:
            report.full = True
            self._full_sync(mailbox, report, keep_alive)

    def _read_history(
        self, address: str, start: str, report: SyncReport, keep_alive: Callable[[], bool]
    ) -> None:
        page: str | None = None
        while True:
            found = self._api.history(address, start, self._config.labels, page)
            self._admit_all(address, found.added, report, keep_alive)
            page = found.next_page
            # Past this page only now that all its messages are admitted.
            reached = found.history_id if page is None else (found.last_record or "")
            if reached:
                self._store.update(address, history_id=reached)
            if page is None:
                return

    def _full_sync(
        self, mailbox: Mailbox, report: SyncReport, keep_alive: Callable[[], bool]
    ) -> None:
        """The history id is gone: read what arrived since the last good sync (bounded),
        then carry on from the mailbox's current history id."""
        address = mailbox.address
        logger.warning("gmail %s: history id expired, full sync", address)
        current = str(self._api.profile(address).get("historyId", ""))  # before listing
        now = self._clock()
        since = (mailbox.last_sync_ok_at or mailbox.connected_at or now) - FULL_SYNC_MARGIN
        since = max(since, now - FULL_SYNC_WINDOW)
        refs: dict[str, MessageRef] = {}
        for label in self._config.labels or [None]:  # type: ignore[list-item]
            for ref in self._api.list_messages(address, int(since), label, FULL_SYNC_MAX):
                refs.setdefault(ref.id, ref)
        self._admit_all(address, list(refs.values())[::-1], report, keep_alive)  # oldest first
        self._store.update(address, history_id=current, last_full_sync_at=now)

    def _admit_all(
        self,
        address: str,
        refs: Iterable[MessageRef],
        report: SyncReport,
        keep_alive: Callable[[], bool],
    ) -> None:
        """Admit each message once; the lock is renewed before each (a lost lock stops the
        sync before it writes more: another process has taken the mailbox)."""
        seen: set[str] = set()
        for ref in refs:
            if ref.id in seen:
                continue
            seen.add(ref.id)
            if not keep_alive():
                raise GoogleUnavailable(0, "sync lock lost")
            if self._admit_one(address, ref, report):
                self._store.count_admitted(address, 1, self._clock())

    def _admit_one(self, address: str, ref: MessageRef, report: SyncReport) -> bool:
        try:
            msg = self._api.message(address, ref.id)
        except GoogleError as exc:
            if exc.status == 404:  # deleted since it arrived: nothing to send
                report.skipped += 1
                return False
            raise
        try:
            parsed = parse_message(
                msg.raw,
                gmail_id=msg.id,
                thread_id=msg.thread_id,
                label_ids=self._user_label_names(address, msg.label_ids),
                internal_date_ms=msg.internal_date_ms,
                snippet=msg.snippet,
            )
        except MimeError:
            logger.error("gmail %s: message %s is not a readable email, skipped", address, ref.id)
            report.skipped += 1
            return False
        result = self._ingest.ingest(self._with_copies(parsed), source=GMAIL_API)
        if result.status == DUPLICATE:
            report.duplicates += 1
            return False
        report.admitted += 1
        if msg.internal_date_ms:
            lag = max(0.0, self._clock() - msg.internal_date_ms / 1000)
            self._metrics.gmail_sync_lag.observe(lag)
        self._label(address, msg.id)
        return True

    def _with_copies(self, parsed: ParsedMessage) -> InboundEmail:
        """With R2 configured: each attachment up to ATTACHMENT_MAX_BYTES copied into the
        bucket, its URL (or why not) beside its metadata in the payload."""
        email = parsed.email
        if self._attachments is None or not self._config.attachment_max_bytes:
            return email
        parts = [a for a in parsed.attachments if not a.inline]
        copied = [
            meta.model_copy(update=self._copy(email.gmail_message_id or "", part))
            for meta, part in zip(email.attachments, parts, strict=False)
        ]
        copied += email.attachments[len(copied) :]
        return email.model_copy(update={"attachments": copied})

    def _copy(self, email_id: str, part: AttachmentPart) -> dict[str, str]:
        if part.size > self._config.attachment_max_bytes:
            return {"r2_error": "too_large"}
        if part.data is None or self._attachments is None:
            return {}
        return self._attachments.copy_attachment(
            email_id, part.part_id, part.name, part.content_type, part.data
        )

    def _user_label_names(self, address: str, label_ids: Iterable[str]) -> list[str]:
        """The names of the message's user labels, as the Apps Script sends them (rules on
        labels match the same words whichever path brought the email)."""
        now = self._clock()
        cached = self._label_names.get(address)
        if (
            cached is None
            or now - cached[0] > LABELS_TTL
            or any(i not in cached[1] for i in label_ids)
        ):
            cached = (now, self._api.labels(address))
            self._label_names[address] = cached
        known = cached[1]
        return [known[i][0] for i in label_ids if i in known and known[i][1] == "user"]

    def _label(self, address: str, message_id: str) -> None:
        """GMAIL_LABEL_PROCESSED: tag the admitted message (a failure is logged, not fatal)."""
        name = self._config.label_processed
        if not name:
            return
        try:
            label = self._label_ids.get(address) or self._api.label_id(address, name)
            self._label_ids[address] = label
            self._api.add_label(address, message_id, label)
        except GoogleError as exc:
            logger.warning("gmail %s: labelling %s failed: %s", address, message_id, _safe(exc))


def _grant_lost(exc: Exception) -> str:
    """Why a mailbox needs to be connected again, in words."""
    if isinstance(exc, GrantRevoked):
        return f"Google refused the grant ({exc.reason})"
    return str(exc)


def _safe(exc: Exception) -> str:
    """An error in words without anything from the request (Google's reasons are codes)."""
    return str(exc)[:300]
