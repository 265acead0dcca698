"""The documents facade: every config document's service, built from the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from config.settings import Settings
from config.store import ConfigStore
from services.access.audit import AuditLog
from services.documents.base import DocumentService
from services.documents.preferences import PreferencesService
from services.documents.registry import REGISTRY, DocumentKind
from services.documents.rules import RoutingRulesService
from services.documents.runtime_flags import RuntimeFlagsService
from services.documents.targets import WebhookTargetsService
from services.documents.time_windows import TimeWindowsService


@dataclass
class Documents:
    store: ConfigStore
    flags: RuntimeFlagsService
    targets: WebhookTargetsService
    rules: RoutingRulesService
    windows: TimeWindowsService
    preferences: PreferencesService

    def of(self, kind: DocumentKind) -> DocumentService[Any]:
        service: DocumentService[Any] = getattr(self, kind.attribute)
        return service

    def by_name(self) -> dict[str, DocumentService[Any]]:
        """Every document's service by its stored name, in the registry's order."""
        return {kind.name: self.of(kind) for kind in REGISTRY}

    def on_change(self, hook: Callable[[], object], *names: str) -> None:
        """Run `hook` after every write of these documents (all when none is named)."""
        for kind in REGISTRY:
            if not names or kind.name in names:
                self.of(kind).on_change.append(hook)


def build(
    store: ConfigStore, settings: Settings, clock: Callable[[], float], audit: AuditLog
) -> Documents:
    services = {kind.attribute: kind.service(store, settings, clock) for kind in REGISTRY}
    for service in services.values():
        service.audit = audit
    documents = Documents(store=store, **services)  # type: ignore[arg-type]
    documents.rules.targets = documents.targets  # rules name targets that must exist
    return documents
