"""Builds every service once per app: one facade per domain, each from its own build().

Floors, top to bottom (an import never goes up): operator → gmail → delivery → documents →
offload, access → net, metrics, errors → email_processing, config, preferences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import redis

from config.keys import Keys
from config.settings import Settings
from config.store import ConfigStore
from services.access import build as access_build
from services.access.build import Access
from services.delivery import build as delivery_build
from services.delivery.build import Delivery
from services.documents import build as documents_build
from services.documents.build import Documents
from services.gmail import build as gmail_build
from services.gmail.build import Gmail
from services.metrics import Metrics
from services.net.http import OutboundHttp, Resolver
from services.offload.service import R2TransferService, build_r2_service
from services.operator import build as operator_build
from services.operator.build import Operator


@dataclass
class Services:
    settings: Settings
    clock: Callable[[], float]
    redis: redis.Redis
    keys: Keys
    metrics: Metrics
    access: Access
    documents: Documents
    offload: R2TransferService | None
    delivery: Delivery
    gmail: Gmail
    operator: Operator

    def close(self, grace: float | None = None) -> None:
        """Stop the delivery threads, then close the Redis and HTTP pools."""
        self.delivery.stop_workers(grace)
        self.gmail.close()
        if self.offload is not None:
            self.offload.close()
        self.delivery.http.close()
        self.redis.close()


def build_services(
    settings: Settings,
    client: redis.Redis,
    clock: Callable[[], float],
    resolver: Resolver | None = None,
) -> Services:
    keys = Keys(settings.redis_key_prefix)
    metrics = Metrics()
    access = access_build.build(settings, client, keys, clock)
    store = ConfigStore(client, keys, settings.data_dir / "config", clock)
    documents = documents_build.build(store, settings, clock, access.audit)
    http = OutboundHttp(
        allow_private=settings.private_targets_allowed,
        resolver=resolver,
        pool_maxsize=max(4, settings.worker_threads),
    )
    offload = build_r2_service(settings, client, keys, clock, http, resolver)
    delivery = delivery_build.build(
        settings, client, keys, clock, documents, metrics, http, offload
    )
    gmail = gmail_build.build(
        settings, client, keys, clock, delivery, access.audit, metrics, offload
    )
    gmail.connect_from_env()
    operator = operator_build.build(
        settings, client, keys, clock, documents, access, delivery, gmail
    )
    return Services(
        settings,
        clock,
        client,
        keys,
        metrics,
        access,
        documents,
        offload,
        delivery,
        gmail,
        operator,
    )
