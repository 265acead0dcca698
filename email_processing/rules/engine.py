"""Rule evaluation: ordered rules, stop/continue, default route, and an explain trace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from email_processing.detectors.base import DetectorMatch
from email_processing.links import Link
from email_processing.normalize import NormalizedEmail
from email_processing.rules.matching import Atoms, Check, EvaluationInput
from email_processing.rules.models import Priority, Rule, RuleSet, WindowPolicy

DISABLED = "disabled"
AFTER_STOP = "after_stop"


class TraceEntry(NamedTuple):
    """What happened to one rule for one email."""

    rule_id: str
    name: str
    matched: bool
    skipped: str | None  # "disabled" | "after_stop" | None
    failed_condition: int | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "name": self.name,
            "matched": self.matched,
            "skipped": self.skipped,
            "failed_condition": self.failed_condition,
            "reason": self.reason,
        }


def _condition_label(rule: Rule, index: int) -> str:
    """`condition 1 (subject contains)`: field and operator, never the value."""
    condition = rule.conditions[index]
    return f"condition {index} ({condition.field} {condition.operator})"


def _entry(rule: Rule, *, matched: bool, failed: int | None, reason: str) -> TraceEntry:
    return TraceEntry(rule.id, rule.name, matched, None, failed, reason)


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its checks compiled and every trace entry it can produce built once."""

    rule: Rule
    checks: tuple[Check, ...]
    when_disabled: TraceEntry
    when_after_stop: TraceEntry
    when_matched: tuple[TraceEntry, ...]  # by deciding condition (all: only index 0 used)
    when_failed: tuple[TraceEntry, ...]  # by failing condition (any: only index 0 used)

    @classmethod
    def build(cls, rule: Rule, atoms: Atoms) -> CompiledRule:
        count = len(rule.conditions)
        labels = [_condition_label(rule, index) for index in range(count)]
        matched: tuple[TraceEntry, ...]
        failed: tuple[TraceEntry, ...]
        if rule.match == "all":
            matched = (_entry(rule, matched=True, failed=None, reason=f"all {count} matched"),)
            failed = tuple(
                _entry(rule, matched=False, failed=index, reason=f"{label} did not match")
                for index, label in enumerate(labels)
            )
        else:
            matched = tuple(
                _entry(rule, matched=True, failed=None, reason=f"{label} matched")
                for label in labels
            )
            failed = (_entry(rule, matched=False, failed=0, reason=f"none of {count} matched"),)
        return cls(
            rule=rule,
            checks=tuple(atoms.check(condition) for condition in rule.conditions),
            when_disabled=TraceEntry(rule.id, rule.name, False, DISABLED, None, "rule disabled"),
            when_after_stop=TraceEntry(
                rule.id, rule.name, False, AFTER_STOP, None, "an earlier rule stopped evaluation"
            ),
            when_matched=matched,
            when_failed=failed,
        )

    def evaluate(self, given: EvaluationInput) -> TraceEntry:
        """The trace entry of this rule for this email (`all`: first failing condition)."""
        if self.rule.match == "all":
            for index, check in enumerate(self.checks):
                if not check.holds(given):
                    return self.when_failed[index]
            return self.when_matched[0]
        for index, check in enumerate(self.checks):
            if check.holds(given):
                return self.when_matched[index]
        return self.when_failed[0]


@dataclass(frozen=True)
class CompiledRules:
    """A rule set ready to evaluate; build once per rule-set version and cache."""

    ruleset: RuleSet
    rules: tuple[CompiledRule, ...]
    view_count: int


def compile_rules(ruleset: RuleSet) -> CompiledRules:
    """Compile every condition into shared per-view RE2 Sets (the expensive step)."""
    atoms = Atoms()
    rules = tuple(CompiledRule.build(rule, atoms) for rule in ruleset.rules)
    atoms.compile()
    return CompiledRules(ruleset=ruleset, rules=rules, view_count=len(atoms.views))


@dataclass(frozen=True)
class RoutingDecision:
    """Where one email goes and why."""

    targets: tuple[str, ...]
    matched_rules: tuple[str, ...]
    used_default: bool
    dropped: bool
    priority: Priority
    window_policy: WindowPolicy | None
    trace: tuple[TraceEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, stored with the email and returned by the API."""
        return {
            "targets": list(self.targets),
            "matched_rules": list(self.matched_rules),
            "used_default": self.used_default,
            "dropped": self.dropped,
            "priority": self.priority,
            "window_policy": self.window_policy,
            "trace": [entry.to_dict() for entry in self.trace],
        }


@dataclass
class _Outcome:
    """Accumulates what matched rules decide."""

    targets: dict[str, None] = field(default_factory=dict)
    matched: list[str] = field(default_factory=list)
    priority: Priority = "normal"
    window_policy: WindowPolicy | None = None

    def add(self, rule: Rule) -> None:
        self.matched.append(rule.id)
        self.targets.update(dict.fromkeys(rule.actions.targets))
        if rule.actions.priority == "high":
            self.priority = "high"
        if self.window_policy is None:
            self.window_policy = rule.actions.window_policy


def _trace(compiled: CompiledRules, given: EvaluationInput, outcome: _Outcome) -> list[TraceEntry]:
    """Evaluate the rules in order, filling `outcome`; every rule gets one entry."""
    trace: list[TraceEntry] = []
    stopped = False
    for compiled_rule in compiled.rules:
        rule = compiled_rule.rule
        if not rule.enabled:
            trace.append(compiled_rule.when_disabled)
        elif stopped:
            trace.append(compiled_rule.when_after_stop)
        else:
            entry = compiled_rule.evaluate(given)
            trace.append(entry)
            if entry.matched:
                outcome.add(rule)
                stopped = rule.actions.stop
    return trace


def evaluate(
    compiled: CompiledRules,
    email: NormalizedEmail,
    links: Sequence[Link],
    detector: DetectorMatch | None,
    *,
    default_targets: Sequence[str] = (),
) -> RoutingDecision:
    """Route one email. `default_targets` are the caller's, used when the default route
    sends to the default targets and names none itself."""
    outcome = _Outcome()
    trace = tuple(_trace(compiled, EvaluationInput(email, links, detector), outcome))
    if outcome.matched:
        return RoutingDecision(
            tuple(outcome.targets),
            tuple(outcome.matched),
            False,
            False,
            outcome.priority,
            outcome.window_policy,
            trace,
        )
    route = compiled.ruleset.default_route
    if route.action == "drop":
        return RoutingDecision((), (), True, True, "normal", None, trace)
    targets = tuple(dict.fromkeys(route.targets or default_targets))
    return RoutingDecision(targets, (), True, False, "normal", None, trace)
