"""The routing rules document, compiled once per version."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from config.store import ConfigStore
from email_processing.rules import CompiledRules, RuleSet, compile_rules
from email_processing.rules.models import migrate_ruleset
from services.documents import DocumentService

DOCUMENT = "routing_rules"


class RoutingRulesService(DocumentService[RuleSet]):
    """Rules are versioned: a save naming a stale version is refused (409)."""

    def __init__(self, store: ConfigStore, clock: Callable[[], float]) -> None:
        super().__init__(store, DOCUMENT, RuleSet, RuleSet, clock)
        self._compiled_lock = threading.Lock()
        self._compiled: tuple[int, CompiledRules] | None = None

    def _parse(self, data: Any) -> RuleSet:
        """Rules saved in an older format keep their meaning (`migrate_ruleset`)."""
        return super()._parse(migrate_ruleset(data))

    def compiled(self) -> CompiledRules:
        """The current rules, compiled once per version (1,000 rules take ~50 ms)."""
        current = self.get_versioned()
        with self._compiled_lock:
            cached = self._compiled
            if cached is not None and cached[0] == current.version:
                return cached[1]
        compiled = compile_rules(current.value)
        with self._compiled_lock:
            self._compiled = (current.version, compiled)
        return compiled
