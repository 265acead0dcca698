"""The operator facade: what the admin API and the dashboard read and do across domains."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import redis

from config.keys import Keys
from config.settings import Settings
from services.access.build import Access
from services.delivery.build import Delivery
from services.documents.build import Documents
from services.documents.targets import ENV_TARGET_ID
from services.gmail.build import Gmail
from services.operator.config_io import ConfigIO
from services.operator.readiness import Readiness
from services.operator.records import Records
from services.operator.rules_lab import RulesLab
from services.operator.stats import Stats
from services.operator.target_stats import TargetStats
from services.operator.targets import TargetsAdmin
from services.operator.waiting import WaitingMail


@dataclass
class Operator:
    records: Records
    stats: Stats
    readiness: Readiness
    lab: RulesLab
    targets: TargetsAdmin
    config_io: ConfigIO
    waiting: WaitingMail


def build(
    settings: Settings,
    client: redis.Redis,
    keys: Keys,
    clock: Callable[[], float],
    documents: Documents,
    access: Access,
    delivery: Delivery,
    gmail: Gmail,
) -> Operator:
    """The operator's services, wired to keep waiting mail in step with every config write."""
    docs, queue = documents, delivery.queue
    requests = delivery.deliverer.requests
    records = Records(client, keys, queue, access.audit, clock, docs.flags, requests)
    lab = RulesLab(delivery.ingest, queue)
    targets = TargetsAdmin(
        docs.targets,
        docs.rules,
        delivery.deliverer,
        docs.preferences,
        queue,
        allow_private=settings.private_targets_allowed,
        env_managed=bool(settings.webhook_url),
        clock=clock,
        audit=access.audit,
        history=TargetStats(client, keys, clock),
    )
    waiting = WaitingMail(client, keys, queue, delivery.ingest, docs, records, access.audit, clock)
    docs.on_change(
        waiting.reconcile, "webhook_targets", "routing_rules", "time_windows", "processing_prefs"
    )
    delivery.set_reconciler(waiting)
    durability = delivery.durability
    stats = Stats(
        client,
        keys,
        queue,
        docs,
        clock,
        lambda: durability.current().level,
        lambda: [(m["address"], m["health"]) for m in gmail.mailboxes()],
    )
    return Operator(
        records=records,
        stats=stats,
        readiness=Readiness(client, keys, queue, docs.store, durability),
        lab=lab,
        targets=targets,
        config_io=ConfigIO(
            docs,
            clock,
            lab,
            targets.normalize_url,
            access.audit,
            env_target=ENV_TARGET_ID if settings.webhook_url else None,
        ),
        waiting=waiting,
    )
