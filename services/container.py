"""Builds every service once per app, wiring dependencies through constructors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import redis
from pydantic import SecretStr

from config.durability import DurabilityMonitor
from config.keys import DAY, Keys
from config.settings import Settings
from config.store import ConfigStore
from config.version import VERSION
from services.access.admin_auth import AdminAuth, SessionPolicy
from services.access.audit import AuditLog
from services.access.ingress_auth import IngressAuth
from services.access.magic_links import MagicLinks
from services.delivery.fsync import FsyncWait, wait_budget_ms
from services.delivery.ingest import IngestService
from services.delivery.queue import DeliveryQueue
from services.delivery.worker import Deliverer, WorkerConfig, WorkerPool
from services.documents.preferences import PreferencesService
from services.documents.rules import RoutingRulesService
from services.documents.runtime_flags import RuntimeFlagsService
from services.documents.targets import WebhookTargetsService
from services.documents.time_windows import TimeWindowsService
from services.metrics import Metrics
from services.net.http import OutboundHttp, Resolver
from services.offload.service import R2TransferService, build_r2_service
from services.operator.config_io import ConfigIO
from services.operator.readiness import Readiness
from services.operator.records import Records
from services.operator.rules_lab import RulesLab
from services.operator.stats import Stats
from services.operator.targets import TargetsAdmin
from services.operator.waiting import WaitingMail


@dataclass
class Services:
    settings: Settings
    clock: Callable[[], float]
    redis: redis.Redis
    keys: Keys
    store: ConfigStore
    durability: DurabilityMonitor
    flags: RuntimeFlagsService
    targets: WebhookTargetsService
    preferences: PreferencesService
    rules: RoutingRulesService
    windows: TimeWindowsService
    queue: DeliveryQueue
    ingest: IngestService
    lab: RulesLab
    ingress_auth: IngressAuth
    http: OutboundHttp
    deliverer: Deliverer
    workers: WorkerPool
    readiness: Readiness
    metrics: Metrics
    audit: AuditLog
    admin_auth: AdminAuth
    magic_links: MagicLinks
    targets_admin: TargetsAdmin
    records: Records
    stats: Stats
    config_io: ConfigIO
    waiting: WaitingMail
    r2: R2TransferService | None = None

    def close(self, grace: float | None = None) -> None:
        """Stop the delivery threads, then close the Redis and HTTP pools."""
        self.workers.stop(grace)
        if self.r2 is not None:
            self.r2.close()
        self.http.close()
        self.redis.close()


def secret_value(secret: SecretStr | None) -> str:
    if secret is None:
        raise ValueError("a required secret is missing (complete_secrets runs first)")
    return secret.get_secret_value()


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


def build_services(
    settings: Settings,
    client: redis.Redis,
    clock: Callable[[], float],
    resolver: Resolver | None = None,
) -> Services:
    keys = Keys(settings.redis_key_prefix)
    store = ConfigStore(client, keys, settings.data_dir / "config", clock)
    flags = RuntimeFlagsService(store, settings, clock)
    targets = WebhookTargetsService(store, settings, clock)
    preferences = PreferencesService(store, settings, clock)
    rules = RoutingRulesService(store, clock)
    windows = TimeWindowsService(store, settings, clock)
    durability = DurabilityMonitor(client, clock)
    queue = DeliveryQueue(
        client,
        keys,
        clock,
        dedup_ttl=settings.dedup_ttl_days * DAY,
        retention_ttl=settings.retention_days * DAY,
        fsync=FsyncWait(client, durability, wait_budget_ms(settings.redis_socket_timeout)),
    )
    http = OutboundHttp(
        allow_private=settings.private_targets_allowed,
        resolver=resolver,
        pool_maxsize=max(4, settings.worker_threads),
    )
    config = worker_config(settings)
    metrics = Metrics()
    ingest = IngestService(
        flags,
        targets,
        rules,
        windows,
        preferences,
        queue,
        clock,
        settings.match_body_max_chars,
        metrics,
        settings.gmail_sender_allowlist,
    )
    r2 = build_r2_service(settings, client, keys, clock, http, resolver)
    deliverer = Deliverer(queue, targets, preferences, http, clock, config, metrics, offload=r2)
    tokens = [
        s.get_secret_value()
        for s in (settings.process_api_token, settings.process_api_token_previous)
        if s is not None
    ]
    audit = AuditLog(client, keys, clock)
    records = Records(client, keys, queue, audit, clock, flags)
    lab = RulesLab(ingest, queue)
    targets_admin = TargetsAdmin(
        targets,
        rules,
        deliverer,
        preferences,
        queue,
        allow_private=settings.private_targets_allowed,
        env_managed=bool(settings.webhook_url),
        clock=clock,
    )
    waiting = WaitingMail(
        client, keys, queue, ingest, targets, rules, windows, preferences, records, audit, clock
    )
    for document in (flags, targets, preferences, rules, windows):
        document.audit = audit
    for document in (targets, preferences, rules, windows):
        document.on_change.append(waiting.reconcile)
    return Services(
        settings=settings,
        clock=clock,
        redis=client,
        keys=keys,
        store=store,
        durability=durability,
        flags=flags,
        targets=targets,
        preferences=preferences,
        rules=rules,
        windows=windows,
        queue=queue,
        ingest=ingest,
        lab=lab,
        ingress_auth=IngressAuth(
            tokens,
            settings.ingress_hmac_secret.get_secret_value()
            if settings.ingress_hmac_secret
            else None,
            settings.ingress_hmac_window_seconds,
            clock,
        ),
        http=http,
        deliverer=deliverer,
        workers=WorkerPool(
            queue, deliverer, preferences, targets, flags, config, clock, metrics, waiting
        ),
        readiness=Readiness(client, keys, queue, store, durability),
        metrics=metrics,
        audit=audit,
        admin_auth=AdminAuth(
            client,
            keys,
            settings.dashboard_user,
            secret_value(settings.dashboard_password),
            SessionPolicy(
                idle_seconds=settings.session_idle_minutes * 60,
                max_seconds=settings.session_max_hours * 3600,
                limit_per_ip=settings.login_limit_per_ip,
                limit_per_account=settings.login_limit_per_account,
                limit_window=settings.login_limit_window_seconds,
            ),
            clock,
        ),
        magic_links=MagicLinks(client, keys, settings.magic_link_ttl_minutes * 60, clock),
        targets_admin=targets_admin,
        records=records,
        stats=Stats(
            client,
            keys,
            queue,
            store,
            clock,
            targets,
            flags,
            durability=lambda: durability.current().level,
        ),
        config_io=ConfigIO(
            flags, targets, rules, windows, preferences, clock, lab, targets_admin.normalize_url
        ),
        waiting=waiting,
        r2=r2,
    )
