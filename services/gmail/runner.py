"""The sync thread: syncs each mailbox when a push makes it due, else every fallback period.

It runs in the processes that run the delivery threads (started and stopped with them).
Due times live in Redis (`gmail_due`), so any process may take a mailbox; a lock per
mailbox makes one sync at a time. While a sync runs, its mailbox is due again at the
lock's expiry: if the process dies mid-sync, another takes over then.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable

from config.redis_conn import REDIS_DOWN_ERRORS
from services.gmail.mailboxes import MailboxStore
from services.gmail.sync import MailboxSync, SyncReport

logger = logging.getLogger(__name__)

IDLE_WAIT_MAX = 5.0
ERROR_RETRY_SECONDS = 30.0  # a failed sync (Google down, ingress off) is tried again after


class SyncRunner:
    def __init__(
        self,
        store: MailboxStore,
        sync: MailboxSync,
        fallback_seconds: float,
        clock: Callable[[], float],
        lease_seconds: int = 60,
    ) -> None:
        self._lease = max(1, lease_seconds)
        self._store = store
        self._sync = sync
        self._fallback = fallback_seconds
        self._clock = clock
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._watched: set[str] = set()  # mailboxes whose watch this process renewed

    def start(self) -> None:
        if self._thread is not None or not self._sync.can_run:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="relais-gmail-sync", daemon=True)
        self._thread.start()

    def stop(self, grace: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(grace)
            self._thread = None

    def _loop(self) -> None:
        backoff = 0.0
        while not self._stopping.is_set():
            try:
                self.run_due()
                backoff = 0.0
            except REDIS_DOWN_ERRORS:
                backoff = min(5.0, backoff * 2 or 0.25)
                logger.warning("gmail sync: Redis unreachable, retrying in %.2fs", backoff)
                self._stopping.wait(backoff)
            except Exception:
                logger.exception("gmail sync: unexpected error")
                self._stopping.wait(1.0)

    def run_due(self, wait: bool = True) -> SyncReport | None:
        """Sync the mailbox due soonest if it is due; else wait for a push (up to the next due
        time). The report of the sync run, None when none ran."""
        found = self._store.next_due()
        now = self._clock()
        if found is None or found[1] > now:
            if wait:
                until = IDLE_WAIT_MAX if found is None else min(IDLE_WAIT_MAX, found[1] - now)
                self._store.wait_for_push(until)
            return None
        return self.sync_now(found[0], wait=wait)

    def sync_now(self, address: str, wait: bool = False) -> SyncReport | None:
        """One sync of `address` under its lock; None when another process holds it."""
        token = secrets.token_hex(8)
        if not self._store.lock(address, token, self._lease):
            if wait:
                self._stopping.wait(0.2)  # another process syncs it; its due time moves on
            return None
        started = self._clock() + self._lease
        try:
            self._store.postpone(address, started)
            renew = address not in self._watched
            report = self._sync.sync(
                address,
                keep_alive=lambda: self._store.renew(address, token, self._lease),
                renew_watch=renew,
            )
            self._watched.add(address)
        except BaseException:
            self._store.reschedule(address, started, self._clock() + ERROR_RETRY_SECONDS)
            raise
        finally:
            self._store.unlock(address, token)
        delay = ERROR_RETRY_SECONDS if report.error else self._fallback
        if report.error != "needs_reconnect":
            self._store.reschedule(address, started, self._clock() + delay)
        else:
            self._store.reschedule(address, started, self._clock() + 365 * 86400)
        return report
