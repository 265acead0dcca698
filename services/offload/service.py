"""R2 offload: durable copies of file-transfer links, made in the delivery step.

`enrich()` is called by the delivery worker before it builds a webhook. Each link's
source is looked up in Redis (one copy per source, reused while the object lives);
unknown sources are copied by a small pool of threads (bounded concurrency per
process), through the Cloudflare Worker or straight into the bucket. The delivery
waits at most R2_OFFLOAD_TIMEOUT: what is not done by then goes out with the
original link and `r2_error: "timeout"`, while the copy carries on in the
background (within its own per-provider timeout) and is reused by the next
delivery of the same source. Nothing here ever raises into a delivery.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any, cast

import redis
from redis.exceptions import LockError

from config.keys import R2_CLEANUP_LOCK_TTL, R2_FAILURE_TTL, Keys, r2_reuse_ttl
from config.r2_settings import s3_credentials_set
from config.settings import Settings
from config.version import VERSION
from email_processing.links import DROPBOX, FROMSMASH, SWISSTRANSFER, WETRANSFER
from services.net.http import OutboundHttp, Resolver
from services.offload.copiers import Copier, Copy, DirectCopier, WorkerCopier
from services.offload.file_fetch import (
    Deadline,
    FetchError,
    SourceFetcher,
    key_segment,
    mask_url,
)
from services.offload.storage import BucketStore, s3_client
from services.offload.transfer_links import LinkResolver, Source, plan

logger = logging.getLogger(__name__)

ATTACHMENTS = "attachments"  # Gmail attachments copied at sync time (services/gmail/sync.py)
PROVIDER_PREFIXES = tuple(
    f"{p}/" for p in (DROPBOX, FROMSMASH, SWISSTRANSFER, WETRANSFER, ATTACHMENTS)
)
LOCK_MARGIN = 30  # seconds a copy lock outlives the copy's own timeout
POLL_SECONDS = 0.5  # while another process copies the same source
BACKLOG_PER_THREAD = 16  # queued copies per pool thread before new ones are refused ("busy")
CLEANUP_CHECK_SECONDS = 60.0  # how often a process asks Redis whether a clean-up is due


@dataclass(frozen=True)
class Outcome:
    """What happened to one link: a copy (new or reused) or the reason there is none."""

    copy: Copy | None = None
    error: str | None = None
    reused: bool = False


@dataclass(frozen=True)
class OffloadConfig:
    offload_timeout: float
    fetch_timeout: float
    folder_timeout: float
    retention_seconds: int
    concurrency: int
    cleanup_interval_seconds: int


class CopyPool:
    """`size` daemon threads taking jobs from a bounded queue (a copy never delays exit)."""

    def __init__(self, size: int, backlog: int) -> None:
        self._size = size
        self._jobs: queue.Queue[tuple[Future[Outcome], Callable[[], Outcome]] | None] = queue.Queue(
            maxsize=backlog
        )
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], Outcome]) -> Future[Outcome] | None:
        """Queue a job; None when the backlog is full."""
        self._start()
        future: Future[Outcome] = Future()
        try:
            self._jobs.put_nowait((future, job))
        except queue.Full:
            return None
        return future

    def _start(self) -> None:
        with self._lock:
            if self._threads:
                return
            for n in range(self._size):
                thread = threading.Thread(target=self._run, name=f"relais-r2-{n}", daemon=True)
                self._threads.append(thread)
                thread.start()

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            future, job = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:
                future.set_exception(exc)

    def close(self) -> None:
        """Ask the threads to stop once their current job ends (queued jobs are dropped)."""
        with self._lock:
            threads, self._threads = self._threads, []
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        for _ in threads:
            self._jobs.put(None)


class R2TransferService:
    """Copies delivery links into R2 once per source and says what became of each."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        clock: Callable[[], float],
        *,
        resolver: LinkResolver,
        copier: Copier,
        store: BucketStore | None,
        config: OffloadConfig,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._clock = clock
        self._resolver = resolver
        self._copier = copier
        self._store = store
        self._config = config
        self._pool = CopyPool(config.concurrency, config.concurrency * BACKLOG_PER_THREAD)
        self._inflight: dict[str, Future[Outcome]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._next_cleanup_check = 0.0
        self._cleaner: threading.Thread | None = None

    # -- delivery ---------------------------------------------------------

    def enrich(self, email_id: str, links: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The links with `r2_url` + `original_filename`, or `r2_error`, each; never raises."""
        try:
            deadline = time.monotonic() + self._config.offload_timeout
            started = [self._start(email_id, link) for link in links]
            futures = [item for item in started if isinstance(item, Future)]
            if futures:
                wait(futures, timeout=max(0.0, deadline - time.monotonic()))
            outcomes = [_settle(item) for item in started]
        except Exception:
            logger.exception("r2 offload failed for email %s; links sent as they are", email_id)
            outcomes = [Outcome(error="internal_error") for _ in links]
        entries = [
            self._entry(link, outcome) for link, outcome in zip(links, outcomes, strict=True)
        ]
        self._count_entries(entries, outcomes)
        return entries

    def housekeeping(self) -> None:
        """Called by an idle delivery thread: start the bucket clean-up when it is due."""
        # At most one check a minute per process; the Redis key makes it one run per
        # interval across all processes; the run has a thread of its own, so the
        # delivery thread goes back to work at once.
        now = time.monotonic()
        if now < self._next_cleanup_check:
            return
        self._next_cleanup_check = now + CLEANUP_CHECK_SECONDS
        interval = self._config.cleanup_interval_seconds
        if interval <= 0 or self._store is None:
            return
        try:
            due = self._redis.set(self._keys.r2_cleanup_due, "1", nx=True, ex=interval)
        except redis.RedisError:
            logger.warning("r2 clean-up: Redis unavailable, next check in a minute")
            return
        if due:
            self._cleaner = threading.Thread(
                target=self._cleanup_logged, name="relais-r2-cleanup", daemon=True
            )
            self._cleaner.start()

    def _cleanup_logged(self) -> None:
        try:
            self.cleanup()
        except Exception:
            logger.exception("r2 clean-up failed")

    def _start(self, email_id: str, link: Mapping[str, Any]) -> Outcome | Future[Outcome]:
        source = plan(link)
        if source.unsupported:
            return Outcome(error=source.unsupported)
        known = self._lookup(source.digest)
        if known is not None:
            return known
        with self._lock:
            running = self._inflight.get(source.digest)
            if running is not None:
                return running
            future = self._pool.submit(lambda: self._job(source, email_id))
            if future is None:
                return Outcome(error="busy")
            self._inflight[source.digest] = future
        future.add_done_callback(lambda _f: self._forget(source.digest))
        return future

    def _forget(self, digest: str) -> None:
        with self._lock:
            self._inflight.pop(digest, None)

    def _entry(self, link: Mapping[str, Any], outcome: Outcome) -> dict[str, Any]:
        entry = dict(link)
        if outcome.copy is None:
            entry["r2_error"] = outcome.error or "internal_error"
            return entry
        try:
            entry["r2_url"] = outcome.copy.url or self._url_for(outcome.copy.key)
        except Exception:
            logger.exception("r2: no URL for a stored copy")
            entry["r2_error"] = "storage_error"
            return entry
        entry["original_filename"] = outcome.copy.filename
        return entry

    def _url_for(self, key: str) -> str:
        if self._store is None:
            raise FetchError("storage_error")
        return self._store.url_for(key)

    # -- one copy (pool thread) -------------------------------------------

    def _timeout_for(self, source: Source) -> float:
        return self._config.folder_timeout if source.folder else self._config.fetch_timeout

    def _job(self, source: Source, email_id: str) -> Outcome:
        timeout = self._timeout_for(source)
        deadline = Deadline.after(timeout)
        lock = self._redis.lock(
            self._keys.r2_copy_lock(source.digest), timeout=timeout + LOCK_MARGIN, blocking=False
        )
        if not lock.acquire():
            return self._await_other(source.digest, deadline)
        try:
            return self._lookup(source.digest) or self._copy(source, email_id, deadline)
        finally:
            try:
                lock.release()
            except LockError:
                logger.warning("r2: copy lock of %s expired before release", source.digest[:16])

    def _copy(self, source: Source, email_id: str, deadline: Deadline) -> Outcome:
        try:
            url = self._resolver.download_url(source, deadline)
            copy = self._copier.copy(source, url, email_id, deadline)
        except FetchError as exc:
            logger.warning(
                "r2 copy failed (%s) for %s link %s",
                exc.reason,
                source.provider,
                mask_url(source.url),
            )
            self._remember(source.digest, {"error": exc.reason}, R2_FAILURE_TTL)
            self._count("copies_failed", f"copies_failed:{exc.reason}")
            return Outcome(error=exc.reason)
        doc = {"key": copy.key, "filename": copy.filename, "url": copy.url}
        self._remember(source.digest, doc, r2_reuse_ttl(self._config.retention_seconds))
        self._count("copies_ok")
        logger.info(
            "r2 copy stored: %s link %s as %s", source.provider, mask_url(source.url), copy.key
        )
        return Outcome(copy=copy)

    def _await_other(self, digest: str, deadline: Deadline) -> Outcome:
        """Another process is copying this source: wait for its result within our timeout."""
        while not self._stopping.is_set():
            known = self._lookup(digest)
            if known is not None:
                return known
            try:
                left = deadline.remaining()
            except FetchError:
                return Outcome(error="timeout")
            self._stopping.wait(min(POLL_SECONDS, left))
        return Outcome(error="timeout")

    # -- the reuse map ----------------------------------------------------

    def _lookup(self, digest: str) -> Outcome | None:
        raw = self._redis.get(self._keys.r2_source(digest))
        if raw is None:
            return None
        doc = json.loads(cast(str, raw))
        if "error" in doc:
            return Outcome(error=str(doc["error"]))
        return Outcome(copy=Copy(doc["key"], doc["filename"], doc.get("url")), reused=True)

    def _remember(self, digest: str, doc: dict[str, Any], ttl: int) -> None:
        doc["at"] = self._clock()
        self._redis.set(self._keys.r2_source(digest), json.dumps(doc), ex=max(1, ttl))

    # -- metrics ----------------------------------------------------------

    def _count(self, *fields: str) -> None:
        try:
            pipe = self._redis.pipeline(transaction=False)
            for name in fields:
                pipe.hincrby(self._keys.r2_stats, name, 1)
            pipe.execute()
        except redis.RedisError:
            logger.warning("r2: counters not updated (Redis unavailable)")

    def _count_entries(
        self, entries: Iterable[Mapping[str, Any]], outcomes: Iterable[Outcome]
    ) -> None:
        fields: list[str] = []
        for entry, outcome in zip(entries, outcomes, strict=True):
            if "r2_error" in entry:
                fields += ["links_fallback", f"links_fallback:{entry['r2_error']}"]
            elif outcome.reused:
                fields.append("links_reused")
        if fields:
            self._count(*fields)

    def stats(self) -> dict[str, int]:
        """Counters since the Redis was created (exposed by /metrics as relais_r2_offloads)."""
        raw = cast(dict[str, str], self._redis.hgetall(self._keys.r2_stats))
        return {name: int(value) for name, value in raw.items()}

    # -- clean-up ---------------------------------------------------------

    def copy_attachment(
        self, email_id: str, part_id: str, name: str, content_type: str, data: bytes
    ) -> dict[str, str]:
        """An email's attachment into the bucket, with Relais's own access to it (the S3
        credentials): `{"r2_url": ...}`, or `{"r2_error": code}` when it cannot be stored
        (the email goes on without it). Deleted with the link copies after the retention."""
        if self._store is None:
            return {"r2_error": "no_bucket_access"}
        digest = hashlib.sha256(email_id.encode()).hexdigest()
        key = f"{ATTACHMENTS}/{digest[:8]}/{digest[8:16]}/{key_segment(part_id or '1')}/"
        key += key_segment(name or "attachment")
        try:
            self._store.upload(
                key,
                [data],
                content_type=content_type or "application/octet-stream",
                filename=name or "attachment",
            )
            url = self._store.url_for(key)
        except FetchError as exc:
            self._count("attachments_failed")
            return {"r2_error": exc.reason}
        except Exception:
            logger.exception("r2: attachment copy failed")
            self._count("attachments_failed")
            return {"r2_error": "storage_error"}
        self._count("attachments_copied")
        return {"r2_url": url}

    @property
    def can_clean(self) -> bool:
        """Whether Relais can reach the bucket (else: the lifecycle rule or the Worker's cron)."""
        return self._store is not None

    def cleanup(self) -> int | None:
        """Delete objects older than the retention; None when not possible or already running."""
        if self._store is None:
            return None
        lock = self._redis.lock(
            self._keys.r2_cleanup_lock, timeout=R2_CLEANUP_LOCK_TTL, blocking=False
        )
        if not lock.acquire():
            logger.info("r2 clean-up: another run holds the lock")
            return None
        try:
            cutoff = self._clock() - self._config.retention_seconds
            deleted = self._store.delete_older_than(cutoff, PROVIDER_PREFIXES)
        finally:
            try:
                lock.release()
            except LockError:
                logger.warning("r2 clean-up outlived its lock")
        self._count("cleanup_runs")
        logger.info("r2 clean-up: %d objects older than the retention deleted", deleted)
        return deleted

    # -- lifecycle --------------------------------------------------------

    def wait_idle(self, timeout: float) -> bool:
        """Wait for the copies and the clean-up under way (tests); True when none is left."""
        deadline = time.monotonic() + timeout
        with self._lock:
            running = list(self._inflight.values())
        _done, not_done = wait(running, timeout=timeout)
        cleaner = self._cleaner
        if cleaner is not None:
            cleaner.join(max(0.0, deadline - time.monotonic()))
        return not not_done and not (cleaner is not None and cleaner.is_alive())

    def close(self) -> None:
        """Stop the copy threads after their current copy; queued copies are dropped."""
        self._stopping.set()
        self._pool.close()


def _settle(item: Outcome | Future[Outcome]) -> Outcome:
    if isinstance(item, Outcome):
        return item
    if not item.done():
        return Outcome(error="timeout")
    if item.cancelled():
        return Outcome(error="cancelled")
    error = item.exception()
    if error is not None:
        logger.error("r2 copy crashed: %s", type(error).__name__, exc_info=error)
        return Outcome(error="internal_error")
    return item.result()


def build_r2_service(
    settings: Settings,
    client: redis.Redis,
    keys: Keys,
    clock: Callable[[], float],
    http: OutboundHttp,
    resolver: Resolver | None = None,
) -> R2TransferService | None:
    """The offload service from settings; None when R2_FETCH_ENABLED is off."""
    if not settings.r2_fetch_enabled:
        return None
    user_agent = f"Relais/{VERSION}"
    source_http = OutboundHttp(
        allow_private=False,
        allow_loopback=settings.r2_insecure_test_sources,
        resolver=resolver,
        pool_maxsize=settings.r2_concurrency,
    )
    fetcher = SourceFetcher(
        source_http, user_agent=user_agent, insecure=settings.r2_insecure_test_sources
    )
    store = _bucket_store(settings)
    return R2TransferService(
        client,
        keys,
        clock,
        resolver=LinkResolver(fetcher),
        copier=_copier(settings, http, fetcher, store, user_agent),
        store=store,
        config=OffloadConfig(
            offload_timeout=settings.r2_offload_timeout,
            fetch_timeout=settings.r2_fetch_timeout,
            folder_timeout=settings.r2_folder_fetch_timeout,
            retention_seconds=settings.r2_retention_hours * 3600,
            concurrency=settings.r2_concurrency,
            cleanup_interval_seconds=settings.r2_cleanup_interval_minutes * 60,
        ),
    )


def _secret(value: Any) -> str:
    return str(value.get_secret_value()) if value is not None else ""


def _bucket_store(settings: Settings) -> BucketStore | None:
    """Relais's own access to the bucket (direct mode; clean-up in either mode)."""
    if not s3_credentials_set(settings):
        return None
    client = s3_client(
        str(settings.r2_endpoint_url),
        _secret(settings.r2_access_key_id),
        _secret(settings.r2_secret_access_key),
        read_timeout=max(settings.r2_fetch_timeout, settings.r2_folder_fetch_timeout),
    )
    return BucketStore(
        client,
        str(settings.r2_bucket_name),
        public_base_url=settings.r2_public_base_url,
        presign_expiry=settings.r2_presign_expiry_seconds,
    )


def _copier(
    settings: Settings,
    http: OutboundHttp,
    fetcher: SourceFetcher,
    store: BucketStore | None,
    user_agent: str,
) -> Copier:
    if settings.r2_mode == "direct" and store is not None:
        return DirectCopier(fetcher, store, max_bytes=settings.r2_max_file_mb * 1024 * 1024)
    return WorkerCopier(
        http,
        endpoint=str(settings.r2_fetch_endpoint),
        token=_secret(settings.r2_fetch_token),
        bucket=str(settings.r2_bucket_name),
        user_agent=user_agent,
    )
