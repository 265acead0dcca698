"""Prometheus metrics. Counters and histograms go through prometheus-client, in multiprocess
mode under gunicorn (PROMETHEUS_MULTIPROC_DIR, set by gunicorn.conf.py), so a scrape sums
every worker. Queue gauges are read from Redis at scrape time: the same in every process.

Names follow Prometheus's conventions: the unit in the name (`_seconds`), counters exposed
with `_total` (prometheus-client appends it), one meaning per label. The README's
"Observe it" table lists every metric; tests/integration/test_observability.py compares it
with a real scrape, and deployment/ (Grafana dashboard, alert rules) uses only these names.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from config.redis_conn import REDIS_DOWN_ERRORS
from config.version import VERSION

ATTEMPT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30)


class Metrics:
    """The counters services increment; one per app (its own registry when single-process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.ingress = Counter(
            "relais_ingress_requests",
            "Apps Script requests (/api/ingress/*) by outcome (accepted, duplicate, ignored, "
            "parked, reconciled, refused, unavailable, error) and HTTP status code",
            ["outcome", "code"],
            registry=r,
        )
        self.deliveries = Counter(
            "relais_delivery_attempts",
            "Delivery attempts by outcome and target",
            ["outcome", "target"],
            registry=r,
        )
        self.attempt_seconds = Histogram(
            "relais_delivery_attempt_seconds",
            "Duration of one delivery attempt",
            ["outcome"],
            buckets=ATTEMPT_BUCKETS,
            registry=r,
        )
        self.redis_errors = Counter(
            "relais_redis_errors", "Redis operations that failed", ["component"], registry=r
        )
        self.auth_events = Counter(
            "relais_auth_events",
            "Dashboard access events: login_ok, login_failed, login_limited, csrf_refused, "
            "origin_refused, magic_link_ok, magic_link_refused",
            ["event"],
            registry=r,
        )

        self.gmail_notifications = Counter(
            "relais_gmail_notifications",
            "Pub/Sub pushes by outcome: recorded, unknown_mailbox, refused",
            ["outcome"],
            registry=r,
        )
        self.gmail_syncs = Counter(
            "relais_gmail_syncs",
            "Mailbox syncs by outcome: ok, full (history gone), error, needs_reconnect",
            ["outcome"],
            registry=r,
        )
        self.messages_admitted = Counter(
            "relais_messages_admitted",
            "Emails accepted (not duplicates) by source: apps_script, gmail_api",
            ["source"],
            registry=r,
        )
        self.gmail_sync_lag = Histogram(
            "relais_gmail_sync_lag_seconds",
            "From a message's arrival in Gmail (internalDate) to its admission",
            buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
            registry=r,
        )

    def count_ingress(self, code: int, decision: str | None, endpoint: str | None) -> None:
        """One answer of /api/ingress/*: its outcome and its HTTP status code."""
        self.ingress.labels(ingress_outcome(code, decision, endpoint), str(code)).inc()

    def exposition(self, gauges: Callable[[], dict[str, Any]]) -> bytes:
        """The text format: counters of every process, plus gauges read now."""
        scrape = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            MultiProcessCollector(scrape)
        else:
            scrape.register(_Forward(self.registry))
        scrape.register(_BuildInfo())
        scrape.register(_GaugeCollector(gauges))
        return generate_latest(scrape)


def ingress_outcome(code: int, decision: str | None, endpoint: str | None) -> str:
    """The `outcome` label of relais_ingress_requests: the ingest decision for a 200, else a
    word for the class of the HTTP code (the code itself goes in the `code` label)."""
    if code < 400:
        if decision:
            return decision
        return "reconciled" if endpoint and endpoint.endswith(".reconcile") else "ok"
    if code == 503:
        return "unavailable"
    return "refused" if code < 500 else "error"


class _Forward:
    """This process's own metrics, when not in multiprocess mode."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Any]:
        # Without the `_created` series, which multiprocess mode does not have either: one
        # exposition whether Relais runs under gunicorn or alone.
        for family in self._registry.collect():
            family.samples = [s for s in family.samples if not s.name.endswith("_created")]
            yield family

    def describe(self) -> list[Any]:
        return []


class _BuildInfo:
    """relais_build_info{version, python} 1: which release answers (joins in PromQL)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        info = GaugeMetricFamily(
            "relais_build_info",
            "Always 1; the labels tell the running release and Python version",
            labels=["version", "python"],
        )
        info.add_metric([VERSION, platform.python_version()], 1)
        yield info

    def describe(self) -> list[Any]:
        return []


class _GaugeCollector:
    """Queue state from Redis at scrape time; `relais_redis_up 0` when it cannot be read."""

    def __init__(self, gauges: Callable[[], dict[str, Any]]) -> None:
        self._gauges = gauges

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        up = GaugeMetricFamily("relais_redis_up", "1 when Redis answered this scrape")
        try:
            values = self._gauges()
        except REDIS_DOWN_ERRORS:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        queue = GaugeMetricFamily(
            "relais_queue_deliveries", "Deliveries by state", labels=["state"]
        )
        for state, count in values["states"].items():
            queue.add_metric([state], count)
        yield queue
        yield _gauge("relais_queue_due", "Deliveries due now", values["queue"]["due"])
        yield _gauge(
            "relais_queue_oldest_due_age_seconds",
            "Age of the oldest due delivery",
            values["queue"]["oldest_due_age_seconds"],
        )
        yield _gauge(
            "relais_store_degraded", "1 when config is served from the mirror", values["degraded"]
        )
        # Redis keeps `<outcome>` and `<outcome>:<reason>` fields: one family each, so that
        # neither label mixes two things and a sum by outcome counts each event once.
        offloads = CounterMetricFamily(
            "relais_r2_offloads",
            "R2 offload outcomes of every instance (kept in Redis)",
            labels=["outcome"],
        )
        failures = CounterMetricFamily(
            "relais_r2_offload_failures",
            "R2 offloads that failed, by outcome and reason (every instance, kept in Redis)",
            labels=["outcome", "reason"],
        )
        for field, count in sorted(values.get("r2", {}).items()):
            outcome, _, reason = field.partition(":")
            if reason:
                failures.add_metric([outcome, reason], count)
            else:
                offloads.add_metric([outcome], count)
        yield offloads
        yield failures

    def describe(self) -> list[Any]:
        return []


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc)
    family.add_metric([], value)
    return family
