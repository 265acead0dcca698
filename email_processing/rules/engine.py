"""Rule evaluation: ordered rules, stop/continue, default route, and an explain trace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, NamedTuple

from email_processing.detectors.base import DetectorMatch
from email_processing.links import Link
from email_processing.normalize import NormalizedEmail
from email_processing.rules.matching import ConditionTable, EmailInput, Truth
from email_processing.rules.models import Priority, Rule, RuleSet, WindowPolicy

DISABLED = "disabled"
AFTER_STOP = "after_stop"


Why = dict[str, str | int]
"""Why a rule matched or not, as a code and its values (the dashboard words it in each
language); `reason` says the same in English for logs and the CLI. Codes: `all_matched`
and `none_matched` (`count`), `condition_matched` and `condition_failed` (`condition`,
counted from 0: its field and operator are the rule's), `disabled`, `after_stop`. Kept
short: it is stored with every email, once per rule."""


class TraceEntry(NamedTuple):
    """What happened to one rule for one email."""

    rule_id: str
    name: str
    matched: bool
    skipped: str | None  # "disabled" | "after_stop" | None
    failed_condition: int | None
    reason: str
    why: Why | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "name": self.name,
            "matched": self.matched,
            "skipped": self.skipped,
            "failed_condition": self.failed_condition,
            "reason": self.reason,
            "why": self.why,
        }


def _condition_label(rule: Rule, index: int) -> str:
    """`condition 1 (subject contains)`: field and operator, never the value."""
    condition = rule.conditions[index]
    return f"condition {index} ({condition.field} {condition.operator})"


def _entry(rule: Rule, *, matched: bool, failed: int | None, reason: str, why: Why) -> TraceEntry:
    return TraceEntry(rule.id, rule.name, matched, None, failed, reason, why)


def _by_condition(rule: Rule, index: int, *, matched: bool) -> TraceEntry:
    """The entry a single condition decides: it matched, or it did not."""
    label = _condition_label(rule, index)
    return _entry(
        rule,
        matched=matched,
        failed=None if matched else index,
        reason=f"{label} matched" if matched else f"{label} did not match",
        why={"code": "condition_matched" if matched else "condition_failed", "condition": index},
    )


def _entries(rule: Rule) -> tuple[tuple[TraceEntry, ...], tuple[TraceEntry, ...]]:
    """Trace entries when matched (by deciding condition) and failed (by failing one)."""
    count = len(rule.conditions)
    indexes = range(count)
    matched: tuple[TraceEntry, ...]
    failed: tuple[TraceEntry, ...]
    if rule.match == "all":
        failed = tuple(_by_condition(rule, index, matched=False) for index in indexes)
        if count == 1:
            return (_by_condition(rule, 0, matched=True),), failed
        reason = f"all {count} conditions matched"
        why: Why = {"code": "all_matched", "count": count}
        return (_entry(rule, matched=True, failed=None, reason=reason, why=why),), failed
    matched = tuple(_by_condition(rule, index, matched=True) for index in indexes)
    if count == 1:
        return matched, (_by_condition(rule, 0, matched=False),)
    reason = f"none of {count} conditions matched"
    why = {"code": "none_matched", "count": count}
    return matched, (_entry(rule, matched=False, failed=0, reason=reason, why=why),)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule as truth-list indexes, with every trace entry it can produce built once."""

    rule: Rule
    keys: tuple[int, ...]  # one per condition, into the per-email truth list
    views_needed: int  # views (in first-use order) that must be answered first
    match_all: bool
    enabled: bool
    stop: bool
    targets: tuple[str, ...]
    high: bool
    window_policy: WindowPolicy | None
    when_disabled: TraceEntry
    when_after_stop: TraceEntry
    when_matched: tuple[TraceEntry, ...]  # all: one entry; any: by deciding condition
    when_failed: tuple[TraceEntry, ...]  # all: by failing condition; any: one entry
    single_key: int  # the key of a one-condition rule, else -1
    by_truth: tuple[TraceEntry, TraceEntry]  # one-condition rule: (failed, matched)

    def decide(self, truth: list[bool]) -> TraceEntry:
        """This rule's trace entry for the email whose truth list is given."""
        if self.match_all:
            for index, key in enumerate(self.keys):
                if not truth[key]:
                    return self.when_failed[index]
            return self.when_matched[0]
        for index, key in enumerate(self.keys):
            if truth[key]:
                return self.when_matched[index]
        return self.when_failed[0]


@dataclass(frozen=True)
class _PendingRule:
    """A rule whose conditions are registered; its keys exist once the table is compiled."""

    rule: Rule
    conditions: list[tuple[int, int, bool]]  # (view position, atom, negated)

    @classmethod
    def register(cls, rule: Rule, table: ConditionTable) -> _PendingRule:
        return cls(rule, [table.add(condition) for condition in rule.conditions])

    def finish(self, table: ConditionTable) -> CompiledRule:
        rule = self.rule
        matched, failed = _entries(rule)
        return CompiledRule(
            rule=rule,
            keys=tuple(table.key(*condition) for condition in self.conditions),
            views_needed=1 + max(position for position, _, _ in self.conditions),
            match_all=rule.match == "all",
            enabled=rule.enabled,
            stop=rule.actions.stop,
            targets=tuple(rule.actions.targets),
            high=rule.actions.priority == "high",
            window_policy=rule.actions.window_policy,
            when_disabled=TraceEntry(
                rule.id, rule.name, False, DISABLED, None, "rule disabled", {"code": DISABLED}
            ),
            when_after_stop=TraceEntry(
                rule.id,
                rule.name,
                False,
                AFTER_STOP,
                None,
                "an earlier rule stopped evaluation",
                {"code": AFTER_STOP},
            ),
            when_matched=matched,
            when_failed=failed,
            single_key=table.key(*self.conditions[0]) if len(self.conditions) == 1 else -1,
            by_truth=(failed[0], matched[0]),
        )


@dataclass(frozen=True)
class CompiledRules:
    """A rule set ready to evaluate; build once per rule-set version and cache.

    Most rules see nothing of most emails: none of the atoms they test hit. Such a rule's
    entry is the one it gets when no atom hits (`baseline`), computed once here; per email
    only the rules testing an atom that hit are decided again (`rules_of_atom`).
    """

    ruleset: RuleSet
    rules: tuple[CompiledRule, ...]
    table: ConditionTable
    baseline: tuple[TraceEntry, ...]  # each rule's entry when no atom hits (stops ignored)
    after_stop: tuple[TraceEntry, ...]  # each rule's entry once an earlier rule stopped
    baseline_matched: tuple[int, ...]  # enabled rules that match when no atom hits
    baseline_stops: tuple[int, ...]  # those of them that stop
    rules_of_atom: tuple[tuple[int, ...], ...]  # atom number -> enabled rules testing it
    view_order: tuple[tuple[int, int], ...]  # (first enabled rule needing it, view position)

    @property
    def view_count(self) -> int:
        return len(self.table.views)


def _atoms_and_views(
    rules: tuple[CompiledRule, ...], atom_count: int, view_count: int
) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, int], ...]]:
    """Atom number -> the enabled rules testing it; and each view a rule tests, after the
    first enabled rule that needs it (a view no enabled rule tests is never answered)."""
    count = len(rules)
    rules_of_atom: list[list[int]] = [[] for _ in range(atom_count)]
    first_need = [count] * view_count
    for index, rule in enumerate(rules):
        if not rule.enabled:
            continue
        for atom in sorted({key // 2 for key in rule.keys}):
            rules_of_atom[atom].append(index)
        for position in range(rule.views_needed):
            first_need[position] = min(first_need[position], index)
    needed = ((need, view) for view, need in enumerate(first_need) if need < count)
    return tuple(tuple(indexes) for indexes in rules_of_atom), tuple(sorted(needed))


def _baseline(rules: tuple[CompiledRule, ...], atom_count: int) -> tuple[TraceEntry, ...]:
    """Each rule's entry for an email where no atom hits."""
    nothing = [False, True] * atom_count  # the truth list of such an email
    return tuple(rule.decide(nothing) if rule.enabled else rule.when_disabled for rule in rules)


def _after_stop(rule: CompiledRule) -> TraceEntry:
    return rule.when_after_stop if rule.enabled else rule.when_disabled


def compile_rules(ruleset: RuleSet) -> CompiledRules:
    """Compile every condition into shared per-view RE2 Sets (the expensive step)."""
    table = ConditionTable()
    pending = [_PendingRule.register(rule, table) for rule in ruleset.rules]
    table.compile()
    rules = tuple(item.finish(table) for item in pending)
    baseline = _baseline(rules, table.atom_count)
    matched = tuple(i for i, rule in enumerate(rules) if rule.enabled and baseline[i].matched)
    rules_of_atom, view_order = _atoms_and_views(rules, table.atom_count, len(table.views))
    return CompiledRules(
        ruleset=ruleset,
        rules=rules,
        table=table,
        baseline=baseline,
        after_stop=tuple(_after_stop(rule) for rule in rules),
        baseline_matched=matched,
        baseline_stops=tuple(index for index in matched if rules[index].stop),
        rules_of_atom=rules_of_atom,
        view_order=view_order,
    )


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


class _Run:
    """One email through the rules: the rules whose entry may differ from their baseline,
    decided in order once every view they need is answered, and the first rule that stops."""

    def __init__(self, compiled: CompiledRules, truth: Truth) -> None:
        self.compiled = compiled
        self.truth = truth
        self.dirty: set[int] = set()  # rules testing an atom that hit
        self.decided: dict[int, TraceEntry] = {}
        self.stop = len(compiled.rules)  # the first rule that matched and stops (else: none)

    def settle(self, limit: int) -> None:
        """Decide the dirty rules before `limit` (their views are all answered), and find
        the first stopping rule among the rules before it."""
        self._decide_dirty(limit)
        for index in self.compiled.baseline_stops:  # those whose entry is still the baseline
            if index >= min(limit, self.stop):
                break
            if index not in self.decided:
                self.stop = index
                break

    def _decide_dirty(self, limit: int) -> None:
        rules = self.compiled.rules
        values = self.truth.values
        decided = self.decided
        for index in sorted(i for i in self.dirty if i < limit and i not in decided):
            rule = rules[index]
            key = rule.single_key  # half the rules or more: one lookup, no call
            entry = rule.by_truth[values[key]] if key >= 0 else rule.decide(values)
            decided[index] = entry
            if entry.matched and rule.stop and index < self.stop:
                self.stop = index

    def _answer_views(self) -> None:
        """Answer the views in the order rules first need them, until a rule stops."""
        rules_of_atom = self.compiled.rules_of_atom
        for first_need, position in self.compiled.view_order:
            self.settle(first_need)
            if self.stop < first_need:
                break  # no rule before the stop needs this view or a later one
            for atom in self.truth.answer(position):
                self.dirty.update(rules_of_atom[atom])

    def run(self) -> tuple[list[TraceEntry], list[CompiledRule]]:
        """One trace entry per rule, and the rules that matched, in order."""
        compiled = self.compiled
        self._answer_views()
        self.settle(len(compiled.rules))
        stop = self.stop
        trace = list(compiled.baseline[: stop + 1])
        trace += compiled.after_stop[stop + 1 :]
        matched = [i for i in compiled.baseline_matched if i <= stop and i not in self.decided]
        for index, entry in self.decided.items():
            if index <= stop:
                trace[index] = entry
                if entry.matched:
                    matched.append(index)
        matched.sort()
        return trace, [compiled.rules[index] for index in matched]


def _decision(matched: list[CompiledRule], trace: tuple[TraceEntry, ...]) -> RoutingDecision:
    """What the matched rules decide together."""
    targets = dict.fromkeys(chain.from_iterable(rule.targets for rule in matched))
    policies = (rule.window_policy for rule in matched if rule.window_policy is not None)
    return RoutingDecision(
        targets=tuple(targets),
        matched_rules=tuple(rule.rule.id for rule in matched),
        used_default=False,
        dropped=False,
        priority="high" if any(rule.high for rule in matched) else "normal",
        window_policy=next(policies, None),
        trace=trace,
    )


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
    truth = Truth(compiled.table, EmailInput(email, links, detector))
    entries, matched = _Run(compiled, truth).run()
    trace = tuple(entries)
    if matched:
        return _decision(matched, trace)
    route = compiled.ruleset.default_route
    if route.action == "drop":
        return RoutingDecision((), (), True, True, "normal", None, trace)
    targets = tuple(dict.fromkeys(route.targets or default_targets))
    return RoutingDecision(targets, (), True, False, "normal", None, trace)
