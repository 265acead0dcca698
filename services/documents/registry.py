"""The one table of the config documents: their stored name, their service, their URL.

The container builds them from here, the admin API serves GET/PUT for those with a
`path`, the `check-config` command checks each stored one, and export/import covers them
all. A new document is one row here and its module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from config.settings import Settings
from config.store import ConfigStore
from email_processing.rules import RuleSet
from preferences import ProcessingPreferences
from services.documents.base import DocumentService
from services.documents.preferences import PreferencesService
from services.documents.rules import RoutingRulesService
from services.documents.runtime_flags import RuntimeFlags, RuntimeFlagsService
from services.documents.targets import TargetList, WebhookTargetsService
from services.documents.time_windows import TimeWindows, TimeWindowsService

ServiceClass = Callable[[ConfigStore, Settings, Callable[[], float]], DocumentService[Any]]


@dataclass(frozen=True)
class DocumentKind:
    name: str  # stored as config:<name>, exported and imported under it
    attribute: str  # on the Documents facade
    path: str | None  # GET/PUT /api/<path>; None: the document has an API of its own
    label: str
    model: type[BaseModel]  # what is stored, validated on every write and every import
    service: ServiceClass


REGISTRY: tuple[DocumentKind, ...] = (
    DocumentKind(
        "runtime_flags", "flags", "runtime_flags", "Runtime flags", RuntimeFlags,
        RuntimeFlagsService,
    ),
    DocumentKind(
        "webhook_targets", "targets", None, "Webhook targets", TargetList,
        WebhookTargetsService,
    ),
    DocumentKind(
        "routing_rules", "rules", "routing_rules", "Routing rules", RuleSet,
        RoutingRulesService,
    ),
    DocumentKind(
        "time_windows", "windows", "time_windows", "Schedule", TimeWindows, TimeWindowsService
    ),
    DocumentKind(
        "processing_prefs", "preferences", "preferences", "Preferences",
        ProcessingPreferences, PreferencesService,
    ),
)  # fmt: skip
