"""The routing rules document, compiled once per version; which rules name a target."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from config.settings import Settings
from config.store import ConfigStore
from email_processing.rules import CompiledRules, Rule, compile_rules
from email_processing.rules import RuleSet as RuleSet  # the document's model
from email_processing.rules.models import migrate_ruleset
from services.documents.base import DocumentService, Requires, Versioned
from services.documents.targets import TargetList, WebhookTargetsService
from services.errors import InvalidInput

DOCUMENT = "routing_rules"
DEFAULT_ROUTE = "default_route"


class RoutingRulesService(DocumentService[RuleSet]):
    """Rules are versioned: a save naming a stale version is refused (409)."""

    def __init__(self, store: ConfigStore, settings: Settings, clock: Callable[[], float]) -> None:
        super().__init__(store, DOCUMENT, RuleSet, RuleSet, clock)
        self._compiled_lock = threading.Lock()
        self._compiled: tuple[int, CompiledRules] | None = None
        self.targets: WebhookTargetsService | None = None  # set by the documents' build

    def save(
        self,
        value: RuleSet,
        expected_version: int | None = None,
        actor: str | None = None,
        requires: Requires[RuleSet, Any] | None = None,
    ) -> Versioned[RuleSet]:
        """Every target the rules name must exist when they are stored (422 names the rule);
        the rules are stored only while the targets are as they were checked."""
        if requires is None and self.targets is not None:
            requires = Requires(self.targets, check_targets)
        return super().save(value, expected_version, actor, requires)

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


def target_uses(rules: RuleSet, target_id: str) -> list[dict[str, str]]:
    """What names the target: each rule ({kind, id, name}), then the default route ({kind})."""
    uses = [
        {"kind": "rule", "id": rule.id, "name": rule.name}
        for rule in rules.rules
        if target_id in rule.actions.targets
    ]
    if target_id in rules.default_route.targets:
        uses.append({"kind": DEFAULT_ROUTE})
    return uses


def default_route_targets(rules: RuleSet, option_defaults: Sequence[str]) -> tuple[str, ...]:
    """Where an email that no rule claims goes: the targets the default route names, else
    the targets whose option puts them in it (`option_defaults`); none when it drops."""
    route = rules.default_route
    if route.action == "drop":
        return ()
    return tuple(dict.fromkeys(route.targets or option_defaults))


def without_target(rules: RuleSet, target_id: str) -> RuleSet:
    """The rules with the target removed from every rule and from the default route.

    A rule left with no target is switched off and kept (its conditions are the admin's
    work) until it is pointed elsewhere. A default route left with no target sends to the
    targets marked default, which is what an empty list means there.
    """
    route = rules.default_route
    targets = [t for t in route.targets if t != target_id]
    return rules.model_copy(
        update={
            "rules": [_rule_without(rule, target_id) for rule in rules.rules],
            "default_route": route.model_copy(update={"targets": targets}),
        }
    )


def _rule_without(rule: Rule, target_id: str) -> Rule:
    if target_id not in rule.actions.targets:
        return rule
    targets = [t for t in rule.actions.targets if t != target_id]
    return rule.model_copy(
        update={
            "actions": rule.actions.model_copy(update={"targets": targets}),
            "enabled": rule.enabled and bool(targets),
        }
    )


def check_targets(rules: RuleSet, targets: TargetList) -> None:
    """Every target a rule names must exist (422 names the rule)."""
    known = {t.id for t in targets.targets}
    for index, rule in enumerate(rules.rules):
        missing = [t for t in rule.actions.targets if t not in known]
        if missing:
            raise InvalidInput(
                f"rule {index} ({rule.id!r}): unknown target {', '.join(map(repr, missing))}"
            )
    missing = [t for t in rules.default_route.targets if t not in known]
    if missing:
        raise InvalidInput(f"default route: unknown target {', '.join(map(repr, missing))}")
