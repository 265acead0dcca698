"""The delivery facade: ingest, the queue, the deliverer and the delivery threads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import redis

from config.durability import DurabilityMonitor
from config.keys import DAY, Keys
from config.settings import Settings
from config.version import VERSION
from services.delivery.fsync import FsyncWait, wait_budget_ms
from services.delivery.ingest import IngestService
from services.delivery.queue import DeliveryQueue
from services.delivery.worker import Deliverer, LinkOffload, Reconciler, WorkerConfig, WorkerPool
from services.documents.build import Documents
from services.metrics import Metrics
from services.net.http import OutboundHttp


class Companion(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Delivery:
    durability: DurabilityMonitor
    queue: DeliveryQueue
    ingest: IngestService
    http: OutboundHttp
    deliverer: Deliverer
    documents: Documents
    settings: Settings
    clock: Callable[[], float]
    metrics: Metrics
    reconciler: Reconciler | None = None
    companions: list[Companion] = field(default_factory=list)
    workers: WorkerPool = field(init=False)

    def __post_init__(self) -> None:
        self.workers = self.pool(self.settings.worker_threads)

    def pool(self, threads: int) -> WorkerPool:
        """A pool of `threads` delivery threads (not started)."""
        docs = self.documents
        return WorkerPool(
            self.queue,
            self.deliverer,
            docs.preferences,
            docs.targets,
            docs.flags,
            worker_config(self.settings, threads),
            self.clock,
            self.metrics,
            self.reconciler,
        )

    def start_workers(self, threads: int | None = None) -> WorkerPool:
        """The one way delivery threads start (gunicorn's worker hook, the `worker` command):
        this process's pool, or one of `threads` threads; returned running."""
        pool = self.workers if threads is None else self.pool(threads)
        pool.start()
        for companion in self.companions:
            companion.start()
        return pool

    def stop_workers(self, grace: float | None = None, pool: WorkerPool | None = None) -> None:
        """Stop this process's delivery threads (`pool`, as start_workers returned it) and
        the threads that run beside them."""
        for companion in self.companions:
            companion.stop()
        (pool or self.workers).stop(grace)

    def add_companion(self, companion: Companion) -> None:
        """A thread that runs wherever delivery threads run (the Gmail sync): started and
        stopped with them."""
        self.companions.append(companion)

    def set_reconciler(self, reconciler: Reconciler) -> None:
        """Idle delivery threads keep waiting mail in step with the configuration."""
        self.reconciler = reconciler
        self.workers.reconciler = reconciler


def worker_config(settings: Settings, threads: int | None = None) -> WorkerConfig:
    return WorkerConfig(
        threads=settings.worker_threads if threads is None else threads,
        lease_seconds=settings.worker_lease_seconds,
        grace_seconds=settings.shutdown_grace_seconds,
        connect_timeout=settings.webhook_connect_timeout,
        jitter=settings.retry_jitter,
        retry_after_max=settings.retry_after_max_seconds,
        user_agent=f"Relais/{VERSION}",
        max_in_flight=settings.target_max_in_flight,
        breaker_failures=settings.circuit_breaker_failures,
        breaker_cooldown=settings.circuit_breaker_cooldown_seconds,
        breaker_cooldown_max=settings.circuit_breaker_cooldown_max_seconds,
    )


def build(
    settings: Settings,
    client: redis.Redis,
    keys: Keys,
    clock: Callable[[], float],
    documents: Documents,
    metrics: Metrics,
    http: OutboundHttp,
    offload: LinkOffload | None,
) -> Delivery:
    durability = DurabilityMonitor(client, clock)
    fsync = FsyncWait(client, durability, wait_budget_ms(settings.redis_socket_timeout))
    queue = DeliveryQueue(
        client,
        keys,
        clock,
        dedup_ttl=settings.dedup_ttl_days * DAY,
        retention_ttl=settings.retention_days * DAY,
        fsync=fsync,
    )
    ingest = IngestService(
        documents.flags,
        documents.targets,
        documents.rules,
        documents.windows,
        documents.preferences,
        queue,
        clock,
        settings.match_body_max_chars,
        metrics,
        settings.gmail_sender_allowlist,
    )
    deliverer = Deliverer(
        queue,
        documents.targets,
        documents.preferences,
        http,
        clock,
        worker_config(settings),
        metrics,
        offload=offload,
    )
    return Delivery(durability, queue, ingest, http, deliverer, documents, settings, clock, metrics)
